import type { Knex } from 'knex';
import { CerealError, type Key, type Loader, type PrimaryKey } from '@cereal/core';
import { bindable, dialectOf, isWide } from './_dialect.js';
import { isBadKey, isConnectionLost } from './_faults.js';
import type { KeyCheck } from './_pgKeys.js';

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
   * room for the scope's own parameters; on PostgreSQL at most 2000 composite keys.
   */
  chunkSize?: number;
}

/** A Loader over one table, with what it was configured with. */
export interface KnexLoader<Row extends object = Record<string, unknown>> extends Loader<Row> {
  readonly table: string;
  readonly primaryKey: readonly string[];
  readonly arity: number;
  readonly chunkSize: number;
  /**
   * Reads, once, what the loader must know about the table before loading: on PostgreSQL the
   * key columns' types, so that a key that cannot exist (`'abc'` for a uuid column) is left out
   * instead of failing the statement. `load` calls it; call it at startup to keep that read
   * out of the first job.
   */
  prepare(): Promise<void>;
}

const needsBinding = (pk: PrimaryKey): boolean => (Array.isArray(pk) ? pk.some((part) => bindable(part) !== part) : bindable(pk) !== pk);

/** Bound parameters kept free for what `scope` adds to each statement. */
const SCOPE_ROOM = 100;
/** Times a statement is sent again after its connection was lost (see _faults.ts). */
const RETRIES = 2;

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
  const tuples = arity > 1 && dialect.maxTuples !== undefined ? dialect.maxTuples : Infinity;
  const max = Math.min(Math.floor(dialect.maxParams / arity), tuples);
  const chunkSize = options.chunkSize ?? Math.min(Math.max(1, Math.floor((dialect.maxParams - SCOPE_ROOM) / arity)), tuples);
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
    const bound = pks.some(needsBinding) ? pks.map((pk) => (Array.isArray(pk) ? pk.map(bindable) : bindable(pk))) : pks;
    // Knex's typings know neither bigint values nor the column-list form of whereIn.
    q = arity === 1 ? q.whereIn(single, bound as never) : q.whereIn(keys as never, bound as never);
    if (scope !== undefined) q = scope(q) ?? q;
    return exact && dialect.exact !== undefined ? dialect.exact(q) : q;
  };

  // Outside a transaction, a statement that failed because its connection had been closed is
  // sent again: the pool hands out a fresh connection. Inside one, the connection is the
  // transaction, so the failure stands (LOAD_FAILED, retryable by the caller).
  const retries = (db as { isTransaction?: boolean }).isTransaction === true ? 0 : RETRIES;
  const run = async (pks: readonly PrimaryKey[], exact: boolean): Promise<Record<string, unknown>[]> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return (await query(pks, exact)) as Record<string, unknown>[];
      } catch (err) {
        if (isBadKey(err)) {
          throw new CerealError('INVALID_REF', `[knex] table \`${table}\` cannot compare a key of these refs with its key column: ${(err as Error).message.split(' - ').pop()}`, { cause: err });
        }
        if (attempt >= retries || !isConnectionLost(err)) throw err;
      }
    }
  };

  const loadChunk = async (pks: readonly PrimaryKey[], exact: boolean, out: Row[]): Promise<void> => {
    const rows = await run(pks, exact);
    for (const row of rows) {
      if (exact) dialect.normalize?.(row);
      out.push(row as Row);
    }
  };

  const keyCheck = (): Promise<KeyCheck | undefined> => dialect.keyCheck?.(db, table, keys) ?? Promise.resolve(undefined);

  return {
    table,
    primaryKey: keys,
    arity,
    chunkSize,
    async prepare() {
      await keyCheck();
    },
    async load(requested) {
      const check = await keyCheck();
      const pks = check === undefined ? requested : requested.filter(check);
      // Keys beyond 2^53 go in statements of their own, which ask the driver for exact
      // integers; every other row comes back exactly as the driver returns it.
      let plain = pks;
      const wide: PrimaryKey[] = [];
      if (dialect.exact !== undefined && pks.some(isWide)) {
        plain = [];
        for (const pk of pks) (isWide(pk) ? wide : (plain as PrimaryKey[])).push(pk);
      }
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
