import type { Knex } from 'knex';
import { CerealError, type PrimaryKey } from '@cereal/core';
import type { Binder } from './_binding.js';
import { dialectOf, isWide, type Dialect } from './_dialect.js';
import { acquireTimeout, isAcquireTimeout, isBadKey } from './_faults.js';
import { withScope } from './_scope.js';
import { send } from './_send.js';
import type { KnexLoaderOptions } from './loader.js';

/** What a knexLoader's options resolve to: the statement it runs, in chunks of `chunkSize` keys. */
export interface Plan {
  readonly table: string;
  readonly keys: readonly string[];
  readonly columns: readonly string[];
  readonly chunkSize: number;
  readonly dialect: Dialect;
  readonly scope: KnexLoaderOptions['scope'];
}

/** Bound parameters kept free for what `scope` adds to each statement. */
const SCOPE_ROOM = 100;

const invalid = (message: string): CerealError => new CerealError('INVALID_OPTION', `[knex] ${message}`);

/** Checks knexLoader's options and resolves them; anything wrong is `INVALID_OPTION`. */
export function planOf(db: Knex, options: KnexLoaderOptions): Plan {
  if (typeof db !== 'function' || typeof (db as { client?: unknown }).client !== 'object') throw invalid('`db` must be a Knex instance or transaction');
  const { table, scope } = options ?? {};
  if (typeof table !== 'string' || table.length === 0) throw invalid('`table` must be a table name, e.g. knexLoader(db, { table: \'users\' })');
  const keys = keyColumns(options.primaryKey ?? 'id', table);
  const dialect = dialectOf(db);
  const tuples = keys.length > 1 && dialect.maxTuples !== undefined ? dialect.maxTuples : Infinity;
  const max = Math.min(Math.floor(dialect.maxParams / keys.length), tuples);
  const chunkSize = options.chunkSize ?? Math.min(Math.max(1, Math.floor((dialect.maxParams - SCOPE_ROOM) / keys.length)), tuples);
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > max) {
    throw invalid(`\`chunkSize\` of table \`${table}\` must be an integer from 1 to ${max} (${dialect.driver} takes ${dialect.maxParams} parameters per statement, ${keys.length} per key)`);
  }
  if (scope !== undefined && typeof scope !== 'function') throw invalid(`\`scope\` of table \`${table}\` must be a function of the query`);
  const columns = options.columns === undefined ? ['*'] : [...new Set([...options.columns, ...keys])];
  return { table, keys, columns, chunkSize, dialect, scope };
}

function keyColumns(primaryKey: unknown, table: string): string[] {
  const list = typeof primaryKey === 'string' ? [primaryKey] : primaryKey;
  if (!Array.isArray(list) || list.length === 0 || !list.every((c) => typeof c === 'string' && c.length > 0)) {
    throw invalid(`\`primaryKey\` of table \`${table}\` must be a column name or an array of column names`);
  }
  return [...(list as string[])];
}

/**
 * Loads the rows of `requested` keys, each bound as its columns' types (keys that can name no
 * row are never sent), in chunks. Keys beyond 2^53 go in statements of their own, which ask the
 * driver for exact integers; every other row comes back exactly as the driver returns it.
 */
export async function loadKeys(db: Knex, plan: Plan, bind: Binder, requested: readonly PrimaryKey[]): Promise<Record<string, unknown>[]> {
  const plain: PrimaryKey[] = [];
  const wide: PrimaryKey[] = [];
  for (const pk of requested) {
    const bound = bind(pk);
    if (bound !== undefined) (plan.dialect.exact !== undefined && isWide(bound) ? wide : plain).push(bound);
  }
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < plain.length; i += plan.chunkSize) await loadChunk(db, plan, plain.slice(i, i + plan.chunkSize), false, out);
  for (let i = 0; i < wide.length; i += plan.chunkSize) await loadChunk(db, plan, wide.slice(i, i + plan.chunkSize), true, out);
  return out;
}

function statement(db: Knex, plan: Plan, pks: readonly PrimaryKey[], exact: boolean): Knex.QueryBuilder {
  const { table, keys, scope, dialect } = plan;
  let q = db(table).select(plan.columns as string[]);
  // Knex's typings know neither bigint values nor the column-list form of whereIn.
  q = keys.length === 1 ? q.whereIn(keys[0]!, pks as never) : q.whereIn(keys as never, pks as never);
  if (scope !== undefined) q = withScope(q, scope, table);
  return exact && dialect.exact !== undefined ? dialect.exact(q) : q;
}

async function loadChunk(db: Knex, plan: Plan, pks: readonly PrimaryKey[], exact: boolean, out: Record<string, unknown>[]): Promise<void> {
  let rows: Record<string, unknown>[];
  try {
    rows = (await send(db, () => statement(db, plan, pks, exact))) as Record<string, unknown>[];
  } catch (err) {
    if (isAcquireTimeout(err)) throw acquireTimeout(db, plan.table, err);
    if (!isBadKey(err)) throw err;
    throw new CerealError('INVALID_REF', `[knex] table \`${plan.table}\` cannot compare a key of these refs with its key column: ${(err as Error).message.split(' - ').pop()}`, { cause: err });
  }
  for (const row of rows) {
    if (exact) plan.dialect.normalize?.(row);
    out.push(row);
  }
}
