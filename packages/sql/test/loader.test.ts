/**
 * The shared SQL loader over a SqlSource made in memory: what it asks of a source, and what it
 * does with the answers. The real databases are in the Knex, Kysely and Drizzle packages' suites.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hydrate, ref, type PrimaryKey } from '@cereal/core';
import { rejects } from '@cereal/testkit';
import { dialectOf, replicaLoader, sqlLoader, type SqlSource, type SqlTable, type Statement } from '../src/index.js';

type Row = Record<string, unknown>;

/** A source over rows in memory, with a SQLite catalog, recording what it was asked. */
function memorySource(rows: Row[], overrides: Partial<SqlSource<Row>> = {}) {
  const asked = { catalogs: [] as Statement[], selects: [] as [PrimaryKey[], boolean][] };
  const source: SqlSource<Row> = {
    library: 'memory',
    dialect: dialectOf('better-sqlite3'),
    inTransaction: false,
    splitsWide: true,
    async catalog(statement) {
      asked.catalogs.push(statement);
      return [{ name: 'id', type: 'INTEGER' }, { name: 'name', type: 'TEXT' }];
    },
    async select(pks, exact) {
      asked.selects.push([[...pks], exact]);
      const wanted = new Set(pks.map(String));
      return rows.filter((row) => wanted.has(String(row.id)));
    },
    ...overrides,
  };
  return { source, asked };
}

const table = (chunkSize = 100): SqlTable => ({ table: 'users', path: ['users'], keys: ['id'], chunkSize });
const people = [{ id: 1, name: 'Ada' }, { id: 2, name: 'Grace' }, { id: 3, name: 'Edsger' }];

const Loader = suite('sqlLoader');

Loader('reads the catalog once, binds keys as the column type, and sends only keys that can name a row', async () => {
  const { source, asked } = memorySource(people);
  const users = sqlLoader(source, table());
  await users.prepare();
  await users.prepare();
  const rows = await users.load([1, '2', 2n, 'abc', '042', 2n ** 64n]);
  assert.is(asked.catalogs.length, 1);
  assert.equal(asked.catalogs[0]?.params, ['users']);
  assert.equal(asked.selects, [[[1, 2, 2], false]]);
  assert.equal(rows.map((r) => r.name), ['Ada', 'Grace']);
});

Loader('chunks keys by chunkSize, and keys beyond 2^53 go in exact statements of their own', async () => {
  const { source, asked } = memorySource(people);
  await sqlLoader(source, table(2)).load([1, 2, 3, 2n ** 60n, 4, String(2n ** 61n)]);
  assert.equal(asked.selects.map(([pks, exact]) => [pks.map(String), exact]), [
    [['1', '2'], false], [['3', '4'], false], [[String(2n ** 60n), String(2n ** 61n)], true],
  ]);
});

Loader('a source that never rounds keeps wide keys with the others', async () => {
  const { source, asked } = memorySource(people, { splitsWide: false });
  await sqlLoader(source, table()).load([1, 2n ** 60n]);
  assert.is(asked.selects.length, 1);
  assert.is(asked.selects[0]![1], false);
});

Loader('a lost connection is sent again, twice at most; inside a transaction never', async () => {
  for (const [inTransaction, fails, expected] of [[false, 2, 'ok'], [false, 3, 'lost'], [true, 1, 'lost']] as const) {
    let calls = 0;
    const { source } = memorySource(people, {
      inTransaction,
      async select() {
        if (calls++ < fails) throw Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' });
        return [people[0]!];
      },
    });
    const outcome = await sqlLoader(source, table()).load([1]).then(() => 'ok', () => 'lost');
    assert.is(outcome, expected, `inTransaction ${inTransaction}, ${fails} failures`);
    assert.is(calls, expected === 'ok' ? fails + 1 : inTransaction ? 1 : 3);
  }
});

