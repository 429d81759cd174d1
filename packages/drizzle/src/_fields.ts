import { Column } from 'drizzle-orm';
import { is } from './_is.js';
import { describe } from '@cereal/core/format';
import { invalidOption } from '@cereal/sql';
import type { Field, TableInfo } from './_table.js';

/** What Drizzle maps a key column to must be a key: a number, a bigint or a string (or a custom type's own mapping). */
const KEY_TYPES = new Set(['number', 'bigint', 'string', 'custom']);

const A: Record<string, string> = { date: 'a Date', boolean: 'a boolean', buffer: 'a Buffer', json: 'an object (json mode)', array: 'an array' };

/** What Drizzle maps a column of `dataType` to, in words: `a Date`, `an object (json mode)`. */
export const mapsTo = (dataType: string): string => A[dataType] ?? `a ${dataType}`;

/**
 * `entries` (field names or the table's columns) as the table's fields, in order.
 * @param option - the option they come from, in messages: `primaryKey`, `columns`
 * @throws CerealError `INVALID_OPTION` for an entry that is no field or column of the table
 */
export function fieldsOf(info: TableInfo, entries: unknown, option: string): Field[] {
  const single = option === 'primaryKey' && (typeof entries === 'string' || is(entries, Column));
  const list = single ? [entries] : entries;
  if (!Array.isArray(list) || (option === 'primaryKey' && list.length === 0)) {
    throw invalidOption('drizzle', `\`${option}\` of table \`${info.label}\` must be ${option === 'primaryKey' ? 'a field name or column, or an array of them' : 'an array of field names or columns'}`);
  }
  return list.map((entry: unknown) => {
    const found = typeof entry === 'string'
      ? info.fields.get(entry)
      : is(entry, Column) ? [...info.fields.values()].find((f) => f.column === entry) : undefined;
    if (found !== undefined) return found;
    const what = typeof entry === 'string' ? `\`${entry}\`` : is(entry, Column) ? `column \`${entry.name}\` of another table` : describe(entry, 40); // never String(): an object without a prototype has no toString
    throw invalidOption('drizzle', `table \`${info.label}\` has no field ${what} (\`${option}\`): its fields are ${[...info.fields.keys()].join(', ')}`);
  });
}

/**
 * The key: `primaryKey` when given, else the table definition's primary key. Each key column
 * must map to a key (a column Drizzle maps to a Date or a boolean never names a row by a ref).
 * @throws CerealError `INVALID_OPTION` when there is no key, or a key column maps to something else
 */
export function keyFieldsOf(info: TableInfo, primaryKey: unknown): readonly Field[] {
  const keys = primaryKey === undefined ? info.definedKey : fieldsOf(info, primaryKey, 'primaryKey');
  if (keys === undefined) {
    throw invalidOption('drizzle', `table \`${info.label}\` declares no primary key in its Drizzle definition: set \`primaryKey\` to its key field, or fields for a composite key`);
  }
  if (new Set(keys).size !== keys.length) throw invalidOption('drizzle', `\`primaryKey\` of table \`${info.label}\` names a field twice`);
  for (const { field, column } of keys) {
    if (!KEY_TYPES.has(column.dataType)) {
      throw invalidOption('drizzle', `table \`${info.label}\` has key column \`${field}\` of type ${column.getSQLType()}, which Drizzle maps to ${mapsTo(column.dataType)}, never a key: key columns must be integers, text or uuid`);
    }
  }
  return keys;
}
