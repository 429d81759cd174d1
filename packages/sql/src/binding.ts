import { CerealError, type Key, type PrimaryKey } from '@cereal/core';
import type { Columns } from './catalog.js';
import type { KeyType } from './keyTypes.js';

/** A key as its columns' types take it, or undefined when it can name no row (it is then never sent). */
export type Binder = (pk: PrimaryKey) => PrimaryKey | undefined;

type PartBinder = (part: Key) => Key | undefined;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const INT64 = 2n ** 63n;
// The one spelling of an integer: `'042'`, `'+1'`, `' 1'`, `'1e3'` would be read as a number by
// some databases and not by others, and are other keys than 1 to cereal in any case.
const CANONICAL_INT = /^-?(?:0|[1-9]\d{0,39})$/;
// With braces on both sides or on neither: PostgreSQL refuses one brace (`{a0ee…` fails the
// whole statement), where such a key simply names no row.
const UUID = /^(?=\{.*\}$|[^{}]*$)\{?[0-9a-f]{8}-?(?:[0-9a-f]{4}-?){3}[0-9a-f]{12}\}?$/i;

/**
 * A key part a driver can bind, for columns whose type the loader does not know: a bigint
 * outside 64 bits as its decimal text (no integer column holds it; drivers fail on it, where
 * text simply matches nothing).
 */
export function bindable(part: Key): Key {
  return typeof part === 'bigint' && (part >= INT64 || part < -INT64) ? part.toString() : part;
}

function integerPart(min: bigint, max: bigint): PartBinder {
  return (part) => {
    let n: number | bigint = part as number | bigint;
    if (typeof part === 'string') {
      if (!CANONICAL_INT.test(part) || part === '-0') return undefined;
      n = part.length < 16 ? Number(part) : BigInt(part);
    }
    if (n < min || n > max) return undefined;
    return typeof n === 'bigint' && n <= MAX_SAFE && n >= -MAX_SAFE ? Number(n) : n;
  };
}

function partBinder(type: KeyType): PartBinder {
  switch (type.kind) {
    case 'integer':
      return integerPart(type.min, type.max);
    case 'text': {
      const { holds } = type;
      return (part) => {
        const text = typeof part !== 'string' ? String(part) : type.nul || !part.includes('\u0000') ? part : undefined;
        return text === undefined || (holds !== undefined && !holds(text)) ? undefined : text;
      };
    }
    case 'uuid':
      return (part) => (typeof part === 'string' && UUID.test(part) ? part : undefined);
    default:
      return bindable;
  }
}

function keyBinder(parts: readonly PartBinder[]): Binder {
  if (parts.length === 1) {
    const only = parts[0]!;
    return (pk) => (Array.isArray(pk) ? undefined : only(pk as Key));
  }
  return (pk) => {
    if (!Array.isArray(pk) || pk.length !== parts.length) return undefined;
    const out: Key[] = [];
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!(pk[i] as Key);
      if (part === undefined) return undefined;
      out.push(part);
    }
    return out;
  };
}

/** What to do about a table the catalog does not have, where the loader names tables itself. */
const NOT_FOUND = 'create it, or name it as the database does (`schema.table` outside the default schema)';

/**
 * How a loader binds keys for the key columns `keys` of `table`: by the columns' types in the
 * database's catalog, or as given where the loader cannot read the catalog (`columns` undefined).
 *
 * @param library - the loader's package, in messages: `knex`, `kysely`, `drizzle`
 * @param notFound - what to do about a table that is not found, in the message
 * @throws CerealError `INVALID_OPTION` when the table is not found, lacks a key column, or has
 *   a key column whose values the driver returns as something that is not a key (a Date, a
 *   Buffer): every load of it would fail, and a retry would too
 */
export function binderOf(library: string, table: string, keys: readonly string[], columns: Columns | undefined, notFound = NOT_FOUND): Binder {
  if (columns === undefined) return keyBinder(keys.map(() => bindable));
  if (columns.size === 0) {
    throw new CerealError('INVALID_OPTION', `[${library}] table \`${table}\` was not found: ${notFound}`);
  }
  return keyBinder(keys.map((key) => {
    const column = columns.get(key);
    if (column === undefined) {
      throw new CerealError('INVALID_OPTION', `[${library}] table \`${table}\` has no column \`${key}\`: set \`primaryKey\` to its key column, or columns for a composite key`);
    }
    if (column.key.kind === 'refused') {
      throw new CerealError('INVALID_OPTION', `[${library}] table \`${table}\` has key column \`${key}\` of type ${column.declared}, which the driver returns as ${column.key.returns}, never a key: key columns must be integers, text or uuid (load from a view that casts it to text)`);
    }
    return partBinder(column.key);
  }));
}
