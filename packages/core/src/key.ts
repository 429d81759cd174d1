import { CerealError } from './error.js';

/** One part of a primary key. */
export type Key = string | number | bigint;

/** A primary key: one part, or an array of parts (a composite key, in the loader's column order). */
export type PrimaryKey = Key | readonly Key[];

// Composite parts are joined with ','; escaping ',' and '%' keeps every key unambiguous.
const ESCAPE = /[%,]/g;
const escapePart = (s: string): string => s.replace(ESCAPE, (c) => (c === '%' ? '%25' : '%2C'));

/**
 * The canonical text of one key part, or undefined when the part is not a usable key.
 * `42`, `42n` and `'42'` share one canonical form, so a row keyed by a bigint column that a
 * driver returned as a string still matches a ref written with a number.
 */
export function canonicalPart(part: unknown): string | undefined {
  switch (typeof part) {
    case 'string':
      return part.length === 0 || !(part.includes(',') || part.includes('%')) ? part : escapePart(part);
    case 'number':
      return Number.isSafeInteger(part) ? String(part) : undefined;
    case 'bigint':
      return part.toString();
    default:
      return undefined;
  }
}

/** The canonical text of a primary key, or undefined when it is not a usable key. */
export function canonicalKey(pk: unknown): string | undefined {
  if (!Array.isArray(pk)) return canonicalPart(pk);
  if (pk.length < 2) return undefined;
  let out = '';
  for (let i = 0; i < pk.length; i++) {
    const part = canonicalPart(pk[i]);
    if (part === undefined) return undefined;
    out += i === 0 ? part : `,${part}`;
  }
  return out;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const CANONICAL_INT = /^-?(?:0|[1-9]\d{0,15})$/;

/**
 * The identity hydrate matches rows to refs by: a safe integer as a number (no string is built
 * for the common case), any other key as its canonical text. `42`, `42n` and `'42'` give `42`.
 */
export function matchKey(pk: unknown): number | string | undefined {
  if (typeof pk === 'number') return Number.isSafeInteger(pk) ? pk : undefined;
  if (typeof pk === 'string' && CANONICAL_INT.test(pk)) {
    const n = Number(pk);
    if (Number.isSafeInteger(n) && pk !== '-0') return n;
  }
  if (typeof pk === 'bigint' && pk <= MAX_SAFE && pk >= -MAX_SAFE) return Number(pk);
  return canonicalKey(pk);
}

/** Why a primary key is not usable, for error messages. */
export function describeBadKey(pk: unknown): string {
  if (Array.isArray(pk)) {
    if (pk.length < 2) return `a composite key needs at least 2 parts, got ${pk.length}`;
    const bad = pk.findIndex((p) => canonicalPart(p) === undefined);
    return `composite key part ${bad} is ${describeValue(pk[bad])}`;
  }
  return `key is ${describeValue(pk)}`;
}

/** A short description of a value for error messages (never its full content). */
export function describeValue(value: unknown): string {
  if (typeof value === 'number') {
    return Number.isInteger(value)
      ? `${value}, an integer beyond 2^53 (use a bigint or a string)`
      : `${value}, not an integer`;
  }
  if (value === null) return 'null';
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return `of type ${typeof value}`;
}

/** Throws `INVALID_REF` unless `pk` is a usable primary key; returns its canonical text. */
export function assertKey(pk: unknown, what: string): string {
  const key = canonicalKey(pk);
  if (key === undefined) {
    throw new CerealError('INVALID_REF', `${what}: ${describeBadKey(pk)}; a key is a string, a safe integer or a bigint, or an array of 2 or more of those`);
  }
  return key;
}
