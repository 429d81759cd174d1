import type { Knex } from 'knex';
import { sqlLoader, type SqlLoader } from '@cereal/sql';
import { planOf } from './_plan.js';
import type { TableRow } from './rows.js';

/** Options of {@link knexLoader}. */
export interface KnexLoaderOptions {
  /** The table to load rows from. */
  table: string;
  /**
   * The key column, or the key columns of a composite key in the order refs carry them. Key
   * columns hold integers, text or uuids (on SQLite: any declared type); see {@link KnexLoader.prepare}.
   * @default 'id'
   */
  primaryKey?: string | readonly string[];
  /** Columns to select; the key columns are added when missing. Default: every column. */
  columns?: readonly string[];
  /**
   * Narrows every query with where conditions, e.g. soft deletes (`q => q.whereNull('deleted_at')`)
   * or a tenant. A row outside the scope is missing, exactly like a deleted one. The conditions
   * form one parenthesized group after the key filter (`WHERE id IN (…) AND (a OR b)`), so an
   * `orWhere` never widens what is read. Anything a where group cannot hold (a join, a select,
   * an order, a limit, a lock) is refused with `INVALID_OPTION` when the statement is built,
   * rather than dropped: load from a view for those.
   */
  scope?: (query: Knex.QueryBuilder) => Knex.QueryBuilder | void;
  /**
   * Most keys per statement. Default: as many as the driver's bound-parameter limit allows
   * (SQLite 32766, PostgreSQL and MySQL 65535) divided by the number of key columns, less
   * room for the scope's own parameters; on PostgreSQL at most 2000 composite keys.
   */
  chunkSize?: number;
  /**
   * The column holding the row's version: a time (`updated_at`) or a counter (`lock_version`)
   * that every write moves forward. Refs made from rows are then pinned to it, and decoding
   * with `consistency: 'at-least'` refuses a row older than its ref's pin (`STALE`, retryable);
   * with `knexLoaders({ primary, replica }, …)` such rows are read again from the primary.
   */
  version?: string;
}

/**
 * A Loader over one table, with what it was configured with. `prepare()` reads, once per loader,
 * the key columns' types, so that each key part is bound as its column's type (`42`, `42n` and
 * `'42'` are one key on every database) and a key that cannot exist (`'abc'` for an integer or
 * uuid column) is left out: it is missing, never a failed statement.
 */
export type KnexLoader<Row extends object = Record<string, unknown>> = SqlLoader<Row>;

/**
 * A Loader that fetches fresh rows of one table through Knex: `WHERE key IN (…)` (or
 * `(a, b) IN (…)` for a composite key), chunked under the driver's parameter limit.
 *
 * @param db - a Knex instance, or a transaction (loads then see its uncommitted writes)
 * @param options - see {@link KnexLoaderOptions}
 * @returns a Loader for createSerializer's loader map
 * @example knexLoader(db, { table: 'order_lines', primaryKey: ['order_id', 'line'] })
 */
export function knexLoader<const O extends KnexLoaderOptions>(db: Knex, options: O): KnexLoader<TableRow<O['table']>>;
export function knexLoader<Row extends object>(db: Knex, options: KnexLoaderOptions): KnexLoader<Row>;
export function knexLoader(db: Knex, options: KnexLoaderOptions): KnexLoader<object> {
  const { table, source } = planOf(db, options);
  return sqlLoader(source, table);
}
