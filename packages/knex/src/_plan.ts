import type { Knex } from 'knex';
import type { PrimaryKey } from '@cereal/core';
import { chunkSizeOf, invalidOption, keyColumns, selectedColumns, tableName, unnestOf, versionColumn, type SqlSource, type SqlTable } from '@cereal/sql';
import { knexDialect, type Exact } from './_dialect.js';
import { identifier } from './_identifier.js';
import { scopeParams, withScope } from './_scope.js';
import { send } from './_send.js';
import { acquireTimeout, isAcquireTimeout } from './_timeout.js';
import type { KnexLoaderOptions } from './loader.js';

type Row = Record<string, unknown>;

/**
 * knexLoader's options checked (anything wrong is `INVALID_OPTION`) and resolved: the table as
 * the shared loader reads it, and the Knex statements it runs.
 */
export function planOf(db: Knex, options: KnexLoaderOptions): { table: SqlTable; source: SqlSource<Row> } {
  if (typeof db !== 'function' || typeof (db as { client?: unknown }).client !== 'object') throw invalidOption('knex', '`db` must be a Knex instance or transaction');
  const { scope } = options ?? {};
  const table = tableName('knex', options?.table, 'knexLoader(db, { table: \'users\' })');
  const keys = keyColumns('knex', table, options.primaryKey ?? 'id');
  const { dialect, exact } = knexDialect(db);
  if (scope !== undefined && typeof scope !== 'function') throw invalidOption('knex', `\`scope\` of table \`${table}\` must be a function of the query`);
  // A scope binding many values (`whereIn('tenant', […])`) takes parameters from the keys.
  const chunkSize = chunkSizeOf('knex', table, dialect, keys.length, options.chunkSize, scopeParams(db, scope, table));
  const version = versionColumn('knex', table, options.version);
  const columns = selectedColumns('knex', table, options.columns, version === undefined ? keys : [...keys, version]) ?? ['*'];
  const resolved: SqlTable = {
    table,
    path: identifier(db, table),
    keys: keys.map((key) => identifier(db, key).at(-1) ?? key),
    fields: keys,
    chunkSize,
    ...(version === undefined ? {} : { version, versionColumn: identifier(db, version).at(-1) ?? version }),
  };
  // PostgreSQL, one key column: `= any($1)` with the keys as one array parameter. PostgreSQL
  // parses and plans `in ($1, …, $10000)` parameter by parameter; one array is a third of the
  // time for 10 000 keys (bench: loaders). The exact path for keys beyond 2^53 keeps `in`.
  // Composite keys: `(a, b) in (select * from unnest(?::integer[], ?::text[]))`, an array per
  // column cast to the column's type from the catalog (see @cereal/sql's unnest.ts).
  const postgres = dialect.family === 'postgres';
  const anyArray = postgres && keys.length === 1;
  const tuple = `(${keys.map(() => '??').join(', ')})`;
  const statement = (pks: readonly PrimaryKey[], exactly: boolean, types: readonly string[] | undefined): Knex.QueryBuilder => {
    let q = db(table).select(columns);
    const unnest = postgres && !exactly ? unnestOf(pks, types) : undefined;
    if (anyArray && !exactly) q = q.whereRaw('?? = any(?)', [keys[0]!, pks as never]);
    else if (unnest !== undefined) {
      q = q.whereRaw(`${tuple} in (select * from unnest(${unnest.types.map((type) => `?::${type}`).join(', ')}))`, [...keys, ...(unnest.columns as never[])]);
    }
    // Knex's typings know neither bigint values nor the column-list form of whereIn.
    else q = keys.length === 1 ? q.whereIn(keys[0]!, pks as never) : q.whereIn(keys as never, pks as never);
    if (scope !== undefined) q = withScope(q, scope, table);
    return exactly && exact !== undefined ? exact.query(q) : q;
  };
  const source: SqlSource<Row> = {
    library: 'knex',
    dialect,
    inTransaction: (db as { isTransaction?: boolean }).isTransaction === true,
    splitsWide: exact !== undefined,
    async catalog({ sql, params }) {
      const result = await send<unknown>(db, () => db.raw(sql, params as Knex.RawBinding[]));
      return rowsOf(result);
    },
    async select(pks, exactly, types) {
      const rows = await send<Row[]>(db, () => statement(pks, exactly, types));
      if (exactly) for (const row of rows) (exact as Exact).normalize?.(row);
      return rows;
    },
    explain: (err) => (isAcquireTimeout(err) ? acquireTimeout(db, table, err) : undefined),
  };
  return { table: resolved, source };
}

/** A raw result's rows: node-postgres gives `{ rows }`, mysql2 `[rows, fields]`, SQLite the rows. */
function rowsOf(result: unknown): Row[] {
  if (Array.isArray(result)) return (Array.isArray(result[0]) ? result[0] : result) as Row[];
  return ((result as { rows?: Row[] }).rows ?? []) as Row[];
}