Loader('a key the server refuses as its column type is INVALID_REF; other errors pass as they are (LOAD_FAILED in hydrate)', async () => {
  const refuses = memorySource(people, { select: async () => { throw Object.assign(new Error('invalid input syntax for type numeric: "x"'), { code: '22P02' }); } });
  const err = await rejects(() => hydrate([ref('users', 1)], { users: sqlLoader(refuses.source, table()) }));
  assert.equal([err.code, err.retryable], ['INVALID_REF', false]);
  assert.match(err.message, /^\[cereal\] \[memory\] table `users` cannot compare a key/);
  const down = memorySource(people, { select: async () => { throw new Error('connect ECONNREFUSED'); } });
  const failed = await rejects(() => hydrate([ref('users', 1)], { users: sqlLoader(down.source, table()) }));
  assert.equal([failed.code, failed.retryable], ['LOAD_FAILED', true]);
});

Loader('explain replaces a library error with its own, in the catalog read and in selects', async () => {
  const timeout = new Error('pool timeout');
  const explained = new Error('[memory] no connection within 1500 ms');
  const explain = (err: unknown) => (err === timeout ? explained : undefined);
  const { source } = memorySource(people, { explain, catalog: async () => { throw timeout; } });
  assert.ok((await sqlLoader(source, table()).load([1]).catch((e: unknown) => e)) === explained);
  const selects = memorySource(people, { explain, select: async () => { throw timeout; } });
  assert.ok((await sqlLoader(selects.source, table()).load([1]).catch((e: unknown) => e)) === explained);
});

Loader('a failed catalog read is tried again on the next load', async () => {
  let calls = 0;
  const { source } = memorySource(people, {
    async catalog() {
      if (calls++ === 0) throw new Error('down');
      return [{ name: 'id', type: 'INTEGER' }];
    },
  });
  const users = sqlLoader(source, table());
  await rejects(() => hydrate([ref('users', 1)], { users }));
  assert.is((await users.load([1])).length, 1);
  assert.is(calls, 2);
});

Loader('a table the catalog does not know, or a key column it lacks, is INVALID_OPTION naming the library', async () => {
  const none = memorySource(people, { catalog: async () => [] });
  const err = await rejects(() => hydrate([ref('users', 1)], { users: sqlLoader(none.source, table()) }));
  assert.is(err.code, 'INVALID_OPTION');
  assert.match(err.message, /\[memory\] table `users` was not found/);
  const { source } = memorySource(people);
  const noColumn = await rejects(() => hydrate([ref('users', 1)], { users: sqlLoader(source, { ...table(), keys: ['uid'] }) }));
  assert.match(noColumn.message, /\[memory\] table `users` has no column `uid`/);
});

Loader('keyOf reads the row properties (fields), the catalog the column names (keys)', async () => {
  const { source } = memorySource([], { catalog: async () => [{ name: 'tenant_id', type: 'INTEGER' }, { name: 'line_no', type: 'INTEGER' }] });
  const lines = sqlLoader(source, { table: 'lines', path: ['lines'], keys: ['tenant_id', 'line_no'], fields: ['tenantId', 'lineNo'], chunkSize: 10 });
  assert.equal(lines.keyOf({ tenantId: 7, lineNo: 2 }), [7, 2]);
  assert.equal([lines.primaryKey, lines.arity], [['tenantId', 'lineNo'], 2]);
});

Loader('a family without a catalog binds keys as given, with no catalog statement', async () => {
  const { source, asked } = memorySource(people, { dialect: dialectOf('mssql') });
  await sqlLoader(source, table()).load([1, 'abc']);
  assert.is(asked.catalogs.length, 0);
  assert.equal(asked.selects[0]?.[0], [1, 'abc']);
});

