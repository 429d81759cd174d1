/**
 * What the loader reads off a Prisma client and its errors without a database: the provider's
 * dialect and limits, the client's models and transaction state, how key parts are converted to
 * a field's type, what Prisma's refusals and a pool's timeouts say, and which driver codes inside
 * Prisma's errors are a lost connection or a bad key. Clients and errors are shaped as Prisma 7's
 * runtime shapes them (the sqlite and server suites meet the real ones).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CerealError } from '@cereal/core';
import { rejects } from '@cereal/testkit';
import { prismaLoader, prismaLoaders, type PrismaLoader } from '../src/index.js';
import { catalogRows } from '../src/_catalog.js';
import { clientInfo, isClient, modelNameOf } from '../src/_client.js';
import { prismaDialect } from '../src/_dialect.js';
import { DriverError, adapterCause, exposed, unwrap } from '../src/_errors.js';
import { refused } from '../src/_refused.js';
import { connectionTimeout } from '../src/_timeout.js';
import { decimalKey, fieldValue, KEY_TYPES, RETURNS } from '../src/_values.js';

const Dialect = suite('prisma: the dialect and limits of a provider');

Dialect('Prisma\'s own bound-value limits per provider, less what it adds to a findMany; composite keys at most 2000', () => {
  assert.equal(prismaDialect('sqlite', undefined), { family: 'sqlite', maxParams: 997, driver: 'Prisma on SQLite' });
  assert.equal(prismaDialect('postgresql', undefined), { family: 'postgres', maxParams: 32765, maxTuples: 2000, driver: 'Prisma on PostgreSQL' });
  assert.equal(prismaDialect('postgres', undefined), { family: 'postgres', maxParams: 32765, maxTuples: 2000, driver: 'Prisma on PostgreSQL' });
  assert.equal(prismaDialect('mysql', undefined), { family: 'mysql', maxParams: 65535, maxTuples: 2000, driver: 'Prisma on MySQL' });
  assert.equal(prismaDialect('cockroachdb', undefined), { family: 'other', maxParams: 32765, maxTuples: 2000, driver: 'Prisma on CockroachDB' });
  assert.equal(prismaDialect('sqlserver', undefined), { family: 'other', maxParams: 2098, driver: 'Prisma on SQL Server' });
});

Dialect('the client\'s provider first, else the adapter\'s; MongoDB and unknown providers have none', () => {
  assert.is(prismaDialect(undefined, { provider: 'mysql' })?.driver, 'Prisma on MySQL');
  assert.is(prismaDialect('sqlite', { provider: 'mysql' })?.driver, 'Prisma on SQLite');
  assert.is(prismaDialect('mongodb', undefined), undefined);
  assert.is(prismaDialect(undefined, undefined), undefined);
  assert.is(prismaDialect(undefined, {}), undefined);
  assert.is(prismaDialect('toString', undefined), undefined, 'no inherited property is a provider');
});

const Client = suite('prisma: a client as the runtime keeps it');

const SCOPE = Symbol.for('prisma.client.transaction.scope_context');
const models = { User: { fields: [{ name: 'id', kind: 'scalar', type: 'Int' }] } };

Client('a client has raw queries and a runtime data model', () => {
  assert.ok(isClient({ $queryRawUnsafe: () => undefined, _runtimeDataModel: { models } }));
  assert.not.ok(isClient({ $queryRawUnsafe: () => undefined }));
  assert.not.ok(isClient({ _runtimeDataModel: { models } }));
  assert.not.ok(isClient({ $queryRawUnsafe: 'x', _runtimeDataModel: {} }));
  assert.not.ok(isClient(null));
  assert.not.ok(isClient(() => undefined));
});

Client('provider, adapter, models and schema, each read only when of the right type', () => {
  const adapter = { provider: 'postgres', adapterName: '@prisma/adapter-pg' };
  const info = clientInfo({ _activeProvider: 'postgresql', _runtimeDataModel: { models }, _engineConfig: { inlineSchema: 'model User {}', adapter }, $connect: () => undefined });
  assert.equal(info, { provider: 'postgresql', adapter, models, schema: 'model User {}', inTransaction: false });
  const odd = clientInfo({ _activeProvider: 5, _engineConfig: { inlineSchema: 5 }, $connect: () => undefined });
  assert.equal(odd, { provider: undefined, adapter: undefined, models: {}, schema: undefined, inTransaction: false });
});

Client('an interactive transaction\'s client: marked nested, or without $connect', () => {
  assert.is(clientInfo({ [SCOPE]: { kind: 'nested', txId: '1' }, $connect: () => undefined }).inTransaction, true);
  assert.is(clientInfo({ [SCOPE]: { kind: 'itx' }, $connect: () => undefined }).inTransaction, false);
  assert.is(clientInfo({}).inTransaction, true, 'Prisma leaves $connect out of a transaction\'s client');
});

Client('a delegate\'s model: its own $name, else the name capitalized as Prisma derives it', () => {
  assert.is(modelNameOf({ $name: 'OrderLine' }, 'orderLine'), 'OrderLine');
  assert.is(modelNameOf({ $name: '' }, 'orderLine'), 'OrderLine');
  assert.is(modelNameOf({ $name: 5 }, 'user'), 'User');
  assert.is(modelNameOf(null, 'user'), 'User');
  assert.is(modelNameOf(undefined, 'x'), 'X');
});

Client('the catalog statement through $queryRawUnsafe: PostgreSQL numbers its placeholders', async () => {
  const calls: unknown[][] = [];
  const client = { $queryRawUnsafe: async (...args: unknown[]) => (calls.push(args), [{ n: 1 }]) };
  const statement = { sql: 'select ? where a = ? and b = ?', params: [1, 'two', 3] };
  assert.equal(await catalogRows(client, 'postgres', statement), [{ n: 1 }]);
  await catalogRows(client, 'sqlite', statement);
  await catalogRows(client, 'mysql', statement);
  assert.equal(calls, [
    ['select $1 where a = $2 and b = $3', 1, 'two', 3],
    ['select ? where a = ? and b = ?', 1, 'two', 3],
    ['select ? where a = ? and b = ?', 1, 'two', 3],
  ]);
});

const Values = suite('prisma: key parts as a field\'s type takes them');

Values('Int: a safe integer as a number; anything else no key of it', () => {
  const int = fieldValue('Int', 'scalar')!;
  const cases: [unknown, unknown][] = [
    [42, 42], [-7, -7], [42n, 42], ['42', 42], ['-42', -42], [0, 0], ['0', 0],
    [1.5, undefined], [2 ** 53, undefined], [2n ** 53n, undefined], ['9007199254740993', undefined],
    ['042', undefined], ['4e2', undefined], [' 42', undefined], ['abc', undefined], ['', undefined], ['-0', undefined],
  ];
  for (const [part, value] of cases) assert.is(int(part as never), value, String(part));
});

Values('BigInt: a bigint from any integer; String: text; Decimal: decimal notation', () => {
  const big = fieldValue('BigInt', 'scalar')!;
  assert.is(big(42n), 42n);
  assert.is(big(42), 42n);
  assert.is(big('-9007199254740993'), -9007199254740993n);
  assert.is(big(1.5), undefined);
  assert.is(big(2 ** 60), undefined, 'a number past 2^53 is no exact integer');
  assert.is(big('4.2'), undefined);
  const text = fieldValue('String', 'scalar')!;
  assert.is(text('a'), 'a');
  assert.is(text(42), '42');
  assert.is(text(42n), '42');
  const decimal = fieldValue('Decimal', 'scalar')!;
  for (const ok of ['1', '-1.5', '+2.', '.5', '.55', '-.25e+3', '1e10', '1.5E-3']) assert.is(decimal(ok), ok);
  for (const bad of ['abc', '1.2.3', 'e5', '', '1e']) assert.is(decimal(bad), undefined, bad);
  assert.is(decimal(1.25), 1.25);
  assert.is(decimal(10n), '10');
});

Values('only scalar fields of the key types convert; what other types return is named', () => {
  assert.equal(KEY_TYPES, ['Int', 'BigInt', 'String', 'Decimal']);
  assert.is(fieldValue('Int', 'enum'), undefined);
  assert.is(fieldValue('DateTime', 'scalar'), undefined);
  assert.is(fieldValue('toString', 'scalar'), undefined);
  assert.equal(RETURNS, { DateTime: 'a Date', Bytes: 'a Uint8Array', Boolean: 'a boolean', Json: 'a JSON value', Float: 'a floating-point number' });
  assert.is(decimalKey({ toFixed: () => '1.50' }), '1.50');
  assert.is(decimalKey(7), 7);
  assert.is(decimalKey(null), null);
  assert.equal(decimalKey({ toFixed: 1 }), { toFixed: 1 });
});

const Refused = suite('prisma: a query Prisma refused');

Refused('a validation error or P2029 is INVALID_OPTION naming the table, with the fix and Prisma\'s last line; anything else is not', () => {
  const validation = Object.assign(new Error('\nInvalid `prisma.user.findMany()` invocation:\n\n  → 12 where: {\n\nUnknown argument `deletedAt`. Available options are marked with ?.\n  \n'), { name: 'PrismaClientValidationError' });
  const err = refused(validation, 'users')!;
  assert.instance(err, CerealError);
  assert.is(err.code, 'INVALID_OPTION');
  assert.is(err.message, "[cereal] [prisma] table `users`: Prisma refused the loader's query (check its `scope` and `fields`): Unknown argument `deletedAt`. Available options are marked with ?.");
  assert.is(err.cause, validation);
  const tooMany = Object.assign(new Error('Too many bind variables in prepared statement, expected maximum of 32766, received 40000'), { code: 'P2029' });
  assert.is(refused(tooMany, 'users')!.message, "[cereal] [prisma] table `users`: Prisma refused the loader's query (lower `chunkSize`, or the values in `scope`): Too many bind variables in prepared statement, expected maximum of 32766, received 40000");
  assert.is(refused(Object.assign(new Error('x'), { code: 'P2010' }), 'users'), undefined);
  assert.is(refused(null, 'users'), undefined);
  assert.is(refused(undefined, 'users'), undefined);
  const indented = Object.assign(new Error('Invalid invocation:\n\n    Argument `where` is missing.\n'), { name: 'PrismaClientValidationError' });
  assert.is(refused(indented, 'users')!.message, "[cereal] [prisma] table `users`: Prisma refused the loader's query (check its `scope` and `fields`): Argument `where` is missing.");
  assert.is(refused(Object.assign(new Error(''), { code: 'P2029' }), 'users')!.message, "[cereal] [prisma] table `users`: Prisma refused the loader's query (lower `chunkSize`, or the values in `scope`): ");
});

const Timeout = suite('prisma: a pool\'s timeout, explained');

const tail = 'to read table `users`: the server is down or unreachable, or every pooled connection is busy (in an interactive transaction, build the loaders on its client)';

Timeout('node-postgres: either message, with the adapter\'s connectionTimeoutMillis when it keeps one', () => {
  for (const message of ['timeout exceeded when trying to connect', 'Connection terminated due to connection timeout', 'Error: TIMEOUT EXCEEDED WHEN TRYING TO CONNECT']) {
    const cause = new Error(message);
    const err = connectionTimeout(cause, { config: { connectionTimeoutMillis: 1500 } }, 'users')!;
    assert.is(err.constructor, Error, 'a plain Error: hydrate makes it LOAD_FAILED');
    assert.is(err.message, `[prisma] no database connection within connectionTimeoutMillis (1500 ms) ${tail}`);
    assert.is(err.cause, cause);
  }
  assert.is(connectionTimeout(new Error('timeout exceeded when trying to connect'), undefined, 'users')!.message, `[prisma] no database connection within connectionTimeoutMillis ${tail}`);
  assert.is(connectionTimeout({ message: 'timeout exceeded when trying to connect' }, undefined, 'users'), undefined, 'not an Error');
  assert.is(connectionTimeout(new Error('timeout exceeded when trying to connect'), {}, 'users')!.message, `[prisma] no database connection within connectionTimeoutMillis ${tail}`, 'an adapter that keeps no config');
});

Timeout('the MariaDB connector\'s pool (45028): acquireTimeout, with how long it waited when it says', () => {
  const pool = (message: string) => Object.assign(new Error('Database error'), { code: 'P2039', meta: { driverAdapterError: { cause: { kind: 'mysql', code: 45028, state: 'HY000', message } } } });
  assert.is(connectionTimeout(pool('pool timeout: failed to retrieve a connection from pool after 1500ms'), undefined, 'users')!.message, `[prisma] no database connection within acquireTimeout (gave up after 1500 ms) ${tail}`);
  assert.is(connectionTimeout(pool('pool timeout: failed to retrieve a connection from pool after 20 ms (pool connections: active=1)'), undefined, 'users')!.message, `[prisma] no database connection within acquireTimeout (gave up after 20 ms) ${tail}`);
  assert.is(connectionTimeout(pool('pool timeout'), undefined, 'users')!.message, `[prisma] no database connection within acquireTimeout ${tail}`);
  const byOriginal = Object.assign(new Error('x'), { name: 'DriverAdapterError', cause: { kind: 'mysql', code: '45028', originalMessage: 'retrieve a connection from pool after 75ms' } });
  assert.is(connectionTimeout(byOriginal, undefined, 'users')!.message, `[prisma] no database connection within acquireTimeout (gave up after 75 ms) ${tail}`);
  const other = Object.assign(new Error('x'), { name: 'DriverAdapterError', cause: { kind: 'mysql', code: 1045, message: 'after 5ms' } });
  assert.is(connectionTimeout(other, undefined, 'users'), undefined);
  assert.is(connectionTimeout(Object.assign(new Error('x'), { name: 'DriverAdapterError', cause: { kind: 'postgres', code: 45028 } }), undefined, 'users'), undefined);
});

const Codes = suite('prisma: driver codes, one by one');

const wrapped = (cause: object): Error => Object.assign(new Error('Invalid `prisma.user.findMany()` invocation'), { code: 'P2010', meta: { driverAdapterError: { cause } } });

Codes('where the adapter\'s account is: in meta, or the cause of a DriverAdapterError; nothing else', () => {
  const cause = { kind: 'postgres', originalCode: '57P01' };
  assert.is(adapterCause(wrapped(cause)), cause);
  assert.is(adapterCause(Object.assign(new Error('x'), { name: 'DriverAdapterError', cause })), cause);
  assert.is(adapterCause(Object.assign(new Error('x'), { cause })), undefined, 'another error\'s cause');
  assert.is(adapterCause(Object.assign(new Error('x'), { name: 'DriverAdapterError', cause: 'text' })), undefined);
  assert.is(adapterCause(null), undefined);
});

Codes('PostgreSQL: 57P01, 57P02 and class 08 are lost connections; class 22 a bad key; other codes pass', () => {
  for (const code of ['57P01', '57P02', '08006', '08003', '08P01']) {
    const seen = exposed(wrapped({ kind: 'postgres', originalCode: code, originalMessage: `lost ${code}` }));
    assert.instance(seen, DriverError, code);
    assert.is((seen as DriverError).code, code);
    assert.is((seen as DriverError).message, `lost ${code}`);
    assert.is((seen as DriverError).name, 'DriverError');
  }
  for (const code of ['22003', '22P02']) assert.is((exposed(wrapped({ kind: 'postgres', originalCode: code })) as DriverError).code, code);
  assert.is((exposed(wrapped({ kind: 'postgres', code: '57P01', message: 'by code' })) as DriverError).message, 'by code', 'the code where no originalCode');
  for (const code of ['57P03', '42P01', '0800', '080000', 'X08006', '057P01', '2200', '220030', 'X22003', '23505']) {
    const err = wrapped({ kind: 'postgres', originalCode: code });
    assert.is(exposed(err), err, code);
  }
});

Codes('MySQL and MariaDB: the lost-connection numbers and SQLSTATE class 08 become 08006; class 22 a bad key by its SQLSTATE', () => {
  for (const code of [1053, 1927, 2006, 2013, 45001, 45009, 45013, '2013']) {
    assert.is((exposed(wrapped({ kind: 'mysql', code, state: 'HY000' })) as DriverError).code, '08006', String(code));
  }
  assert.is((exposed(wrapped({ kind: 'mysql', code: 9999, state: '08S01' })) as DriverError).code, '08006');
  assert.is((exposed(wrapped({ kind: 'mysql', code: 1264, state: '22003' })) as DriverError).code, '22003');
  for (const cause of [{ kind: 'mysql', code: 1146, state: '42S02' }, { kind: 'mysql', code: 1146 }, { kind: 'mysql', code: 1264, state: 22003 }]) {
    const err = wrapped(cause);
    assert.is(exposed(err), err, JSON.stringify(cause));
  }
  assert.is((exposed(wrapped({ kind: 'ConnectionClosed' })) as DriverError).code, '08006');
});

Codes('the DriverError\'s message: the driver\'s original, else its message, else Prisma\'s', () => {
  assert.is((exposed(wrapped({ kind: 'ConnectionClosed', originalMessage: 'a', message: 'b' })) as Error).message, 'a');
  assert.is((exposed(wrapped({ kind: 'ConnectionClosed', message: 'b' })) as Error).message, 'b');
  assert.is((exposed(wrapped({ kind: 'ConnectionClosed' })) as Error).message, 'Invalid `prisma.user.findMany()` invocation');
  const err = wrapped({ kind: 'ConnectionClosed' });
  assert.is((exposed(err) as Error).cause, err);
});

Codes('unwrap: Prisma\'s error back for a lost connection, never for a bad key or anything else', () => {
  const lost = wrapped({ kind: 'ConnectionClosed' });
  assert.is(unwrap(exposed(lost)), lost);
  assert.is(unwrap(exposed(wrapped({ kind: 'postgres', originalCode: '22P02' }))), undefined);
  assert.is(unwrap(new Error('x')), undefined);
  assert.is(unwrap(new DriverError('x', '2200', 'cause')), undefined);
  assert.is(unwrap(new DriverError('x', '08006', 'cause')), 'cause');
  assert.is(unwrap(new DriverError('x', '08022', 'cause')), 'cause', 'class 08 even with a 22 in it');
});

const Standin = suite('prisma: a loader over a stand-in client (the runtime\'s fields, a catalog answered by hand)');

/** A SQLite client of one model, `User`, whose catalog lists `columns` and whose findMany calls are kept. */
function standIn(fields: object[], columns: string[]) {
  const calls: unknown[] = [];
  const client = {
    _activeProvider: 'sqlite',
    $connect: () => undefined,
    $queryRawUnsafe: async () => columns.map((name) => ({ name, type: 'INTEGER' })),
    _runtimeDataModel: { models: { User: { fields } } },
    user: { $name: 'User', findMany: async (args: unknown) => (calls.push(args), []) },
  };
  return { client, calls };
}

