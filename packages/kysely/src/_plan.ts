import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { PrimaryKey } from '@cereal/core';
import { chunkSizeOf, EXACT_TEXT, exactAlias, invalidOption, keyColumns, restoreExact, selectedColumns, tableName, templateOf, unnestOf, versionColumn, type SqlSource, type SqlTable } from '@cereal/sql';
import { kyselyDialect } from './_dialect.js';
import { compiledNames } from './_identifier.js';
import { scoped, type Scope } from './_scope.js';
import { send } from './_send.js';
import { connectTimeout, isConnectTimeout } from './_timeout.js';

type Row = Record<string, unknown>;

/** kyselyLoader's options as they arrive at run time, whatever the types said. */
export interface RawOptions {
  table: unknown;
  primaryKey?: unknown;
  columns?: unknown;
  scope?: unknown;
  chunkSize?: unknown;
  version?: unknown;
}

const isKysely = (db: unknown): db is Kysely<any> =>
  typeof db === 'object' && db !== null && typeof (db as Kysely<any>).selectFrom === 'function' && typeof (db as Kysely<any>).getExecutor === 'function';

/**
 * kyselyLoader's options checked (anything wrong is `INVALID_OPTION`) and resolved: the table as
 * the shared loader reads it, and the Kysely statements it runs.
 */
export function planOf(db: Kysely<any>, options: RawOptions): { table: SqlTable; source: SqlSource<Row> } {
  if (!isKysely(db)) throw invalidOption('kysely', '`db` must be a Kysely instance or transaction');
  const table = tableName('kysely', options?.table, 'kyselyLoader(db, { table: \'users\' })');
  const fields = keyColumns('kysely', table, options.primaryKey ?? 'id');
  const executor = db.getExecutor();
  const { dialect, splitsWide } = kyselyDialect(executor.adapter);
  const chunkSize = chunkSizeOf('kysely', table, dialect, fields.length, options.chunkSize);
  const { scope } = options;
  if (scope !== undefined && typeof scope !== 'function') {
    throw invalidOption('kysely', `\`scope\` of table \`${table}\` must be a function of Kysely's expression builder, e.g. (eb) => eb('deleted_at', 'is', null)`);
  }
  const version = versionColumn('kysely', table, options.version);
  const columns = selectedColumns('kysely', table, options.columns, version === undefined ? fields : [...fields, version]);
  // The catalog and the rows the driver returns name columns as the database does; a plugin
  // (CamelCasePlugin) may rename them for the statements and back for the rows.
  const compiled = compiledNames(db, table, version === undefined ? fields : [...fields, version]);
  const names = { path: compiled.path, keys: compiled.keys.slice(0, fields.length) };
  const versionName = version === undefined ? undefined : compiled.keys[fields.length];
  const inTransaction = db.isTransaction;
  const cast = sql.raw(EXACT_TEXT[dialect.family]);
  const anyArray = dialect.family === 'postgres';

  const statement = (pks: readonly PrimaryKey[], exact: boolean, types: readonly string[] | undefined) => {
    const unnest = fields.length > 1 && anyArray && !exact ? unnestOf(pks, types) : undefined;
    const from = db.selectFrom(table);
    let q: SelectQueryBuilder<any, any, Row> = columns === undefined ? from.selectAll() : from.select(columns);
    if (exact) q = q.select((eb) => fields.map((field, i) => sql`cast(${eb.ref(field)} as ${cast})`.as(exactAlias(i))));
    q = q.where((eb) => {
      // PostgreSQL, one key column: the keys as one array parameter, `= any($1)` (see @cereal/knex)
      if (fields.length === 1 && anyArray && !exact) return eb(fields[0]!, '=', sql<unknown>`any(${pks as unknown[]})`);
      if (fields.length === 1) return eb(fields[0]!, 'in', pks as unknown[]);
      const refs = (eb.refTuple as (...refs: string[]) => ReturnType<typeof eb.refTuple>)(...fields);
      // PostgreSQL, composite keys: an array per key column through unnest (see @cereal/sql)
      if (unnest !== undefined) {
        const arrays = sql.join(unnest.columns.map((column, i) => sql`${column}::${sql.raw(unnest.types[i]!)}`));
        return eb(refs, 'in', sql<never>`(select * from unnest(${arrays}))`);
      }
      // refTuple and tuple are typed for two to five parts; they take any number.
      const tuple = eb.tuple as (...parts: unknown[]) => ReturnType<typeof eb.tuple>;
      return eb(refs, 'in', pks.map((pk) => tuple(...(pk as unknown[]))));
    });
    if (scope !== undefined) q = q.where((eb) => scoped(eb, scope as Scope, table));
    return q.compile();
  };

  // On the exact path the key columns come back twice: as the driver reads them, rounded beyond
  // 2^53, and as text, which replaces a value the driver returned as a number.
  const restore = (row: Row): void => restoreExact(row, names.keys);

  const source: SqlSource<Row> = {
    library: 'kysely',
    dialect,
    inTransaction,
    splitsWide,
    catalog(statement) {
      const [strings, params] = templateOf(statement);
      return send(db, sql(strings, ...params).compile(db), { inTransaction, plugins: false });
    },
    select: (pks, exact, types) => send(db, statement(pks, exact, types), { inTransaction, plugins: true, ...(exact ? { restore } : {}) }),
    explain: (err) => (isConnectTimeout(err) ? connectTimeout(dialect, table, err) : undefined),
  };
  return { table: { table, path: names.path, keys: names.keys, fields, chunkSize, ...(version === undefined ? {} : { version, versionColumn: versionName ?? version }) }, source };
}
