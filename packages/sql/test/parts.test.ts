import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CerealError } from '@cereal/core';
import { AfterCommits, binderOf, catalogColumns, catalogStatement, isBadKey, isConnectionLost, isProtocolViolation, isTooLarge, isTransactionEnded, chunkSizeOf, dialectOf, exactAlias, isReplicaPair, isWide, keyColumns, nameParts, restoreExact, selectedColumns, templateOf, unnestOf } from '../src/index.js';

const Parts = suite('@cereal/sql parts');

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof CerealError ? err.code : 'not a CerealError';
  }
};

Parts('unnestOf: composite keys as one array per column with its array type; none without declared types, for one column, or for a type that cannot go in a cast', () => {
  assert.equal(unnestOf([[1, 'a'], [2n, 'b,c']], ['integer', 'character varying(32)']), { types: ['integer[]', 'character varying(32)[]'], columns: [[1, 2n], ['a', 'b,c']] });
  assert.equal(unnestOf([], ['bigint', 'uuid', '"My Type"']), { types: ['bigint[]', 'uuid[]', '"My Type"[]'], columns: [[], [], []] });
  assert.is(unnestOf([[1, 2]], undefined), undefined);
  assert.is(unnestOf([1], ['integer']), undefined);
  for (const bad of ['', '"a?b"', "x'y", 'a\\b', 'int; drop table t', 'int -- x', 'int /* x']) assert.is(unnestOf([[1, 2]], ['integer', bad]), undefined, bad);
});

Parts('chunkSizeOf fills the parameter limit less the scope room, caps composite keys on PostgreSQL, and checks a requested size', () => {
  assert.is(chunkSizeOf('x', 't', dialectOf('better-sqlite3'), 1, undefined), 32666);
  assert.is(chunkSizeOf('x', 't', dialectOf('better-sqlite3'), 2, undefined), 16333);
  assert.is(chunkSizeOf('x', 't', dialectOf('pg'), 2, undefined), 2000);
  assert.is(chunkSizeOf('x', 't', dialectOf('mysql2'), 1, 500), 500);
  for (const bad of [0, 1.5, 65536, '10', NaN]) assert.is(code(() => chunkSizeOf('x', 't', dialectOf('mysql2'), 1, bad)), 'INVALID_OPTION', String(bad));
});

Parts('chunkSizeOf counts what the scope binds: a scope beyond the room kept for it shrinks the default, and a chunkSize leaving it no room is refused', () => {
  assert.is(chunkSizeOf('x', 't', dialectOf('pg'), 1, undefined, 40), 65435);
  assert.is(chunkSizeOf('x', 't', dialectOf('pg'), 1, undefined, 200), 65335);
  assert.is(chunkSizeOf('x', 't', dialectOf('pg'), 2, undefined, 200), 2000);
  assert.is(chunkSizeOf('x', 't', dialectOf('pg'), 1, 65335, 200), 65335);
  assert.is(code(() => chunkSizeOf('x', 't', dialectOf('pg'), 1, 65336, 200)), 'INVALID_OPTION');
  assert.is(code(() => chunkSizeOf('x', 't', dialectOf('pg'), 1, undefined, 70_000)), 'INVALID_OPTION');
});

Parts('keyColumns and selectedColumns check their options', () => {
  assert.equal(keyColumns('x', 't', 'id'), ['id']);
  assert.equal(keyColumns('x', 't', ['a', 'b']), ['a', 'b']);
  for (const bad of [[], [''], [1], 5, null, ['id', 'id'], ['a', 'b', 'a']]) assert.is(code(() => keyColumns('x', 't', bad)), 'INVALID_OPTION', JSON.stringify(bad));
  assert.equal(selectedColumns('x', 't', ['name', 'id'], ['id']), ['name', 'id']);
  assert.equal(selectedColumns('x', 't', ['name'], ['a', 'b']), ['name', 'a', 'b']);
  assert.is(selectedColumns('x', 't', undefined, ['id']), undefined);
  assert.is(code(() => selectedColumns('x', 't', 'name', ['id'])), 'INVALID_OPTION');
});

Parts('isWide: bigints and integer text a double cannot hold', () => {
  assert.ok(isWide(2n ** 53n + 1n));
  assert.ok(isWide(' +9007199254740993.0'));
  assert.ok(isWide([1, 2n ** 60n]));
  assert.not.ok(isWide(2n ** 53n - 1n));
  assert.not.ok(isWide('abcdefghijklmnopqrstu'));
  assert.not.ok(isWide(42));
});