/** The message prismaLoader throws for `client` and `options`, INVALID_OPTION. */
function refusal(client: object, options: object): string {
  try {
    prismaLoader(client as never, options as never);
  } catch (err) {
    assert.instance(err, CerealError);
    assert.is((err as CerealError).code, 'INVALID_OPTION');
    return (err as Error).message;
  }
  throw new Error('no error');
}

const intField = (name: string) => ({ name, kind: 'scalar', type: 'Int' });

Standin('a client of no SQL provider, a `$` member, a model the runtime does not describe: each refused in words', () => {
  const { client } = standIn([intField('id')], ['id']);
  for (const db of [null, undefined, 'prisma', { user: {} }]) {
    assert.is(refusal(db as never, { model: 'user' }), '[cereal] [prisma] `db` must be a Prisma client, or the client of an interactive transaction (`prisma.$transaction(async (tx) => …)`)', String(db));
  }
  assert.is(refusal({ ...client, _activeProvider: 'mongodb' }, { model: 'user' }), '[cereal] [prisma] the mongodb provider has no SQL tables to load rows from: the loaders take SQLite, PostgreSQL, MySQL/MariaDB and SQL Server clients');
  assert.is(refusal({ ...client, _activeProvider: undefined }, { model: 'user' }), '[cereal] [prisma] the unknown provider has no SQL tables to load rows from: the loaders take SQLite, PostgreSQL, MySQL/MariaDB and SQL Server clients');
  const dollar = { ...client, $raw: { findMany: async () => [] } };
  assert.is(refusal(dollar, { model: '$raw' }), "[cereal] [prisma] the client has no model delegate `$raw`: `model` names one as the client has it, e.g. prismaLoader(prisma, { model: 'user' }) for prisma.user");
  assert.is(refusal({ ...client, _runtimeDataModel: { models: {} } }, { model: 'user' }), '[cereal] [prisma] the client has no runtime data model for model `User` (prisma.user): is it a Prisma 7 client?');
  assert.is(refusal({ ...client, _runtimeDataModel: { models: { User: { fields: 'id' } } } }, { model: 'user' }), '[cereal] [prisma] the client has no runtime data model for model `User` (prisma.user): is it a Prisma 7 client?');
});

