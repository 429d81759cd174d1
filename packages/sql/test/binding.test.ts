/**
 * How keys are bound for a key column, by the type each database's catalog gives it: which keys
 * are sent (and as what), which can name no row and are never sent, and which column types no
 * key can name. The catalogs are the rows each database's catalog statement returns.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { throws } from '@cereal/testkit';
import type { PrimaryKey } from '@cereal/core';
import { binderOf, bindable, catalogColumns, type Binder } from '../src/index.js';

const Binding = suite('key binding by column type');

const pg = (type: string, category = 'N', declared = type): Binder => binderOf('x', 't', ['id'], catalogColumns('postgres', [{ name: 'id', declared, type, category, base: declared }]));
const mysql = (type: string, declared = type, charset: string | null = null): Binder => binderOf('x', 't', ['id'], catalogColumns('mysql', [{ name: 'id', type, declared, charset, packet: 16777216 }]));
const sqlite = (type: string): Binder => binderOf('x', 't', ['id'], catalogColumns('sqlite', [{ name: 'id', type }]));

/** What each key binds as: the value sent, or undefined where it is never sent. */
const bound = (bind: Binder, keys: PrimaryKey[]) => keys.map((key) => bind(key));

const refusalOf = (fn: () => unknown): string => throws(fn, 'INVALID_OPTION').message;

Binding('integer columns take each key in their range, as a number while a double holds it exactly', () => {
  const int2 = pg('int2');
  assert.equal(bound(int2, [32767, -32768, 32768, -32769, '32767', 0, '0', -1, '-1']), [32767, -32768, undefined, undefined, 32767, 0, 0, -1, -1]);
  assert.equal(bound(pg('int4'), [2147483647, 2147483648, -2147483648, -2147483649, 2147483647n]), [2147483647, undefined, -2147483648, undefined, 2147483647]);
  const int8 = pg('int8');
  const max = 2n ** 63n - 1n;
  assert.equal(bound(int8, [max, 2n ** 63n, -(2n ** 63n), -(2n ** 63n) - 1n]), [max, undefined, -(2n ** 63n), undefined]);
  assert.equal(bound(int8, [String(max), '9223372036854775808', '-9223372036854775808']), [max, undefined, -(2n ** 63n)]);
  assert.equal(bound(int8, [42n, 2n ** 53n - 1n, -(2n ** 53n - 1n), 2n ** 53n]), [42, 2 ** 53 - 1, -(2 ** 53 - 1), 2n ** 53n], 'a bigint a double holds exactly goes as a number');
  assert.equal(bound(int8, ['9007199254740993', '123456789012345', '1234567890123456']), [9007199254740993n, 123456789012345, 1234567890123456]);
});

Binding('an integer column takes integer text in its one spelling only', () => {
  const int8 = pg('int8');
  const others = ['042', '+1', ' 1', '1 ', '1e3', '0x10', '1.0', '-0', '', '-', '1_000', 'abc', '١٢', `1${'0'.repeat(40)}`];
  assert.equal(bound(int8, others), others.map(() => undefined));
  assert.equal(bound(int8, ['10', '-10', '100', '9', '1000000']), [10, -10, 100, 9, 1000000]);
});

Binding('text columns take every key as its text; PostgreSQL text refuses U+0000, other databases keep it', () => {
  for (const type of ['text', 'varchar', 'bpchar', 'name', 'citext']) {
    assert.equal(bound(pg(type), [42, 42n, 'abc', 'a\u0000b', '']), ['42', '42', 'abc', undefined, ''], type);
  }
  for (const type of ['varchar', 'char', 'text', 'tinytext', 'mediumtext', 'longtext', 'enum', 'set']) {
    assert.equal(bound(mysql(type, type, 'utf8mb4'), [42, 'a\u0000b', '😀']), ['42', 'a\u0000b', '😀'], type);
  }
  for (const type of ['TEXT', 'VARCHAR(20)', 'NCHAR(5)', 'CLOB', 'character varying']) {
    assert.equal(bound(sqlite(type), [42, 2n ** 70n, 'a\u0000b']), ['42', String(2n ** 70n), 'a\u0000b'], type);
  }
});

