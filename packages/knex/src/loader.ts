import type { Knex } from 'knex';
import { CerealError, type Key, type Loader, type PrimaryKey } from '@cereal/core';
import { binderFor, type Binder } from './_binding.js';
import { dialectOf, isWide } from './_dialect.js';
import { isBadKey } from './_faults.js';
import { withScope } from './_scope.js';
import { send } from './_send.js';

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
}

/** A Loader over one table, with what it was configured with. */
export interface KnexLoader<Row extends object = Record<string, unknown>> extends Loader<Row> {
  readonly table: string;
  readonly primaryKey: readonly string[];
  readonly arity: number;
  readonly chunkSize: number;
  /**
   * Reads, once per table and Knex config, the key columns' types, so that each key part is
   * bound as its column's type (`42`, `42n` and `'42'` are one key on every database) and a key
   * that cannot exist (`'abc'` for an integer or uuid column) is left out: it is missing, never
   * a failed statement. `load` calls it; call it at startup to keep that read out of the first job.
   * @throws CerealError `INVALID_OPTION` when the table is not found, lacks a key column, or has
   *   a key column the driver returns as a Date or a Buffer (date, timestamp, binary types)
   */
  prepare(): Promise<void>;
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
    // Knex's typings know neither bigint values nor the column-list form of whereIn.
    q = arity === 1 ? q.whereIn(single, pks as never) : q.whereIn(keys as never, pks as never);
    if (scope !== undefined) q = withScope(q, scope, table);
    return exact && dialect.exact !== undefined ? dialect.exact(q) : q;
  };

  const loadChunk = async (pks: readonly PrimaryKey[], exact: boolean, out: Row[]): Promise<void> => {
    let rows: Record<string, unknown>[];
    try {
      rows = (await send(db, () => query(pks, exact))) as Record<string, unknown>[];
    } catch (err) {
      if (!isBadKey(err)) throw err;
      throw new CerealError('INVALID_REF', `[knex] table \`${table}\` cannot compare a key of these refs with its key column: ${(err as Error).message.split(' - ').pop()}`, { cause: err });
    }
    for (const row of rows) {
      if (exact) dialect.normalize?.(row);
      out.push(row as Row);
    }
  };

  let ready: Promise<Binder> | undefined;
  const binder = (): Promise<Binder> => (ready ??= binderFor(db, table, keys, dialect.columns).catch((err: unknown) => {
    ready = undefined; // read again next time: the table may be created, the server back
    throw err;
  }));

  return {
    table,
    primaryKey: keys,
    arity,
    chunkSize,
    async prepare() {
      await binder();
    },
    async load(requested) {
      const bind = await binder();
      // Keys beyond 2^53 go in statements of their own, which ask the driver for exact
      // integers; every other row comes back exactly as the driver returns it.
      const plain: PrimaryKey[] = [];
      const wide: PrimaryKey[] = [];
      for (const pk of requested) {
        const bound = bind(pk);
        if (bound !== undefined) (dialect.exact !== undefined && isWide(bound) ? wide : plain).push(bound);
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
