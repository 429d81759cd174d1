import type { Key } from '@cereal/core';
import { isSafeBigint } from '@cereal/sql';

/**
 * A key part as a Prisma field type takes it, or undefined when no value of that type equals it.
 * The shared loader binds each part as its column's type; Prisma then checks it against the
 * field's type and refuses the whole query for one part of the wrong JavaScript type (an `Int`
 * field takes numbers only: a bigint or `'42'` is a validation error, not a miss). The part is
 * converted here, or left out: such a key is missing, like any key no row has.
 */
export type FieldValue = (part: Key) => unknown;

const INTEGER = /^-?\d{1,40}$/;
// What Prisma's Decimal takes as text: decimal notation with an optional exponent.
// One way only to match each string (`\d+\.?\d*` split a run of digits every way: quadratic).
const DECIMAL = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;

/**
 * `Int`: a JavaScript number. Prisma cannot read an Int beyond 2^53 exactly (it fails the read,
 * P2023), so such a key names no row it could return.
 */
function int(part: Key): number | undefined {
  if (typeof part === 'number') return Number.isSafeInteger(part) ? part : undefined;
  if (typeof part === 'bigint') return isSafeBigint(part) ? Number(part) : undefined;
  if (!INTEGER.test(part)) return undefined;
  const n = Number(part);
  return Number.isSafeInteger(n) && String(n) === part ? n : undefined;
}

/** `BigInt`: a bigint; Prisma reads BigInt fields exactly, as bigints. */
function bigint(part: Key): bigint | undefined {
  if (typeof part === 'bigint') return part;
  if (typeof part === 'number') return Number.isSafeInteger(part) ? BigInt(part) : undefined;
  return INTEGER.test(part) ? BigInt(part) : undefined;
}

const text = (part: Key): string => (typeof part === 'string' ? part : String(part));

const decimal = (part: Key): string | number | undefined => (typeof part === 'number' ? part : typeof part === 'bigint' ? String(part) : DECIMAL.test(part) ? part : undefined);

const BY_TYPE: Record<string, FieldValue> = { Int: int, BigInt: bigint, String: text, Decimal: decimal };

/** The key field types a loader takes, in messages. */
export const KEY_TYPES = Object.keys(BY_TYPE);

/** What Prisma returns for other field types, in messages: never a key. */
export const RETURNS: Readonly<Record<string, string>> = { DateTime: 'a Date', Bytes: 'a Uint8Array', Boolean: 'a boolean', Json: 'a JSON value', Float: 'a floating-point number' };

/** How key parts are converted for a scalar field of `type`, or undefined for a type no key field may have. */
export function fieldValue(type: string, kind: string): FieldValue | undefined {
  return kind === 'scalar' && Object.hasOwn(BY_TYPE, type) ? BY_TYPE[type] : undefined; // own: never `toString` of Object.prototype
}

/**
 * A Decimal key read back as text: Prisma returns Decimal fields as Decimal objects, which are
 * no key; their plain notation (`toFixed()`, never an exponent) is.
 */
export function decimalKey(value: unknown): unknown {
  return value !== null && typeof value === 'object' && typeof (value as { toFixed?: unknown }).toFixed === 'function' ? (value as { toFixed(): string }).toFixed() : value;
}