Loader('two keys the database finds equal in different statements get their row once; two rows for one key in one statement reach hydrate', async () => {
  // a case-insensitive text key column, as MariaDB's default collation compares
  const codes = [{ code: 'ABC', n: 1 }, { code: 'x', n: 2 }];
  let statements = 0;
  const { source } = memorySource([], {
    catalog: async () => [{ name: 'code', type: 'TEXT' }],
    select: async (pks) => {
      statements++;
      return codes.filter((row) => pks.some((pk) => String(pk).toLowerCase() === row.code.toLowerCase()));
    },
  });
  const loader = sqlLoader(source, { table: 'codes', path: ['codes'], keys: ['code'], chunkSize: 1 });
  const rows = await loader.load(['abc', 'x', 'ABC', 'aBc']);
  assert.is(statements, 4);
  assert.equal(rows, [{ code: 'ABC', n: 1 }, { code: 'x', n: 2 }]);
  const err = await rejects(() => hydrate([ref('codes', 'abc'), ref('codes', 'ABC')], { codes: loader }));
  assert.equal([err.code, err.refs?.map((r) => r.key)], ['MISSING_ROW', ['codes:abc']]);
  // one statement returning two rows for one key: the key column is not unique, and hydrate says so
  const twice = memorySource([{ id: 1, name: 'a' }, { id: 1, name: 'b' }]);
  const dupes = await rejects(() => hydrate([ref('users', 1)], { users: sqlLoader(twice.source, table()) }));
  assert.is(dupes.code, 'INVALID_OPTION');
  assert.match(dupes.message, /two rows for `users:1`/);
  // a numeric key in the plain statement and its wide twin in the exact one: the row once
  const exacts: boolean[] = [];
  const wide = memorySource([], {
    select: async (pks, exact) => {
      exacts.push(exact);
      return pks.flatMap((pk) => (String(pk) === '9007199254740993' || String(pk) === '9007199254740993e0' ? [{ id: '9007199254740993' }] : []));
    },
    catalog: async () => [{ name: 'id', type: 'NUMERIC' }],
  });
  const out = await sqlLoader(wide.source, table()).load(['9007199254740993e0', '9007199254740993']);
  assert.equal(exacts, [false, true]);
  assert.equal(out, [{ id: '9007199254740993' }]);
});

Loader('where the server limits a statement\'s bytes (max_allowed_packet), chunks are cut to fit', async () => {
  const { source, asked } = memorySource([], {
    dialect: dialectOf('mysql2'),
    catalog: async () => [{ name: 'code', type: 'varchar', declared: 'varchar(1024)', charset: 'utf8mb4', packet: 1024 * 1024 }],
  });
  const keys = Array.from({ length: 1000 }, (_, i) => `${String(i).padStart(4, '0')}${'é'.repeat(500)}`);
  await sqlLoader(source, { table: 'codes', path: ['codes'], keys: ['code'], chunkSize: 65435 }).load(keys);
  assert.ok(asked.selects.length > 1, `${asked.selects.length} statements`);
  assert.equal(asked.selects.flatMap(([pks]) => pks), keys);
  for (const [pks] of asked.selects) {
    const bytes = pks.reduce<number>((sum, pk) => sum + 2 * Buffer.byteLength(String(pk)) + 8, 0);
    assert.ok(bytes <= 1024 * 1024 - 64 * 1024, `${bytes} bytes`);
  }
});