Parts('restoreExact puts each key part\'s text back as a number or a bigint, and removes the aliases', () => {
  const row: Record<string, unknown> = { id: 2 ** 62, n: 1, [exactAlias(0)]: String(2n ** 62n + 1n), [exactAlias(1)]: '7' };
  restoreExact(row, ['id', 'n']);
  assert.equal(row, { id: 2n ** 62n + 1n, n: 7 });
  const text: Record<string, unknown> = { code: 'abc', [exactAlias(0)]: 'abc' };
  restoreExact(text, ['code']);
  assert.equal(text, { code: 'abc' });
  const digits: Record<string, unknown> = { code: String(2n ** 62n + 1n), [exactAlias(0)]: String(2n ** 62n + 1n) };
  restoreExact(digits, ['code']);
  assert.equal(digits, { code: String(2n ** 62n + 1n) }); // a text key column keeps its text
});

Parts('catalog statements name the table as the database finds it', () => {
  assert.equal(catalogStatement('postgres', ['s', 'we"ird'])?.params, ['"s"."we""ird"']);
  assert.equal(catalogStatement('mysql', ['t'])?.params, [null, 't']);
  assert.equal(catalogStatement('sqlite', ['aux', 't'])?.params, ['t', 'aux']);
  assert.is(catalogStatement('other', ['t']), undefined);
  assert.equal(nameParts('public.users as u'), ['public', 'users']);
  const [strings, params] = templateOf({ sql: 'select ? and ?', params: [1, 2] });
  assert.equal([[...strings], [...strings.raw], params], [['select ', ' and ', ''], ['select ', ' and ', ''], [1, 2]]);
});

Parts('lost connections and refused keys are told by the driver\'s code, also inside an ORM\'s wrapper', () => {
  const lost = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
  assert.ok(isConnectionLost(lost));
  assert.ok(isConnectionLost(new Error('Failed query', { cause: lost })));
  assert.ok(isConnectionLost({ code: 'PROTOCOL_CONNECTION_LOST' }));
  assert.not.ok(isConnectionLost(new Error('syntax error', { cause: { code: '42601' } })));
  const refused = new Error('Failed query', { cause: Object.assign(new Error('invalid input syntax'), { code: '22P02' }) });
  assert.ok(isBadKey(refused));
  assert.not.ok(isBadKey(new Error('Failed query', { cause: { code: '23505' } })));
  const circular: { cause?: unknown } = {};
  circular.cause = circular;
  assert.not.ok(isConnectionLost(circular));
});

Parts('a statement over max_allowed_packet is too large, never a lost connection, though its SQLSTATE is 08S01', () => {
  const mysql2 = Object.assign(new Error('Got a packet bigger than \'max_allowed_packet\' bytes'), { code: 'ER_NET_PACKET_TOO_LARGE', errno: 1153, sqlState: '08S01' });
  const mariadb = Object.assign(new Error('(conn:5, no: 1153, SQLState: 08S01) Got a packet bigger than \'max_allowed_packet\' bytes'), { code: 'ER_NET_PACKET_TOO_LARGE', errno: 1153, sqlState: '08S01', fatal: true });
  // Prisma over the MariaDB adapter: its error carries the driver's number; @cereal/prisma reads 08S01 as a lost connection (08006)
  const prisma = Object.assign(new Error('Invalid `delegate.findMany()` invocation'), { code: 'P2010', meta: { driverAdapterError: { cause: { kind: 'mysql', code: 1153, state: '08S01' } } } });
  const wrapped = Object.assign(new Error('Got a packet bigger'), { code: '08006', cause: prisma });
  for (const err of [mysql2, mariadb, prisma, wrapped, new Error('Failed query', { cause: mysql2 })]) {
    assert.ok(isTooLarge(err), err.message);
    assert.not.ok(isConnectionLost(err), err.message);
  }
  assert.not.ok(isTooLarge(Object.assign(new Error('lost'), { code: 'PROTOCOL_CONNECTION_LOST' })));
});

