/**
 * The conformance suite every database passes through the Knex loader:
 * `testLoader({ name: 'sqlite', connect })` in that database's test file.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Knex } from 'knex';
import { createSerializer, hydrate, ref, refOf } from '@cereal/core';
import { msgpackFormat } from '@cereal/msgpack';
import { knexLoader, knexLoaders, type KnexLoader } from '../../src/index.js';
import { rejects } from '../../../core/test/_fixtures.js';

export { rejects };

export interface LoaderTarget {
  /** Shown in the suite names: `sqlite`, `postgres`, `mariadb`. */
  name: string;
  /** A new Knex instance for this database; the suite destroys it in `after`. */
  connect(): Knex;
}

const BIG = 9007199254740993n; // 2^53 + 1: a double would read it as 2^53

/** Counts the statements `db` runs during `fn`. */
export async function countQueries<T>(db: Knex, fn: () => Promise<T>): Promise<[T, number]> {
  let count = 0;
  const listener = (): void => void count++;
  db.on('query', listener);
  try {
    return [await fn(), count];
  } finally {
    db.off('query', listener);
  }
}

export function testLoader(target: LoaderTarget): void {
  const Loader = suite<{ db: Knex; t: Record<'users' | 'orders' | 'big' | 'codes', string> }>(`testLoader(${target.name})`, {} as never);
  const prefix = `cereal_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;

  Loader.before(async (ctx) => {
    ctx.db = target.connect();
    ctx.t = { users: `${prefix}_users`, orders: `${prefix}_orders`, big: `${prefix}_big`, codes: `${prefix}_codes` };
    const { db, t } = ctx;
    await db.schema.createTable(t.users, (tb) => {
      tb.integer('id').primary();
      tb.string('name', 64);
      tb.integer('visits');
      tb.timestamp('deleted_at').nullable();
    });
    await db.schema.createTable(t.orders, (tb) => {
      tb.integer('tenant_id');
      tb.integer('id');
      tb.integer('total');
      tb.primary(['tenant_id', 'id']);
    });
    await db.schema.createTable(t.big, (tb) => {
      tb.bigInteger('id').primary();
      tb.integer('visits');
    });
    await db.schema.createTable(t.codes, (tb) => {
      tb.string('code', 64).primary();
      tb.string('label', 64);
    });
    await db(t.users).insert([
      { id: 1, name: 'Ada', visits: 3 },
      { id: 2, name: 'Grace', visits: 5 },
      { id: 3, name: 'Edsger', visits: 8, deleted_at: new Date('2026-01-01T00:00:00Z') },
    ]);
    await db(t.orders).insert([{ tenant_id: 7, id: 1001, total: 5 }, { tenant_id: 7, id: 1002, total: 9 }, { tenant_id: 8, id: 1001, total: 1 }]);
    await db(t.big).insert([{ id: BIG, visits: 1 }, { id: BIG - 1n, visits: 2 }]);
    await db(t.codes).insert([{ code: 'abc', label: 'lower' }, { code: 'a,b', label: 'comma' }]);
  });

  Loader.after(async ({ db, t }) => {
    for (const table of Object.values(t)) await db.schema.dropTableIfExists(table);
    await db.destroy();
  });

  Loader('loads the rows that exist, in any order, and keyOf gives their keys', async ({ db, t }) => {
    const users = knexLoader(db, { table: t.users });
    const rows = await users.load([2, 1, 99]);
    assert.equal(rows.map((r) => Number(users.keyOf(r))).sort(), [1, 2]);
    assert.is(users.arity, 1);
  });

  Loader('an ordinary integer column comes back as the driver returns it: a number', async ({ db, t }) => {
    const [row] = await knexLoader(db, { table: t.users }).load([1]);
    assert.is(typeof row?.id, 'number');
    assert.is(row?.visits, 3);
  });

  Loader('decodes refs to fresh rows in one statement per model', async ({ db, t }) => {
    const loaders = knexLoaders(db, { users: t.users, orders: { table: t.orders, primaryKey: ['tenant_id', 'id'] } });
    for (const loader of Object.values(loaders)) await (loader as KnexLoader).prepare();
    const cereal = createSerializer({ format: msgpackFormat(), loaders });
    const wire = cereal.encode({ to: [ref('users', 1), ref('users', 2), ref('users', 1)], order: ref('orders', [7, 1002]) });
    await db(t.users).where({ id: 1 }).update({ name: 'Ada Lovelace' });
    const [out, queries] = await countQueries(db, () => cereal.decode(wire));
    const { to, order } = out as { to: Record<string, unknown>[]; order: Record<string, unknown> };
    assert.is(queries, 2);
    assert.is(to[0]?.name, 'Ada Lovelace');
    assert.is(to[1]?.name, 'Grace');
    assert.ok(to[0] === to[2]);
    assert.is(order.total, 9);
    assert.is(refOf(to[0]!)?.key, 'users:1');
    await db(t.users).where({ id: 1 }).update({ name: 'Ada' });
  });

  Loader('composite keys load part by part, never crossing tenants', async ({ db, t }) => {
    const orders = knexLoader(db, { table: t.orders, primaryKey: ['tenant_id', 'id'] });
    const out = await hydrate([ref('orders', [8, 1001]), ref('orders', [7, 1001]), ref('orders', ['7', 1002n])], { orders });
    assert.equal(out.map((r) => (r as unknown as { total: number }).total), [1, 5, 9]);
    assert.is(orders.arity, 2);
  });

  Loader('a composite key of the wrong shape is INVALID_REF with no statement run', async ({ db, t }) => {
    const loaders = { orders: knexLoader(db, { table: t.orders, primaryKey: ['tenant_id', 'id'] }) };
    const [err, queries] = await countQueries(db, () => rejects(() => hydrate([ref('orders', 1001)], loaders)));
    assert.is(err.code, 'INVALID_REF');
    assert.is(queries, 0);
  });

  Loader('a ref to a model outside the loader map fails before any statement, known refs included', async ({ db, t }) => {
    const loaders = knexLoaders(db, { users: t.users });
    const [err, queries] = await countQueries(db, () => rejects(() => hydrate([ref('users', 1), ref('invoices', 1)], loaders)));
    assert.is(err.code, 'UNKNOWN_MODEL');
    assert.is(queries, 0);
  });

  Loader('chunks keys into statements of chunkSize', async ({ db, t }) => {
    const users = knexLoader(db, { table: t.users, chunkSize: 2 });
    await users.prepare();
    const [rows, queries] = await countQueries(db, () => users.load([1, 2, 3, 4, 5]));
    assert.is(queries, 3);
    assert.is(rows.length, 3);
    const orders = knexLoader(db, { table: t.orders, primaryKey: ['tenant_id', 'id'], chunkSize: 1 });
    await orders.prepare();
    const [orderRows, orderQueries] = await countQueries(db, () => orders.load([[7, 1001], [7, 1002], [8, 1001]]));
    assert.is(orderQueries, 3);
    assert.is(orderRows.length, 3);
  });

  Loader('the default chunk fills the driver\'s parameter limit: one more key costs one more statement', async ({ db, t }) => {
    const users = knexLoader(db, { table: t.users });
    const orders = knexLoader(db, { table: t.orders, primaryKey: ['tenant_id', 'id'] });
    await users.prepare();
    await orders.prepare();
    assert.ok(orders.chunkSize * 2 <= users.chunkSize + 100);
    const keys = Array.from({ length: users.chunkSize + 1 }, (_, i) => i + 1);
    const [rows, queries] = await countQueries(db, () => users.load(keys));
    assert.is(queries, 2);
    assert.is(rows.length, 3);
    const tuples = Array.from({ length: orders.chunkSize + 1 }, (_, i) => [7, 1001 + i]);
    const [orderRows, orderQueries] = await countQueries(db, () => orders.load(tuples));
    assert.is(orderQueries, 2);
    assert.is(orderRows.length, 2);
  });

  Loader('columns selects only those columns and always the key', async ({ db, t }) => {
    const [row] = await knexLoader(db, { table: t.users, columns: ['name'] }).load([2]);
    assert.equal(Object.keys(row!).sort(), ['id', 'name']);
  });

  Loader('scope hides rows: a soft-deleted row is missing', async ({ db, t }) => {
    const users = knexLoader(db, { table: t.users, scope: (q) => q.whereNull('deleted_at') });
    const err = await rejects(() => hydrate([ref('users', 1), ref('users', 3)], { users }));
    assert.is(err.code, 'MISSING_ROW');
    assert.equal(err.refs?.map((r) => r.key), ['users:3']);
    const out = await hydrate([ref('users', 1), ref('users', 3)], { users }, { missing: 'null' });
    assert.is(out[1], null);
  });

  Loader('missing rows are one MISSING_ROW listing each of them', async ({ db, t }) => {
    const err = await rejects(() => hydrate([ref('users', 1), ref('users', 41), ref('users', 42)], { users: knexLoader(db, { table: t.users }) }));
    assert.is(err.code, 'MISSING_ROW');
    assert.equal(err.refs?.map((r) => r.key), ['users:41', 'users:42']);
  });

  Loader('keys above 2^53 keep their precision', async ({ db, t }) => {
    const big = knexLoader(db, { table: t.big });
    const out = await hydrate([ref('big', BIG), ref('big', String(BIG - 1n))], { big });
    const [a, b] = out as unknown as { id: unknown; visits: unknown }[];
    assert.is(String(a!.id), String(BIG));
    assert.is(String(b!.id), String(BIG - 1n));
    assert.is(a!.visits, 1);
    assert.is(typeof a!.visits, 'number');
  });

  Loader('text keys, including ones with commas', async ({ db, t }) => {
    const out = await hydrate([ref('codes', 'abc'), ref('codes', 'a,b')], { codes: knexLoader(db, { table: t.codes, primaryKey: 'code' }) });
    assert.equal(out.map((r) => (r as unknown as { label: string }).label), ['lower', 'comma']);
  });

  Loader('inside a transaction, loads see its uncommitted writes', async ({ db, t }) => {
    // Load through the transaction, not the root instance: SQLite's pool holds one connection,
    // which the open transaction has, so a load through `db` would wait for it forever.
    const rollback = new Error('rollback');
    let seen: unknown;
    await db.transaction(async (trx) => {
      await trx(t.users).insert({ id: 50, name: 'Uncommitted', visits: 0 });
      const out = await hydrate({ u: ref('users', 50) }, { users: knexLoader(trx, { table: t.users }) });
      seen = (out.u as unknown as { name: string }).name;
      throw rollback;
    }).catch((err: unknown) => {
      if (err !== rollback) throw err;
    });
    assert.is(seen, 'Uncommitted');
    const err = await rejects(() => hydrate([ref('users', 50)], { users: knexLoader(db, { table: t.users }) }));
    assert.is(err.code, 'MISSING_ROW');
  });

  Loader('a database error is LOAD_FAILED, retryable, with the driver error as cause', async ({ db, t }) => {
    const err = await rejects(() => hydrate([ref('users', 1)], { users: knexLoader(db, { table: `${t.users}_nope` }) }));
    assert.is(err.code, 'LOAD_FAILED');
    assert.is(err.retryable, true);
    assert.instance(err.cause, Error);
  });

  Loader('bad options are INVALID_OPTION', async ({ db, t }) => {
    const cases = [
      () => knexLoader({} as never, { table: t.users }),
      () => knexLoader(db, { table: '' }),
      () => knexLoader(db, { table: t.users, primaryKey: [] }),
      () => knexLoader(db, { table: t.users, chunkSize: 0 }),
      () => knexLoader(db, { table: t.users, chunkSize: 1e9 }),
      () => knexLoader(db, { table: t.users, scope: 'deleted_at is null' as never }),
      () => knexLoaders(db, null as never),
    ];
    for (const make of cases) assert.is((await rejects(make)).code, 'INVALID_OPTION');
  });

  Loader.run();
}
