import type { Kysely } from 'kysely';
import { sqlLoader, type SqlLoader } from '@cereal/sql';
import { planOf } from './_plan.js';
import type { ColumnName, DatabaseOf, KeyColumns, KeyRequired, ScopeOf, TableName, TableRow } from './rows.js';

/** Options of {@link kyselyLoader}, for table `T` of the Kysely's database `DB`. */
export interface KyselyLoaderOptions<DB = any, T extends TableName<DB> = TableName<DB>> {
  /** The table to load rows from: a table of the Kysely's database interface. */
  table: T;
  /**
   * The key column, or the key columns of a composite key in the order refs carry them. Key
   * columns hold integers, text or uuids (on SQLite: any declared type); see {@link KyselyLoader.prepare}.
   * @default 'id'
   */
  primaryKey?: KeyColumns<DB, T>;
  /** Columns to select; the key columns are added when missing. Default: every column. */
  columns?: readonly ColumnName<DB, T>[];
  /**
   * Narrows every query with a where condition built with Kysely's expression builder, e.g. soft
   * deletes (`(eb) => eb('deleted_at', 'is', null)`) or a tenant. A row outside the scope is
   * missing, exactly like a deleted one. The condition is one parenthesized group after the key
   * filter (`WHERE id IN (…) AND (a OR b)`), so an `or` never widens what is read, raw
   * `` sql`a or b` `` included.
   */
  scope?: ScopeOf<DB, T>;
  /**
   * Most keys per statement. Default: as many as the driver's bound-parameter limit allows
   * (SQLite 32766, PostgreSQL and MySQL 65535) divided by the number of key columns, less
   * room for the scope's own parameters; on PostgreSQL at most 2000 composite keys.
   */
  chunkSize?: number;
  /**
   * The column holding the row's version: a time (`updated_at`) or a counter (`lock_version`)
   * that every write moves forward. It is selected even when `columns` leaves it out. Refs made
   * from rows are then pinned to it, and decoding with `consistency: 'at-least'` refuses a row
   * older than its ref's pin (`STALE`, retryable); with `kyselyLoaders({ primary, replica }, …)`
   * such rows are read again from the primary.
   */
  version?: ColumnName<DB, T>;
}

/**
 * A Loader over one table, with what it was configured with. `prepare()` reads, once per loader,
 * the key columns' types, so that each key part is bound as its column's type (`42`, `42n` and
 * `'42'` are one key on every database) and a key that cannot exist (`'abc'` for an integer or
 * uuid column) is left out: it is missing, never a failed statement.
 */
export type KyselyLoader<Row extends object = Record<string, unknown>> = SqlLoader<Row>;

/**
 * A Loader that fetches fresh rows of one table through Kysely: `WHERE key IN (…)` (or
 * `(a, b) IN (…)` for a composite key), chunked under the driver's parameter limit. Rows are
 * typed from the Kysely's database interface: `Selectable<DB[table]>`.
 *
 * @param db - a Kysely instance, or a transaction (loads then see its uncommitted writes)
 * @param options - see {@link KyselyLoaderOptions}
 * @returns a Loader for createSerializer's loader map
 * @example kyselyLoader(db, { table: 'order_lines', primaryKey: ['order_id', 'line'] })
 */
export function kyselyLoader<
  D extends Kysely<any>,
  T extends TableName<DatabaseOf<D>>,
  const K extends KeyColumns<DatabaseOf<D>, T> = never,
  const C extends readonly ColumnName<DatabaseOf<D>, T>[] | undefined = undefined,
  const V extends ColumnName<DatabaseOf<D>, T> = never,
>(
  db: D,
  options: KyselyLoaderOptions<DatabaseOf<D>, T> & { primaryKey?: K; columns?: C; version?: V } & KeyRequired<DatabaseOf<D>, T>,
): KyselyLoader<TableRow<DatabaseOf<D>, T, [K] extends [never] ? 'id' : K, C, V>> {
  const { table, source } = planOf(db, options);
  return sqlLoader(source, table) as KyselyLoader<TableRow<DatabaseOf<D>, T, [K] extends [never] ? 'id' : K, C, V>>;
}