Parts('a protocol violation (08P01), a transaction that has ended, an illegal mix of collations are told apart', () => {
  const bind = Object.assign(new Error('bind message has 99 parameter formats but 0 parameters'), { code: '08P01' });
  assert.ok(isProtocolViolation(bind));
  assert.ok(isProtocolViolation(new Error('Failed query', { cause: bind })));
  assert.not.ok(isConnectionLost(bind));
  assert.not.ok(isProtocolViolation(Object.assign(new Error('x'), { code: '08006' })));
  for (const message of ['Transaction query already complete, run with DEBUG=knex:tx for more info', 'Transaction is already committed', 'Transaction is already rolled back']) {
    assert.ok(isTransactionEnded(new Error(message)), message);
  }
  assert.ok(isTransactionEnded(Object.assign(new Error('Transaction API error: Transaction already closed: A query cannot be executed on a committed transaction.'), { code: 'P2028' })));
  assert.not.ok(isTransactionEnded(Object.assign(new Error('Transaction API error: Unable to start a transaction in the given time.'), { code: 'P2028' })));
  assert.not.ok(isTransactionEnded(new Error('connect ECONNREFUSED')));
  const mix = Object.assign(new Error('Illegal mix of collations (latin1_swedish_ci,IMPLICIT), (utf8mb4_unicode_ci,COERCIBLE), (utf8mb4_unicode_ci,COERCIBLE) for operation \'in\''), { code: 'ER_CANT_AGGREGATE_3COLLATIONS', errno: 1270, sqlState: 'HY000' });
  assert.ok(isBadKey(mix));
  assert.ok(isBadKey({ errno: 1267 }));
  assert.ok(isBadKey({ meta: { driverAdapterError: { cause: { kind: 'mysql', code: 1271, state: 'HY000' } } } }));
  assert.not.ok(isBadKey({ errno: 1054 }));
});

Parts('MySQL\'s catalog: each text key column\'s character set, and the server\'s max_allowed_packet', () => {
  assert.match(catalogStatement('mysql', ['t'])!.sql, /character_set_name as charset, @@max_allowed_packet as packet/);
  const columns = catalogColumns('mysql', [
    { NAME: 'code', TYPE: 'varchar', DECLARED: 'varchar(20)', CHARSET: 'latin1', PACKET: 16777216 },
    { name: 'u3', type: 'varchar', declared: 'varchar(20)', charset: 'utf8mb3', packet: 16777216n },
    { name: 'u4', type: 'text', declared: 'text', charset: 'utf8mb4', packet: 16777216 },
    { name: 'a', type: 'char', declared: 'char(2)', charset: 'ascii', packet: 16777216 },
    { name: 'id', type: 'int', declared: 'int(11)', charset: null, packet: 16777216 },
  ]);
  assert.is(columns.maxBytes, 16777216);
  assert.is(columns.get('CODE')?.name, 'code');
  const keys = (column: string, parts: string[]) => parts.map((part) => binderOf('x', 't', [column], columns)(part) !== undefined);
  const texts = ['abc', 'é', '€', 'Ÿ', '\u0081', '\u0080', 'Ā', '中', '😀', '\ud800'];
  assert.equal(keys('code', texts), [true, true, true, true, true, false, false, false, false, false]);
  assert.equal(keys('u3', texts), [true, true, true, true, true, true, true, true, false, true]);
  assert.equal(keys('u4', texts), texts.map(() => true));
  assert.equal(keys('a', texts), [true, false, false, false, false, false, false, false, false, false]);
  assert.equal(catalogColumns('mysql', []).maxBytes, undefined);
});

Parts('a PostgreSQL uuid key has braces on both sides or on neither; one brace names no row', () => {
  const columns = catalogColumns('postgres', [{ name: 'id', declared: 'uuid', type: 'uuid', category: 'U' }]);
  const bind = binderOf('x', 't', ['id'], columns);
  const uuid = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11';
  assert.equal([uuid, `{${uuid}}`, uuid.replace(/-/g, ''), uuid.toUpperCase()].map((k) => bind(k)), [uuid, `{${uuid}}`, uuid.replace(/-/g, ''), uuid.toUpperCase()]);
  assert.equal([`{${uuid}`, `${uuid}}`, `{{${uuid}}}`, `}${uuid}{`].map((k) => bind(k)), [undefined, undefined, undefined, undefined]);
});

