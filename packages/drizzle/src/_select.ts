import { inArray, sql, type Column, type SQL, type Table } from 'drizzle-orm';
import type { PrimaryKey } from '@cereal/core';
import { EXACT_TEXT, exactAlias, unnestOf, type SqlFamily } from '@cereal/sql';
import type { Field } from './_table.js';

type Row = Record<string, unknown>;

/** A select of Drizzle's query builder, as the loader runs it (any dialect). */
export interface Query extends PromiseLike<Row[]> {
  toSQL(): { sql: string; params: unknown[] };
  /** Drizzle 0.44 on: `false` keeps the statement out of the database's query cache. */
  $withCache?(config: false): Query;
}

/** The part of a Drizzle database the loader selects with, whatever its dialect. */
interface Selecting {
  select(fields: Record<string, unknown>): { from(table: Table): { where(where: SQL | undefined): Query } };
}

/** One select: which table and fields, with what key filter and scope. */
export interface SelectPlan {
  readonly family: SqlFamily;
  readonly table: Table;
  /** The fields to select (field name → column), the key fields among them. */
  readonly selected: Readonly<Record<string, Column>>;
  readonly keys: readonly Field[];
  readonly scope: SQL | undefined;
}

/**
 * `(a, b) IN ((?, ?), …)`, each part bound through its column as Drizzle binds values (its
 * `mapToDriverValue`). SQLite takes a list of row values only as a VALUES clause or a subquery.
 */
function tupleIn(plan: SelectPlan, pks: readonly PrimaryKey[], types: readonly string[] | undefined): SQL {
  const columns = plan.keys.map((key) => key.column);
  // PostgreSQL: an array per key column through unnest, each part mapped as Drizzle maps a value
  // of its column (see @cereal/sql's unnest.ts)
  const unnest = plan.family === 'postgres' ? unnestOf(pks, types) : undefined;
  if (unnest !== undefined) {
    const arrays = unnest.columns.map((parts, i) => sql`${sql.param(parts.map((part) => columns[i]!.mapToDriverValue(part)))}::${sql.raw(unnest.types[i]!)}`);
    return sql`(${sql.join(columns, sql`, `)}) in (select * from unnest(${sql.join(arrays, sql`, `)}))`;
  }
  const tuples = sql.join(pks.map((pk) => sql`(${sql.join((pk as unknown[]).map((part, i) => sql.param(part, columns[i])), sql`, `)})`), sql`, `);
  return sql`(${sql.join(columns, sql`, `)}) in ${plan.family === 'sqlite' ? sql`(values ${tuples})` : sql`(${tuples})`}`;
}

/**
 * One key column: on PostgreSQL `= any($1)`, the keys as one array parameter, each mapped as
 * Drizzle maps a value of the column (PostgreSQL plans `in ($1, …, $10000)` parameter by
 * parameter: see @cereal/knex); elsewhere `in (…)`.
 */
function oneKey(plan: SelectPlan, pks: readonly PrimaryKey[]): SQL {
  const { column } = plan.keys[0]!;
  if (plan.family !== 'postgres') return inArray(column, pks as unknown[]);
  const driverValues = pks.map((pk) => column.mapToDriverValue(pk));
  return sql`${column} = any(${sql.param(driverValues)})`;
}

/**
 * The where clause: the key filter, then the scope as one parenthesized group, `… IN (…) and (a or b)`.
 * @param types - the key columns' types to cast keys to (PostgreSQL's unnest), from the catalog
 */
export function whereOf(plan: SelectPlan, pks: readonly PrimaryKey[], types?: readonly string[]): SQL {
  const keys = plan.keys.length === 1 ? oneKey(plan, pks) : tupleIn(plan, pks, types);
  return plan.scope === undefined ? keys : sql`${keys} and (${plan.scope})`;
}

/**
 * The select of one chunk of keys, built with Drizzle's query builder so that rows come back
 * mapped exactly as `db.select().from(table)` maps them. With `exact`, each key column Drizzle
 * maps to a number (which rounds integers beyond 2^53, whatever the driver) is also selected as
 * text, as `exactAlias(i)`, for `restoreExact`. It never reads from Drizzle's query cache (the
 * `cache` option of `drizzle()`, which may cache every select): a loader's rows are fresh.
 */
export function selectOf(db: unknown, plan: SelectPlan, pks: readonly PrimaryKey[], exact: boolean, types?: readonly string[]): Query {
  let fields: Record<string, unknown> = plan.selected;
  if (exact) {
    fields = { ...fields };
    plan.keys.forEach(({ column }, i) => {
      if (roundsWide(column.dataType, plan.family)) fields[exactAlias(i)] = sql`cast(${column} as ${sql.raw(EXACT_TEXT[plan.family])})`;
    });
  }
  const query = (db as Selecting).select(fields).from(plan.table).where(whereOf(plan, pks, exact ? undefined : types));
  return typeof query.$withCache === 'function' ? query.$withCache(false) : query;
}

/** True when the driver reads a key column of this Drizzle data type as a double (exact only to 2^53). */
export function roundsWide(dataType: string, family: string): boolean {
  return dataType === 'number' || (dataType === 'bigint' && family === 'mysql');
}
