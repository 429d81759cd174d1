/**
 * What the Drizzle loader adds to the testkit's suites, on every database: keys read from the
 * table definition, Drizzle's field names and value mapping, `scope` as a Drizzle condition,
 * `columns`, chunks, exact wide keys, transactions, drizzleLoaders and its options.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Knex } from 'knex';
import { and, eq, inArray, isNull, or, sql, type SQL } from 'drizzle-orm';
import { createSerializer, hydrate, ref } from '@cereal/core';
import { msgpackFormat } from '@cereal/msgpack';
import { dialectOf } from '@cereal/sql';
import { prepared, rejects, tableNames } from '@cereal/testkit';
import { drizzleLoader, drizzleLoaders } from '../../src/index.js';
import { CREATED, createOwn, ownTables, WIDE, type Own, type OwnNames } from './own.js';
import { insert, type Db, type DrizzleKit } from './target.js';
import { pgColumns } from './postgres.js';
import { sqliteColumns } from './sqlite.js';
import { watch } from './watch.js';

type Row = Record<string, unknown>;

interface Context {
  f: Knex;
  db: Db;
  t: OwnNames;
  own: Own;
}

/** `db.select().from(table).where(where)`, on any dialect. */
const selectAll = (db: Db, table: Own['accounts'], where?: SQL): Promise<Row[]> =>
  (db as unknown as { select(): { from(t: unknown): { where(w?: SQL): Promise<Row[]> } } }).select().from(table).where(where);