Standin('a client whose models are named Primary and Replica is a client, not a replica pair', () => {
  const { client } = standIn([intField('id')], ['id']);
  const both = { ...client, primary: { $name: 'Primary', findMany: async () => [] }, replica: { $name: 'Replica', findMany: async () => [] } };
  const { users } = (prismaLoaders as unknown as (db: object, models: object) => unknown)(both, { users: 'user' }) as Record<string, PrismaLoader<object>>;
  assert.equal(users!.primaryKey, ['id']);
  assert.ok(!('served' in users!), 'no replica-aware loader');
});

Standin('the key: the schema\'s @id, else a field named `id`, else refused; a given key of names only', () => {
  const { client } = standIn([intField('id'), intField('uid')], ['id', 'uid']);
  assert.equal(prismaLoader(client as never, { model: 'user' } as never).primaryKey, ['id'], 'no schema: the field `id`');
  const schema = { ...client, _engineConfig: { inlineSchema: 'model User {\n  id  Int\n  uid Int @id\n}' } };
  assert.equal(prismaLoader(schema as never, { model: 'user' } as never).primaryKey, ['uid'], 'the schema\'s @id, over a field named id');
  const { client: noId } = standIn([intField('uid')], ['uid']);
  assert.is(refusal(noId, { model: 'user' }), '[cereal] [prisma] table `User`: the id of model `User` could not be read from the client; set `primaryKey` to its id field, or fields for a composite key');
  for (const primaryKey of [['id', 5], ['id', ''], [], 7]) {
    assert.is(refusal(client, { model: 'user', primaryKey }), '[cereal] [prisma] `primaryKey` of table `User` must be a field name of model `User` or an array of them', JSON.stringify(primaryKey));
  }
  const { client: roles } = standIn([intField('id'), { name: 'role', kind: 'enum', type: 'Role' }, { name: 'posts', kind: 'object', type: 'Post' }], ['id', 'role']);
  assert.is(refusal(roles, { model: 'user', primaryKey: 'role' }), '[cereal] [prisma] table `User` (model `User`) has key field `role` of type Role: key fields are Int, BigInt, String, Decimal');
  assert.is(refusal(roles, { model: 'user', primaryKey: 'posts' }), '[cereal] [prisma] table `User` (model `User`) has no field `posts`: set `primaryKey` to its id field, or fields for a composite key', 'a relation is no field of the table');
});

