/**
 * What the loader reads off a Kysely without running a statement: its dialect (by adapter), the
 * names its statements use (plugins and `withSchema` included), and what a driver's connect
 * timeout means; and how a statement is sent: a connection found lost is kept out of use, rows
 * go through `restore` and then the Kysely's plugins. No server: Kysely's DummyDriver compiles,
 * and a stand-in executor hands out connections.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  CamelCasePlugin,
  MssqlAdapter,
  MysqlAdapter,
  PostgresAdapter,
  SqliteAdapter,
  type CompiledQuery,
  type DatabaseConnection,
  type Kysely,
  type KyselyPlugin,
  type QueryResult,
} from 'kysely';
import { dialectOf } from '@cereal/sql';
import { kyselyDialect } from '../src/_dialect.js';
import { compiledNames } from '../src/_identifier.js';
import { send } from '../src/_send.js';
import { connectTimeout, isConnectTimeout } from '../src/_timeout.js';
import { coldKysely as cold } from './suites/cold.js';

const Dialect = suite('kysely: the dialect, by the adapter');

Dialect('each of Kysely\'s adapters names its driver; only SQLite and MySQL drivers round wide integers', () => {
  assert.equal(kyselyDialect(new SqliteAdapter()), { dialect: dialectOf('better-sqlite3'), splitsWide: true });
  assert.equal(kyselyDialect(new MysqlAdapter()), { dialect: dialectOf('mysql2'), splitsWide: true });
  assert.equal(kyselyDialect(new PostgresAdapter()), { dialect: dialectOf('pg'), splitsWide: false });
  assert.equal(kyselyDialect(new MssqlAdapter()), { dialect: dialectOf('mssql'), splitsWide: false });
  assert.is(kyselyDialect(new PostgresAdapter()).dialect.family, 'postgres');
  assert.is(kyselyDialect(new MssqlAdapter()).dialect.maxParams, 2100);
});

Dialect('a third-party adapter built on one of Kysely\'s is that dialect; any other is an unknown driver by its class name, with the conservative limit', () => {
  class CockroachAdapter extends PostgresAdapter {}
  assert.is(kyselyDialect(new CockroachAdapter()).dialect.driver, 'pg');
  class SurrealAdapter {}
  assert.equal(kyselyDialect(new SurrealAdapter() as never), { dialect: { family: 'other', driver: 'SurrealAdapter', maxParams: 999 }, splitsWide: false });
  const anonymous = new (class {})();
  assert.is(kyselyDialect(anonymous as never).dialect.driver, 'unknown', 'a class without a name');
  assert.is(kyselyDialect(Object.create(null) as never).dialect.driver, 'unknown', 'no constructor at all');
  assert.is(kyselyDialect(undefined as never).dialect.driver, 'unknown', 'no adapter');
  for (const name of ['toString', '__proto__', 'constructor']) {
    const Named = { [name]: class {} }[name]!;
    Object.defineProperty(Named, 'name', { value: name });
    assert.equal(kyselyDialect(new Named() as never).dialect, { family: 'other', driver: name, maxParams: 999 }, `an adapter named ${name}: unknown, not Object.prototype's`);
  }
});

const Names = suite('kysely: table and key names as the statements spell them');

Names('a plain table, a schema-qualified one, an alias', () => {
  const db = cold();
  assert.equal(compiledNames(db, 'users', ['id']), { path: ['users'], keys: ['id'] });
  assert.equal(compiledNames(db, 'app.users', ['id']), { path: ['app', 'users'], keys: ['id'] });
  assert.equal(compiledNames(db, 'users as u', ['id']), { path: ['users'], keys: ['id'] });
  assert.equal(compiledNames(db, 'app.users as u', ['tenant', 'id']), { path: ['app', 'users'], keys: ['tenant', 'id'] });
});

Names('withSchema puts the table in its schema; CamelCasePlugin renames schema, table and keys, the version column too', () => {
  assert.equal(compiledNames(cold().withSchema('tenant'), 'users', ['id']), { path: ['tenant', 'users'], keys: ['id'] });
  const camel = cold().withPlugin(new CamelCasePlugin());
  assert.equal(compiledNames(camel, 'orderLines', ['orderId', 'line', 'updatedAt']), { path: ['order_lines'], keys: ['order_id', 'line', 'updated_at'] });
  assert.equal(compiledNames(camel.withSchema('shopData'), 'orderLines', ['orderId']), { path: ['shop_data', 'order_lines'], keys: ['order_id'] });
});

Names('a key the compiled statement does not show as a plain column is taken as written, as is everything when compiling fails', () => {
  const db = cold();
  assert.equal(compiledNames(db, 'users', ['id as key']), { path: ['users'], keys: ['id as key'] });
  assert.equal(compiledNames(db, 'users', ['users.id']), { path: ['users'], keys: ['id'] }, 'a qualified column is its column');
  const broken = { selectFrom: () => { throw new Error('no compiler'); } } as unknown as Kysely<any>;
  assert.equal(compiledNames(broken, 'app.orderLines as l', ['orderId']), { path: ['app', 'orderLines'], keys: ['orderId'] });
  const strange = { selectFrom: () => ({ select: () => ({ compile: () => ({ query: { kind: 'SelectQueryNode' } }) }) }) } as unknown as Kysely<any>;
  assert.equal(compiledNames(strange, 'app.users', ['id', 'tenant']), { path: ['app', 'users'], keys: ['id', 'tenant'] }, 'no from, no selections');
});

const Timeout = suite('kysely: a connect timeout, explained');

Timeout('the drivers\' timeouts waiting for a connection, and nothing else', () => {
  const yes: unknown[] = [
    new Error('timeout exceeded when trying to connect'),
    new Error('Connection terminated due to connection timeout'),
    Object.assign(new Error('connect ETIMEDOUT 10.0.0.1:5432'), { code: 'ETIMEDOUT', syscall: 'connect' }),
    { code: 'ETIMEDOUT', syscall: 'connect' },
  ];
  const no: unknown[] = [
    new Error('timeout exceeded when trying to connect!'),
    new Error('pg: timeout exceeded when trying to connect'),
    new Error('Connection terminated unexpectedly'),
    Object.assign(new Error('read ETIMEDOUT'), { code: 'ETIMEDOUT', syscall: 'read' }),
    Object.assign(new Error('x'), { code: 'ECONNREFUSED', syscall: 'connect' }),
    { message: 42 },
    'timeout exceeded when trying to connect',
    null,
    undefined,
  ];
  for (const err of yes) assert.ok(isConnectTimeout(err), String((err as Error)?.message ?? err));
  for (const err of no) assert.not.ok(isConnectTimeout(err), String((err as Error)?.message ?? err));
});

Timeout('says where the wait is set, per driver, naming the table; the driver\'s error is its cause', () => {
  const cause = new Error('timeout exceeded when trying to connect');
  const cases: [string, string][] = [
    ['pg', "the pg Pool's connectionTimeoutMillis"],
    ['mysql2', "mysql2's connectTimeout"],
    ['better-sqlite3', "the driver's connect timeout"],
    ['SurrealAdapter', "the driver's connect timeout"],
  ];
  for (const [driver, setting] of cases) {
    const err = connectTimeout(dialectOf(driver), 'users', cause);
    assert.instance(err, Error);
    assert.is(err.constructor, Error, 'a plain Error: hydrate makes it LOAD_FAILED');
    assert.is(err.message, `[kysely] no database connection within ${setting} to read table \`users\`: the server is down or unreachable, or every pooled connection is busy`);
    assert.is(err.cause, cause);
  }
});

// ---

type Row = Record<string, unknown>;

/** A connection that answers `rows`, or throws `fail` while it is set. */
class Connection implements DatabaseConnection {
  sent = 0;
  fail: unknown;
  constructor(readonly name: string, readonly rows: Row[] = [{ id: 1 }]) {}
  async executeQuery<R>(): Promise<QueryResult<R>> {
    this.sent++;
    if (this.fail !== undefined) throw this.fail;
    return { rows: this.rows.map((row) => ({ ...row })) as R[] };
  }
  async *streamQuery(): AsyncIterableIterator<never> {}
}

