import { CerealError } from '@cereal/core';
import type { SqlDialect } from './dialect.js';

/** Bound parameters kept free for what a loader's `scope` adds to each statement. */
export const SCOPE_ROOM = 100;

/** An `INVALID_OPTION` from the loader package `library`. */
export const invalidOption = (library: string, message: string): CerealError => new CerealError('INVALID_OPTION', `[${library}] ${message}`);

/** `primaryKey` as a list of distinct column names; anything else is `INVALID_OPTION`. */
export function keyColumns(library: string, table: string, primaryKey: unknown): string[] {
  const list = typeof primaryKey === 'string' ? [primaryKey] : primaryKey;
  if (!Array.isArray(list) || list.length === 0 || !list.every((c) => typeof c === 'string' && c.length > 0)) {
    throw invalidOption(library, `\`primaryKey\` of table \`${table}\` must be a column name or an array of column names`);
  }
  const twice = (list as string[]).find((c, i) => list.indexOf(c) !== i);
  if (twice !== undefined) throw invalidOption(library, `\`primaryKey\` of table \`${table}\` names column \`${twice}\` twice: name each key column once`);
  return [...(list as string[])];
}

/**
 * The keys per statement: `requested`, checked, or as many as the driver's bound-parameter limit
 * allows for a key of `arity` columns, less SCOPE_ROOM (or less what the scope binds, `scoped`,
 * when that is more), and at most the dialect's `maxTuples` for a composite key.
 *
 * @param scoped - the parameters the loader's scope binds in each statement, where the loader
 *   can count them
 * @throws CerealError `INVALID_OPTION` for a requested size that is no integer from 1 to the
 *   most, or that leaves the scope's parameters no room
 */
export function chunkSizeOf(library: string, table: string, dialect: SqlDialect, arity: number, requested: unknown, scoped = 0): number {
  const tuples = arity > 1 && dialect.maxTuples !== undefined ? dialect.maxTuples : Infinity;
  const max = Math.min(Math.floor(dialect.maxParams / arity), tuples);
  const fits = Math.floor((dialect.maxParams - scoped) / arity);
  const size = requested ?? Math.min(Math.max(1, Math.floor((dialect.maxParams - Math.max(SCOPE_ROOM, scoped)) / arity)), tuples);
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > max) {
    throw invalidOption(library, `\`chunkSize\` of table \`${table}\` must be an integer from 1 to ${max} (${dialect.driver} takes ${dialect.maxParams} parameters per statement, ${arity} per key)`);
  }
  if (size > fits) {
    throw invalidOption(library, `\`chunkSize\` of table \`${table}\` must be at most ${Math.max(fits, 0)}: \`scope\` binds ${scoped} parameters, and ${dialect.driver} takes ${dialect.maxParams} per statement, ${arity} per key`);
  }
  return size;
}

/** `version` checked: undefined, or a column name. */
export function versionColumn(library: string, table: string, version: unknown): string | undefined {
  if (version === undefined) return undefined;
  if (typeof version !== 'string' || version.length === 0) throw invalidOption(library, `\`version\` of table \`${table}\` must be a column name, e.g. 'updated_at'`);
  return version;
}

/** `columns` with the key columns (and the version column) added, or undefined for every column. */
export function selectedColumns(library: string, table: string, columns: unknown, keys: readonly string[]): string[] | undefined {
  if (columns === undefined) return undefined;
  if (!Array.isArray(columns) || !columns.every((c) => typeof c === 'string' && c.length > 0)) {
    throw invalidOption(library, `\`columns\` of table \`${table}\` must be an array of column names`);
  }
  return [...new Set([...(columns as string[]), ...keys])];
}

/** `table` checked: a non-empty name. */
export function tableName(library: string, table: unknown, example: string): string {
  if (typeof table !== 'string' || table.length === 0) throw invalidOption(library, `\`table\` must be a table name, e.g. ${example}`);
  return table;
}
