/**
 * The options every SQL loader package checks alike, and each driver's statement limits: the
 * messages are what a user reads when a loader map is written wrong.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { throws } from '@cereal/testkit';
import { chunkSizeOf, dialectOf, keyColumns, selectedColumns, tableName, versionColumn, SCOPE_ROOM } from '../src/index.js';

const Options = suite('loader options');

const refusalOf = (fn: () => unknown): string => throws(fn, 'INVALID_OPTION').message;

Options('each driver\'s family and parameter limit; an unknown driver gets a conservative one', () => {
  const drivers = ['better-sqlite3', 'sqlite3', 'pg', 'mysql2', 'mysql', 'mssql', 'oracledb'];
  assert.equal(drivers.map((d) => { const { family, driver, maxParams } = dialectOf(d); return [family, driver, maxParams]; }), [
    ['sqlite', 'better-sqlite3', 32766], ['sqlite', 'sqlite3', 999], ['postgres', 'pg', 65535], ['mysql', 'mysql2', 65535],
    ['mysql', 'mysql', 65535], ['other', 'mssql', 2100], ['other', 'oracledb', 999],
  ]);
  // the default chunk fills the limit less the room kept for a scope: one statement per chunk is the point
  assert.equal(drivers.map((d) => chunkSizeOf('x', 't', dialectOf(d), 1, undefined)), [32666, 899, 65435, 65435, 65435, 2000, 899]);
  assert.is(SCOPE_ROOM, 100);
});

Options('composite keys: the limit shared among the key\'s columns, and PostgreSQL\'s cap on pairs', () => {
  assert.is(chunkSizeOf('x', 't', dialectOf('mysql2'), 2, undefined), 32717);
  assert.is(chunkSizeOf('x', 't', dialectOf('mysql2'), 3, undefined), 21811);
  assert.is(chunkSizeOf('x', 't', dialectOf('pg'), 3, undefined), 2000);
  assert.is(chunkSizeOf('x', 't', dialectOf('pg'), 2, 2000), 2000);
  assert.is(refusalOf(() => chunkSizeOf('x', 't', dialectOf('pg'), 2, 2001)), '[cereal] [x] `chunkSize` of table `t` must be an integer from 1 to 2000 (pg takes 65535 parameters per statement, 2 per key)');
  assert.is(chunkSizeOf('x', 't', dialectOf('pg'), 1, 65535), 65535, 'one column on PostgreSQL is not capped by the pairs limit');
  assert.is(chunkSizeOf('x', 't', dialectOf('sqlite3'), 950, undefined), 1, 'at least one key per statement, though the scope\'s room is then shared');
});

Options('chunkSize: an integer from 1 to the most, and room for what the scope binds', () => {
  assert.is(chunkSizeOf('x', 't', dialectOf('better-sqlite3'), 1, 1), 1);
  assert.is(chunkSizeOf('x', 't', dialectOf('better-sqlite3'), 1, 32766), 32766);
  assert.is(refusalOf(() => chunkSizeOf('knex', 'users', dialectOf('better-sqlite3'), 1, 32767)), '[cereal] [knex] `chunkSize` of table `users` must be an integer from 1 to 32766 (better-sqlite3 takes 32766 parameters per statement, 1 per key)');
  for (const bad of [0, -1, 2.5, '100', Infinity, Number.NaN]) assert.match(refusalOf(() => chunkSizeOf('x', 't', dialectOf('pg'), 1, bad)), 'must be an integer from 1 to 65535', String(bad));
  assert.is(chunkSizeOf('x', 't', dialectOf('pg'), 2, 100, 65335), 100);
  assert.is(refusalOf(() => chunkSizeOf('x', 't', dialectOf('pg'), 2, 101, 65335)), '[cereal] [x] `chunkSize` of table `t` must be at most 100: `scope` binds 65335 parameters, and pg takes 65535 per statement, 2 per key');
  assert.match(refusalOf(() => chunkSizeOf('x', 't', dialectOf('pg'), 1, 1, 70_000)), 'must be at most 0: `scope` binds 70000 parameters');
});

Options('primaryKey, version, columns and table: what each must be, said with the table\'s name', () => {
  assert.is(refusalOf(() => keyColumns('knex', 'users', 5)), '[cereal] [knex] `primaryKey` of table `users` must be a column name or an array of column names');
  assert.is(refusalOf(() => keyColumns('knex', 'users', '')), '[cereal] [knex] `primaryKey` of table `users` must be a column name or an array of column names');
  assert.is(refusalOf(() => keyColumns('knex', 'users', ['a', 'b', 'a'])), '[cereal] [knex] `primaryKey` of table `users` names column `a` twice: name each key column once');
  const list = ['a', 'b'];
  const columns = keyColumns('knex', 'users', list);
  columns.push('c');
  assert.equal(list, ['a', 'b'], 'a copy: the caller\'s array is not shared');
  assert.is(versionColumn('x', 't', undefined), undefined);
  assert.is(versionColumn('x', 't', 'updated_at'), 'updated_at');
  for (const bad of ['', 5, null, ['v']]) assert.is(refusalOf(() => versionColumn('x', 't', bad)), "[cereal] [x] `version` of table `t` must be a column name, e.g. 'updated_at'", String(bad));
  assert.equal(selectedColumns('x', 't', ['id', 'name', 'id'], ['id']), ['id', 'name']);
  assert.equal(selectedColumns('x', 't', [], ['id']), ['id']);
  for (const bad of ['name', [''], [1], null]) assert.is(refusalOf(() => selectedColumns('x', 't', bad, ['id'])), '[cereal] [x] `columns` of table `t` must be an array of column names', JSON.stringify(bad));
  assert.is(tableName('x', 'users', "'users'"), 'users');
  for (const bad of ['', undefined, 5]) assert.is(refusalOf(() => tableName('kysely', bad, "'users'")), "[cereal] [kysely] `table` must be a table name, e.g. 'users'", String(bad));
});

Options.run();