/** A stand-in Kysely whose pool hands out `order`'s connections in turn (the last one again once it runs out), with `plugins`. */
function pooled(order: Connection[], plugins: KyselyPlugin[] = []): { db: Kysely<any>; handedOut: string[] } {
  const handedOut: string[] = [];
  let i = 0;
  const executor = {
    plugins,
    provideConnection: async <T>(use: (c: DatabaseConnection) => Promise<T>): Promise<T> => {
      const connection = order[Math.min(i++, order.length - 1)]!;
      handedOut.push(connection.name);
      return use(connection);
    },
  };
  return { db: { getExecutor: () => executor } as unknown as Kysely<any>, handedOut };
}

const query = { sql: 'select 1', parameters: [], query: { kind: 'RawNode' }, queryId: { queryId: 'q' } } as unknown as CompiledQuery;
const lost = () => Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });

const Send = suite('kysely: sending a statement');

Send('a connection a statement found lost is not used again: the next statement waits for another', async () => {
  const dead = new Connection('dead');
  const alive = new Connection('alive', [{ id: 7 }]);
  dead.fail = lost();
  const first = pooled([dead]);
  const err = await send(first.db, query, { inTransaction: false, plugins: false }).then(() => undefined, (e: unknown) => e);
  assert.is((err as Error).message, 'terminating connection due to administrator command', 'the statement\'s own error, as it was');
  dead.fail = undefined; // were it used again, it would answer: it must not be
  const next = pooled([dead, dead, alive]);
  assert.equal(await send(next.db, query, { inTransaction: false, plugins: false }), [{ id: 7 }]);
  assert.equal(next.handedOut, ['dead', 'dead', 'alive']);
  assert.is(dead.sent, 1, 'no statement on the lost connection after its failure');
  assert.is(alive.sent, 1);
});

