/**
 * What drizzleLoader, drizzleLoaders, transaction and afterCommit say about what they are given,
 * in the words a user reads, and the chunk sizes they choose, on each of the three drivers. No
 * server: a node-postgres Pool and a mysql2 pool connect only on their first statement, and
 * building a loader runs none.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createPool } from 'mysql2';
import { entityKind, inArray, isNull, sql } from 'drizzle-orm';
import { int as singlestoreInt, singlestoreTable } from 'drizzle-orm/singlestore-core';
import { drizzle as sqliteDrizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { drizzle as mysqlDrizzle, type MySql2Database } from 'drizzle-orm/mysql2';
import { drizzle as pgDrizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import * as my from 'drizzle-orm/mysql-core';
import * as p from 'drizzle-orm/pg-core';
import * as s from 'drizzle-orm/sqlite-core';
import { throws } from '@cereal/testkit';
import { afterCommit, drizzleLoader, drizzleLoaders, transaction } from '../src/index.js';

const users = s.sqliteTable('users', {
  id: s.integer('id').primaryKey(),
  name: s.text('name'),
  on: s.integer('on', { mode: 'boolean' }),
  at: s.integer('at', { mode: 'timestamp' }),
  blob: s.blob('b', { mode: 'buffer' }),
  doc: s.text('doc', { mode: 'json' }),
  deletedAt: s.integer('deleted_at'),
});
const keyless = s.sqliteTable('keyless', { id: s.integer('id') });
const pgUsers = p.pgTable('users', { id: p.integer('id').primaryKey(), name: p.text('name'), doc: p.jsonb('doc'), tags: p.integer('tags').array(), at: p.point('at'), ts: p.timestamp('ts') });
const pgLines = p.pgSchema('app').table('lines', { orderId: p.integer('order_id'), line: p.integer('line') }, (t) => [p.primaryKey({ columns: [t.orderId, t.line] })]);
const myUsers = my.mysqlTable('users', { id: my.int('id').primaryKey(), name: my.text('name') });
const myLines = my.mysqlTable('lines', { a: my.int('a'), b: my.int('b') }, (t) => [my.primaryKey({ columns: [t.a, t.b] })]);

interface Dbs {
  lite: BetterSQLite3Database & { $client: Database.Database };
  pg: NodePgDatabase & { $client: pg.Pool };
  mysql: MySql2Database & { $client: ReturnType<typeof createPool> };
}

const Options = suite<Dbs>('drizzle: bad options, in the words a user reads', {} as never);

Options.before((ctx) => {
  ctx.lite = sqliteDrizzle(new Database(':memory:'));
  ctx.pg = pgDrizzle(new pg.Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none' }));
  ctx.mysql = mysqlDrizzle(createPool({ uri: 'mysql://nobody@127.0.0.1:1/none' }));
});

Options.after(async ({ lite, pg: pgDb, mysql }) => {
  lite.$client.close();
  await pgDb.$client.end();
  await new Promise((resolve) => mysql.$client.end(resolve));
});

const said = (fn: () => unknown): string => throws(fn, 'INVALID_OPTION').message.replace(/^\[cereal\] \[drizzle\] /, '');

Options('db and table: what they are, and whose dialect', ({ lite, pg: pgDb, mysql }) => {
  const known = 'must be a Drizzle database or transaction of drizzle-orm/better-sqlite3, drizzle-orm/node-postgres or drizzle-orm/mysql2';
  class PgliteDatabase {
    static readonly [entityKind] = 'PgliteDatabase';
  }
  const cases: [() => unknown, string][] = [
    [() => drizzleLoader({} as unknown as typeof lite, users), `\`db\` ${known}; got object`],
    [() => drizzleLoader(null as unknown as typeof lite, users), `\`db\` ${known}; got null`],
    [() => drizzleLoader('db' as unknown as typeof lite, users), `\`db\` ${known}; got string`],
    [() => drizzleLoader(new PgliteDatabase() as unknown as typeof lite, users), `\`db\` ${known}; got PgliteDatabase`],
    [() => drizzleLoader(lite, 'users' as never), 'the table must be a Drizzle table object (`sqliteTable(…)`, `pgTable(…)`, `mysqlTable(…)`), got string'],
    [() => drizzleLoader(lite, null as never), 'the table must be a Drizzle table object (`sqliteTable(…)`, `pgTable(…)`, `mysqlTable(…)`), got null'],
    [() => drizzleLoader(lite, pgUsers as never), "table `users` is a PostgreSQL table, and `db` is a better-sqlite3 database: define it with SQLite's table function"],
    [() => drizzleLoader(pgDb, users as never), "table `users` is a SQLite table, and `db` is a pg database: define it with PostgreSQL's table function"],
    [() => drizzleLoader(pgDb, myUsers as never), "table `users` is a MySQL table, and `db` is a pg database: define it with PostgreSQL's table function"],
    [() => drizzleLoader(mysql, pgLines as never), "table `lines` is a PostgreSQL table, and `db` is a mysql2 database: define it with MySQL's table function"],
  ];
  for (const [make, words] of cases) assert.is(said(make), words);
});

Options('the key, the columns and the version: each refusal names the table, the option and the fields it has', ({ lite }) => {
  const fields = 'its fields are id, name, on, at, blob, doc, deletedAt';
  const notKey = (field: string, type: string, to: string): string => `table \`users\` has key column \`${field}\` of type ${type}, which Drizzle maps to ${to}, never a key: key columns must be integers, text or uuid`;
  const cases: [() => unknown, string][] = [
    [() => drizzleLoader(lite, users, 'id' as never), 'the options of table `users` must be an object: { primaryKey, columns, scope, chunkSize, version }'],
    [() => drizzleLoader(lite, users, null as never), 'the options of table `users` must be an object: { primaryKey, columns, scope, chunkSize, version }'],
    [() => drizzleLoader(lite, keyless as never), 'table `keyless` declares no primary key in its Drizzle definition: set `primaryKey` to its key field, or fields for a composite key'],
    [() => drizzleLoader(lite, users, { primaryKey: [] as never }), '`primaryKey` of table `users` must be a field name or column, or an array of them'],
    [() => drizzleLoader(lite, users, { primaryKey: 5 as never }), '`primaryKey` of table `users` must be a field name or column, or an array of them'],
    [() => drizzleLoader(lite, users, { columns: 'name' as never }), '`columns` of table `users` must be an array of field names or columns'],
    [() => drizzleLoader(lite, users, { primaryKey: 'uid' as never }), `table \`users\` has no field \`uid\` (\`primaryKey\`): ${fields}`],
    [() => drizzleLoader(lite, users, { primaryKey: 'deleted_at' as never }), `table \`users\` has no field \`deleted_at\` (\`primaryKey\`): ${fields}`],
    [() => drizzleLoader(lite, users, { primaryKey: pgUsers.id as never }), `table \`users\` has no field column \`id\` of another table (\`primaryKey\`): ${fields}`],
    [() => drizzleLoader(lite, users, { columns: [42] as never }), `table \`users\` has no field 42 (\`columns\`): ${fields}`],
    [() => drizzleLoader(lite, users, { primaryKey: ['id', users.id] as never }), '`primaryKey` of table `users` names a field twice'],
    [() => drizzleLoader(lite, users, { primaryKey: 'on' }), notKey('on', 'integer', 'a boolean')],
    [() => drizzleLoader(lite, users, { primaryKey: users.at }), notKey('at', 'integer', 'a Date')],
    [() => drizzleLoader(lite, users, { primaryKey: 'blob' }), notKey('blob', 'blob', 'a Buffer')],
    [() => drizzleLoader(lite, users, { primaryKey: 'doc' }), notKey('doc', 'text', 'an object (json mode)')],
    [() => drizzleLoader(lite, users, { scope: 'deleted_at is null' as never }), '`scope` of table `users` must be a Drizzle condition (a `SQL`), e.g. `isNull(users.deletedAt)`'],
    [() => drizzleLoader(lite, users, { scope: (() => isNull(users.deletedAt)) as never }), '`scope` of table `users` must be a Drizzle condition (a `SQL`), e.g. `isNull(users.deletedAt)`'],
    [() => drizzleLoader(lite, users, { version: 5 as never }), "`version` of table `users` must be a field name or column, e.g. 'updatedAt' or users.updatedAt"],
    [() => drizzleLoader(lite, users, { version: 'nope' as never }), `table \`users\` has no field \`nope\` (\`version\`): ${fields}`],
    [() => drizzleLoader(lite, users, { version: 'on' }), '`version` of table `users` is field `on` of type integer, which Drizzle maps to a boolean: a version is a time, a counter or text'],
    [() => drizzleLoader(lite, users, { version: 'blob' }), '`version` of table `users` is field `blob` of type blob, which Drizzle maps to a Buffer: a version is a time, a counter or text'],
  ];
  for (const [make, words] of cases) assert.is(said(make), words);
});

Options('PostgreSQL: json, arrays and points are no keys; json no version', ({ pg: pgDb }) => {
  const notKey = (field: string, type: string, to: string): string => `table \`users\` has key column \`${field}\` of type ${type}, which Drizzle maps to ${to}, never a key: key columns must be integers, text or uuid`;
  assert.is(said(() => drizzleLoader(pgDb, pgUsers, { primaryKey: 'doc' })), notKey('doc', 'jsonb', 'an object (json mode)'));
  assert.is(said(() => drizzleLoader(pgDb, pgUsers, { primaryKey: 'tags' })), notKey('tags', 'integer[]', 'an array'));
  assert.is(said(() => drizzleLoader(pgDb, pgUsers, { primaryKey: 'at' })), notKey('at', 'point', 'an array'));
  assert.is(said(() => drizzleLoader(pgDb, pgUsers, { primaryKey: 'ts' })), notKey('ts', 'timestamp', 'a Date'));
  assert.is(said(() => drizzleLoader(pgDb, pgUsers, { version: 'doc' })), '`version` of table `users` is field `doc` of type jsonb, which Drizzle maps to an object (json mode): a version is a time, a counter or text');
  assert.is(drizzleLoader(pgDb, pgUsers, { version: 'ts' }).table, 'users', 'a timestamp is a version');
});

Options('chunk sizes: the driver\'s parameter limit less the scope\'s room; PostgreSQL composite keys at most 2000; a scope binding more shrinks them', ({ lite, pg: pgDb, mysql }) => {
  const names = (n: number) => Array.from({ length: n }, (_, i) => `n${i}`);
  assert.is(drizzleLoader(lite, users).chunkSize, 32666);
  assert.is(drizzleLoader(pgDb, pgUsers).chunkSize, 65435);
  assert.is(drizzleLoader(pgDb, pgLines).chunkSize, 2000);
  assert.is(drizzleLoader(mysql, myUsers).chunkSize, 65435);
  assert.is(drizzleLoader(mysql, myLines).chunkSize, 32717);
  assert.is(drizzleLoader(pgDb, pgUsers, { scope: inArray(pgUsers.name, names(100)) }).chunkSize, 65435, 'a scope within the room kept for it');
  assert.is(drizzleLoader(pgDb, pgUsers, { scope: inArray(pgUsers.name, names(150)) }).chunkSize, 65385);
  assert.is(drizzleLoader(pgDb, pgLines, { scope: inArray(pgLines.line, names(150).map((_, i) => i)) }).chunkSize, 2000);
  assert.is(drizzleLoader(mysql, myLines, { scope: inArray(myLines.a, names(151).map((_, i) => i)) }).chunkSize, 32692);
  assert.is(drizzleLoader(pgDb, pgUsers, { chunkSize: 65385, scope: inArray(pgUsers.name, names(150)) }).chunkSize, 65385, 'exactly the room left');
  assert.is(said(() => drizzleLoader(pgDb, pgUsers, { chunkSize: 65386, scope: inArray(pgUsers.name, names(150)) })), '`chunkSize` of table `users` must be at most 65385: `scope` binds 150 parameters, and pg takes 65535 per statement, 1 per key');
  assert.is(said(() => drizzleLoader(lite, users, { chunkSize: 0 })), '`chunkSize` of table `users` must be an integer from 1 to 32766 (better-sqlite3 takes 32766 parameters per statement, 1 per key)');
  assert.is(said(() => drizzleLoader(pgDb, pgUsers, { chunkSize: 70000 })), '`chunkSize` of table `users` must be an integer from 1 to 65535 (pg takes 65535 parameters per statement, 1 per key)');
});

Options('drizzleLoaders: a map of tables or options, each model checked by name', ({ lite }) => {
  const map = 'drizzleLoaders takes a map of model names to tables, e.g. { users: usersTable, lines: { table: lines, primaryKey: [lines.orderId, lines.line] } }';
  assert.is(said(() => drizzleLoaders(lite, null as never)), map);
  assert.is(said(() => drizzleLoaders(lite, 'users' as never)), map);
  assert.is(said(() => drizzleLoaders(lite, users as never)), map);
  const model = (name: string): string => `model \`${name}\` must be a Drizzle table, or { table, primaryKey?, columns?, scope?, chunkSize?, version? }`;
  assert.is(said(() => drizzleLoaders(lite, { users: 'users' } as never)), model('users'));
  assert.is(said(() => drizzleLoaders(lite, { users, people: null } as never)), model('people'));
  assert.is(said(() => drizzleLoaders(lite, { people: { primaryKey: 'id' } } as never)), model('people'));
  const loaders = drizzleLoaders(lite, { users, named: { table: users, primaryKey: 'name', columns: ['on'] } });
  assert.equal(Object.keys(loaders), ['users', 'named']);
  assert.ok(Object.isFrozen(loaders));
  assert.equal(loaders.users.primaryKey, ['id']);
  assert.equal(loaders.named.primaryKey, ['name']);
  assert.is(said(() => drizzleLoaders(lite, { named: { table: users, primaryKey: 'uid' } } as never)), 'table `users` has no field `uid` (`primaryKey`): its fields are id, name, on, at, blob, doc, deletedAt');
});

Options('what is accepted: a custom key type, no extra columns, versions of every kind Drizzle maps to a version', ({ lite }) => {
  const typed = s.sqliteTable('typed', {
    id: s.customType<{ data: string }>({ dataType: () => 'text' })('id').primaryKey(),
    n: s.integer('n'),
    big: s.blob('big', { mode: 'bigint' }),
    label: s.text('label'),
    custom: s.customType<{ data: string }>({ dataType: () => 'text' })('custom'),
    at: s.integer('at', { mode: 'timestamp' }),
  });
  assert.equal(drizzleLoader(lite, typed).primaryKey, ['id'], 'a custom type maps to its own values: a key');
  assert.equal(drizzleLoader(lite, typed, { columns: [] }).primaryKey, ['id'], 'columns: [] selects the key alone');
  for (const version of ['n', 'big', 'label', 'custom', 'at'] as const) assert.is(drizzleLoader(lite, typed, { version }).table, 'typed', version);
});

Options('a scope Drizzle cannot build, a table of a dialect the loader does not know, one handle as primary and replica', ({ lite }) => {
  const broken = sql`${{ getSQL: () => { throw new Error('boom'); } } as never}`;
  assert.is(said(() => drizzleLoader(lite, users, { scope: broken })), '`scope` of table `users` does not build: boom');
  const single = singlestoreTable('single', { id: singlestoreInt('id').primaryKey() });
  assert.is(said(() => drizzleLoader(lite, single as never)), "table `single` is of no dialect the loader knows, and `db` is a better-sqlite3 database: define it with SQLite's table function");
  assert.is(said(() => drizzleLoaders({ primary: lite, replica: lite }, { users })), "`primary` and `replica` are the same handle: pass the replica's own");
});

Options('transactions the helpers did not start: afterCommit and transaction say so, in full', ({ lite }) => {
  lite.transaction((tx) => {
    assert.is(said(() => afterCommit(tx, () => undefined)), 'afterCommit(tx, fn): Drizzle tells nobody when this transaction commits, so `fn` could never run: start it with transaction(db, (tx) => …) from @cereal/drizzle (fn async on node-postgres and mysql2, synchronous on better-sqlite3) instead of db.transaction(…), and a nested one with transaction(tx, …)');
    assert.is(said(() => transaction(tx, () => undefined)), 'transaction(tx, fn): `tx` is a transaction that transaction() of @cereal/drizzle did not start, so its commit cannot be seen: start the outer one with transaction(db, …) too');
  });
});

Options('objects without a prototype, or Proxies that throw, are refused as any other wrong value, never a TypeError', ({ lite }) => {
  const bare = Object.create(null) as never;
  const trap = new Proxy({}, { getPrototypeOf: () => { throw new Error('trap'); } }) as never;
  assert.equal(drizzleLoaders(lite, bare), {}, 'a map without a prototype: a map of no models');
  assert.is(said(() => drizzleLoaders(lite, { users: bare })), 'model `users` must be a Drizzle table, or { table, primaryKey?, columns?, scope?, chunkSize?, version? }');
  assert.is(said(() => drizzleLoader(lite, bare)), 'the table must be a Drizzle table object (`sqliteTable(…)`, `pgTable(…)`, `mysqlTable(…)`), got object');
  assert.is(said(() => drizzleLoader(lite, trap)), 'the table must be a Drizzle table object (`sqliteTable(…)`, `pgTable(…)`, `mysqlTable(…)`), got object');
  assert.is(said(() => drizzleLoader(lite, users, { scope: bare })), '`scope` of table `users` must be a Drizzle condition (a `SQL`), e.g. `isNull(users.deletedAt)`');
  assert.is(said(() => drizzleLoader(lite, users, { version: bare })), "`version` of table `users` must be a field name or column, e.g. 'updatedAt' or users.updatedAt");
  assert.is(said(() => drizzleLoader(lite, users, { primaryKey: [bare] })), 'table `users` has no field an object that cannot be printed (`primaryKey`): its fields are id, name, on, at, blob, doc, deletedAt');
  assert.is(said(() => afterCommit(bare, () => undefined)), 'afterCommit(tx, fn): `tx` must be a Drizzle database or transaction; got an object');
});

Options('transaction and afterCommit: not Drizzle, or no function', ({ lite, pg: pgDb }) => {
  assert.is(said(() => afterCommit({} as never, () => undefined)), 'afterCommit(tx, fn): `tx` must be a Drizzle database or transaction; got an object');
  assert.is(said(() => afterCommit(null as never, () => undefined)), 'afterCommit(tx, fn): `tx` must be a Drizzle database or transaction; got null');
  assert.is(said(() => afterCommit(lite, 'later' as never)), 'afterCommit(tx, fn): `fn` must be a function; got string');
  assert.is(said(() => transaction({} as never, () => undefined)), 'transaction(db, fn): `db` must be a Drizzle database or transaction; got an object');
  assert.is(said(() => transaction(pgDb, 'work' as never)), 'transaction(db, fn): `fn` must be a function; got string');
  let ran = 0;
  afterCommit(pgDb, () => void ran++);
  assert.is(ran, 1, 'on a database that is no transaction, fn runs at once');
});

Options.run();
