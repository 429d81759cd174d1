/**
 * What the Prisma loader adds to the testkit's suites, on every database: `prismaLoaders`, keys
 * from the schema (`@id`, `@@id`, `@map`), chunks under Prisma's own limits, `scope`, extended
 * and transaction clients, BigInt and Decimal keys, and its options.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Knex } from 'knex';
import { createSerializer, hydrate, ref } from '@cereal/core';
import { msgpackFormat } from '@cereal/msgpack';
import { prepared, rejects, useTables, type LoaderTarget, type TablesContext } from '@cereal/testkit';
import { prismaLoader, prismaLoaders, type PrismaLoader } from '../../src/index.js';
import type { Client, Delegate } from './clients.js';
import { delegateOf } from './models.js';
import { clientFor, type PrismaDb } from './target.js';

type Tables = Record<'people' | 'lines' | 'wide' | 'prices', string>;
type Row = Record<string, unknown>;

// Untyped here: the suites' clients are built at run time (see types.check.ts for the types).
const loader = prismaLoader as unknown as (db: object, options: object) => PrismaLoader<Row>;
const loaders = prismaLoaders as unknown as (db: object, models: object) => Record<string, PrismaLoader<Row>>;

const LINES = 2500;
// Prisma's own limit on bound values per statement, by provider, past which it fails (P2029).
const PRISMA_LIMIT: Record<string, number> = { sqlite: 999, postgresql: 32766, mysql: 65535 };

async function createTables(f: Knex, t: Tables): Promise<void> {
  await f.schema.createTable(t.people, (tb) => {
    tb.integer('person_id').primary();
    tb.string('full_name', 64);
    tb.integer('tenant_id');
    tb.timestamp('deleted_at').nullable();
  });
  await f.schema.createTable(t.lines, (tb) => {
    tb.integer('order_id');
    tb.integer('line_no');
    tb.string('sku', 16);
    tb.primary(['order_id', 'line_no']);
  });
  await f.schema.createTable(t.wide, (tb) => {
    tb.bigInteger('id').primary();
    tb.integer('small');
    tb.bigInteger('huge').nullable();
  });
  await f.schema.createTable(t.prices, (tb) => {
    tb.decimal('amount', 12, 2).primary();
    tb.string('label', 16);
  });
  await f(t.people).insert([
    { person_id: 1, full_name: 'Ada', tenant_id: 1 },
    { person_id: 2, full_name: 'Grace', tenant_id: 1 },
    { person_id: 3, full_name: 'Edsger', tenant_id: 2, deleted_at: new Date('2026-01-01T00:00:00Z') },
  ]);
  await f.batchInsert(t.lines, Array.from({ length: LINES }, (_, i) => ({ order_id: 1 + (i % 4), line_no: i, sku: `sku-${i}` })), 500);
  await f(t.wide).insert([{ id: 2n ** 62n, small: 7, huge: 2n ** 60n + 1n }, { id: 2n ** 62n + 1n, small: 8, huge: 3 }]);
  await f(t.prices).insert([{ amount: '42.00', label: 'answer' }, { amount: '9.99', label: 'cheap' }]);
}

export function testPrisma(target: LoaderTarget<PrismaDb>): void {
  const Prisma = suite<TablesContext<PrismaDb, Tables>>(`prismaLoader(${target.name})`, {} as never);
  useTables(Prisma, target, 'x', ['people', 'lines', 'wide', 'prices'], createTables);

  const clientOf = (db: PrismaDb, t: Tables): Client => clientFor(db, t.people);
  const delegate = (table: keyof Tables): string => delegateOf(`prisma_${table}`);
  const providerOf = (db: PrismaDb): string => db.world.provider;

  Prisma('prismaLoaders maps wire names to delegates; keys come from @id and @@id; one statement per model', async ({ db, t }) => {
    const client = clientOf(db, t);
    const { people, lines } = await prepared(loaders(client, { people: delegate('people'), lines: delegate('lines') }));
    assert.equal(people!.primaryKey, ['id']);
    assert.equal(lines!.primaryKey, ['orderId', 'line']);
    const cereal = createSerializer({ format: msgpackFormat(), loaders: { people: people!, lines: lines! } });
    const [out, seen] = await target.watch(db, () => cereal.decode(cereal.encode({ p: ref('people', 2), l: ref('lines', [2, 1]) })));
    const { p, l } = out as { p: Row; l: Row };
    assert.is(seen.statements, 2);
    assert.equal(p, { id: 2, fullName: 'Grace', tenantId: 1, deletedAt: null }); // fields by their names, not the columns'
    assert.equal([l.orderId, l.line, l.sku], [2, 1, 'sku-1']);
    assert.is(cereal.encode({ p: out.p }).byteLength, cereal.encode({ p: ref('people', 2) }).byteLength, 'a loaded row travels as its ref');
  });

  Prisma('@map\'d key fields: the catalog is read by column name, keys bound as the column\'s type', async ({ db, t }) => {
    const people = await prepared({ people: loader(clientOf(db, t), { model: delegate('people') }) });
    assert.is(people.people.table, t.people);
    const [err, seen] = await target.watch(db, () => rejects(() => hydrate([ref('people', '1'), ref('people', 'abc'), ref('people', 2n ** 63n)], people)));
    assert.equal(err.refs?.map((r) => r.key), ['people:abc', `people:${2n ** 63n}`]);
    assert.equal(seen.bindings.map(String), ['1']);
  });

  Prisma(`composite keys beyond Prisma's limit for an OR are chunked: ${LINES} keys, every row, one statement per chunk`, async ({ db, t }) => {
    const { lines } = await prepared({ lines: loader(clientOf(db, t), { model: delegate('lines') }) });
    const keys = Array.from({ length: LINES }, (_, i) => [1 + (i % 4), i]);
    const [rows, seen] = await target.watch(db, () => lines.load(keys));
    assert.is(rows.length, LINES);
    assert.is(seen.statements, Math.ceil(LINES / lines.chunkSize));
    assert.ok(seen.statements >= 2, `${seen.statements} statements`);
    assert.ok(rows.every((row) => row.sku === `sku-${String(row.line)}` && row.orderId === 1 + (Number(row.line) % 4)));
  });

  Prisma('the reason for the chunks: Prisma itself fails an OR of composite keys past its bound-value limit (P2029)', async ({ db, t }) => {
    const limit = PRISMA_LIMIT[providerOf(db)]!;
    const or = Array.from({ length: Math.floor(limit / 2) + 1 }, (_, i) => ({ orderId: 1, line: i }));
    const err = await (clientOf(db, t)[delegate('lines')] as Delegate).findMany({ where: { OR: or } }).then(() => undefined, (e: unknown) => e as { code?: unknown });
    assert.is(err?.code, 'P2029');
    // and the largest chunk one statement takes is the most chunkSize allows
    const max = Math.floor((limit - (providerOf(db) === 'sqlite' ? 2 : providerOf(db) === 'postgresql' ? 1 : 0)) / 2);
    const largest = Math.min(max, providerOf(db) === 'sqlite' ? Infinity : 2000);
    assert.is(loader(clientOf(db, t), { model: delegate('lines'), chunkSize: largest }).chunkSize, largest);
    assert.is((await rejects(() => loader(clientOf(db, t), { model: delegate('lines'), chunkSize: largest + 1 }))).code, 'INVALID_OPTION');
  });

  Prisma('the default chunk fills Prisma\'s own limit, never past it: one more key costs one more statement', async ({ db, t }) => {
    const people = loader(clientOf(db, t), { model: delegate('people') });
    await people.prepare();
    const limit = PRISMA_LIMIT[providerOf(db)]!;
    assert.ok(people.chunkSize <= limit - 100 && people.chunkSize >= limit - 102, `${people.chunkSize}`);
    const [rows, seen] = await target.watch(db, () => people.load(Array.from({ length: people.chunkSize + 1 }, (_, i) => i + 1)));
    assert.is(rows.length, 3);
    assert.is(seen.statements, 2); // Prisma split neither chunk on its own
  });

  Prisma('scope hides rows: a soft-deleted row is missing', async ({ db, t }) => {
    const people = loader(clientOf(db, t), { model: delegate('people'), scope: { deletedAt: null } });
    const err = await rejects(() => hydrate([ref('people', 1), ref('people', 3)], { people }));
    assert.is(err.code, 'MISSING_ROW');
    assert.equal(err.refs?.map((r) => r.key), ['people:3']);
    const out = await hydrate([ref('people', 1), ref('people', 3)], { people }, { missing: 'null' });
    assert.is(out[1], null);
  });

  Prisma('a scope with OR cannot escape the key filter: it reads only the requested keys', async ({ db, t }) => {
    const scope = { OR: [{ tenantId: 2 }, { fullName: 'Grace' }, { fullName: 'Ada' }] };
    const people = await prepared({ people: loader(clientOf(db, t), { model: delegate('people'), scope }) });
    const [out, seen] = await db.world.recorder.watch(() => hydrate([ref('people', 1), ref('people', 4)], people, { missing: 'null' }));
    assert.is((out[0] as unknown as Row).fullName, 'Ada');
    assert.is(out[1], null);
    assert.is(seen.rows, 1);
    assert.match(seen.sql.join('\n'), / AND /);
  });

  Prisma('a scope Prisma refuses (a field the model lacks) is INVALID_OPTION naming the table, never a retryable failure', async ({ db, t }) => {
    const people = loader(clientOf(db, t), { model: delegate('people'), scope: { deleted_at: null } });
    const err = await rejects(() => hydrate([ref('people', 1)], { people }));
    assert.is(err.code, 'INVALID_OPTION');
    assert.is(err.retryable, false);
    assert.ok(err.message.includes(`table \`${t.people}\``) && err.message.includes('deleted_at'), err.message);
  });

  Prisma('fields selects only those fields and always the key fields', async ({ db, t }) => {
    const lines = loader(clientOf(db, t), { model: delegate('lines'), fields: ['sku'] });
    const [row] = await lines.load([[1, 0]]);
    assert.equal(row, { sku: 'sku-0', orderId: 1, line: 0 });
  });

  Prisma('version names a field (tenantId, @map\'d to tenant_id), read even when fields leaves it out: rows and refs carry it', async ({ db, t }) => {
    const people = loader(clientOf(db, t), { model: delegate('people'), fields: ['fullName'], version: 'tenantId' });
    const [row] = await people.load([2]);
    assert.equal(row, { fullName: 'Grace', id: 2, tenantId: 1 });
    assert.is(people.versionOf?.(row!), 1);
    const cereal = createSerializer({ format: msgpackFormat(), loaders: { people } });
    assert.is(cereal.ref('people', row!).version, 1);
    const dated = loader(clientOf(db, t), { model: delegate('people'), version: 'deletedAt' });
    assert.equal(dated.versionOf?.((await dated.load([3]))[0]!), new Date('2026-01-01T00:00:00Z'), 'a DateTime field: its Date');
  });

  Prisma('an extended client, and an interactive transaction of one: its result extensions in the rows, its uncommitted writes seen', async ({ db, t }) => {
    const base = clientOf(db, t) as Client & { $extends(extension: object): Client };
    const extended = base.$extends({ result: { [delegate('people')]: { greeting: { needs: { fullName: true }, compute: (p: Row) => `Hello, ${String(p.fullName)}` } } } });
    const [row] = await loader(extended, { model: delegate('people') }).load([1]);
    assert.is(row?.greeting, 'Hello, Ada');
    let seen: unknown;
    await extended
      .$transaction(async (tx) => {
        await (tx[delegate('people')] as Delegate).create({ data: { id: 9, fullName: 'Pending', tenantId: 1 } });
        const out = await hydrate([ref('people', 9)], { people: loader(tx, { model: delegate('people') }) });
        seen = (out[0] as unknown as Row).greeting;
        throw new Error('rollback');
      })
      .catch((err: Error) => assert.is(err.message, 'rollback'));
    assert.is(seen, 'Hello, Pending');
    assert.is((await rejects(() => hydrate([ref('people', 9)], { people: loader(extended, { model: delegate('people') }) }))).code, 'MISSING_ROW');
  });

  Prisma('BigInt keys beyond 2^53 are exact; Prisma returns every BigInt field as a bigint, an Int field as a number', async ({ db, t }) => {
    const wide = { wide: loader(clientOf(db, t), { model: delegate('wide') }) };
    const [a, b] = (await hydrate([ref('wide', 2n ** 62n), ref('wide', String(2n ** 62n + 1n))], wide)) as unknown as Row[];
    assert.equal(a, { id: 2n ** 62n, small: 7, huge: 2n ** 60n + 1n });
    assert.equal(b, { id: 2n ** 62n + 1n, small: 8, huge: 3n }); // Knex would give 3: a bigint only beyond 2^53
    const [err, seen] = await target.watch(db, () => rejects(() => hydrate([ref('wide', 2n ** 63n), ref('wide', `+${2n ** 62n}`), ref('wide', 2n ** 62n)], wide)));
    assert.equal(err.refs?.map((r) => r.pk), [2n ** 63n, `+${2n ** 62n}`]);
    assert.equal(seen.bindings.map(String), [String(2n ** 62n)]);
  });

  Prisma('Decimal keys: Prisma returns a Decimal object, keyOf its plain text; a key that is no number is missing and never sent', async ({ db, t }) => {
    const prices = await prepared({ prices: loader(clientOf(db, t), { model: delegate('prices') }) });
    const out = (await hydrate([ref('prices', 42), ref('prices', '9.99')], prices)) as unknown as Row[];
    assert.equal(out.map((row) => row.label), ['answer', 'cheap']);
    assert.is(prices.prices.keyOf(out[1]!), '9.99');
    const [err, seen] = await target.watch(db, () => rejects(() => hydrate([ref('prices', 'abc'), ref('prices', '42.00')], prices)));
    // '42.00' finds the row, whose key is 42: another key to cereal, so the ref stays missing
    assert.equal(err.refs?.map((r) => r.pk), ['abc', '42.00']);
    assert.equal(seen.bindings.map(String), ['42.00']);
  });

  Prisma('a key the server cannot read as its column\'s type (a Decimal past numeric\'s range) fails for good: INVALID_REF on PostgreSQL, never retryable', async ({ db, t }) => {
    const prices = { prices: loader(clientOf(db, t), { model: delegate('prices') }) };
    const err = await rejects(() => hydrate([ref('prices', '1e999999')], prices));
    assert.is(err.code, providerOf(db) === 'postgresql' ? 'INVALID_REF' : 'MISSING_ROW', err.message);
    assert.is(err.retryable, false);
  });

  // only SQLite's limit (999) is in reach of a test
  if (target.name === 'prisma/sqlite') Prisma('a scope with more values than the room left for it is INVALID_OPTION (Prisma\'s P2029), never retryable', async ({ db, t }) => {
    const lines = loader(clientOf(db, t), { model: delegate('lines'), scope: { sku: { notIn: Array.from({ length: 300 }, (_, i) => `none-${i}`) } } });
    const err = await rejects(() => lines.load(Array.from({ length: 448 }, (_, i) => [1 + (i % 4), i])));
    assert.is(err.code, 'INVALID_OPTION', err.message);
    assert.match(err.message, /lower `chunkSize`, or the values in `scope`/);
  });

  Prisma('prepare() reads the table once, early: a table that does not exist is INVALID_OPTION there', async ({ db, t }) => {
    const people = loader(clientOf(db, t), { model: delegate('people') });
    await people.prepare();
    const [, seen] = await target.watch(db, () => people.load([1]));
    assert.is(seen.statements, 1, 'the column types are not read again');
  });

  Prisma('a model whose table the database lacks is INVALID_OPTION at prepare(), pointing at migrations and @@map (Prisma has no table option)', async ({ db, t }) => {
    // loader_users_nope is a model of the client whose table this run never created
    const nope = loader(clientOf(db, t), { model: delegateOf('loader_users_nope') });
    const err = await rejects(() => nope.prepare());
    assert.is(err.code, 'INVALID_OPTION');
    assert.match(err.message, /no table for model `LoaderUsersNope`: apply your migrations/);
    assert.match(err.message, /@@map/);
    assert.not.match(err.message, /schema\.table/);
  });

  Prisma('bad options are INVALID_OPTION, in the words a user reads: the table, the model and what it takes', async ({ db, t }) => {
    const client = clientOf(db, t);
    const people = delegate('people');
    const model = 'PrismaPeople';
    const table = `table \`${t.people}\``;
    const client_ = '`db` must be a Prisma client, or the client of an interactive transaction (`prisma.$transaction(async (tx) => …)`)';
    const delegateWords = (name: string) => `the client has no model delegate \`${name}\`: \`model\` names one as the client has it, e.g. prismaLoader(prisma, { model: 'user' }) for prisma.user`;
    const dialect = { sqlite: ['Prisma on SQLite', 997], postgresql: ['Prisma on PostgreSQL', 32765], mysql: ['Prisma on MySQL', 65535] }[providerOf(db)]!;
    const chunk = `\`chunkSize\` of ${table} must be an integer from 1 to ${dialect[1]} (${dialect[0]} takes ${dialect[1]} parameters per statement, 1 per key)`;
    const cases: [string, () => unknown, string][] = [
      ['not a client', () => loader({}, { model: people }), client_],
      ['a Knex instance', () => loader(db.world.fixtures, { model: people }), client_],
      ['no options', () => loader(client, null as never), "options must name a model, e.g. prismaLoader(prisma, { model: 'user' })"],
      ['no model', () => loader(client, {}), "`model` must name a model's delegate on the client, e.g. prismaLoader(prisma, { model: 'user' }) for prisma.user"],
      ['an empty model', () => loader(client, { model: '' }), "`model` must name a model's delegate on the client, e.g. prismaLoader(prisma, { model: 'user' }) for prisma.user"],
      ['no such delegate', () => loader(client, { model: 'person' }), delegateWords('person')],
      ['a client method', () => loader(client, { model: '$queryRawUnsafe' }), delegateWords('$queryRawUnsafe')],
      ['an empty primaryKey', () => loader(client, { model: people, primaryKey: [] }), `\`primaryKey\` of ${table} must be a field name of model \`${model}\` or an array of them`],
      ['a primaryKey naming a field twice', () => loader(client, { model: people, primaryKey: ['id', 'id'] }), `\`primaryKey\` of ${table} names a field twice`],
      ['a primaryKey the model lacks', () => loader(client, { model: people, primaryKey: 'person_id' }), `${table} (model \`${model}\`) has no field \`person_id\`: set \`primaryKey\` to its id field, or fields for a composite key`],
      ['a DateTime key field', () => loader(client, { model: people, primaryKey: 'deletedAt' }), `${table} (model \`${model}\`) has key field \`deletedAt\` of type DateTime, which Prisma returns as a Date, never a key: key fields are Int, BigInt, String, Decimal`],
      ['chunkSize 0', () => loader(client, { model: people, chunkSize: 0 }), chunk],
      ['chunkSize 1e9', () => loader(client, { model: people, chunkSize: 1e9 }), chunk],
      ['scope as SQL', () => loader(client, { model: people, scope: 'deleted_at is null' }), `\`scope\` of ${table} must be a where object of model \`${model}\`, e.g. { deletedAt: null }`],
      ['scope as a function', () => loader(client, { model: people, scope: () => ({}) }), `\`scope\` of ${table} must be a where object of model \`${model}\`, e.g. { deletedAt: null }`],
      ['fields the model lacks', () => loader(client, { model: people, fields: ['full_name'] }), `\`fields\` of ${table} must be an array of field names of model \`${model}\` (model \`${model}\` has no field \`full_name\`)`],
      ['fields as a string', () => loader(client, { model: people, fields: 'fullName' }), `\`fields\` of ${table} must be an array of field names of model \`${model}\``],
      ['a version the model lacks (the column, not the field)', () => loader(client, { model: people, version: 'tenant_id' }), `\`version\` of ${table}: model \`${model}\` has no field \`tenant_id\`; name a field, e.g. 'updatedAt'`],
      ['a version that is no name', () => loader(client, { model: people, version: 5 }), `\`version\` of ${table} must be a field name of model \`${model}\`, e.g. 'updatedAt'`],
      ['an empty version', () => loader(client, { model: people, version: '' }), `\`version\` of ${table} must be a field name of model \`${model}\`, e.g. 'updatedAt'`],
      ['a Decimal version field', () => loader(client, { model: delegate('prices'), version: 'amount' }), `\`version\` of table \`${t.prices}\`: field \`amount\` of model \`PrismaPrices\` is of type Decimal; a version field is Int, BigInt, Float, String, DateTime`],
      ['prismaLoaders without a map', () => loaders(client, null as never), "prismaLoaders takes a map of model names to the client's delegates, e.g. { users: 'user' }"],
      ['prismaLoaders with an array as the map', () => loaders(client, [people] as never), "prismaLoaders takes a map of model names to the client's delegates, e.g. { users: 'user' }"],
      ['prismaLoaders with a delegate name as the map', () => loaders(client, people as never), "prismaLoaders takes a map of model names to the client's delegates, e.g. { users: 'user' }"],
      ['a replica pair of one handle', () => loaders({ primary: client, replica: client }, { users: people }), '`primary` and `replica` are the same handle: pass the replica\'s own'],
      ['a replica pair half written', () => loaders({ primary: client }, { users: people }), 'a replica-aware loader map takes { primary, replica, onServed? }: `replica` is missing'],
    ];
    for (const [what, make, words] of cases) {
      const err = await rejects(make).catch((e: Error) => { throw new Error(`${what}: ${e.message}`); });
      assert.is(err.code, 'INVALID_OPTION', `${what}: ${err.message}`);
      assert.is(err.message, `[cereal] [prisma] ${words}`, what);
    }
  });

  Prisma.run();
}