Standin('where the catalog looks: @@map and @@schema; on PostgreSQL the adapter\'s schema, else public', async () => {
  const seen: unknown[][] = [];
  const pgClient = (meta: object, adapter?: object) => ({
    _activeProvider: 'postgresql',
    $connect: () => undefined,
    $queryRawUnsafe: async (...args: unknown[]) => (seen.push(args), [{ name: 'id', type: 'int4', base: 'int4' }]),
    _runtimeDataModel: { models: { User: { fields: [intField('id')], ...meta } } },
    _engineConfig: adapter === undefined ? {} : { adapter },
    user: { $name: 'User', findMany: async () => [] },
  });
  const loaders = [
    prismaLoader(pgClient({}) as never, { model: 'user' } as never),
    prismaLoader(pgClient({}, { provider: 'postgres', options: { schema: 'tenant' } }) as never, { model: 'user' } as never),
    prismaLoader(pgClient({ dbName: 'people', schema: 'billing' }) as never, { model: 'user' } as never),
  ];
  for (const loader of loaders) await loader.prepare().catch(() => undefined);
  assert.equal(seen.map((args) => args.slice(1)), [['"public"."User"'], ['"tenant"."User"'], ['"billing"."people"']]);
  assert.is(loaders[2]!.table, 'billing.people');
  assert.is(loaders[0]!.table, 'User');
});

