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
import { rejects } from '@cereal/testkit';

export { rejects };

export interface LoaderTarget {
  /** Shown in the suite names: `sqlite`, `postgres`, `mariadb`. */
  name: string;
  /** A new Knex instance for this database; the suite destroys it in `after`. */
  connect(): Knex;
  /** The schema unqualified table names resolve to (`main`, `public`, the MySQL database). */
  schema: string;
}

const BIG = 9007199254740993n; // 2^53 + 1: a double would read it as 2^53

/** What `db` sent and received during a call: statements, their bound values, rows returned. */
export interface Traffic {
  statements: number;
  bindings: unknown[];
  rows: number;
}

/** Watches the statements `db` runs during `fn`. */
export async function watch<T>(db: Knex, fn: () => Promise<T>): Promise<[T, Traffic]> {
  const seen: Traffic = { statements: 0, bindings: [], rows: 0 };
  const sent = (query: { bindings?: unknown[] }): void => {
    seen.statements++;
    seen.bindings.push(...(query.bindings ?? []));
  };
  const received = (response: unknown): void => void (seen.rows += Array.isArray(response) ? response.length : 0);
  db.on('query', sent).on('query-response', received);
  try {
    return [await fn(), seen];
  } finally {
    db.off('query', sent).off('query-response', received);
  }
}

/** `loaders` once each has read its table: watching a load then sees its key statements only. */
export async function prepared<L extends Record<string, KnexLoader>>(loaders: L): Promise<L> {
  for (const loader of Object.values(loaders)) await loader.prepare();
  return loaders;
}

/** Counts the statements `db` runs during `fn`. */
export async function countQueries<T>(db: Knex, fn: () => Promise<T>): Promise<[T, number]> {
  const [out, { statements }] = await watch(db, fn);
  return [out, statements];
}

