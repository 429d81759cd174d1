/**
 * What the loader reads off a Drizzle database without running a statement: its driver, the
 * statements it would send on each dialect, what a driver's connect timeout means, whether a
 * transaction it was built on still holds its connection, and which error a failed statement
 * throws. No server: a node-postgres Pool and a mysql2 pool connect only on their first
 * statement, and `toSQL()` compiles without one.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createPool } from 'mysql2';
import { DrizzleQueryError, entityKind, eq, isNull, or, sql } from 'drizzle-orm';
import { drizzle as sqliteDrizzle } from 'drizzle-orm/better-sqlite3';
import { drizzle as mysqlDrizzle, MySql2Session } from 'drizzle-orm/mysql2';
import { drizzle as pgDrizzle, NodePgSession } from 'drizzle-orm/node-postgres';
import * as my from 'drizzle-orm/mysql-core';
import * as p from 'drizzle-orm/pg-core';
import * as s from 'drizzle-orm/sqlite-core';
import { dialectOf, type SqlFamily } from '@cereal/sql';
import { driverOf } from '../src/_driver.js';
import { transactionGuard } from '../src/_ended.js';
import { selectOf, roundsWide, type SelectPlan } from '../src/_select.js';
import { send } from '../src/_send.js';
import { tableInfo } from '../src/_table.js';
import { connectTimeout } from '../src/_timeout.js';

const pgUsers = p.pgTable('users', { id: p.bigint('id', { mode: 'number' }).primaryKey(), name: p.text('name'), deletedAt: p.timestamp('deleted_at') });
const pgLines = p.pgTable('lines', { orderId: p.integer('order_id'), line: p.text('line') }, (t) => [p.primaryKey({ columns: [t.orderId, t.line] })]);
const liteUsers = s.sqliteTable('users', { id: s.integer('id').primaryKey(), name: s.text('name') });
const liteLines = s.sqliteTable('lines', { a: s.integer('a'), b: s.text('b') }, (t) => [s.primaryKey({ columns: [t.a, t.b] })]);
const myLines = my.mysqlTable('lines', { a: my.bigint('a', { mode: 'bigint' }), b: my.varchar('b', { length: 9 }) }, (t) => [my.primaryKey({ columns: [t.a, t.b] })]);

const lite = sqliteDrizzle(new Database(':memory:'));
const pgPool = new pg.Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none', connectionTimeoutMillis: 1234 });
const pgDb = pgDrizzle(pgPool);
const myPool = createPool({ uri: 'mysql://nobody@127.0.0.1:1/none', connectTimeout: 777 });
const myDb = mysqlDrizzle(myPool);

const Driver = suite('drizzle: the driver behind a database');

Driver('better-sqlite3, node-postgres and mysql2, by their sessions; none is a transaction', () => {
  for (const [db, driver] of [[lite, 'better-sqlite3'], [pgDb, 'pg'], [myDb, 'mysql2']] as const) {
    const found = driverOf(db);
    assert.equal(found.dialect, dialectOf(driver));
    assert.is(found.inTransaction, false, driver);
  }
});

Driver('a better-sqlite3 transaction is one, of the same driver', async () => {
  lite.transaction((tx) => {
    assert.is(driverOf(tx).inTransaction, true);
    assert.is(driverOf(tx).dialect.driver, 'better-sqlite3');
  });
});

Driver('a raw statement\'s rows, as objects: better-sqlite3\'s all(), node-postgres\' result.rows, mysql2\'s first element', async () => {
  assert.equal(await driverOf(lite).rows(sql`select 1 as one, 'a' as two`), [{ one: 1, two: 'a' }]);
  // stand-ins with the drivers' sessions (known by their entity kind) and execute()'s result shapes
  const pgLike = { session: Object.create(NodePgSession.prototype), execute: async () => ({ rows: [{ one: 1 }], rowCount: 1 }) };
  assert.equal(await driverOf(pgLike).rows(sql`select 1`), [{ one: 1 }]);
  const myLike = { session: Object.create(MySql2Session.prototype), execute: async () => [[{ one: 1 }], [{ name: 'one' }]] };
  assert.equal(await driverOf(myLike).rows(sql`select 1`), [{ one: 1 }]);
  // a session of the user's own over node-postgres': known by its ancestor's kind
  class TracedSession extends NodePgSession<any, any> {
    static override readonly [entityKind]: string = 'TracedSession';
  }
  assert.is(driverOf({ session: Object.create(TracedSession.prototype) }).dialect.driver, 'pg');
});

const Select = suite('drizzle: the statements, as each dialect spells them');

function plan(db: unknown, table: unknown, family: SqlFamily, driver: string, scope?: SelectPlan['scope']): SelectPlan {
  const info = tableInfo(db, table, family, driver);
  const fields = [...info.fields.values()];
  return { family, table: table as SelectPlan['table'], selected: Object.fromEntries(fields.map((f) => [f.field, f.column])), keys: info.definedKey!, scope };
}
const compiled = (query: { toSQL(): { sql: string; params: unknown[] } }) => query.toSQL();

Select('PostgreSQL: one key column as one array parameter, `= any($1)`; the scope one group after it; exact reads the key as text', () => {
  assert.equal(compiled(selectOf(pgDb, plan(pgDb, pgUsers, 'postgres', 'pg'), [1, 2], false)), {
    sql: 'select "id", "name", "deleted_at" from "users" where "users"."id" = any($1)',
    params: [[1, 2]],
  });
  const scope = or(isNull(pgUsers.deletedAt), eq(pgUsers.name, 'x'));
  assert.equal(compiled(selectOf(pgDb, plan(pgDb, pgUsers, 'postgres', 'pg', scope), [1, 2], true)), {
    sql: 'select "id", "name", "deleted_at", cast("id" as text) from "users" where "users"."id" = any($1) and (("users"."deleted_at" is null or "users"."name" = $2))',
    params: [[1, 2], 'x'],
  });
});

Select('PostgreSQL: a composite key through unnest, one array per column cast to its type; on the exact path a list of tuples', () => {
  assert.equal(compiled(selectOf(pgDb, plan(pgDb, pgLines, 'postgres', 'pg'), [[1, 'a'], [2, 'b']], false, ['integer', 'text'])), {
    sql: 'select "order_id", "line" from "lines" where ("lines"."order_id", "lines"."line") in (select * from unnest($1::integer[], $2::text[]))',
    params: [[1, 2], ['a', 'b']],
  });
  assert.equal(compiled(selectOf(pgDb, plan(pgDb, pgLines, 'postgres', 'pg'), [[1, 'a'], [2, 'b']], true, ['integer', 'text'])), {
    sql: 'select "order_id", "line", cast("order_id" as text) from "lines" where ("lines"."order_id", "lines"."line") in (($1, $2), ($3, $4))',
    params: [1, 'a', 2, 'b'],
  });
});

Select('SQLite: `in (?, …)`, and row values as a VALUES list; MySQL: a list of tuples, a bigint key read as text on the exact path', () => {
  assert.equal(compiled(selectOf(lite, plan(lite, liteUsers, 'sqlite', 'better-sqlite3'), [1, 2], true)), {
    sql: 'select "id", "name", cast("id" as text) from "users" where "users"."id" in (?, ?)',
    params: [1, 2],
  });
  assert.equal(compiled(selectOf(lite, plan(lite, liteLines, 'sqlite', 'better-sqlite3'), [[1, 'a'], [2, 'b']], false)), {
    sql: 'select "a", "b" from "lines" where ("lines"."a", "lines"."b") in (values (?, ?), (?, ?))',
    params: [1, 'a', 2, 'b'],
  });
  const mysql = compiled(selectOf(myDb, plan(myDb, myLines, 'mysql', 'mysql2'), [[5n, 'a']], true));
  assert.is(mysql.sql, 'select `a`, `b`, cast(`a` as char) from `lines` where (`lines`.`a`, `lines`.`b`) in ((?, ?))');
  assert.equal(mysql.params.map(String), ['5', 'a']);
});

Select('which key columns a driver reads as a double: number mode everywhere, bigint mode on MySQL only', () => {
  assert.ok(roundsWide('number', 'postgres'));
  assert.ok(roundsWide('number', 'sqlite'));
  assert.ok(roundsWide('bigint', 'mysql'));
  assert.not.ok(roundsWide('bigint', 'postgres'));
  assert.not.ok(roundsWide('bigint', 'sqlite'));
  assert.not.ok(roundsWide('string', 'mysql'));
});

const Timeout = suite('drizzle: a connect timeout, explained');

Timeout('pg: its two timeout messages, with the pool\'s connectionTimeoutMillis when set', () => {
  for (const message of ['timeout exceeded when trying to connect', 'Connection terminated due to connection timeout']) {
    const cause = new Error(message);
    const err = connectTimeout('pg', pgPool, 'users', cause)!;
    assert.is(err.constructor, Error, 'a plain Error: hydrate makes it LOAD_FAILED');
    assert.is(err.message, '[drizzle] no database connection within connectionTimeoutMillis (1234 ms) to read table `users`: the server is down or unreachable, or every pooled connection is busy');
    assert.is(err.cause, cause);
  }
  for (const client of [new pg.Pool(), { options: { connectionTimeoutMillis: 0 } }, { options: { connectionTimeoutMillis: '5' } }, undefined]) {
    assert.is(connectTimeout('pg', client, 'users', new Error('timeout exceeded when trying to connect'))!.message, "[drizzle] no database connection within the driver's connectionTimeoutMillis to read table `users`: the server is down or unreachable, or every pooled connection is busy");
  }
  assert.is(connectTimeout('pg', {}, 'users', new Error('timeout exceeded when trying to connect'))!.message, "[drizzle] no database connection within the driver's connectionTimeoutMillis to read table `users`: the server is down or unreachable, or every pooled connection is busy", 'a client without options');
  assert.is(connectTimeout('pg', pgPool, 'users', new Error('Connection terminated unexpectedly')), undefined);
  assert.is(connectTimeout('pg', pgPool, 'users', null), undefined);
});

Timeout('mysql2: ETIMEDOUT, with connectTimeout from the pool, the promise pool or a connection\'s config', () => {
  const cause = Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' });
  const words = (ms: string) => `[drizzle] no database connection within ${ms} to read table \`users\`: the server is down or unreachable`;
  assert.is(connectTimeout('mysql2', myPool, 'users', cause)!.message, words('connectTimeout (777 ms)'));
  assert.is(connectTimeout('mysql2', { pool: { config: { connectionConfig: { connectTimeout: 900 } } } }, 'users', cause)!.message, words('connectTimeout (900 ms)'));
  assert.is(connectTimeout('mysql2', { config: { connectTimeout: 500 } }, 'users', cause)!.message, words('connectTimeout (500 ms)'));
  assert.is(connectTimeout('mysql2', {}, 'users', cause)!.message, words("the driver's connectTimeout"));
  assert.is(connectTimeout('mysql2', undefined, 'users', cause)!.message, words("the driver's connectTimeout"), 'no client');
  assert.is(connectTimeout('mysql2', myPool, 'users', null), undefined, 'no error');
  assert.is(connectTimeout('mysql2', myPool, 'users', new Error('timeout exceeded when trying to connect')), undefined);
  assert.is(connectTimeout('better-sqlite3', undefined, 'users', cause), undefined, 'no timeout to explain');
});

const Ended = suite('drizzle: a loader built on a transaction that ended');

const ended = '[cereal] [drizzle] table `users`: the transaction this loader was built on has ended (committed or rolled back); build loaders inside each transaction, or on the database';

Ended('its pooled connection released once is the end; the pool\'s own release still runs, with its arguments', () => {
  const calls: unknown[][] = [];
  const client = { release: (...args: unknown[]) => void calls.push(args) };
  const tx = { session: { client } };
  const open = transactionGuard(tx, 'users');
  open();
  open();
  client.release(new Error('broken'));
  assert.equal(calls.map((args) => (args[0] as Error).message), ['broken']);
  assert.throws(open, (err: Error) => (err as { code?: string }).code === 'INVALID_OPTION' && err.message === ended);
  client.release();
  assert.is(calls.length, 2, 'the pool\'s release once more, unwrapped');
});

Ended('two loaders on one transaction see one end; a checkout after it is another unit of work', () => {
  const client = { release: () => undefined };
  const tx = { session: { client } };
  const first = transactionGuard(tx, 'users');
  const second = transactionGuard(tx, 'users');
  client.release();
  assert.throws(first, (err: Error) => err.message === ended);
  assert.throws(second, (err: Error) => err.message === ended);
  const again = transactionGuard(tx, 'users'); // the connection, checked out again by a new transaction
  again();
  assert.throws(first, (err: Error) => err.message === ended, 'still ended for the old one');
});

Ended('node-postgres replaces release at each checkout: a release that is not ours means it was released', () => {
  const client = { release: (() => undefined) as (...args: unknown[]) => unknown };
  const open = transactionGuard({ session: { client } }, 'users');
  open();
  client.release = () => undefined;
  assert.throws(open, (err: Error) => err.message === ended);
});

Ended('no pooled connection to watch (a single client, better-sqlite3, a broken session): never ended', () => {
  for (const tx of [{ session: { client: {} } }, { session: { client: null } }, { session: {} }, {}, { session: { client: { release: 'x' } } }]) {
    const open = transactionGuard(tx, 'users');
    open();
  }
});

const Send = suite('drizzle: a failed statement\'s error');

Send('the driver\'s own error, out of DrizzleQueryError (of this copy of drizzle-orm or another); any other as thrown', async () => {
  const driver = Object.assign(new Error('relation "x" does not exist'), { code: '42P01' });
  const caught = (statement: () => PromiseLike<unknown>) => send(statement).then(() => undefined, (e: unknown) => e);
  assert.is(await caught(async () => Promise.reject(new DrizzleQueryError('select 1', [], driver))), driver);
  class DrizzleQueryError2 extends Error {}
  Object.defineProperty(DrizzleQueryError2, 'name', { value: 'DrizzleQueryError' });
  assert.is(await caught(async () => Promise.reject(new DrizzleQueryError2('select 1', { cause: driver }))), driver);
  const bare = new DrizzleQueryError('select 1', []);
  assert.is(await caught(async () => Promise.reject(bare)), bare, 'no cause: the wrapper itself');
  const other = Object.assign(new Error('x'), { cause: driver });
  assert.is(await caught(async () => Promise.reject(other)), other, 'another error with a cause is not unwrapped');
  assert.is(await send(async () => 7), 7);
});

Send.after(async () => {
  lite.$client.close();
  await pgPool.end();
  await new Promise((resolve) => myPool.end(resolve));
});

Driver.run();
Select.run();
Timeout.run();
Ended.run();
Send.run();