Standin('a key field of a type named like an Object.prototype member is refused by its type alone', () => {
  const { client } = standIn([{ name: 'weird', kind: 'scalar', type: 'toString' }], ['weird']);
  const err = (() => {
    try {
      prismaLoader(client as never, { model: 'user', primaryKey: 'weird' } as never);
    } catch (e) {
      return e as CerealError;
    }
    throw new Error('no error');
  })();
  assert.is(err.message, '[cereal] [prisma] table `User` (model `User`) has key field `weird` of type toString: key fields are Int, BigInt, String, Decimal');
});

Standin('each part of a composite key is its own field of the where, whatever its name (`__proto__` too)', async () => {
  const { client, calls } = standIn([{ name: '__proto__', kind: 'scalar', type: 'Int' }, { name: 'id', kind: 'scalar', type: 'Int' }], ['__proto__', 'id']);
  await prismaLoader(client as never, { model: 'user', primaryKey: ['__proto__', 'id'] } as never).load([[7, 1]] as never);
  const where = (calls[0] as { where: { OR: object[] } }).where.OR[0]!;
  assert.equal(Object.keys(where), ['__proto__', 'id']);
  assert.is(Object.getPrototypeOf(where), Object.prototype);
});

Standin('a Decimal key of a million digits and a letter is no key, at once', () => {
  const decimal = fieldValue('Decimal', 'scalar')!;
  assert.is(decimal(`${'1'.repeat(1_000_000)}x` as never), undefined);
  assert.is(decimal(`${'1'.repeat(1_000_000)}.5` as never), `${'1'.repeat(1_000_000)}.5`);
});

