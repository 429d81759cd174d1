import { CerealError, describe } from './error.js';

/**
 * A row's version, as a loader reads it from its version column: a counter (`lock_version`,
 * a number within ±(2^53 − 1) or a bigint), a time (`updated_at`, a Date), or text that sorts in time order (an
 * ISO-8601 timestamp as SQLite keeps one). A ref made from a row carries the version it had:
 * the ref is *pinned*, and a reader asking for `consistency: 'at-least'` refuses an older row.
 */
export type Version = number | bigint | string | Date;

/** The longest text version, in UTF-16 code units (a timestamp is about 30). */
const MAX_VERSION_LENGTH = 1024;
/** Integer versions lie strictly between -2^128 and 2^128, as key parts do. */
const MAX_VERSION_BIGINT = 2n ** 128n;

/**
 * @param version - anything
 * @returns a description of why it is not a usable version, or undefined when it is one
 */
export function badVersion(version: unknown): string | undefined {
  switch (typeof version) {
    case 'number':
      if (!Number.isFinite(version)) return `${version}, not a finite number`;
      // beyond 2^53 a double may have been rounded, and formats that read integers exactly
      // (YAML) would read it back as another number: a bigint says such a version exactly
      return Math.abs(version) <= Number.MAX_SAFE_INTEGER ? undefined : `${version}, a number beyond 2^53 (use a bigint)`;
    case 'bigint':
      return version < MAX_VERSION_BIGINT && version > -MAX_VERSION_BIGINT ? undefined : 'a bigint beyond 2^128';
    case 'string':
      return version.length <= MAX_VERSION_LENGTH ? undefined : `a string of ${version.length} characters, longer than ${MAX_VERSION_LENGTH}`;
    case 'object':
      if (version instanceof Date) return Number.isNaN(version.getTime()) ? 'an Invalid Date' : undefined;
      return version === null ? 'null' : 'an object';
    default:
      return `of type ${typeof version}`;
  }
}

/** Throws `INVALID_REF` unless `version` is a usable version. */
export function checkVersion(version: unknown, what: string): asserts version is Version {
  const bad = badVersion(version);
  if (bad !== undefined) {
    throw new CerealError('INVALID_REF', `${what}: the version is ${bad}; a version is a finite number, a bigint, a string (at most ${MAX_VERSION_LENGTH} characters) or a valid Date`);
  }
}

/** The kind of a version, for comparing: counters with counters, times with times, text with text. */
function kindOf(version: Version): 'number' | 'time' | 'text' {
  return typeof version === 'string' ? 'text' : version instanceof Date ? 'time' : 'number';
}

/**
 * Orders two versions of one row.
 *
 * @returns a negative number when `a` is older than `b`, 0 when they are the same, a positive
 *   number when `a` is newer; undefined when they cannot be compared (a Date and a counter)
 */
export function compareVersions(a: Version, b: Version): number | undefined {
  const kind = kindOf(a);
  if (kind !== kindOf(b)) return undefined;
  if (kind === 'time') return finite((a as Date).getTime() - (b as Date).getTime());
  if (kind === 'text') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'number' && typeof b === 'number') return finite(a - b);
  // a bigint and a number, or two bigints: exact when both are integers
  const x = typeof a === 'bigint' ? a : Number.isInteger(a) ? BigInt(a as number) : undefined;
  const y = typeof b === 'bigint' ? b : Number.isInteger(b) ? BigInt(b as number) : undefined;
  if (x === undefined || y === undefined) return finite(Number(a) - Number(b));
  return x < y ? -1 : x > y ? 1 : 0;
}

/** NaN (a NaN or an Invalid Date on either side) orders nothing: undefined. */
const finite = (order: number): number | undefined => (Number.isNaN(order) ? undefined : order);

/** A version for a message: `7`, `2026-11-27T01:02:03.456Z`. */
export function describeVersion(version: unknown): string {
  return version instanceof Date && !Number.isNaN(version.getTime()) ? version.toISOString() : describe(version, 64);
}
