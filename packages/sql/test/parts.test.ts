import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CerealError } from '@cereal/core';
import { catalogStatement, isBadKey, isConnectionLost, chunkSizeOf, dialectOf, exactAlias, isWide, keyColumns, nameParts, restoreExact, selectedColumns, templateOf } from '../src/index.js';

const Parts = suite('@cereal/sql parts');

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof CerealError ? err.code : 'not a CerealError';
  }
};

Parts('chunkSizeOf fills the parameter limit less the scope room, caps composite keys on PostgreSQL, and checks a requested size', () => {
  assert.is(chunkSizeOf('x', 't', dialectOf('better-sqlite3'), 1, undefined), 32666);
  assert.is(chunkSizeOf('x', 't', dialectOf('better-sqlite3'), 2, undefined), 16333);
  assert.is(chunkSizeOf('x', 't', dialectOf('pg'), 2, undefined), 2000);
  assert.is(chunkSizeOf('x', 't', dialectOf('mysql2'), 1, 500), 500);
  for (const bad of [0, 1.5, 65536, '10', NaN]) assert.is(code(() => chunkSizeOf('x', 't', dialectOf('mysql2'), 1, bad)), 'INVALID_OPTION', String(bad));
});

Parts('keyColumns and selectedColumns check their options', () => {
  assert.equal(keyColumns('x', 't', 'id'), ['id']);
  assert.equal(keyColumns('x', 't', ['a', 'b']), ['a', 'b']);
  for (const bad of [[], [''], [1], 5, null]) assert.is(code(() => keyColumns('x', 't', bad)), 'INVALID_OPTION');
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

Parts.run();