Standin('what the loader asks findMany: the keys a field takes, the scope beside them, the selected fields; nothing when no key is left', async () => {
  const { client, calls } = standIn([intField('id'), intField('a'), intField('b'), { name: 'name', kind: 'scalar', type: 'String' }], ['id', 'a', 'b', 'name']);
  const users = prismaLoader(client as never, { model: 'user' } as never);
  await users.load([1, 'abc', 2] as never);
  assert.equal(calls.splice(0), [{ where: { id: { in: [1, 2] } } }], 'no scope: the where alone');
  assert.equal(await users.load(['abc', 1.5] as never), [], 'no key an Int takes');
  assert.equal(calls, [], 'and nothing asked');
  const scoped = prismaLoader(client as never, { model: 'user', scope: { name: 'x' }, fields: ['name'] } as never);
  await scoped.load([3] as never);
  assert.equal(calls.splice(0), [{ where: { AND: [{ id: { in: [3] } }, { name: 'x' }] }, select: { name: true, id: true } }]);
  const pairs = prismaLoader(client as never, { model: 'user', primaryKey: ['a', 'b'] } as never);
  // 2^60 passes the shared loader's check of an INTEGER column; Prisma's Int cannot take it
  await pairs.load([[1, 2n ** 60n], [2, 3], [2n ** 60n, 4]] as never);
  assert.equal(calls.splice(0), [{ where: { OR: [{ a: 2, b: 3 }] } }], 'a key with a part its field cannot take is left out');
  assert.equal(await pairs.load([[1, 2n ** 60n]] as never), []);
  assert.equal(calls, []);
});