Send('a lost connection the pool keeps handing out is tried again after its pauses (1.2 s), then forgotten', async () => {
  const dead = new Connection('dead', [{ id: 3 }]);
  dead.fail = lost();
  await send(pooled([dead]).db, query, { inTransaction: false, plugins: false }).catch(() => undefined);
  dead.fail = undefined;
  const only = pooled([dead]);
  const started = Date.now();
  assert.equal(await send(only.db, query, { inTransaction: false, plugins: false }), [{ id: 3 }]);
  assert.is(only.handedOut.length, 12, 'eleven refusals, then used');
  assert.ok(Date.now() - started >= 1000, `waited ${Date.now() - started} ms`);
  assert.is(dead.sent, 2);
  const again = pooled([dead]);
  await send(again.db, query, { inTransaction: false, plugins: false });
  assert.is(again.handedOut.length, 1, 'forgotten once used');
});

Send('another error does not mark the connection; nor does a lost one inside a transaction (it is the transaction\'s)', async () => {
  const conn = new Connection('c', [{ id: 1 }]);
  conn.fail = Object.assign(new Error('syntax error at or near "selec"'), { code: '42601' });
  await send(pooled([conn]).db, query, { inTransaction: false, plugins: false }).catch(() => undefined);
  conn.fail = undefined;
  const after = pooled([conn]);
  await send(after.db, query, { inTransaction: false, plugins: false });
  assert.equal(after.handedOut, ['c']);

  const trx = new Connection('trx', [{ id: 2 }]);
  trx.fail = lost();
  await send(pooled([trx]).db, query, { inTransaction: true, plugins: false }).catch(() => undefined);
  trx.fail = undefined;
  const outside = pooled([trx]);
  assert.equal(await send(outside.db, query, { inTransaction: false, plugins: false }), [{ id: 2 }]);
  assert.equal(outside.handedOut, ['trx'], 'not kept out of use');
  trx.fail = lost();
  await send(pooled([trx]).db, query, { inTransaction: false, plugins: false }).catch(() => undefined);
  trx.fail = undefined;
  const inside = pooled([trx]);
  assert.equal(await send(inside.db, query, { inTransaction: true, plugins: false }), [{ id: 2 }], 'a transaction uses its connection as it is');
  assert.equal(inside.handedOut, ['trx']);
});

Send('rows go through restore, then through the Kysely\'s plugins in order when asked, with the statement\'s queryId', async () => {
  const seen: string[] = [];
  const plugin = (name: string): KyselyPlugin => ({
    transformQuery: ({ node }) => node,
    transformResult: async ({ result, queryId }) => {
      seen.push(`${name}:${queryId.queryId}:${JSON.stringify(result.rows)}`);
      return { ...result, rows: result.rows.map((row) => ({ ...row, [name]: true })) };
    },
  });
  const conn = new Connection('c', [{ id: 1 }, { id: 2 }]);
  const restore = (row: Row): void => {
    row.restored = row.id;
  };
  const { db } = pooled([conn], [plugin('a'), plugin('b')]);
  assert.equal(await send(db, query, { inTransaction: false, plugins: true, restore }), [
    { id: 1, restored: 1, a: true, b: true },
    { id: 2, restored: 2, a: true, b: true },
  ]);
  assert.equal(seen, ['a:q:[{"id":1,"restored":1},{"id":2,"restored":2}]', 'b:q:[{"id":1,"restored":1,"a":true},{"id":2,"restored":2,"a":true}]']);
  seen.length = 0;
  assert.equal(await send(db, query, { inTransaction: false, plugins: false }), [{ id: 1 }, { id: 2 }], 'the catalog\'s rows, as the database names them');
  assert.equal(seen, []);
});

Dialect.run();
Names.run();
Timeout.run();
Send.run();
