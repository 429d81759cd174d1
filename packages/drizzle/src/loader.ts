import { sqlLoader, type SqlLoader } from '@cereal/sql';
import { planOf } from './_plan.js';
import type { DrizzleDatabase, DrizzleLoaderOptions, LoadedRow, TableFor } from './rows.js';

/**
 * A Loader over one Drizzle table, with what it was configured with. `prepare()` reads, once per
 * loader, the key columns' types from the database's catalog, so that each key part is bound as
 * its column's type (`42`, `42n` and `'42'` are one key on every database) and a key that cannot
 * exist (`'abc'` for an integer or uuid column) is left out: it is missing, never a failed
 * statement. `primaryKey` holds the key's field names, as `keyOf` reads them from rows.
 */
export type DrizzleLoader<Row extends object = Record<string, unknown>> = SqlLoader<Row>;

/**
 * A Loader that fetches fresh rows of one Drizzle table: `WHERE key IN (…)` (or `(a, b) IN (…)`
 * for a composite key), chunked under the driver's parameter limit, built with Drizzle's query
 * builder, so rows come back exactly as `db.select().from(table)` returns them.
 *
 * @param db - a Drizzle database of drizzle-orm/better-sqlite3, node-postgres or mysql2, or a
 *   transaction of one (loads then see its uncommitted writes)
 * @param table - a table of the database's dialect
 * @param options - see {@link DrizzleLoaderOptions}; the key defaults to the table's primary key
 * @returns a Loader for createSerializer's loader map, of the table's `$inferSelect` rows
 * @example drizzleLoader(db, lines, { primaryKey: [lines.orderId, lines.line], scope: isNull(lines.deletedAt) })
 */
export function drizzleLoader<Db extends DrizzleDatabase, T extends TableFor<Db>, const O extends DrizzleLoaderOptions<T> = {}>(db: Db, table: T, options?: O): DrizzleLoader<LoadedRow<T, O>>;
export function drizzleLoader(db: DrizzleDatabase, table: TableFor<DrizzleDatabase>, options?: DrizzleLoaderOptions): DrizzleLoader<object> {
  const { table: resolved, source } = planOf(db, table, options);
  return sqlLoader(source, resolved);
}