Standin('a composite key with a Decimal part matches the rows Prisma returns with a Decimal object', async () => {
  const decimalLike = (text: string) => ({ toFixed: () => text, toString: () => text });
  const { client } = standIn([intField('id'), { name: 'code', kind: 'scalar', type: 'Decimal' }], ['id', 'code']);
  const rows = [{ id: 1, code: decimalLike('1.50') }];
  const catalog = async () => [{ name: 'id', type: 'INTEGER' }, { name: 'code', type: 'DECIMAL' }];
  const found = prismaLoader({ ...client, $queryRawUnsafe: catalog, user: { $name: 'User', findMany: async () => rows } } as never, { model: 'user', primaryKey: ['id', 'code'] } as never);
  assert.is((await found.load([[1, '1.50'], [2, '1.50']] as never))[0], rows[0]);
  assert.equal(found.keyOf(rows[0] as never), [1, '1.50'], 'the Decimal part as its plain notation');
});

Standin('options that are no object, a scope that is null or a list, a version or fields named at length: refused in words', () => {
  const { client } = standIn([intField('id'), { name: 'role', kind: 'enum', type: 'Role' }], ['id', 'role']);
  const example = "options must name a model, e.g. prismaLoader(prisma, { model: 'user' })";
  assert.is(refusal(client, 'user' as never), `[cereal] [prisma] ${example}`);
  for (const scope of [null, [], 'x']) {
    assert.is(refusal(client, { model: 'user', scope }), '[cereal] [prisma] `scope` of table `User` must be a where object of model `User`, e.g. { deletedAt: null }', JSON.stringify(scope));
  }
  assert.is(refusal(client, { model: 'user', version: 'role' }), '[cereal] [prisma] `version` of table `User`: field `role` of model `User` is an enum; a version field is Int, BigInt, Float, String, DateTime');
  assert.is(refusal(client, { model: 'user', version: 'v'.repeat(100) }), `[cereal] [prisma] \`version\` of table \`User\`: model \`User\` has no field \`${'v'.repeat(64)}\`; name a field, e.g. 'updatedAt'`);
  assert.is(refusal(client, { model: 'user', fields: ['f'.repeat(100)] }), `[cereal] [prisma] \`fields\` of table \`User\` must be an array of field names of model \`User\` (model \`User\` has no field \`${'f'.repeat(64)}\`)`);
});