Parts('isReplicaPair: { primary, replica } is a pair; a plain object with one side is INVALID_OPTION naming the other; a handle is none', () => {
  assert.ok(isReplicaPair({ primary: 1, replica: 2 }));
  assert.not.ok(isReplicaPair(Object.assign(() => undefined, { primary: 1 })), 'a function (a Knex instance) is a handle');
  assert.not.ok(isReplicaPair(null));
  assert.not.ok(isReplicaPair({ client: {} }));
  class Client {
    primary = {};
  }
  assert.not.ok(isReplicaPair(new Client()), 'a client with a model named primary is a handle');
  let error: unknown;
  try {
    isReplicaPair({ primary: {} }, 'knex');
  } catch (err) {
    error = err;
  }
  assert.instance(error, CerealError);
  assert.is((error as CerealError).code, 'INVALID_OPTION');
  assert.match((error as CerealError).message, /\[knex\] .*`replica` is missing/);
});

Parts('afterCommit scopes: 150 000 callbacks of a released savepoint reach the outer commit and all run, in order', async () => {
  const commits = new AfterCommits('memory', 'trx');
  const outer = commits.scope();
  const savepoint = commits.scope(outer);
  const ran: number[] = [];
  const N = 150_000;
  for (let i = 0; i < N; i++) commits.register(() => void ran.push(i), undefined, () => savepoint);
  savepoint.end(true); // released: its callbacks wait for the outer commit
  assert.is(ran.length, 0);
  outer.end(true);
  for (let i = 0; i < 50 && ran.length < N; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.is(ran.length, N);
  assert.ok(ran.every((v, i) => v === i), 'in registration order');
});

Parts('catalog statements per family: SQLite\'s pragma with the schema second, MySQL\'s schema or the connection\'s, PostgreSQL\'s regclass', () => {
  assert.equal(catalogStatement('sqlite', ['t']), { sql: 'select name, type from pragma_table_info(?)', params: ['t'] });
  assert.equal(catalogStatement('sqlite', ['aux', 't']), { sql: 'select name, type from pragma_table_info(?, ?)', params: ['t', 'aux'] });
  assert.equal(catalogStatement('mysql', ['shop', 't'])?.params, ['shop', 't']);
  assert.match(catalogStatement('mysql', ['t'])!.sql, 'where table_schema = coalesce(?, database()) and table_name = ?');
  assert.match(catalogStatement('postgres', ['t'])!.sql, 'where a.attrelid = to_regclass(?) and a.attnum > 0 and not a.attisdropped');
  assert.throws(() => catalogColumns('other', []), /no catalog for other/);
  assert.equal(['Items AS i', 'a.b', ' users ', 'shop.Orders as o', 'class'].map(nameParts), [['Items'], ['a', 'b'], ['users'], ['shop', 'Orders'], ['class']]);
});

Parts('catalog columns: a missing type reads as none (bound as given); only PostgreSQL carries a base type, only MySQL a statement size', () => {
  const sqlite = catalogColumns('sqlite', [{ name: 'id', type: null }]);
  assert.equal(sqlite.get('id'), { name: 'id', declared: '', key: { kind: 'given' } });
  assert.not.ok('maxBytes' in sqlite);
  assert.equal(binderOf('x', 't', ['id'], sqlite)(2n ** 64n), '18446744073709551616');
  const pg = catalogColumns('postgres', [{ name: 'id', declared: 'integer', type: 'int4', category: 'N', base: 'integer' }]);
  assert.is(pg.get('id')?.base, 'integer');
  assert.is(pg.get('ID'), undefined);
  const mysql = catalogColumns('mysql', [{ name: 'code', type: 'varchar', declared: 'varchar(9)' }]);
  assert.not.ok('base' in mysql.get('code')!);
  assert.equal(binderOf('x', 't', ['code'], mysql)('中😀'), '中😀', 'no character set named: left to the server');
});

Parts('latin1\'s edges: U+00A0 to U+00FF held, the C1 controls only where Windows-1252 leaves a gap, anything past U+00FF only as one of its 27 letters', () => {
  const columns = catalogColumns('mysql', [{ name: 'code', type: 'varchar', declared: 'varchar(9)', charset: 'latin1' }]);
  const held = (text: string) => binderOf('x', 't', ['code'], columns)(text) !== undefined;
  const cases: [string, boolean][] = [['\u007f', true], ['\u0080', false], ['\u0081', true], ['\u008d', true], ['\u008f', true], ['\u0090', true], ['\u009d', true], ['\u009f', false], ['\u00a0', true], ['\u00ff', true], ['\u0100', false], ['Œ', true], ['™', true], ['abc\u0100', false], ['\u0100abc', false]];
  assert.equal(cases.map(([text]) => held(text)), cases.map(([, ok]) => ok));
});

Parts.run();
