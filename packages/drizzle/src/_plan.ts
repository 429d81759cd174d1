import { Column, SQL, sql } from 'drizzle-orm';
import { is } from './_is.js';
import { chunkSizeOf, invalidOption, restoreExact, SCOPE_ROOM, templateOf, type SqlDialect, type SqlSource, type SqlTable } from '@cereal/sql';
import { driverOf } from './_driver.js';
import { transactionGuard } from './_ended.js';
import { fieldsOf, keyFieldsOf, mapsTo } from './_fields.js';
import { roundsWide, selectOf, type SelectPlan } from './_select.js';
import { send } from './_send.js';
import { tableInfo, type Field, type TableInfo } from './_table.js';
import { connectTimeout } from './_timeout.js';
import type { DrizzleLoaderOptions } from './rows.js';

type Row = Record<string, unknown>;

/**
 * The parameters `scope` binds, counted in the statement Drizzle builds from it.
 * @throws CerealError `INVALID_OPTION` when Drizzle cannot build it
 */
function scopeParams(db: unknown, plan: SelectPlan, label: string): number {
  if (plan.scope === undefined) return 0;
  try {
    const q = (db as { select(): { from(t: unknown): { where(w: SQL): { toSQL(): { params: unknown[] } } } } }).select().from(plan.table);
    return q.where(sql`(${plan.scope})`).toSQL().params.length;
  } catch (err) {
    throw invalidOption('drizzle', `\`scope\` of table \`${label}\` does not build: ${(err as Error).message}`);
  }
}

/**
 * The keys per statement: `chunkSizeOf`'s, with what the scope binds besides the keys counted.
 * A scope binding more than the room kept for it shrinks the default chunk, and a `chunkSize`
 * that leaves it no room is refused: no statement exceeds the driver's parameter limit.
 */
function chunkSize(db: unknown, plan: SelectPlan, label: string, dialect: SqlDialect, requested: unknown): number {
  const arity = plan.keys.length;
  const scoped = scopeParams(db, plan, label);
  const fits = Math.floor((dialect.maxParams - scoped) / arity);
  const tuples = arity > 1 && dialect.maxTuples !== undefined ? dialect.maxTuples : fits;
  const size = chunkSizeOf('drizzle', label, dialect, arity, requested ?? (scoped > SCOPE_ROOM ? Math.max(1, Math.min(fits, tuples)) : undefined));
  if (size > fits) {
    throw invalidOption('drizzle', `\`chunkSize\` of table \`${label}\` must be at most ${Math.max(fits, 0)}: \`scope\` binds ${scoped} parameters, and ${dialect.driver} takes ${dialect.maxParams} per statement, ${arity} per key`);
  }
  return size;
}

/** What Drizzle maps a version column to must be a version: a number, a bigint, text or a Date. */
const VERSION_TYPES = new Set(['number', 'bigint', 'string', 'date', 'custom']);

/**
 * The version field: undefined, or a field name or column of the table that Drizzle maps to a version.
 * @throws CerealError `INVALID_OPTION` otherwise
 */
function versionFieldOf(info: TableInfo, version: unknown): Field | undefined {
  if (version === undefined) return undefined;
  if (typeof version !== 'string' && !is(version, Column)) {
    throw invalidOption('drizzle', `\`version\` of table \`${info.label}\` must be a field name or column, e.g. 'updatedAt' or users.updatedAt`);
  }
  const field = fieldsOf(info, [version], 'version')[0]!;
  if (!VERSION_TYPES.has(field.column.dataType)) {
    throw invalidOption('drizzle', `\`version\` of table \`${info.label}\` is field \`${field.field}\` of type ${field.column.getSQLType()}, which Drizzle maps to ${mapsTo(field.column.dataType)}: a version is a time, a counter or text`);
  }
  return field;
}

/**
 * drizzleLoader's options checked (anything wrong is `INVALID_OPTION`) and resolved: the table as
 * the shared loader reads it, and the Drizzle statements it runs.
 */
export function planOf(db: unknown, table: unknown, options: DrizzleLoaderOptions | undefined): { table: SqlTable; source: SqlSource<Row> } {
  const { dialect, inTransaction, rows } = driverOf(db);
  const info = tableInfo(db, table, dialect.family, dialect.driver);
  if (options !== undefined && (options === null || typeof options !== 'object')) throw invalidOption('drizzle', `the options of table \`${info.label}\` must be an object: { primaryKey, columns, scope, chunkSize, version }`);
  const { primaryKey, columns, scope } = options ?? {};
  const keys = keyFieldsOf(info, primaryKey);
  if (scope !== undefined && !is(scope, SQL)) throw invalidOption('drizzle', `\`scope\` of table \`${info.label}\` must be a Drizzle condition (a \`SQL\`), e.g. \`isNull(users.deletedAt)\``);
  const version = versionFieldOf(info, options?.version);
  const chosen = columns === undefined ? [...info.fields.values()] : [...new Set([...fieldsOf(info, columns, 'columns'), ...keys, ...(version === undefined ? [] : [version])])];
  const selected: Record<string, Column> = Object.fromEntries(chosen.map((f) => [f.field, f.column]));
  const plan: SelectPlan = { family: dialect.family, table: table as SelectPlan['table'], selected, keys, scope };
  const fields = keys.map((key) => key.field);
  const resolved: SqlTable = {
    table: info.label,
    path: info.path,
    keys: keys.map((key) => key.name),
    fields,
    chunkSize: chunkSize(db, plan, info.label, dialect, options?.chunkSize),
    // The row property: rows come back by field name (`updatedAt`), whatever the column's name;
    // prepare() finds the column by its name in the database (`updated_at`).
    ...(version === undefined ? {} : { version: version.field, versionColumn: version.name }),
  };
  const client = (db as { $client?: unknown }).$client;
  const open = inTransaction ? transactionGuard(db, info.label) : () => {};
  const source: SqlSource<Row> = {
    library: 'drizzle',
    dialect,
    inTransaction,
    // Drizzle maps a number-mode key column (integer, bigint `{ mode: 'number' }`) to a double on
    // every driver, and mysql2 reads BIGINT as a double before Drizzle makes a bigint-mode value
    // of it (`BigInt(2 ** 62)`: the neighbour's key); keys beyond 2^53 get statements that also
    // read those columns as text.
    splitsWide: keys.some((key) => roundsWide(key.column.dataType, dialect.family)),
    catalog: async (statement) => {
      open();
      const [strings, params] = templateOf(statement);
      return send(() => rows(sql(strings, ...params)));
    },
    async select(pks, exact, types) {
      open();
      const out = await send(() => selectOf(db, plan, pks, exact, types));
      if (exact) for (const row of out) restoreExact(row, fields);
      return out;
    },
    explain: (err) => connectTimeout(dialect.driver, client, info.label, err),
  };
  return { table: resolved, source };
}
