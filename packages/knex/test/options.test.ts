/**
 * What knexLoader, knexLoaders and afterCommit say about what they are given, in the words a user
 * reads; how a name is spelled in the statements (`identifier`, a config's `wrapIdentifier`); and
 * what a `scope` may do. On SQLite in memory: none of it depends on the server.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knex, { type Knex } from 'knex';
import { CerealError, createSerializer, hydrate, ref } from '@cereal/core';
import { msgpackFormat } from '@cereal/msgpack';
import { rejects, throws } from '@cereal/testkit';
import { afterCommit, knexLoader, knexLoaders } from '../src/index.js';
import { identifier } from '../src/_identifier.js';
import { knexDialect } from '../src/_dialect.js';
import { acquireTimeout, isAcquireTimeout } from '../src/_timeout.js';

const sqlite = (options: Partial<Knex.Config> = {}): Knex => knex({ client: 'better-sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true, ...options });

const Options = suite<{ db: Knex }>('knex: bad options, in the words a user reads', {} as never);

Options.before(async (ctx) => {
  ctx.db = sqlite();
  await ctx.db.schema.createTable('users', (t) => {
    t.integer('id').primary();
    t.string('name');
    t.integer('small');
    t.timestamp('deleted_at');
  });
  await ctx.db('users').insert([{ id: 1, name: 'Ada', small: 1 }, { id: 2, name: 'Grace', small: 2, deleted_at: new Date() }]);
});

Options.after(({ db }) => db.destroy());

Options('each refusal is INVALID_OPTION, says [knex], names the table and what it takes', ({ db }) => {
  const cases: [() => unknown, string][] = [
    [() => knexLoader({} as never, { table: 'users' }), '`db` must be a Knex instance or transaction'],
    [() => knexLoader((() => undefined) as never, { table: 'users' }), '`db` must be a Knex instance or transaction'],
    [() => knexLoader(null as never, { table: 'users' }), '`db` must be a Knex instance or transaction'],
    [() => knexLoader(db, undefined as never), "`table` must be a table name, e.g. knexLoader(db, { table: 'users' })"],
    [() => knexLoader(db, { table: 'users', scope: 'deleted_at is null' as never }), '`scope` of table `users` must be a function of the query'],
    [() => knexLoader(db, { table: 'users', primaryKey: [] }), '`primaryKey` of table `users` must be a column name or an array of column names'],
    [() => knexLoader(db, { table: 'users', chunkSize: 0 }), '`chunkSize` of table `users` must be an integer from 1 to 32766 (better-sqlite3 takes 32766 parameters per statement, 1 per key)'],
    [() => knexLoader(db, { table: 'users', version: 5 as never }), "`version` of table `users` must be a column name, e.g. 'updated_at'"],
    [() => knexLoader(db, { table: 'users', columns: 'name' as never }), '`columns` of table `users` must be an array of column names'],
    [() => knexLoaders(db, null as never), "knexLoaders takes a map of model names to tables, e.g. { users: 'users' }"],
    [() => knexLoaders(db, 'users' as never), "knexLoaders takes a map of model names to tables, e.g. { users: 'users' }"],
    [() => knexLoaders({ primary: db } as never, { users: 'users' }), 'a replica-aware loader map takes { primary, replica, onServed? }: `replica` is missing'],
    [() => knexLoaders({ primary: db, replica: db }, { users: 'users' }), "`primary` and `replica` are the same handle: pass the replica's own"],
  ];
  for (const [make, message] of cases) assert.is(throws(make, 'INVALID_OPTION').message, `[cereal] [knex] ${message}`);
});

Options('knexLoaders takes a table name or options per model, on one database or a { primary, replica } pair', async ({ db }) => {
  const dir = mkdtempSync(join(tmpdir(), 'cereal-knex-'));
  const handles: Knex[] = [];
  try {
    const open = (): Knex => {
      handles.push(knex({ client: 'better-sqlite3', connection: { filename: join(dir, 'pair.db') }, useNullAsDefault: true }));
      return handles.at(-1)!;
    };
    const [primary, replica] = [open(), open()];
    await primary.raw('create table users (id integer primary key, name text, small integer, deleted_at datetime)');
    await primary('users').insert({ id: 1, name: 'Ada', small: 1 });
    for (const handle of [db, { primary, replica }]) {
      const loaders = knexLoaders(handle, { people: 'users', named: { table: 'users', columns: ['name'] } });
      const [a, b] = (await hydrate([ref('people', 1), ref('named', 1)], loaders)) as unknown as Record<string, unknown>[];
      assert.equal(a, { id: 1, name: 'Ada', small: 1, deleted_at: null });
      assert.equal(b, { name: 'Ada', id: 1 });
    }
  } finally {
    await Promise.all(handles.map((handle) => handle.destroy()));
    rmSync(dir, { recursive: true, force: true });
  }
});

Options('a scope binding more parameters than the room kept for it leaves fewer keys per statement', ({ db }) => {
  const values = Array.from({ length: 200 }, (_, i) => i);
  assert.is(knexLoader(db, { table: 'users' }).chunkSize, 32666, '100 parameters kept for a scope');
  assert.is(knexLoader(db, { table: 'users', scope: (q) => q.whereIn('small', values.slice(0, 100)) }).chunkSize, 32666);
  assert.is(knexLoader(db, { table: 'users', scope: (q) => q.whereIn('small', values) }).chunkSize, 32566);
  assert.is(knexLoader(db, { table: 'users', scope: (q) => q.whereIn('small', values), chunkSize: 32566 }).chunkSize, 32566);
  assert.is(
    throws(() => knexLoader(db, { table: 'users', scope: (q) => q.whereIn('small', values), chunkSize: 32567 }), 'INVALID_OPTION').message,
    '[cereal] [knex] `chunkSize` of table `users` must be at most 32566: `scope` binds 200 parameters, and better-sqlite3 takes 32766 per statement, 1 per key',
  );
});

Options('a scope that throws is INVALID_OPTION when the statement is built, with what it threw as the cause; a CerealError passes as it is', async ({ db }) => {
  const boom = new Error('boom');
  const loader = knexLoader(db, {
    table: 'users',
    scope: () => {
      throw boom;
    },
  });
  assert.is(loader.chunkSize, 32666, 'its parameters cannot be counted: the room kept for a scope');
  const err = await rejects(() => hydrate([ref('users', 1)], { users: loader }));
  assert.is(err.code, 'INVALID_OPTION');
  assert.is(err.message, '[cereal] [knex] table `users`: `scope` threw: boom');
  assert.is(err.cause, boom);
  const text = await rejects(() => hydrate([ref('users', 1)], { users: knexLoader(db, { table: 'users', scope: () => { throw 'bang'; } }) }));
  assert.is(text.message, '[cereal] [knex] table `users`: `scope` threw: bang');
  assert.is(text.cause, 'bang');
  const nothing = await rejects(() => hydrate([ref('users', 1)], { users: knexLoader(db, { table: 'users', scope: () => { throw undefined; } }) }));
  assert.is(nothing.message, '[cereal] [knex] table `users`: `scope` threw: undefined');
  const own = new CerealError('STALE', 'my own');
  assert.is(await rejects(() => hydrate([ref('users', 1)], { users: knexLoader(db, { table: 'users', scope: () => { throw own; } }) })), own);
});

Options('a scope may add where conditions, and only those: the refusal names what else it added', async ({ db }) => {
  const allowed: ((q: Knex.QueryBuilder) => Knex.QueryBuilder | void)[] = [
    (q) => q.whereNull('deleted_at'),
    (q) => void q.whereNull('deleted_at'), // returns nothing: the query it was given counts
    (q) => q.where('small', '<', 5).orWhere('name', 'Grace').whereNot('name', 'x'),
    (q) => q.whereIn('small', [1, 2]).whereExists((sub) => sub.select(db.raw('1'))),
    // builder state that is no part of the statement: a dangling or/not, a listener
    (q) => q.whereNull('deleted_at').or,
    (q) => q.whereNull('deleted_at').not,
    (q) => q.whereNull('deleted_at').on('query', () => undefined),
    (q) => void (q.whereNull('deleted_at') as unknown as NodeJS.EventEmitter).setMaxListeners(20),
  ];
  for (const scope of allowed) assert.is((await hydrate([ref('users', 1)], { users: knexLoader(db, { table: 'users', scope }) })).length, 1, String(scope));
  const refused: [(q: Knex.QueryBuilder) => Knex.QueryBuilder, string][] = [
    [(q) => q.join('orders', 'orders.user_id', 'users.id'), 'join'],
    [(q) => q.select('name'), 'select'],
    [(q) => q.distinct(), 'select'],
    [(q) => q.orderBy('name'), 'order'],
    [(q) => q.whereNull('deleted_at').limit(1), 'limit'],
    [(q) => q.offset(2), 'offset'],
    [(q) => q.first(), 'select, limit, first'],
    [(q) => q.forUpdate(), 'lock'],
    [(q) => q.forShare('users'), 'lock'], // not its details: `lockTables`
    [(q) => q.limit(1, { skipBinding: true }), 'limit'], // `skipBinding`
    [(q) => q.from('other', { only: true }), 'table'], // `only`
    [(q) => q.groupBy('name'), 'group'],
    [(q) => q.from('other'), 'table'],
    [(q) => q.timeout(5), 'timeout'],
    [(q) => q.del(), 'del'],
    [(q) => q.comment('hi'), 'comments'],
    [(q) => q.clone().whereNull('deleted_at'), 'another query builder, returned'],
  ];
  for (const [scope, added] of refused) {
    const err = await rejects(() => hydrate([ref('users', 1)], { users: knexLoader(db, { table: 'users', scope }) }));
    assert.is(err.code, 'INVALID_OPTION', added);
    assert.is(
      err.message,
      `[cereal] [knex] table \`users\`: \`scope\` may only add where conditions (where, orWhere, whereNull, whereExists…) to the query it is given, which the loader groups in parentheses after the key filter; it added ${added}. Load from a view for joins, and use \`columns\` to select`,
    );
  }
});

Options('afterCommit: what it refuses, in words', async ({ db }) => {
  const cases: [() => unknown, string][] = [
    [() => afterCommit(null as never, () => undefined), '`trx` must be a Knex instance or transaction; got null'],
    [() => afterCommit('trx' as never, () => undefined), '`trx` must be a Knex instance or transaction; got string'],
    [() => afterCommit((() => undefined) as never, () => undefined), '`trx` must be a Knex instance or transaction; got function'],
    [() => afterCommit(Object.assign(() => undefined, { transaction() {} }) as never, () => undefined), '`trx` must be a Knex instance or transaction; got function'],
    [() => afterCommit(Object.assign(() => undefined, { client: {} }) as never, () => undefined), '`trx` must be a Knex instance or transaction; got function'],
    [() => afterCommit(db, null as never), '`fn` must be a function; got null'],
    [() => afterCommit(db, 5 as never), '`fn` must be a function; got number'],
  ];
  for (const [call, message] of cases) assert.is(throws(call, 'INVALID_OPTION').message, `[cereal] [knex] afterCommit(trx, fn): ${message}`);
  // A transaction of another Knex, missing one of the three things afterCommit watches.
  const trx = (parts: object) => Object.assign(() => undefined, { transaction() {}, client: {}, isTransaction: true, isCompleted: () => false }, parts);
  const pending = new Promise(() => undefined);
  for (const parts of [{}, { commit() {}, rollback() {} }, { executionPromise: {}, commit() {}, rollback() {} }, { executionPromise: pending, rollback() {} }, { executionPromise: pending, commit() {} }]) {
    assert.is(
      throws(() => afterCommit(trx(parts) as never, () => undefined), 'INVALID_OPTION').message,
      '[cereal] [knex] afterCommit(trx, fn): `trx` is a transaction without `executionPromise`, `commit` and `rollback`: Knex 3 transactions have them',
      JSON.stringify(Object.keys(parts)),
    );
  }
  afterCommit(trx({ executionPromise: pending, commit() {}, rollback() {} }) as never, () => undefined); // all three: accepted
});

Options('what prepare() finds wrong with the table is INVALID_OPTION, saying [knex]', async ({ db }) => {
  const missing = await rejects(() => knexLoader(db, { table: 'users_nope' }).prepare());
  assert.ok(missing.message.startsWith('[cereal] [knex] table `users_nope` was not found'), missing.message);
  const noColumn = await rejects(() => knexLoader(db, { table: 'users', version: 'lock_version' }).prepare());
  assert.ok(noColumn.message.startsWith("[cereal] [knex] table `users` has no column `lock_version`, the loader's `version`"), noColumn.message);
});

Options('a wide key reads its row exactly, and the row\'s other columns as usual: numbers, text that looks like one, null', async ({ db }) => {
  await db.raw('create table wide (id bigint primary key, label text, note text, n integer, r real)');
  try {
    await db('wide').insert({ id: 2n ** 62n + 1n, label: '42', note: null, n: 7, r: 1.5 });
    const [row] = (await hydrate([ref('wide', 2n ** 62n + 1n)], { wide: knexLoader(db, { table: 'wide' }) })) as unknown as Record<string, unknown>[];
    assert.equal(row, { id: 2n ** 62n + 1n, label: '42', note: null, n: 7, r: 1.5 });
  } finally {
    await db.schema.dropTableIfExists('wide');
  }
});

Options.run();

const Names = suite('knex: names as the statements spell them');

Names('a table or column name: schema-qualified, aliased (any case of AS), quotes in it', async () => {
  const lite = sqlite();
  // These compile statements and never connect. SQLite's and MySQL's names are in backticks, PostgreSQL's in double quotes.
  const my = knex({ client: 'mysql2' });
  const pg = knex({ client: 'pg' });
  try {
    assert.equal(identifier(lite, 'items'), ['items']);
    assert.equal(identifier(lite, 's.items'), ['s', 'items']);
    assert.equal(identifier(lite, 'items as i'), ['items']);
    assert.equal(identifier(lite, 's.items AS i'), ['s', 'items']);
    assert.equal(identifier(lite, 'we`ird'), ['we`ird']);
    assert.equal(identifier(pg, 's.items As i'), ['s', 'items']);
    assert.equal(identifier(pg, 'we"ird'), ['we"ird']);
    assert.equal(identifier(pg, 'a""b'), ['a""b']);
    assert.equal(identifier(my, 's.items as i'), ['s', 'items']);
    assert.equal(identifier(my, 'we`ird'), ['we`ird']);
    assert.equal(identifier(my, 'say "hi"'), ['say "hi"']);
  } finally {
    await Promise.all([lite.destroy(), my.destroy(), pg.destroy()]);
  }
});

Names("a config's wrapIdentifier is how keys and the version column are spelled: camelCase options, snake_case columns", async () => {
  const snake = (s: string): string => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  const camel = (s: string): string => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  const db = sqlite({
    wrapIdentifier: (value, origImpl) => origImpl(snake(value)),
    postProcessResponse: (result) => (Array.isArray(result) ? result.map((row) => (row !== null && typeof row === 'object' ? Object.fromEntries(Object.entries(row).map(([k, v]) => [camel(k), v])) : row)) : result),
  });
  try {
    await db.raw('create table people (user_id integer primary key, full_name text, lock_version integer not null)');
    await db.raw("insert into people values (7, 'Ada', 3)");
    const people = knexLoader(db, { table: 'people', primaryKey: 'userId', version: 'lockVersion' });
    await people.prepare();
    const cereal = createSerializer({ format: msgpackFormat(), loaders: { people } });
    const [row] = (await cereal.decode(cereal.encode([ref('people', '7', 3)]), { consistency: 'at-least' })) as { userId: number; fullName: string }[];
    assert.equal(row, { userId: 7, fullName: 'Ada', lockVersion: 3 });
    const stale = await rejects(() => cereal.decode(cereal.encode([ref('people', 7, 4)]), { consistency: 'at-least' }));
    assert.is(stale.code, 'STALE');
    // Without postProcessResponse the rows hold `lock_version`, not the loader's `lockVersion`.
    const raw = sqlite({ wrapIdentifier: (value, origImpl) => origImpl(snake(value)) });
    try {
      await raw.raw('create table people (user_id integer primary key, lock_version integer not null)');
      await raw.raw('insert into people values (7, 3)');
      const err = await rejects(() => hydrate([ref('people', 7)], { people: knexLoader(raw, { table: 'people', primaryKey: 'userId', version: 'lockVersion' }) }));
      assert.is(err.code, 'INVALID_OPTION');
      assert.ok(err.message.startsWith("[cereal] [knex] the rows of table `people` have no `lockVersion`, the loader's `version`"), err.message);
    } finally {
      await raw.destroy();
    }
  } finally {
    await db.destroy();
  }
});

Names('the driver is read from the client, or from the config of a client that does not name it', () => {
  assert.is(knexDialect({ client: { driverName: 'pg' } } as never).dialect.family, 'postgres');
  assert.is(knexDialect({ client: { config: { client: 'mysql2' } } } as never).dialect.family, 'mysql');
  assert.is(knexDialect({ client: { config: { client: 'better-sqlite3' } } } as never).exact !== undefined, true);
  assert.equal(knexDialect({ client: {} } as never).dialect, { family: 'other', driver: 'unknown', maxParams: 999 });
});

Names("a timeout waiting for Knex's pool says where to look, with the configured wait and Knex's error as the cause", async () => {
  // Knex's own error: the only connection of a pool of one, held by a transaction.
  const db = sqlite({ pool: { min: 1, max: 1 }, acquireConnectionTimeout: 50 });
  let pool: unknown;
  try {
    await db.raw('create table users (id integer primary key)');
    const trx = await db.transaction();
    try {
      pool = await db.client.acquireConnection().then(() => undefined, (err: unknown) => err);
      const load = await rejects(() => hydrate([ref('users', 1)], { users: knexLoader(db, { table: 'users' }) }));
      assert.is(load.code, 'LOAD_FAILED');
      assert.match(load.message, 'no database connection within acquireConnectionTimeout (50 ms) to read table `users`');
    } finally {
      await trx.rollback();
    }
  } finally {
    await db.destroy();
  }
  assert.is(isAcquireTimeout(pool), true, String(pool));
  for (const other of [null, undefined, 'KnexTimeoutError', new Error((pool as Error).message), Object.assign(new Error('Defined query timeout of 5ms exceeded'), { name: 'KnexTimeoutError' })]) {
    assert.is(isAcquireTimeout(other), false, String(other));
  }
  const err = acquireTimeout({ client: { config: { acquireConnectionTimeout: 1500 } } } as never, 'users', pool);
  assert.is(err.message, "[knex] no database connection within acquireConnectionTimeout (1500 ms) to read table `users`: the server is down or unreachable, or every pooled connection is busy (with SQLite, a transaction holds the only one: build the loaders on the transaction)");
  assert.is(err.cause, pool);
  assert.match(acquireTimeout({ client: {} } as never, 'users', pool).message, '(60000 ms)');
});

Names.run();
