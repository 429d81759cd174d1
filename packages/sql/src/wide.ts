import type { PrimaryKey } from '@cereal/core';
import type { SqlFamily } from './dialect.js';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** True when a double holds `v` exactly. */
export const isSafeBigint = (v: bigint): boolean => v <= MAX_SAFE && v >= -MAX_SAFE;

// Text a database may read as an integer: signs, surrounding spaces, a zero fraction.
const NUMERIC_TEXT = /^\s*[-+]?(\d{1,40})(?:\.0*)?\s*$/;

/**
 * True when a key has a part that a double cannot hold exactly: a bigint beyond 2^53, or text
 * the database would read as such an integer (`'9007199254740993'`, `' +9007199254740993.0'`).
 * Such keys are loaded in statements of their own that read the key columns exactly.
 */
export function isWide(pk: PrimaryKey): boolean {
  if (Array.isArray(pk)) return pk.some((part) => isWide(part as PrimaryKey));
  if (typeof pk === 'bigint') return !isSafeBigint(pk);
  if (typeof pk !== 'string' || pk.length < 16) return false;
  const digits = NUMERIC_TEXT.exec(pk)?.[1];
  return digits !== undefined && !isSafeBigint(BigInt(digits));
}

/**
 * For loaders that cannot ask their driver for exact integers per statement (Kysely, Drizzle):
 * a wide-key statement also selects each key column cast to text, as `exactAlias(i)`, and
 * `restoreExact` puts it back in the row as the exact integer. The type to cast to, by family.
 */
export const EXACT_TEXT: Record<SqlFamily, string> = { sqlite: 'text', postgres: 'text', mysql: 'char', other: 'varchar(64)' };

/** The column alias of key part `i`'s exact text in a wide-key statement. */
export const exactAlias = (i: number): string => `__cereal_exact_${i}`;

const INTEGER = /^-?\d{1,40}$/;

/**
 * Moves each key part's exact text (`exactAlias(i)`) into the row's field for it, where the
 * driver read it as a number (a number when a double holds it, else a bigint) or as a bigint
 * (kept a bigint); text stays as it is. The aliases are removed.
 */
export function restoreExact(row: Record<string, unknown>, fields: readonly string[]): void {
  for (let i = 0; i < fields.length; i++) {
    const alias = exactAlias(i);
    if (!(alias in row)) continue;
    const value = row[alias];
    delete row[alias];
    // Only a value read as a double is replaced: text (a text key column, mysql2's
    // supportBigNumbers) is exact already. A bigint may have been made from a double (Drizzle's
    // bigint mode over mysql2): it is replaced too, and stays a bigint.
    const was = row[fields[i]!];
    if (typeof value !== 'string' || !INTEGER.test(value) || (typeof was !== 'number' && typeof was !== 'bigint')) continue;
    const exact = BigInt(value);
    row[fields[i]!] = typeof was === 'bigint' || !isSafeBigint(exact) ? exact : Number(exact);
  }
}