Standin('a query Prisma refuses, a pool that timed out, a table the database lacks: each in the loader\'s words', async () => {
  const { client } = standIn([intField('id')], ['id']);
  const validation = Object.assign(new Error('Invalid invocation:\n\nUnknown argument `nope`.'), { name: 'PrismaClientValidationError' });
  const refusing = prismaLoader({ ...client, user: { $name: 'User', findMany: async () => { throw validation; } } } as never, { model: 'user' } as never);
  const err = await rejects(() => refusing.load([1] as never));
  assert.is(err.code, 'INVALID_OPTION');
  assert.match(err.message, "table `User`: Prisma refused the loader's query (check its `scope` and `fields`): Unknown argument `nope`.");
  const timedOut = prismaLoader({ ...client, user: { $name: 'User', findMany: async () => { throw new Error('timeout exceeded when trying to connect'); } } } as never, { model: 'user' } as never);
  const late = await timedOut.load([1] as never).then(() => undefined, (err: unknown) => err as Error);
  assert.is(late?.constructor, Error, 'a plain Error: hydrate makes it LOAD_FAILED');
  assert.match(late!.message, 'no database connection within connectionTimeoutMillis to read table `User`');
  const { client: empty } = standIn([intField('id')], []);
  const missing = await rejects(() => prismaLoader(empty as never, { model: 'user' } as never).prepare());
  assert.is(missing.code, 'INVALID_OPTION');
  assert.match(missing.message, /^\[cereal\] \[prisma\] .*the database has no table for model `User`: apply your migrations \(`prisma migrate deploy`\), and check the model's `@@map` \(and `@@schema`\)/);
});

Dialect.run();
Client.run();
Values.run();
Refused.run();
Timeout.run();
Codes.run();
Standin.run();
