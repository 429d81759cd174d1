/**
 * What a key column's declared type means for the keys sent to it. Keys travel as strings,
 * numbers and bigints, and `42`, `42n` and `'42'` are one key to cereal; databases disagree
 * (MySQL reads `'abc'` as 0, better-sqlite3 sends 42 as the real 42.0, which a text column
 * reads as `'42.0'`), so each part is bound as its column's type before any statement runs.
 */
export type KeyType =
  /** Integers from `min` to `max`; any other part names no row. */
  | { readonly kind: 'integer'; readonly min: bigint; readonly max: bigint }
  /** Every part as text; `nul` is false where the server refuses U+0000 in text. */
  | { readonly kind: 'text'; readonly nul: boolean }
  | { readonly kind: 'uuid' }
  /** The driver returns the column's values as `returns` (a Date, a Buffer): never a key. */
  | { readonly kind: 'refused'; readonly returns: string }
  /** Returned as a string or a number (numeric, enum…): parts are bound as given. */
  | { readonly kind: 'given' };

/** A column as the loader sees it: its type as the database spells it, and what that means for keys. */
export interface Column {
  readonly declared: string;
  readonly key: KeyType;
}

const GIVEN: KeyType = { kind: 'given' };

function integer(bits: number, unsigned = false): KeyType {
  const size = 2n ** BigInt(bits);
  return unsigned ? { kind: 'integer', min: 0n, max: size - 1n } : { kind: 'integer', min: -size / 2n, max: size / 2n - 1n };
}

const refused = (returns: string): KeyType => ({ kind: 'refused', returns });
const DATE = refused('a Date');
const BUFFER = refused('a Buffer');
const OBJECT = refused('an object');

// node-postgres' default parsers, by type name (a domain counts as its base type).
const PG: Record<string, KeyType> = {
  int2: integer(16), int4: integer(32), int8: integer(64),
  text: { kind: 'text', nul: false }, varchar: { kind: 'text', nul: false }, bpchar: { kind: 'text', nul: false },
  name: { kind: 'text', nul: false }, citext: { kind: 'text', nul: false },
  uuid: { kind: 'uuid' },
  date: DATE, timestamp: DATE, timestamptz: DATE, bytea: BUFFER, bool: refused('a boolean'),
  json: OBJECT, jsonb: OBJECT, interval: OBJECT, point: OBJECT, circle: OBJECT,
};

/** PostgreSQL: `type` is pg_type.typname, `category` its typcategory (`A` for arrays). */
export function pgKeyType(type: string, category: string): KeyType {
  if (category === 'A') return refused('an array');
  return PG[type] ?? GIVEN;
}

// mysql2's defaults (dates as Date objects, binary strings and BIT as Buffers), by DATA_TYPE.
const MYSQL_INTEGER_BITS: Record<string, number> = { tinyint: 8, smallint: 16, mediumint: 24, int: 32, integer: 32, bigint: 64 };
const MYSQL: Record<string, KeyType> = {
  uuid: { kind: 'uuid' },
  date: DATE, datetime: DATE, timestamp: DATE,
  json: OBJECT, geometry: OBJECT, point: OBJECT, linestring: OBJECT, polygon: OBJECT,
  multipoint: OBJECT, multilinestring: OBJECT, multipolygon: OBJECT, geometrycollection: OBJECT,
};
const MYSQL_TEXT = /^(?:var)?char$|text$|^enum$|^set$/;
const MYSQL_BINARY = /binary$|blob$|^bit$/;

/** MySQL and MariaDB: `type` is information_schema's DATA_TYPE, `declared` its COLUMN_TYPE. */
export function mysqlKeyType(type: string, declared: string): KeyType {
  const bits = MYSQL_INTEGER_BITS[type];
  if (bits !== undefined) return integer(bits, /\bunsigned\b/i.test(declared));
  if (MYSQL_TEXT.test(type)) return { kind: 'text', nul: true };
  if (MYSQL_BINARY.test(type)) return BUFFER;
  return MYSQL[type] ?? GIVEN;
}

/**
 * SQLite: the column's affinity, by SQLite's own rules on the declared type (INT anywhere in
 * it: integer; CHAR, CLOB or TEXT: text). Other affinities compare numbers as numbers: as given.
 */
export function sqliteKeyType(declared: string): KeyType {
  const upper = declared.toUpperCase();
  if (upper.includes('INT')) return integer(64);
  if (/CHAR|CLOB|TEXT/.test(upper)) return { kind: 'text', nul: true };
  return GIVEN;
}