Binding('MySQL text in a character set that cannot hold every character leaves out the keys it cannot hold', () => {
  const cases: [string, string[], boolean[]][] = [
    ['latin1', ['abc', 'é', '€', '\u0080', 'Ā'], [true, true, true, false, false]],
    ['LATIN1', ['€', 'Ā'], [true, false]],
    ['ascii', ['abc', '\u007f', 'é'], [true, true, false]],
    ['utf8mb3', ['中', '😀'], [true, false]],
    ['utf8', ['中', '😀'], [true, false]],
    ['ucs2', ['中', '😀'], [true, false]],
    ['utf8mb4', ['中', '😀'], [true, true]],
    ['big5', ['中', '😀'], [true, true]], // left to the server (faults.ts)
  ];
  for (const [charset, keys, held] of cases) assert.equal(bound(mysql('varchar', 'varchar(10)', charset), keys).map((k) => k !== undefined), held, charset);
});

Binding('MySQL integers by their declared width, unsigned ones from 0', () => {
  const edges: [string, string, bigint, bigint][] = [
    ['tinyint', 'tinyint(4)', -128n, 127n], ['tinyint', 'tinyint(3) unsigned', 0n, 255n],
    ['smallint', 'smallint(6)', -32768n, 32767n], ['mediumint', 'mediumint(9)', -8388608n, 8388607n],
    ['mediumint', 'mediumint unsigned', 0n, 16777215n], ['int', 'int(11)', -2147483648n, 2147483647n],
    ['INT', 'INT UNSIGNED', 0n, 4294967295n], ['integer', 'integer', -2147483648n, 2147483647n],
    ['bigint', 'bigint(20)', -(2n ** 63n), 2n ** 63n - 1n], ['bigint', 'bigint(20) unsigned', 0n, 2n ** 64n - 1n],
  ];
  for (const [type, declared, min, max] of edges) {
    const bind = mysql(type, declared);
    const inside = [min, max].map((n) => bind(n) !== undefined);
    const outside = [min - 1n, max + 1n].map((n) => bind(n) !== undefined);
    assert.equal([inside, outside], [[true, true], [false, false]], declared);
  }
  assert.is(mysql('bigint', 'bigint unsigned')(String(2n ** 64n - 1n)), 2n ** 64n - 1n);
  assert.is(mysql('int', 'int(11) unsignedx')(-1), -1, 'unsigned as a whole word');
});

Binding('SQLite keys follow the column\'s affinity: INT anywhere is a 64-bit integer, CHAR, CLOB or TEXT text, any other as given', () => {
  for (const type of ['INTEGER', 'int', 'BIGINT', 'UNSIGNED BIG INT', 'INT8', 'POINT', 'CHARINT']) {
    assert.equal(bound(sqlite(type), [42, '42', 'abc', 2n ** 63n - 1n, 2n ** 63n]), [42, 42, undefined, 2n ** 63n - 1n, undefined], type);
  }
  for (const type of ['REAL', 'BLOB', '', 'NUMERIC', 'DATE', 'BOOLEAN']) {
    assert.equal(bound(sqlite(type), [42, 'abc', 2n ** 63n - 1n, 2n ** 63n]), [42, 'abc', 2n ** 63n - 1n, String(2n ** 63n)], type);
  }
});

Binding('uuid columns take uuid text only', () => {
  const uuid = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11';
  for (const bind of [pg('uuid', 'U'), mysql('uuid')]) {
    assert.equal(bound(bind, [uuid, 42, 'abc', `${uuid}0`, uuid.slice(1), `x${uuid}`]), [uuid, undefined, undefined, undefined, undefined, undefined]);
  }
});

Binding('columns the loader binds as given (numeric, decimal, inet…): a bigint beyond 64 bits goes as its text', () => {
  for (const bind of [pg('numeric'), pg('inet', 'I'), mysql('decimal', 'decimal(30,0)'), mysql('year'), binderOf('x', 't', ['id'], undefined)]) {
    assert.equal(bound(bind, [42, 'abc', 2n ** 63n - 1n, -(2n ** 63n), 2n ** 63n, -(2n ** 63n) - 1n]), [42, 'abc', 2n ** 63n - 1n, -(2n ** 63n), String(2n ** 63n), String(-(2n ** 63n) - 1n)]);
  }
  assert.equal([bindable(2n ** 64n), bindable(7n), bindable('x'), bindable(3)], ['18446744073709551616', 7n, 'x', 3]);
});

