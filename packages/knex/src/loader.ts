import type { Knex } from 'knex';
import { CerealError, type Key, type Loader, type PrimaryKey } from '@cereal/core';
import { dialectOf, isWide } from './_dialect.js';

/** Options of {@link knexLoader}. */
export interface KnexLoaderOptions {
  /** The table to load rows from. */
  table: string;
  /**
   * The key column, or the key columns of a composite key in the order refs carry them.
   * @default 'id'
   */
  primaryKey?: string | readonly string[];
  /** Columns to select; the key columns are added when missing. Default: every column. */
  columns?: readonly string[];
  /**
   * Narrows every query, e.g. soft deletes (`q => q.whereNull('deleted_at')`) or a tenant.
   * A row outside the scope is missing, exactly like a deleted one.
   */
  scope?: (query: Knex.QueryBuilder) => Knex.QueryBuilder | void;
  /**
   * Most keys per statement. Default: as many as the driver's bound-parameter limit allows
   * (SQLite 32766, PostgreSQL and MySQL 65535) divided by the number of key columns, less
   * room for the scope's own parameters.
   */
  chunkSize?: number;
}

/** A Loader over one table, with what it was configured with. */
export interface KnexLoader<Row extends object = Record<string, unknown>> extends Loader<Row> {
  readonly table: string;
  readonly primaryKey: readonly string[];
  readonly arity: number;
  readonly chunkSize: number;
}

/** Bound parameters kept free for what `scope` adds to each statement. */
const SCOPE_ROOM = 100;

/**
 * A Loader that fetches fresh rows of one table through Knex: `WHERE key IN (…)` (or
 * `(a, b) IN (…)` for a composite key), chunked under the driver's parameter limit.
 *
 * @param db - a Knex instance, or a transaction (loads then see its uncommitted writes)
 * @param options - see {@link KnexLoaderOptions}
 * @returns a Loader for createSerializer's loader map
 * @example knexLoader(db, { table: 'order_lines', primaryKey: ['order_id', 'line'] })
 */
export function knexLoader<Row extends object = Record<string, unknown>>(db: Knex, options: KnexLoaderOptions): KnexLoader<Row> {
  if (typeof db !== 'function' || typeof (db as { client?: unknown }).client !== 'object') {
    throw new CerealError('INVALID_OPTION', '[knex] `db` must be a Knex instance or transaction');
  }
  const { table, scope } = options ?? {};
  if (typeof table !== 'string' || table.length === 0) {
    throw new CerealError('INVALID_OPTION', '[knex] `table` must be a table name, e.g. knexLoader(db, { table: \'users\' })');
  }
  const keys = keyColumns(options.primaryKey ?? 'id', table);
  const arity = keys.length;
  const dialect = dialectOf(db);
  const max = Math.floor(dialect.maxParams / arity);
  const chunkSize = options.chunkSize ?? Math.max(1, Math.floor((dialect.maxParams - SCOPE_ROOM) / arity));
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > max) {
    throw new CerealError('INVALID_OPTION', `[knex] \`chunkSize\` of table \`${table}\` must be an integer from 1 to ${max} (${dialect.driver} takes ${dialect.maxParams} parameters per statement, ${arity} per key)`);
  }
  if (scope !== undefined && typeof scope !== 'function') {
    throw new CerealError('INVALID_OPTION', `[knex] \`scope\` of table \`${table}\` must be a function of the query`);
  }
  const columns = options.columns === undefined ? ['*'] : [...new Set([...options.columns, ...keys])];
  const single = keys[0]!;

  const query = (pks: readonly PrimaryKey[], exact: boolean): Knex.QueryBuilder => {
    let q = db(table).select(columns);
    // Knex's typings know neither bigint values nor the column-list form of whereIn.
    q = arity === 1 ? q.whereIn(single, pks as never) : q.whereIn(keys as never, pks as never);
    if (scope !== undefined) q = scope(q) ?? q;
    return exact && dialect.exact !== undefined ? dialect.exact(q) : q;
  };

  const loadChunk = async (pks: readonly PrimaryKey[], exact: boolean, out: Row[]): Promise<void> => {
    const rows = (await query(pks, exact)) as Record<string, unknown>[];
    for (const row of rows) {
      if (exact) dialect.normalize?.(row, keys);
      out.push(row as Row);
    }
  };

  return {
    table,
    primaryKey: keys,
    arity,
    chunkSize,
    async load(pks) {
      // Keys beyond 2^53 go in statements of their own, which ask the driver for exact
      // integers; every other row comes back exactly as the driver returns it.
      const wide = dialect.exact === undefined ? [] : pks.filter(isWide);
      const plain = wide.length === 0 ? pks : pks.filter((pk) => !isWide(pk));
      const out: Row[] = [];
      for (let i = 0; i < plain.length; i += chunkSize) await loadChunk(plain.slice(i, i + chunkSize), false, out);
      for (let i = 0; i < wide.length; i += chunkSize) await loadChunk(wide.slice(i, i + chunkSize), true, out);
      return out;
    },
    keyOf: arity === 1
      ? (row) => (row as Record<string, unknown>)[single] as Key
      : (row) => keys.map((column) => (row as Record<string, unknown>)[column]) as Key[],
  };
}

function keyColumns(primaryKey: unknown, table: string): string[] {
  const list = typeof primaryKey === 'string' ? [primaryKey] : primaryKey;
  if (!Array.isArray(list) || list.length === 0 || !list.every((c) => typeof c === 'string' && c.length > 0)) {
    throw new CerealError('INVALID_OPTION', `[knex] \`primaryKey\` of table \`${table}\` must be a column name or an array of column names`);
  }
  return [...(list as string[])];
}