export function testLoader(target: LoaderTarget): void {
  const Loader = suite<{ db: Knex; t: Record<'users' | 'orders' | 'big' | 'codes' | 'pairs', string> }>(`testLoader(${target.name})`, {} as never);
  const prefix = `cereal_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;

  Loader.before(async (ctx) => {
    ctx.db = target.connect();
    ctx.t = { users: `${prefix}_users`, orders: `${prefix}_orders`, big: `${prefix}_big`, codes: `${prefix}_codes`, pairs: `${prefix}_pairs` };
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
    await db.schema.createTable(t.pairs, (tb) => {
      tb.integer('tenant_id');
      tb.string('code', 32);
      tb.string('label', 16);
      tb.primary(['tenant_id', 'code']);
    });
    await db(t.users).insert([
      { id: 1, name: 'Ada', visits: 3 },
      { id: 2, name: 'Grace', visits: 5 },
      { id: 3, name: 'Edsger', visits: 8, deleted_at: new Date('2026-01-01T00:00:00Z') },
    ]);
    await db(t.orders).insert([{ tenant_id: 7, id: 1001, total: 5 }, { tenant_id: 7, id: 1002, total: 9 }, { tenant_id: 8, id: 1001, total: 1 }]);
    await db(t.big).insert([{ id: BIG, visits: 1 }, { id: BIG - 1n, visits: 2 }]);
    await db(t.codes).insert([
      { code: 'abc', label: 'lower' },
      { code: 'a,b', label: 'comma' },
      { code: '42', label: 'digits' },
      { code: String(2n ** 62n + 1n), label: 'wide' },
      { code: String(2n ** 65n), label: 'huge' },
    ]);
    await db(t.pairs).insert([{ tenant_id: 7, code: '42', label: 'seven' }, { tenant_id: 8, code: 'abc', label: 'eight' }]);
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
    const loaders = await prepared(knexLoaders(db, { users: t.users, orders: { table: t.orders, primaryKey: ['tenant_id', 'id'] } }) as Record<string, KnexLoader>);
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
    const err = await rejects(() => hydrate([ref('users', 1)], { users: knexLoader(db, { table: t.users, columns: ['no_such_column'] }) }));
    assert.is(err.code, 'LOAD_FAILED');
    assert.is(err.retryable, true);
    assert.instance(err.cause, Error);
  });

  // Keys are bound as their column's type: one key is one row on every database.

  Loader('a number, a bigint and a text key name the same text key: 42, 42n and \'42\' all find the row \'42\'', async ({ db, t }) => {
    const codes = { codes: knexLoader(db, { table: t.codes, primaryKey: 'code' }) };
    for (const pk of [42, 42n, '42']) {
      const [row] = (await hydrate([ref('codes', pk)], codes)) as unknown as { label: string }[];
      assert.is(row?.label, 'digits', `${typeof pk} ${String(pk)}`);
    }
  });

  Loader('a text key column gets every key part as text, a bigint beyond 2^53 or 2^64 as its decimal digits', async ({ db, t }) => {
    const codes = await prepared({ codes: knexLoader(db, { table: t.codes, primaryKey: 'code' }) });
    const [[wide, huge], seen] = await watch(db, () => hydrate([ref('codes', 2n ** 62n + 1n), ref('codes', 2n ** 65n)], codes));
    assert.equal([wide, huge].map((row) => (row as unknown as { label: string }).label), ['wide', 'huge']);
    assert.ok(seen.bindings.every((value) => typeof value === 'string'), String(seen.bindings));
  });

  Loader('a number key on a text key column never matches other text: ref(codes, 0) is missing and reads no row', async ({ db, t }) => {
    const codes = await prepared({ codes: knexLoader(db, { table: t.codes, primaryKey: 'code' }) });
    const [err, seen] = await watch(db, () => rejects(() => hydrate([ref('codes', 0)], codes)));
    assert.is(err.code, 'MISSING_ROW');
    assert.is(seen.rows, 0);
  });

  Loader('on an integer key column, text that is not a canonical integer names no row and is never sent', async ({ db, t }) => {
    const users = await prepared({ users: knexLoader(db, { table: t.users }) });
    const bad = ['abc', '042', '1e3', '0x10', ' 1', '1 ', '+1', '-0', '1.0', ''];
    const [err, seen] = await watch(db, () => rejects(() => hydrate([ref('users', '2'), ...bad.map((pk) => ref('users', pk))], users)));
    assert.is(err.code, 'MISSING_ROW');
    assert.equal(err.refs?.map((r) => r.pk), bad);
    assert.equal(seen.bindings, [2]);
  });

  Loader('integers no integer key column can hold are missing and never sent', async ({ db, t }) => {
    const users = await prepared({ users: knexLoader(db, { table: t.users }) });
    const bad = [2n ** 63n, -(2n ** 63n) - 1n, String(2n ** 64n)];
    const [err, seen] = await watch(db, () => rejects(() => hydrate([ref('users', 1), ...bad.map((pk) => ref('users', pk))], users)));
    assert.equal(err.refs?.map((r) => r.pk), bad);
    assert.equal(seen.bindings, [1]);
  });

  Loader('each part of a composite key is bound as its own column\'s type', async ({ db, t }) => {
    const pairs = await prepared({ pairs: knexLoader(db, { table: t.pairs, primaryKey: ['tenant_id', 'code'] }) });
    const [rows] = (await hydrate([[ref('pairs', ['7', 42]), ref('pairs', [8n, 'abc'])]], pairs)) as unknown as { label: string }[][];
    assert.equal(rows?.map((row) => row.label), ['seven', 'eight']);
    const [err, seen] = await watch(db, () => rejects(() => hydrate([ref('pairs', ['x', '42']), ref('pairs', [7, 0])], pairs)));
    assert.equal(err.refs?.map((r) => r.key), ['pairs:x,42', 'pairs:7,0']);
    assert.equal(seen.bindings, [7, '0']);
  });

  // What the loader reads about its table, and what it refuses.

  Loader('a schema-qualified table (`schema.table`) has its key types read too: a bad key is missing, not a failed load', async ({ db, t }) => {
    const users = { users: knexLoader(db, { table: `${target.schema}.${t.users}` }) };
    const err = await rejects(() => hydrate([ref('users', 1), ref('users', 'abc'), ref('users', 2n ** 63n)], users));
    assert.is(err.code, 'MISSING_ROW', err.message);
    assert.equal(err.refs?.map((r) => r.key), ['users:abc', `users:${2n ** 63n}`]);
  });

  Loader('a table that does not exist is INVALID_OPTION naming it, from prepare() and from a load, with no key statement', async ({ db, t }) => {
    const table = `${t.users}_nope`;
    const nope = knexLoader(db, { table });
    const early = await rejects(() => nope.prepare());
    assert.is(early.code, 'INVALID_OPTION');
    assert.ok(early.message.includes(`table \`${table}\``), early.message);
    const [late, seen] = await watch(db, () => rejects(() => hydrate([ref('nope', 1)], { nope })));
    assert.is(late.code, 'INVALID_OPTION');
    assert.is(late.retryable, false);
    assert.ok(seen.bindings.every((value) => value !== 1), 'no statement asked for the key');
  });

  Loader('a key column the table does not have is INVALID_OPTION naming the table and the column', async ({ db, t }) => {
    const err = await rejects(() => knexLoader(db, { table: t.users, primaryKey: 'uid' }).prepare());
    assert.is(err.code, 'INVALID_OPTION');
    assert.ok(err.message.includes(`table \`${t.users}\``) && err.message.includes('`uid`'), err.message);
  });

  // scope: its conditions are one parenthesized group, ANDed with the key filter.

  Loader('a scope with orWhere cannot escape the key filter: it reads only the requested keys', async ({ db, t }) => {
    const scope = (q: Knex.QueryBuilder): Knex.QueryBuilder => q.where('visits', '>', 100).orWhere('name', 'Grace').orWhere('name', 'Ada');
    const users = await prepared({ users: knexLoader(db, { table: t.users, scope }) });
    const [out, seen] = await watch(db, () => hydrate([ref('users', 1), ref('users', 3)], users, { missing: 'null' }));
    assert.is((out[0] as unknown as { name: string }).name, 'Ada');
    assert.is(out[1], null);
    assert.is(seen.rows, 1);
  });

  Loader('a scope that adds anything a where group cannot hold (join, select, order, limit, lock) is INVALID_OPTION naming the table, not dropped', async ({ db, t }) => {
    const scopes: Record<string, (q: Knex.QueryBuilder) => Knex.QueryBuilder> = {
      join: (q) => q.join(t.orders, `${t.orders}.id`, `${t.users}.id`),
      select: (q) => q.select('name'),
      order: (q) => q.orderBy('name'),
      limit: (q) => q.where('visits', '>', 0).limit(1),
      lock: (q) => q.forUpdate(),
      other: (q) => q.clone().whereNull('deleted_at'),
    };
    for (const [what, scope] of Object.entries(scopes)) {
      const err = await rejects(() => hydrate([ref('users', 1)], { users: knexLoader(db, { table: t.users, scope }) }));
      assert.is(err.code, 'INVALID_OPTION', `${what}: ${err.message}`);
      assert.ok(err.message.includes(`table \`${t.users}\``), err.message);
    }
  });

  Loader('a key column that is not unique (two rows for one key) is INVALID_OPTION, never the first row silently', async ({ db, t }) => {
    const table = `${t.users}_dupes`;
    await db.schema.createTable(table, (tb) => {
      tb.integer('id');
      tb.string('name', 16);
    });
    try {
      await db(table).insert([{ id: 1, name: 'first' }, { id: 1, name: 'second' }, { id: 2, name: 'only' }]);
      const err = await rejects(() => hydrate([ref('people', 1), ref('people', 2)], { people: knexLoader(db, { table }) }));
      assert.is(err.code, 'INVALID_OPTION');
      assert.is(err.retryable, false);
      assert.match(err.message, /two rows for `people:1`/);
    } finally {
      await db.schema.dropTableIfExists(table);
    }
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
