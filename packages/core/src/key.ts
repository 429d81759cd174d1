import { types } from 'node:util';
import { CerealError } from './error.js';

/** One part of a primary key. */
export type Key = string | number | bigint;

/** A primary key: one part, or an array of parts (a composite key, in the loader's column order). */
export type PrimaryKey = Key | readonly Key[];

/** The longest string key part, in UTF-16 code units: longer keys are `INVALID_REF`. */
export const MAX_KEY_LENGTH = 1024;
/** Bigint key parts must lie strictly between -2^128 and 2^128. */
const MAX_KEY_BIGINT = 2n ** 128n;

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
      if (part.length > MAX_KEY_LENGTH) return undefined;
      return !(part.includes(',') || part.includes('%')) ? part : escapePart(part);
    case 'number':
      return Number.isSafeInteger(part) ? String(part) : undefined;
    case 'bigint':
      return part < MAX_KEY_BIGINT && part > -MAX_KEY_BIGINT ? part.toString() : undefined;
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

const CANONICAL_INT = /^-?(?:0|[1-9]\d{0,15})$/;

/**
 * The identity hydrate matches rows to refs by: a safe integer as a number (no string is built
 * for the common case), any other key as its canonical text. `42`, `42n` and `'42'` give `42`.
 */
export function matchKey(pk: unknown): number | string | undefined {
  if (typeof pk === 'number') return Number.isSafeInteger(pk) ? pk : undefined;
  const text = canonicalKey(pk);
  return text === undefined ? undefined : idOfText(text);
}

/** The matchKey identity of a key's canonical text: the number when it is a safe integer. */
export function idOfText(text: string): number | string {
  if (CANONICAL_INT.test(text) && text !== '-0') {
    const n = Number(text);
    if (Number.isSafeInteger(n)) return n;
  }
  return text;
}

/**
 * True for a key made only of strings, numbers and bigints that is still unusable (an integer a
 * driver rounded beyond 2^53, a string too long): no ref can name it, so its row matches nothing.
 */
export function isKeyShaped(pk: unknown): boolean {
  const part = (p: unknown): boolean => typeof p === 'string' || typeof p === 'number' || typeof p === 'bigint';
  return Array.isArray(pk) ? pk.length >= 2 && pk.every(part) : part(pk);
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
  if (typeof value === 'string' && value.length > MAX_KEY_LENGTH) return `a string of ${value.length} characters, longer than ${MAX_KEY_LENGTH}`;
  if (typeof value === 'bigint') return 'a bigint beyond 2^128';
  if (typeof value === 'number') {
    return Number.isInteger(value)
      ? `${value}, an integer beyond 2^53 (use a bigint or a string)`
      : `${value}, not an integer`;
  }
  if (value === null) return 'null';
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : describeObject(value);
  return `of type ${typeof value}`;
}

/**
 * `a Date`, `a Buffer`, `an instance of Decimal`: what a driver put where a key was expected.
 * Built-in types are told by what they are (not by a name an object could claim); plain objects,
 * from this realm or another, are `an object`.
 */
function describeObject(value: object): string {
  try {
    // first: even Buffer.isBuffer (an instanceof) would run a Proxy's getPrototypeOf trap
    if (types.isProxy(value)) return 'an object';
    if (types.isDate(value)) return 'a Date';
    if (Buffer.isBuffer(value)) return 'a Buffer';
    if (types.isTypedArray(value)) return 'a typed array';
    if (types.isMap(value)) return 'a Map';
    if (types.isSet(value)) return 'a Set';
    if (types.isRegExp(value)) return 'a RegExp';
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto === null || proto === Object.prototype) return 'an object';
    const name: unknown = Object.getOwnPropertyDescriptor(proto, 'constructor')?.value?.name;
    if (typeof name === 'string' && name !== 'Object' && /^[A-Za-z_$][\w$]{0,40}$/.test(name)) return `an instance of ${name}`;
  } catch {
    // an object whose prototype is a Proxy with traps that throw: described as any object
  }
  return 'an object';
}

/** Throws `INVALID_REF` unless `pk` is a usable primary key; returns its canonical text. */
export function assertKey(pk: unknown, what: string): string {
  const key = canonicalKey(pk);
  if (key === undefined) {
    throw new CerealError('INVALID_REF', `${what}: ${describeBadKey(pk)}; a key is a string (at most ${MAX_KEY_LENGTH} characters), a safe integer or a bigint (below 2^128), or an array of 2 or more of those`);
  }
  return key;
}