Loader('what no retry mends is a CerealError of its own: a statement too large, a malformed one, an ended transaction, a charset mismatch', async () => {
  const failing = (err: unknown, where: 'select' | 'catalog' = 'select') => memorySource(people, where === 'select' ? { select: async () => { throw err; } } : { catalog: async () => { throw err; } }).source;
  const load = async (source: SqlSource<Row>) => rejects(() => hydrate([ref('users', 1)], { users: sqlLoader(source, table()) }));
  let calls = 0;
  const packet = Object.assign(new Error('Got a packet bigger than \'max_allowed_packet\' bytes'), { code: 'ER_NET_PACKET_TOO_LARGE', errno: 1153, sqlState: '08S01' });
  const tooLarge = await load(memorySource(people, { select: async () => { calls++; throw packet; } }).source);
  assert.equal([tooLarge.code, tooLarge.retryable, calls], ['LIMIT', false, 1]); // never sent again
  assert.match(tooLarge.message, /exceeded the server's max_allowed_packet; lower `chunkSize`/);
  const malformed = await load(failing(Object.assign(new Error('bind message has 99 parameter formats but 0 parameters'), { code: '08P01' })));
  assert.equal([malformed.code, malformed.retryable], ['INVALID_OPTION', false]);
  assert.match(malformed.message, /lower `chunkSize`, or bind fewer values in `scope`/);
  for (const where of ['select', 'catalog'] as const) {
    const ended = await load(failing(new Error('Transaction query already complete, run with DEBUG=knex:tx for more info'), where));
    assert.equal([ended.code, ended.retryable], ['INVALID_OPTION', false], where);
    assert.match(ended.message, /\[memory\] table `users`: the transaction this loader was built on has ended/);
  }
  const mix = await load(failing(Object.assign(new Error('Illegal mix of collations'), { code: 'ER_CANT_AGGREGATE_2COLLATIONS', errno: 1267 })));
  assert.equal([mix.code, mix.retryable], ['INVALID_REF', false]);
  // Knex puts the statement, with every key, before its driver's words: never in the message
  const knexStyle = await load(failing(Object.assign(new Error(`select * from \`users\` where \`id\` in ('a - b', ${'1, '.repeat(5000)}1) - Got a packet bigger than 'max_allowed_packet' bytes`), { code: 'ER_NET_PACKET_TOO_LARGE' })));
  assert.ok(knexStyle.message.length < 600, knexStyle.message);
  assert.match(knexStyle.message, /: Got a packet bigger than 'max_allowed_packet' bytes$/);
});

Loader('on MySQL and SQLite, keyOf reads a key column named in another case as the rows spell it', async () => {
  const { source } = memorySource([{ id: 1, name: 'Ada' }], { dialect: dialectOf('mysql2'), catalog: async () => [{ name: 'id', type: 'int', declared: 'int(11)' }] });
  const users = sqlLoader(source, { ...table(), keys: ['ID'] });
  assert.equal(await hydrate([ref('users', 1)], { users }), [{ id: 1, name: 'Ada' }]);
  assert.is(users.keyOf({ ID: 2 }), 2);
  const pg = sqlLoader(memorySource([], { dialect: dialectOf('pg') }).source, { ...table(), keys: ['ID'] });
  assert.is(pg.keyOf({ id: 1 }), undefined); // PostgreSQL's names are exact: "ID" is another column
});

Loader('version: integer and decimal text a driver returns (PostgreSQL bigint and numeric) compare as numbers, not letter by letter', async () => {
  const rows = [{ id: 1, name: 'Ada', lv: '10' }, { id: 2, name: 'Grace', lv: '9.5' }, { id: 3, name: 'Edsger', lv: '2026-11-27 10:00:00' }];
  const source = memorySource(rows, { catalog: async () => [{ name: 'id', type: 'INTEGER' }, { name: 'lv', type: 'TEXT' }] }).source;
  const users = sqlLoader(source, { ...table(), version: 'lv', versionColumn: 'lv' });
  assert.is(users.versionOf!(rows[0]!), 10n);
  assert.is(users.versionOf!(rows[1]!), 9.5);
  assert.is(users.versionOf!(rows[2]!), '2026-11-27 10:00:00');
  const out = await hydrate([ref('users', 1, 9n)], { users }, { consistency: 'at-least' });
  assert.is((out[0] as unknown as Row).name, 'Ada', "'10' is newer than 9");
});

Loader('replica: a row the primary sends again for a key the replica served (keys the database finds equal) is kept once; an onServed whose promise rejects never crashes', async () => {
  const replicaRows = [{ id: 'abc', name: 'replica' }];
  const primaryRows = [{ id: 'abc', name: 'primary' }, { id: 'xyz', name: 'only on the primary' }];
  // a case-insensitive source: 'ABC' finds 'abc'
  const ci = (rows: Row[]) => memorySource(rows, {
    catalog: async () => [{ name: 'id', type: 'TEXT' }],
    select: async (pks) => rows.filter((row) => pks.some((pk) => String(pk).toLowerCase() === String(row.id))),
  }).source;
  const rejected: Promise<unknown>[] = [];
  const loader = replicaLoader('t', sqlLoader(ci(replicaRows), table()), sqlLoader(ci(primaryRows), table()), () => {
    const p = Promise.reject(new Error('metrics down'));
    rejected.push(p);
    return p;
  });
  const rows = await loader.load(['abc', 'ABC', 'xyz']);
  assert.equal(rows.map((r) => r.name).sort(), ['only on the primary', 'replica']);
  assert.equal(loader.served, { replica: 1, primary: 1 });
  await new Promise((resolve) => setTimeout(resolve, 10)); // an unhandled rejection would have ended the run by now
  assert.is(rejected.length, 1);
});

Loader('a lost connection while reading the catalog is sent again too; a statement that fails otherwise is sent once', async () => {
  let catalogs = 0;
  const { source } = memorySource(people, {
    async catalog() {
      if (catalogs++ < 2) throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
      return [{ name: 'id', type: 'INTEGER' }];
    },
  });
  assert.is((await sqlLoader(source, table()).load([1])).length, 1);
  assert.is(catalogs, 3);
  let selects = 0;
  const failing = memorySource(people, { select: async () => { selects++; throw new Error('permission denied for table users'); } });
  await rejects(() => hydrate([ref('users', 1)], { users: sqlLoader(failing.source, table()) }));
  assert.is(selects, 1);
});

Loader('version: the column must be in the catalog, and in the rows; text versions are read as numbers where they are numbers', async () => {
  const { source } = memorySource(people);
  const noColumn = await rejects(() => sqlLoader(source, { ...table(), version: 'lv', versionColumn: 'lv' }).prepare());
  assert.is(noColumn.code, 'INVALID_OPTION');
  assert.is(noColumn.message, "[cereal] [memory] table `users` has no column `lv`, the loader's `version`: name a column every write moves forward (`updated_at`, `lock_version`)");
  // a version named only as a row property (Drizzle's field names) is checked on the first row
  const users = sqlLoader(source, { ...table(), version: 'lockVersion' });
  assert.equal(await users.load([9]), [], 'no row, nothing to check');
  const noField = await rejects(() => users.load([1]));
  assert.is(noField.message, "[cereal] [memory] the rows of table `users` have no `lockVersion`, the loader's `version`: name a column of the table (and select it, if you list `columns`)");
  const versioned = sqlLoader(memorySource([{ id: 1, v: 1 }]).source, { ...table(), version: 'v' });
  assert.equal(await versioned.load([1]), [{ id: 1, v: 1 }]);
  assert.equal(['x1.5', '1.5x', '1.5.5', 'x12', '12x'].map((v) => versioned.versionOf!({ v })), ['x1.5', '1.5x', '1.5.5', 'x12', '12x']);
  const at = new Date(0);
  const values = ['-12', '0', '12345678901234567890', '-1.25', '10.50', '1.', '.5', '1e3', ' 1', '2026-11-27', at, 7, null, undefined];
  assert.equal(values.map((v) => versioned.versionOf!({ v })), [-12n, 0n, 12345678901234567890n, -1.25, 10.5, '1.', '.5', '1e3', ' 1', '2026-11-27', at, 7, null, undefined]);
  assert.is(sqlLoader(source, table()).versionOf, undefined);
});

Loader('PostgreSQL: the key columns\' base types go with each select, for the array casts; none where one is unknown', async () => {
  const typesSent: (readonly string[] | undefined)[] = [];
  const catalog = (rows: Row[]) => memorySource([], {
    dialect: dialectOf('pg'),
    catalog: async () => rows,
    select: async (_pks, _exact, types) => {
      typesSent.push(types);
      return [];
    },
  }).source;
  const keys = { ...table(), keys: ['a', 'b'] };
  await sqlLoader(catalog([
    { name: 'a', declared: 'integer', type: 'int4', category: 'N', base: 'integer' },
    { name: 'b', declared: 'character varying(20)', type: 'varchar', category: 'S', base: 'character varying' },
  ]), keys).load([[1, 'x']]);
  await sqlLoader(catalog([
    { name: 'a', declared: 'integer', type: 'int4', category: 'N', base: 'integer' },
    { name: 'b', declared: 'text', type: 'text', category: 'S', base: '' },
  ]), keys).load([[1, 'x']]);
  assert.equal(typesSent, [['integer', 'character varying'], undefined]);
});

Loader('keys that can name no row are never sent: a load of only such keys sends no statement', async () => {
  const { source, asked } = memorySource(people);
  assert.equal(await sqlLoader(source, table()).load(['abc', '1.5', [1, 2], 2n ** 64n]), []);
  assert.equal(asked.selects, []);
  assert.equal(await sqlLoader(source, table()).load([]), []);
});

Loader('one statement: its rows as they came, two for one key included; across statements a key\'s row once, in statement order', async () => {
  const rows = [{ id: 1, name: 'a' }, { id: 1, name: 'b' }, { id: 2, name: 'c' }];
  const one = memorySource(rows);
  assert.equal((await sqlLoader(one.source, table()).load([1, 2])).map((r) => r.name), ['a', 'b', 'c']);
  const many = memorySource(rows);
  assert.equal((await sqlLoader(many.source, table(1)).load([2, 1, 1])).map((r) => r.name), ['c', 'a', 'b'], 'the second statement for key 1 brings nothing new');
  assert.equal(many.asked.selects.map(([pks]) => pks), [[2], [1], [1]]);
});

Loader('byte budget: each statement keeps room for all but its keys; a key larger than the budget goes alone; chunkSize still counts', async () => {
  const packet = 256 * 1024; // a quarter (64 KiB) is kept for the statement around the keys
  const { source, asked } = memorySource([], {
    dialect: dialectOf('mysql2'),
    catalog: async () => [{ name: 'code', type: 'varchar', declared: 'varchar(1024)', charset: 'utf8mb4', packet }],
  });
  const big = 'x'.repeat(100 * 1024); // 2 * 100 KiB + 8 bytes: more than the 192 KiB budget
  const keys = ['a', big, 'b', 'c', 'd', 'e'];
  await sqlLoader(source, { table: 'codes', path: ['codes'], keys: ['code'], chunkSize: 3 }).load(keys);
  assert.equal(asked.selects.map(([pks]) => pks.map((k) => (k === big ? 'big' : k))), [['a'], ['big'], ['b', 'c', 'd'], ['e']]);
  const small = memorySource([], {
    dialect: dialectOf('mysql2'),
    catalog: async () => [{ name: 'code', type: 'varchar', declared: 'varchar(1024)', charset: 'utf8mb4', packet: 1000 }],
  });
  // 1000 bytes, a quarter kept: 750 for keys; a key of 20 characters counts 2 × 20 + 8 (each byte perhaps escaped, quotes, comma)
  await sqlLoader(small.source, { table: 'codes', path: ['codes'], keys: ['code'], chunkSize: 1000 }).load(Array.from({ length: 40 }, (_, i) => String(i).padStart(20, '0')));
  assert.equal(small.asked.selects.map(([pks]) => pks.length), [15, 15, 10]);
});

Loader('the driver\'s words in a message: a statement Knex puts before them is cut, and at most 500 characters are kept', async () => {
  const load = async (message: string) => (await rejects(() => hydrate([ref('users', 1)], { users: sqlLoader(memorySource(people, { select: async () => { throw Object.assign(new Error(message), { code: '42703' }); } }).source, table()) }))).message;
  assert.match(await load('select "versionx" from "users" where "id" in ($1) - column "versionx" does not exist'), /refused the loader's statement; check its `columns`, `version` and `scope`: column "versionx" does not exist$/);
  assert.match(await load('column "a - b" does not exist'), /: column "a - b" does not exist$/, 'no statement before it: nothing cut');
  const long = await load('x'.repeat(2000));
  assert.ok(long.endsWith(`: ${'x'.repeat(500)}…`), long.slice(-20));
});

Loader('explain is asked before a bad statement or a bad key is named; a CerealError from the source passes as it is', async () => {
  const mine = new Error('[memory] explained');
  const explained = memorySource(people, { explain: () => mine, select: async () => { throw Object.assign(new Error('bad'), { code: '42703' }); } });
  assert.ok((await sqlLoader(explained.source, table()).load([1]).catch((e: unknown) => e)) === mine);
  const own = new (await import('@cereal/core')).CerealError('LIMIT', 'own');
  const passing = memorySource(people, { select: async () => { throw own; }, explain: () => mine });
  assert.ok((await sqlLoader(passing.source, table()).load([1]).catch((e: unknown) => e)) === own);
  const catalogOwn = memorySource(people, { catalog: async () => { throw own; }, explain: () => mine });
  assert.ok((await sqlLoader(catalogOwn.source, table()).load([1]).catch((e: unknown) => e)) === own);
  const plain = new Error('catalog down');
  const unexplained = memorySource(people, { catalog: async () => { throw plain; }, explain: () => undefined });
  assert.ok((await sqlLoader(unexplained.source, table()).load([1]).catch((e: unknown) => e)) === plain);
});

Loader('keyOf on MySQL and SQLite: the field as written first, then the one property of that name in any case', () => {
  const { source } = memorySource([]);
  const users = sqlLoader(source, { ...table(), keys: ['Id'] });
  assert.is(users.keyOf({ id: 2, Id: 1 }), 1, 'the field as written, though another case comes first');
  assert.is(sqlLoader(memorySource([], { dialect: dialectOf('pg') }).source, table()).keyOf({ id: 5 }), 5);
  assert.is(users.keyOf({ ID: 3 }), 3);
  assert.is(users.keyOf({ name: 'x' }), undefined);
  const lines = sqlLoader(source, { table: 'l', path: ['l'], keys: ['A', 'B'], chunkSize: 10 });
  assert.equal(lines.keyOf({ a: 1, b: 2 }), [1, 2]);
});

Loader('byte budget: a first key larger than the budget goes alone, with no empty statement before it; numbers and composite keys are counted too', async () => {
  const mysql = (rows: Row[], packet: number) => memorySource([], { dialect: dialectOf('mysql2'), catalog: async () => rows.map((r) => ({ ...r, packet })) });
  const text = mysql([{ name: 'code', type: 'varchar', declared: 'varchar(1024)', charset: 'utf8mb4' }], 1000);
  const big = 'x'.repeat(500);
  await sqlLoader(text.source, { table: 'codes', path: ['codes'], keys: ['code'], chunkSize: 100 }).load([big, 'a']);
  assert.equal(text.asked.selects.map(([pks]) => pks.length), [1, 1]);
  // 750 bytes for keys; a number counts 48: 15 per statement
  const ints = mysql([{ name: 'id', type: 'int', declared: 'int(11)' }], 1000);
  await sqlLoader(ints.source, { table: 'ints', path: ['ints'], keys: ['id'], chunkSize: 1000 }).load(Array.from({ length: 40 }, (_, i) => i + 1));
  assert.equal(ints.asked.selects.map(([pks]) => pks.length), [15, 15, 10]);
  // a pair of numbers counts 4 + 48 + 48: 7 per statement
  const pairs = mysql([{ name: 'a', type: 'int', declared: 'int(11)' }, { name: 'b', type: 'int', declared: 'int(11)' }], 1000);
  await sqlLoader(pairs.source, { table: 'pairs', path: ['pairs'], keys: ['a', 'b'], chunkSize: 1000 }).load(Array.from({ length: 10 }, (_, i) => [i + 1, 1]));
  assert.equal(pairs.asked.selects.map(([pks]) => pks.length), [7, 3]);
});

Loader.run();
