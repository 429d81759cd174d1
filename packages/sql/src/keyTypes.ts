/**
 * What a key column's declared type means for the keys sent to it. Keys travel as strings,
 * numbers and bigints, and `42`, `42n` and `'42'` are one key to cereal; databases disagree
 * (MySQL reads `'abc'` as 0, better-sqlite3 sends 42 as the real 42.0, which a text column
 * reads as `'42.0'`), so each part is bound as its column's type before any statement runs.
 */
export type KeyType =
  /** Integers from `min` to `max`; any other part names no row. */
  | { readonly kind: 'integer'; readonly min: bigint; readonly max: bigint }
  /**
   * Every part as text; `nul` is false where the server refuses U+0000 in text. `holds`, where
   * the column's character set cannot hold every character (MySQL's latin1, utf8mb3…), says
   * whether it holds a key's: a key it cannot hold names no row (the server would refuse the
   * whole statement).
   */
  | { readonly kind: 'text'; readonly nul: boolean; readonly holds?: (text: string) => boolean }
  | { readonly kind: 'uuid' }
  /** The driver returns the column's values as `returns` (a Date, a Buffer): never a key. */
  | { readonly kind: 'refused'; readonly returns: string }
  /** Returned as a string or a number (numeric, enum…): parts are bound as given. */
  | { readonly kind: 'given' };

/** A column as the loader sees it: its type as the database spells it, and what that means for keys. */
export interface Column {
  readonly declared: string;
  readonly key: KeyType;
  /**
   * PostgreSQL: the type key parts are cast to in an array parameter (`unnest($1::integer[])`):
   * the column's type without its length, a domain's base type (a cast to the domain would
   * check its constraint, and fail the statement for a key that only names no row).
   */
  readonly base?: string;
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

// MySQL's latin1 is Windows-1252, with its five unassigned bytes as the C1 controls they stand
// for: the characters above U+00FF it holds.
const LATIN1_HIGH = new Set([...'\u0081\u008d\u008f\u0090\u009d€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ'].map((c) => c.codePointAt(0)!));
const holdsLatin1 = (text: string): boolean => {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80 && (c < 0xa0 || c > 0xff) && !LATIN1_HIGH.has(c)) return false;
  }
  return true;
};
// The Basic Multilingual Plane: no surrogate pair (a lone surrogate goes out as U+FFFD, which is held).
const holdsBmp = (text: string): boolean => !/[\ud800-\udbff][\udc00-\udfff]/.test(text);
const holdsAscii = (text: string): boolean => !/[^\u0000-\u007f]/.test(text);

/** What a MySQL character set holds, where it is not all of Unicode; the sets not named here are left to the server (faults.ts). */
const MYSQL_CHARSETS: Record<string, (text: string) => boolean> = {
  latin1: holdsLatin1, ascii: holdsAscii, utf8mb3: holdsBmp, utf8: holdsBmp, ucs2: holdsBmp,
};

/**
 * MySQL and MariaDB: `type` is information_schema's DATA_TYPE, `declared` its COLUMN_TYPE,
 * `charset` its CHARACTER_SET_NAME (text columns).
 */
export function mysqlKeyType(type: string, declared: string, charset = ''): KeyType {
  const bits = MYSQL_INTEGER_BITS[type];
  if (bits !== undefined) return integer(bits, /\bunsigned\b/i.test(declared));
  if (MYSQL_TEXT.test(type)) {
    const holds = MYSQL_CHARSETS[charset.toLowerCase()];
    return holds === undefined ? { kind: 'text', nul: true } : { kind: 'text', nul: true, holds };
  }
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
