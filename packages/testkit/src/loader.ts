/**
 * The conformance suite every loader passes on every database: `testLoader(target)` in the
 * loader package's test file for that database (see LoaderTarget). What is particular to one
 * loader (Knex's `scope`, `chunkSize`) stays in its own package.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CerealError, createSerializer, hydrate, ref, refOf } from '@cereal/core';
import { msgpackFormat } from '@cereal/msgpack';
import { rejects } from './fixtures.js';
import { prepared, type LoaderTarget, type TestedLoader } from './target.js';
import { BIG, useTables, type TablesContext } from './tables.js';
import { testKeys } from './keys.js';

export function testLoader<Db>(target: LoaderTarget<Db>): void {
  const Loader = suite<TablesContext<Db>>(`testLoader(${target.name})`, {} as never);

  useTables(Loader, target, '');

  const load = (db: Db, spec: Parameters<typeof target.loader>[1]) => target.loader(db, spec);

  Loader('loads the rows that exist, in any order, and keyOf gives their keys', async ({ db, t }) => {
    const users = load(db, { table: t.users });
    const rows = await users.load([2, 1, 99]);
    assert.equal(rows.map((r) => Number(users.keyOf(r))).sort(), [1, 2]);
  });

  Loader('an ordinary integer column comes back as the driver returns it: a number', async ({ db, t }) => {
    const [row] = await load(db, { table: t.users }).load([1]);
    assert.is(typeof row?.id, 'number');
    assert.is(row?.visits, 3);
  });

  Loader('decodes refs to fresh rows in one statement per model', async ({ f, db, t }) => {
    const loaders = await prepared({ users: load(db, { table: t.users }), orders: load(db, { table: t.orders, primaryKey: ['tenant_id', 'id'] }) });
    const cereal = createSerializer({ format: msgpackFormat(), loaders });
    const wire = cereal.encode({ to: [ref('users', 1), ref('users', 2), ref('users', 1)], order: ref('orders', [7, 1002]) });
    await f(t.users).where({ id: 1 }).update({ name: 'Ada Lovelace' });
    try {
      const [out, seen] = await target.watch(db, () => cereal.decode(wire));
      const { to, order } = out as { to: Record<string, unknown>[]; order: Record<string, unknown> };
      assert.is(seen.statements, 2);
      assert.is(to[0]?.name, 'Ada Lovelace');
      assert.is(to[1]?.name, 'Grace');
      assert.ok(to[0] === to[2]);
      assert.is(order.total, 9);
      assert.is(refOf(to[0]!)?.key, 'users:1');
    } finally {
      await f(t.users).where({ id: 1 }).update({ name: 'Ada' });
    }
  });

  Loader('composite keys load part by part, never crossing tenants', async ({ db, t }) => {
    const orders = load(db, { table: t.orders, primaryKey: ['tenant_id', 'id'] });
    const out = await hydrate([ref('orders', [8, 1001]), ref('orders', [7, 1001]), ref('orders', ['7', 1002n])], { orders });
    assert.equal(out.map((r) => (r as unknown as { total: number }).total), [1, 5, 9]);
    assert.is(orders.arity, 2);
  });

  Loader('chunks keys into statements of chunkSize', async ({ db, t }) => {
    const users = await prepared({ users: load(db, { table: t.users, chunkSize: 2 }) });
    const [rows, seen] = await target.watch(db, () => users.users.load([1, 2, 3, 4, 5]));
    assert.is(seen.statements, 3);
    assert.is(rows.length, 3);
    const orders = await prepared({ orders: load(db, { table: t.orders, primaryKey: ['tenant_id', 'id'], chunkSize: 1 }) });
    const [orderRows, orderSeen] = await target.watch(db, () => orders.orders.load([[7, 1001], [7, 1002], [8, 1001]]));
    assert.is(orderSeen.statements, 3);
    assert.is(orderRows.length, 3);
  });

  Loader('the default chunk fills the driver\'s parameter limit: one more key costs one more statement', async ({ db, t }) => {
    const { users, orders } = await prepared({ users: load(db, { table: t.users }), orders: load(db, { table: t.orders, primaryKey: ['tenant_id', 'id'] }) });
    assert.ok(orders.chunkSize * 2 <= users.chunkSize + 100, `${orders.chunkSize} composite keys, ${users.chunkSize} keys`);
    const [rows, seen] = await target.watch(db, () => users.load(Array.from({ length: users.chunkSize + 1 }, (_, i) => i + 1)));
    assert.is(seen.statements, 2);
    assert.is(rows.length, 3);
    const [orderRows, orderSeen] = await target.watch(db, () => orders.load(Array.from({ length: orders.chunkSize + 1 }, (_, i) => [7, 1001 + i])));
    assert.is(orderSeen.statements, 2);
    assert.is(orderRows.length, 2);
  });

  Loader('a composite key of the wrong shape is INVALID_REF with no statement run', async ({ db, t }) => {
    const loaders = { orders: load(db, { table: t.orders, primaryKey: ['tenant_id', 'id'] }) };
    const [err, seen] = await target.watch(db, () => rejects(() => hydrate([ref('orders', 1001)], loaders)));
    assert.is(err.code, 'INVALID_REF');
    assert.is(seen.statements, 0);
  });

  Loader('a ref to a model outside the loader map fails before any statement, known refs included', async ({ db, t }) => {
    const [err, seen] = await target.watch(db, () => rejects(() => hydrate([ref('users', 1), ref('invoices', 1)], { users: load(db, { table: t.users }) })));
    assert.is(err.code, 'UNKNOWN_MODEL');
    assert.is(seen.statements, 0);
  });

  Loader('columns selects only those columns and always the key', async ({ db, t }) => {
    const [row] = await load(db, { table: t.users, columns: ['name'] }).load([2]);
    assert.equal(Object.keys(row!).sort(), ['id', 'name']);
  });

  Loader('a column the table lacks (in columns) is INVALID_OPTION, not a retryable LOAD_FAILED: no retry mends the configuration', async ({ db, t }) => {
    const err = await rejects(() => hydrate([ref('users', 1)], { users: load(db, { table: t.users, columns: ['name', 'no_such_column'] }) }));
    assert.is(err.code, 'INVALID_OPTION', err.message);
    assert.is(err.retryable, false);
    assert.match(err.message, /no_such_column/);
  });

  Loader('missing rows are one MISSING_ROW listing each of them', async ({ db, t }) => {
    const err = await rejects(() => hydrate([ref('users', 1), ref('users', 41), ref('users', 42)], { users: load(db, { table: t.users }) }));
    assert.is(err.code, 'MISSING_ROW');
    assert.equal(err.refs?.map((r) => r.key), ['users:41', 'users:42']);
  });

  Loader('keys above 2^53 keep their precision', async ({ db, t }) => {
    const out = await hydrate([ref('big', BIG), ref('big', String(BIG - 1n))], { big: load(db, { table: t.big }) });
    const [a, b] = out as unknown as { id: unknown; visits: unknown }[];
    assert.is(String(a!.id), String(BIG));
    assert.is(String(b!.id), String(BIG - 1n));
    assert.is(a!.visits, 1);
    assert.is(typeof a!.visits, 'number');
  });

  Loader('text keys, including ones with commas', async ({ db, t }) => {
    const out = await hydrate([ref('codes', 'abc'), ref('codes', 'a,b')], { codes: load(db, { table: t.codes, primaryKey: 'code' }) });
    assert.equal(out.map((r) => (r as unknown as { label: string }).label), ['lower', 'comma']);
  });

  Loader('inside a transaction, loads see its uncommitted writes; after its rollback the row is missing', async ({ db, t }) => {
    let seen: unknown;
    await target.rollback(db, async (trx, insert) => {
      await insert(t.users, { id: 50, name: 'Uncommitted', visits: 0 });
      const out = await hydrate({ u: ref('users', 50) }, { users: load(trx, { table: t.users }) });
      seen = (out.u as unknown as { name: string }).name;
    });
    assert.is(seen, 'Uncommitted');
    assert.is((await rejects(() => hydrate([ref('users', 50)], { users: load(db, { table: t.users }) }))).code, 'MISSING_ROW');
  });

  Loader('a database error is LOAD_FAILED, retryable, with the driver error as cause', async ({ f, db, t }) => {
    // The table goes away after the loader has read it: its next statement fails in the database.
    const table = `${t.users}_gone`;
    await f.schema.createTable(table, (tb) => {
      tb.integer('id').primary();
    });
    const gone = load(db, { table });
    try {
      await gone.prepare?.();
      await gone.load([1]);
    } finally {
      await f.schema.dropTableIfExists(table);
    }
    const err = await rejects(() => hydrate([ref('gone', 1)], { gone }));
    assert.is(err.code, 'LOAD_FAILED');
    assert.is(err.retryable, true);
    assert.instance(err.cause, Error);
  });

  Loader('a key column that is not unique (two rows for one key) is INVALID_OPTION, never the first row silently', async ({ f, db, t }) => {
    const table = `${t.users}_dupes`;
    await f.schema.createTable(table, (tb) => {
      tb.integer('id');
      tb.string('name', 16);
    });
    try {
      await f(table).insert([{ id: 1, name: 'first' }, { id: 1, name: 'second' }, { id: 2, name: 'only' }]);
      const err = await rejects(() => hydrate([ref('people', 1), ref('people', 2)], { people: load(db, { table }) }));
      assert.is(err.code, 'INVALID_OPTION');
      assert.is(err.retryable, false);
      assert.match(err.message, /two rows for `people:1`/);
    } finally {
      await f.schema.dropTableIfExists(table);
    }
  });

  Loader('a loader built on a transaction and used after the transaction ended is INVALID_OPTION, never a retryable LOAD_FAILED', async ({ db, t }) => {
    const loaders: [string, TestedLoader][] = [];
    await target.rollback(db, async (trx) => {
      const used = load(trx, { table: t.users });
      await used.load([1]);
      loaders.push(['used inside the transaction', used], ['built inside, never used there', load(trx, { table: t.users })]);
    });
    for (const [label, users] of loaders) {
      const outcome = await hydrate([ref('users', 1)], { users }).catch((err: unknown) => err);
      if (outcome instanceof CerealError) {
        assert.is(outcome.code, 'INVALID_OPTION', `${label}: ${outcome.message}`);
        assert.is(outcome.retryable, false);
        assert.match(outcome.message, /transaction this loader was built on has ended/, label);
      } else {
        // A library may run it on the database itself where that is one connection no other
        // unit of work can hold (Drizzle on better-sqlite3): the committed row, then.
        assert.is((outcome as { name?: unknown }[])[0]?.name, 'Ada', label);
      }
    }
  });

  Loader.run();
  testKeys(target);
}