Binding('a key column whose values the driver returns as no key is refused when the loader is built, saying what it returns', () => {
  const cases: [() => unknown, string][] = [
    [() => pg('timestamptz', 'D', 'timestamp with time zone'), 'of type timestamp with time zone, which the driver returns as a Date'],
    [() => pg('date', 'D'), 'a Date'], [() => pg('timestamp', 'D'), 'a Date'],
    [() => pg('bytea', 'U'), 'a Buffer'], [() => pg('bool', 'B'), 'a boolean'],
    [() => pg('jsonb', 'U'), 'an object'], [() => pg('json', 'U'), 'an object'], [() => pg('interval', 'T'), 'an object'], [() => pg('point', 'G'), 'an object'], [() => pg('circle', 'G'), 'an object'],
    [() => pg('_int4', 'A', 'integer[]'), 'of type integer[], which the driver returns as an array'],
    [() => mysql('datetime'), 'a Date'], [() => mysql('date'), 'a Date'], [() => mysql('timestamp'), 'a Date'],
    [() => mysql('varbinary', 'varbinary(16)'), 'a Buffer'], [() => mysql('binary', 'binary(16)'), 'a Buffer'], [() => mysql('blob'), 'a Buffer'], [() => mysql('longblob'), 'a Buffer'], [() => mysql('bit', 'bit(1)'), 'a Buffer'],
    [() => mysql('json'), 'an object'], [() => mysql('geometry'), 'an object'], [() => mysql('point'), 'an object'], [() => mysql('multipolygon'), 'an object'],
  ];
  for (const [make, says] of cases) {
    const message = refusalOf(make);
    assert.match(message, '[cereal] [x] table `t` has key column `id`', says);
    assert.match(message, says);
    assert.match(message, 'key columns must be integers, text or uuid (load from a view that casts it to text)');
  }
});

Binding('a table the catalog does not have, or without the key column, is refused with what to do', () => {
  assert.is(refusalOf(() => binderOf('x', 't', ['id'], catalogColumns('sqlite', []))), '[cereal] [x] table `t` was not found: create it, or name it as the database does (`schema.table` outside the default schema)');
  assert.is(refusalOf(() => binderOf('drizzle', 'items', ['id'], catalogColumns('sqlite', []), 'check the table object')), '[cereal] [drizzle] table `items` was not found: check the table object');
  assert.is(refusalOf(() => binderOf('x', 't', ['uid'], catalogColumns('sqlite', [{ name: 'id', type: 'INTEGER' }]))), '[cereal] [x] table `t` has no column `uid`: set `primaryKey` to its key column, or columns for a composite key');
});

Binding('column names: exact on PostgreSQL, any case on MySQL and SQLite, which give back the name as spelled', () => {
  const pgColumns = catalogColumns('postgres', [{ name: 'Id', declared: 'integer', type: 'int4', category: 'N', base: 'integer' }]);
  assert.is(pgColumns.get('id'), undefined);
  assert.equal(pgColumns.get('Id'), { name: 'Id', declared: 'integer', key: pgColumns.get('Id')!.key, base: 'integer' });
  assert.is(pgColumns.size, 1);
  const my = catalogColumns('mysql', [{ COLUMN_NAME: 'x', NAME: 'UserId', TYPE: 'INT', DECLARED: 'int(11)', PACKET: '4194304' }]);
  assert.is(my.get('userid')?.name, 'UserId');
  assert.is(my.get('USERID')?.declared, 'int(11)');
  assert.is(my.maxBytes, 4194304);
  assert.is(catalogColumns('sqlite', [{ name: 'Code', type: 'TEXT' }]).get('CODE')?.declared, 'TEXT');
  for (const packet of [0, -1, 'abc', null, 2 ** 60]) {
    assert.is(catalogColumns('mysql', [{ name: 'id', type: 'int', declared: 'int', packet }]).maxBytes, undefined, String(packet));
  }
});

Binding('composite keys: each part bound by its own column; a key of another arity, or one part that can name no row, is never sent', () => {
  const columns = catalogColumns('postgres', [
    { name: 'tenant', declared: 'integer', type: 'int4', category: 'N', base: 'integer' },
    { name: 'code', declared: 'text', type: 'text', category: 'S', base: 'text' },
  ]);
  const bind = binderOf('x', 't', ['tenant', 'code'], columns);
  assert.equal(bound(bind, [[1, 'a'], ['2', 7], [1n, 'b']]), [[1, 'a'], [2, '7'], [1, 'b']]);
  assert.equal(bound(bind, [[1], [1, 'a', 'b'], 1, 'a', ['x', 'a'], [1, 'a\u0000'], [2n ** 40n, 'a']]), [undefined, undefined, undefined, undefined, undefined, undefined, undefined]);
  const single = binderOf('x', 't', ['tenant'], columns);
  assert.is(single([1, 'a']), undefined, 'a composite key for a one-column key');
  const given = binderOf('x', 't', ['a', 'b'], undefined);
  assert.equal(bound(given, [[1, 2n ** 70n], [1], 5]), [[1, String(2n ** 70n)], undefined, undefined]);
});

Binding.run();