/** A statement as SQLite spells it: `"quoted"` names and `?` placeholders on every dialect. */
const plain = (statement: string | undefined): string => String(statement).replace(/`/g, '"').replace(/\$\d+/g, '?');

export function testDrizzle(kit: DrizzleKit): void {
  const Drizzle = suite<Context>(`drizzleLoader(${kit.name})`, {} as never);
  const { maxParams } = dialectOf(kit.driver);

  Drizzle.before(async (ctx) => {
    ctx.f = kit.fixtures();
    ctx.db = kit.open(ctx.f);
    ctx.t = tableNames('d', ['accounts', 'lines', 'wide']);
    ctx.own = ownTables(kit.columns, ctx.t);
    await createOwn(ctx.f, ctx.db, ctx.t, ctx.own);
  });
  Drizzle.after(async ({ f, db, t }) => {
    try {
      for (const table of Object.values(t)) await f.schema.dropTableIfExists(table);
    } finally {
      await kit.close(db);
      await f.destroy();
    }
  });

  Drizzle('the key comes from the table definition: a `.primaryKey()` column, or `primaryKey({ columns })` in its extra config', async ({ db, own }) => {
    const loaders = { accounts: drizzleLoader(db, own.accounts), lines: drizzleLoader(db, own.lines) };
    assert.equal(loaders.accounts.primaryKey, ['id']);
    assert.equal(loaders.lines.primaryKey, ['orderId', 'line']);
    assert.is(loaders.lines.arity, 2);
    const out = (await hydrate([ref('lines', [7, 2]), ref('lines', [8, 1]), ref('accounts', 2)], loaders)) as unknown as Row[];
    assert.equal(out.map((row) => row.sku ?? row.displayName), ['b', 'c', 'Grace']);
  });

  Drizzle('primaryKey may be given as columns or field names, in the order refs carry them', async ({ db, own }) => {
    const lines = drizzleLoader(db, own.lines, { primaryKey: [own.lines.line!, own.lines.orderId!] });
    assert.equal(lines.primaryKey, ['line', 'orderId']);
    const [row] = (await hydrate([ref('lines', [2, 7])], { lines })) as unknown as Row[];
    assert.is(row?.sku, 'b');
    assert.equal(lines.keyOf(row!), [2, 7]);
    const byName = drizzleLoader(db, own.accounts, { primaryKey: 'displayName' });
    const [grace] = (await hydrate([ref('accounts', 'Grace')], { accounts: byName })) as unknown as Row[];
    assert.is(grace?.id, 2);
  });

  Drizzle('rows have the table\'s field names (displayName from display_name), and keyOf reads them', async ({ db, own }) => {
    const accounts = drizzleLoader(db, own.accounts);
    const [row] = await accounts.load([1]);
    assert.equal(Object.keys(row!), ['id', 'displayName', 'isActive', 'createdAt', 'deletedAt']);
    assert.is(accounts.keyOf(row!), 1);
    const [line] = await drizzleLoader(db, own.lines).load([[7, 1]]);
    assert.equal(line, { orderId: 7, line: 1, sku: 'a' });
  });

  Drizzle('rows come back exactly as db.select().from(table) maps them: a boolean, a Date, a null', async ({ db, own }) => {
    const rows = await drizzleLoader(db, own.accounts).load([2, 1, 3]);
    const expected = await selectAll(db, own.accounts, inArray(own.accounts.id!, [1, 2, 3]));
    const byId = (a: Row, b: Row): number => Number(a.id) - Number(b.id);
    assert.equal([...rows].sort(byId), [...expected].sort(byId));
    const ada = rows.find((row) => row.id === 1)!;
    assert.is(ada.isActive, true);
    assert.instance(ada.createdAt, Date);
    assert.is((ada.createdAt as Date).toISOString(), CREATED.toISOString());
    assert.is(ada.deletedAt, null);
    assert.is(rows.find((row) => row.id === 2)!.isActive, false);
  });

  Drizzle('columns selects those fields and the key fields, named or as columns', async ({ db, own }) => {
    const [account] = await drizzleLoader(db, own.accounts, { columns: [own.accounts.isActive!] }).load([1]);
    assert.equal(account, { isActive: true, id: 1 });
    const [line] = await drizzleLoader(db, own.lines, { columns: ['sku'] }).load([[7, 2]]);
    assert.equal(line, { sku: 'b', orderId: 7, line: 2 });
  });

  Drizzle('scope hides rows outside it: a soft-deleted row is missing', async ({ db, own }) => {
    const accounts = drizzleLoader(db, own.accounts, { scope: isNull(own.accounts.deletedAt!) });
    const err = await rejects(() => hydrate([ref('accounts', 1), ref('accounts', 3)], { accounts }));
    assert.is(err.code, 'MISSING_ROW');
    assert.equal(err.refs?.map((r) => r.key), ['accounts:3']);
  });

  Drizzle('a scope with `or` cannot escape the key filter: the statement reads `key in (…) and (a or b)`', async ({ db, t, own }) => {
    // Raw SQL, unparenthesized: appended with a bare `and`, it would read most of the table.
    const scope = sql`${own.accounts.displayName} = ${'Grace'} or ${own.accounts.displayName} = ${'Ada'}`;
    const accounts = await prepared({ accounts: drizzleLoader(db, own.accounts, { scope }) });
    const [out, seen] = await watch(db, () => hydrate([ref('accounts', 1), ref('accounts', 3)], accounts, { missing: 'null' }));
    assert.is((out[0] as unknown as Row).displayName, 'Ada');
    assert.is(out[1], null);
    assert.is(seen.rows, 1);
    const a = `"${t.accounts}"`;
    // `in (…)`, or on PostgreSQL `= any(?)`: the keys as one array
    const keys = plain(seen.sql[0]).includes('= any(') ? `${a}."id" = any(?)` : `${a}."id" in (?, ?)`;
    assert.ok(plain(seen.sql[0]).endsWith(` where ${keys} and (${a}."display_name" = ? or ${a}."display_name" = ?)`), seen.sql[0]);
    const lines = await prepared({ lines: drizzleLoader(db, own.lines, { scope: or(eq(own.lines.sku!, 'a'), sql`1 = 1`) }) });
    const [, composite] = await watch(db, () => hydrate([ref('lines', [7, 2])], lines));
    const l = `"${t.lines}"`;
    assert.match(plain(composite.sql[0]), ` where (${l}."order_id", ${l}."line") in `);
    assert.ok(plain(composite.sql[0]).endsWith(` and ((${l}."sku" = ? or 1 = 1))`), composite.sql[0]);
    assert.is(composite.rows, 1);
  });

  Drizzle('composite keys: on PostgreSQL an array per key column through unnest, elsewhere a list of row values; each key gets its own row', async ({ db, t, own }) => {
    const lines = await prepared({ lines: drizzleLoader(db, own.lines) });
    const keys: [number, number][] = [[7, 1], [7, 2], [8, 1], [9, 9], [1, 7]];
    const [out, seen] = await watch(db, () => hydrate(keys.map((k) => ref('lines', k)), lines, { missing: 'null' }));
    assert.equal((out as (Row | null)[]).map((row) => (row === null ? null : row.sku)), ['a', 'b', 'c', null, null]);
    assert.is(seen.statements, 1);
    const l = `"${t.lines}"`;
    const postgres = dialectOf(kit.driver).family === 'postgres';
    const filter = postgres ? '(select * from unnest(?::integer[], ?::integer[]))' : '';
    assert.ok(plain(seen.sql[0]).endsWith(` where (${l}."order_id", ${l}."line") in ${filter}`) || !postgres, seen.sql[0]);
    assert.is(seen.bindings.length, 10, 'every part bound once');
  });

  Drizzle('a scope binding more parameters than the room kept for it shrinks the default chunk; a chunkSize leaving it no room is INVALID_OPTION', async ({ db, own }) => {
    const names = Array.from({ length: 150 }, (_, i) => (i === 0 ? 'Ada' : `n${i}`));
    const scope = inArray(own.accounts.displayName!, names);
    const accounts = drizzleLoader(db, own.accounts, { scope });
    assert.is(accounts.chunkSize, maxParams - 150);
    assert.equal((await accounts.load([1, 2])).map((row) => row.id), [1]);
    assert.is(drizzleLoader(db, own.accounts, { scope: isNull(own.accounts.deletedAt!) }).chunkSize, maxParams - 100);
    const err = await rejects(() => drizzleLoader(db, own.accounts, { scope, chunkSize: maxParams - 149 }));
    assert.is(err.code, 'INVALID_OPTION');
    assert.match(err.message, /`scope` binds 150 parameters/);
  });

  Drizzle('chunks keys into statements of chunkSize; the default fills the driver\'s limit: one more key costs one more statement', async ({ db, own }) => {
    const small = await prepared({ a: drizzleLoader(db, own.accounts, { chunkSize: 2 }), l: drizzleLoader(db, own.lines, { chunkSize: 1 }) });
    const [rows, seen] = await watch(db, () => small.a.load([1, 2, 3, 4, 5]));
    assert.equal([rows.length, seen.statements], [3, 3]);
    const [lineRows, lineSeen] = await watch(db, () => small.l.load([[7, 1], [7, 2], [8, 1]]));
    assert.equal([lineRows.length, lineSeen.statements], [3, 3]);
    const { a, l } = await prepared({ a: drizzleLoader(db, own.accounts), l: drizzleLoader(db, own.lines) });
    const [many, manySeen] = await watch(db, () => a.load(Array.from({ length: a.chunkSize + 1 }, (_, i) => i + 1)));
    assert.equal([many.length, manySeen.statements], [3, 2]);
    const [pairs, pairSeen] = await watch(db, () => l.load(Array.from({ length: l.chunkSize + 1 }, (_, i) => [7, i + 1])));
    assert.equal([pairs.length, pairSeen.statements], [2, 2]);
  });

  Drizzle('keys beyond 2^53 on a number-mode key column come back exact; other fields as Drizzle maps them', async ({ db, own }) => {
    const wide = drizzleLoader(db, own.wide);
    const out = (await hydrate([ref('wide', 2n ** 62n), ref('wide', WIDE), ref('wide', String(WIDE))], { wide })) as unknown as Row[];
    assert.is(out[0]!.id, 2n ** 62n);
    assert.is(out[1]!.id, WIDE);
    assert.ok(out[1] === out[2]);
    assert.is(out[0]!.small, 7);
    assert.is(out[0]!.huge, Number(2n ** 60n + 1n)); // not a key: Drizzle's `{ mode: 'number' }` rounds it, as db.select() does
    assert.equal(Object.keys(out[0]!), ['id', 'small', 'huge']);
    // Drizzle alone reads the key rounded: the reason for the exact statements.
    const [rounded] = await selectAll(db, own.wide as never, eq(own.wide.small!, 8));
    assert.is(rounded?.id, 2 ** 62);
  });

  Drizzle('keys beyond 2^53 on a bigint-mode key column (mysql2 reads BIGINT as a double, Drizzle makes a bigint of it) come back exact: never the neighbour\'s row', async ({ db, own }) => {
    if (own.wideBig === undefined) return; // SQLite: Drizzle has no bigint mode for an integer column
    const wide = drizzleLoader(db, own.wideBig);
    // WIDE = 2^62 + 1 exists, 2^62 + 2 does not, and a double holds neither: both read as 2^62 + 0 when rounded
    const out = (await hydrate({ a: ref('wide', WIDE + 1n), b: ref('wide', WIDE), c: ref('wide', 2n ** 62n) }, { wide }, { missing: 'null' })) as unknown as Record<string, Row | null>;
    assert.is(out.a, null, 'the key that has no row gets none');
    assert.is(out.b!.id, WIDE);
    assert.is(out.b!.small, 8);
    assert.is(out.c!.id, 2n ** 62n);
    assert.is(typeof out.c!.id, 'bigint', 'a bigint-mode column stays a bigint');
  });

  Drizzle('a transaction: loaders built on it see its uncommitted writes', async ({ db, own }) => {
    let seen: unknown;
    await kit.rollback(db, async (trx) => {
      await insert(trx, own.accounts, { id: 40, displayName: 'Barbara', isActive: true, createdAt: CREATED, deletedAt: null });
      seen = (await hydrate([ref('accounts', 40)], { accounts: drizzleLoader(trx, own.accounts) }))[0];
    });
    assert.is((seen as Row | undefined)?.displayName, 'Barbara');
    assert.is((await rejects(() => hydrate([ref('accounts', 40)], { accounts: drizzleLoader(db, own.accounts) }))).code, 'MISSING_ROW');
  });

  Drizzle('a loader built on a transaction that has ended is INVALID_OPTION: it never runs on a connection the pool has handed to another unit of work', async ({ db, own }) => {
    let stale: ReturnType<typeof drizzleLoader> | undefined;
    await kit.rollback(db, async (trx) => {
      stale = drizzleLoader(trx, own.accounts);
      await stale.prepare();
      assert.is((await stale.load([1])).length, 1);
    });
    if (kit.name === 'sqlite') return; // SQLite's "transaction" here is a begin on the database itself: no connection to hand over
    const err = await rejects(() => stale!.load([1]));
    assert.is(err.code, 'INVALID_OPTION');
    assert.is(err.retryable, false);
    assert.match(err.message, /the transaction this loader was built on has ended/);
  });

  Drizzle('columns declared without a name are read as Drizzle\'s `casing` names them (displayName → display_name)', async ({ f, db, t }) => {
    const snake = kit.open(f, { casing: 'snake_case' });
    try {
      const unnamed = ownTables(kit.columns, t, false);
      const byName = drizzleLoader(snake, unnamed.accounts, { primaryKey: 'displayName' });
      const [row] = (await hydrate([ref('accounts', 'Grace')], { accounts: byName })) as unknown as Row[];
      assert.equal([row?.id, row?.isActive], [2, false]);
      const [line] = await drizzleLoader(snake, unnamed.lines).load([[8, 1]]);
      assert.is(line?.sku, 'c');
      const versioned = drizzleLoader(snake, unnamed.accounts, { columns: ['isActive'], version: 'createdAt' });
      assert.equal((await versioned.load([2]))[0], { id: 2, isActive: false, createdAt: CREATED }, 'the version field, as casing names its column, is selected');
      // without the casing option the same definition names columns that do not exist
      const err = await rejects(() => drizzleLoader(db, unnamed.accounts, { primaryKey: 'displayName' }).load(['Grace']));
      assert.is(err.code, 'INVALID_OPTION');
      assert.match(err.message, /no column `displayName`/);
    } finally {
      await kit.close(snake);
    }
  });

  Drizzle('version: a field name or the column (createdAt, read as a Date), selected with columns, pins refs; a field no version is made of is INVALID_OPTION', async ({ db, own }) => {
    const byName = drizzleLoader(db, own.accounts, { columns: ['displayName'], version: 'createdAt' });
    const [row] = await byName.load([2]);
    assert.equal(row, { id: 2, displayName: 'Grace', createdAt: CREATED });
    assert.equal(byName.versionOf?.(row!), CREATED);
    const byColumn = drizzleLoader(db, own.accounts, { version: own.accounts.createdAt! });
    assert.equal(byColumn.versionOf?.((await byColumn.load([2]))[0]!), CREATED);
    const cereal = createSerializer({ format: msgpackFormat(), loaders: { accounts: byName } });
    assert.equal(cereal.ref('accounts', row!).version, CREATED);
    for (const version of ['isActive', 'created_at', own.lines.sku, 5]) {
      const err = await rejects(async () => drizzleLoader(db, own.accounts, { version: version as never }));
      assert.is(err.code, 'INVALID_OPTION', String(version));
    }
  });

  Drizzle('drizzleLoaders maps model names to tables or { table, …options }: one statement per model', async ({ db, own }) => {
    const loaders = await prepared(drizzleLoaders(db, { accounts: own.accounts, lines: { table: own.lines, columns: ['sku'] }, live: { table: own.accounts, scope: isNull(own.accounts.deletedAt!) } }));
    const cereal = createSerializer({ format: msgpackFormat(), loaders });
    const [out, seen] = await watch(db, () => cereal.decode(cereal.encode({ a: ref('accounts', 2), l: ref('lines', [7, 1]), v: [ref('live', 1), ref('live', 2)] })));
    const { a, l, v } = out as { a: Row; l: Row; v: Row[] };
    assert.equal([a.displayName, l, v.map((row) => row.id)], ['Grace', { sku: 'a', orderId: 7, line: 1 }, [1, 2]]);
    assert.is(seen.statements, 3);
  });

  Drizzle('prepare() reads the table once, early: a table that does not exist is INVALID_OPTION there', async ({ db, t }) => {
    const nope = drizzleLoader(db, ownTables(kit.columns, { ...t, accounts: `${t.accounts}_nope` }).accounts);
    const err = await rejects(() => nope.prepare());
    assert.is(err.code, 'INVALID_OPTION');
    assert.match(err.message, /`[^`]*_nope` was not found/);
    const accounts = drizzleLoader(db, ownTables(kit.columns, t).accounts);
    await accounts.prepare();
    const [, seen] = await watch(db, () => accounts.load([1]));
    assert.is(seen.statements, 1, 'the column types are not read again');
  });

  Drizzle('bad options are INVALID_OPTION, naming what is wrong', async ({ f, db, own }) => {
    const other = kit.name === 'sqlite' ? 'PostgreSQL' : 'SQLite';
    const columns = kit.name === 'sqlite' ? pgColumns : sqliteColumns;
    const foreign = columns.table(undefined, 'foreign', { id: columns.integer('id').primaryKey() });
    const keyless = kit.columns.table(undefined, 'keyless', { id: kit.columns.integer('id') });
    const timed = kit.columns.table(undefined, 'timed', { at: kit.columns.dateTime('at').primaryKey() });
    const flags = kit.columns.table(undefined, 'flags', { on: kit.columns.boolean('on').primaryKey() });
    const cases: [string, () => unknown, RegExp][] = [
      ['a Knex as db', () => drizzleLoader(f as unknown as Db, own.accounts), /must be a Drizzle database .* got function/],
      ['an object as db', () => drizzleLoader({} as Db, own.accounts), /must be a Drizzle database/],
      ['a table name', () => drizzleLoader(db, 'accounts' as never), /must be a Drizzle table object/],
      ['a table of another dialect', () => drizzleLoader(db, foreign as never), new RegExp(`is a ${other} table`)],
      ['no key in the definition', () => drizzleLoader(db, keyless as never), /declares no primary key/],
      ['a key column mapped to a Date', () => drizzleLoader(db, timed as never), /key column `at` of type \w+.*maps to a Date/],
      ['a key column mapped to a boolean', () => drizzleLoader(db, flags as never), /key column `on` .*maps to a boolean/],
      ['an empty primaryKey', () => drizzleLoader(db, own.accounts, { primaryKey: [] }), /`primaryKey` of table/],
      ['a primaryKey that is no field', () => drizzleLoader(db, own.accounts, { primaryKey: 'uid' }), /has no field `uid`/],
      ['a primaryKey naming the column, not the field', () => drizzleLoader(db, own.accounts, { primaryKey: 'display_name' }), /has no field `display_name`/],
      ['a primaryKey column of another table', () => drizzleLoader(db, own.accounts, { primaryKey: own.lines.sku! }), /column `sku` of another table/],
      ['a field twice', () => drizzleLoader(db, own.accounts, { primaryKey: ['id', own.accounts.id!] }), /names a field twice/],
      ['columns as a string', () => drizzleLoader(db, own.accounts, { columns: 'displayName' as never }), /`columns` of table .* must be an array/],
      ['columns that are no fields', () => drizzleLoader(db, own.accounts, { columns: ['nope'] }), /has no field `nope` \(`columns`\)/],
      ['a scope as text', () => drizzleLoader(db, own.accounts, { scope: 'deleted_at is null' as never }), /must be a Drizzle condition/],
      ['a scope as a function', () => drizzleLoader(db, own.accounts, { scope: (() => isNull(own.accounts.deletedAt!)) as never }), /must be a Drizzle condition/],
      ['chunkSize 0', () => drizzleLoader(db, own.accounts, { chunkSize: 0 }), /`chunkSize`/],
      ['chunkSize over the limit', () => drizzleLoader(db, own.accounts, { chunkSize: 1e9 }), /`chunkSize`/],
      ['options that are no object', () => drizzleLoader(db, own.accounts, 'id' as never), /must be an object/],
      ['drizzleLoaders without a map', () => drizzleLoaders(db, null as never), /takes a map of model names/],
      ['drizzleLoaders with a table as the map', () => drizzleLoaders(db, own.accounts as never), /takes a map of model names/],
      ['drizzleLoaders with a table name', () => drizzleLoaders(db, { accounts: 'accounts' } as never), /model `accounts` must be a Drizzle table/],
    ];
    for (const [what, make, message] of cases) {
      const err = await rejects(make).catch((e: Error) => {
        throw new Error(`${what}: ${e.message}`);
      });
      assert.is(err.code, 'INVALID_OPTION', what);
      assert.match(err.message, /\[drizzle\] /, what);
      assert.match(err.message, message, `${what}: ${err.message}`);
    }
  });

  Drizzle('a failed statement is LOAD_FAILED with the driver\'s own error as cause (its code), not Drizzle\'s wrapper', async ({ f, db, t }) => {
    const table = `${t.accounts}_gone`;
    await f.schema.createTable(table, (tb) => {
      tb.integer('id').primary();
    });
    const gone = drizzleLoader(db, kit.columns.table(undefined, table, { id: kit.columns.integer('id').primaryKey() }) as Own['accounts']);
    try {
      await gone.prepare();
    } finally {
      await f.schema.dropTableIfExists(table);
    }
    const err = await rejects(() => hydrate([ref('gone', 1)], { gone }));
    assert.is(err.code, 'LOAD_FAILED');
    const cause = err.cause as { code?: unknown; constructor: { name: string } };
    assert.is.not(cause.constructor.name, 'DrizzleQueryError');
    assert.is(typeof cause.code, 'string');
  });

  Drizzle('a condition combining scope parts with and() is one group too', async ({ db, own }) => {
    const scope = and(isNull(own.accounts.deletedAt!), or(eq(own.accounts.displayName!, 'Ada'), eq(own.accounts.displayName!, 'Edsger')));
    const { accounts } = await prepared({ accounts: drizzleLoader(db, own.accounts, { scope }) });
    const [rows, seen] = await watch(db, () => accounts.load([1, 2, 3]));
    assert.equal(rows.map((row) => row.id), [1]);
    assert.is(seen.rows, 1);
  });

  Drizzle.run();
}
