import { CerealError } from '@cereal/core';
import { AMQP } from './wording.js';

// Checks the option checkers of consume and publish share.

/**
 * @throws CerealError `INVALID_OPTION` naming the first key of `value` not in `keys`
 */
export function onlyKeys(name: string, value: object, keys: readonly string[], hint: (key: string) => string = () => ''): void {
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) {
      throw new CerealError('INVALID_OPTION', `[${AMQP.label}] unknown option \`${key.slice(0, 64)}\` in ${name}${hint(key)}; known: ${keys.join(', ')}`);
    }
  }
}

/** The deepest nesting of objects and arrays a field table may have (a cycle is deeper than any). */
export const MAX_TABLE_DEPTH = 100;

/** The most values a field table may hold in all (an object shared many times over counts each time). */
const MAX_TABLE_VALUES = 100_000;

/** The longest key of a field table: a shortstr. */
const MAX_KEY_BYTES = 255;

/**
 * A value amqplib encodes as the type it names, `{ '!': type, value }`: the two it decodes from
 * the wire itself (`decimal`, `timestamp`), so that a delivered message's headers can be copied.
 * Any other object with a `!` of its own would be sent as whatever type it names, with whatever
 * value (`{ '!': 'double', value: 'abc' }` makes RabbitMQ close the connection): refused.
 */
function typedValue(v: object): boolean {
  const keys = Object.keys(v);
  if (keys.length !== 2 || !keys.includes('!') || !keys.includes('value')) return false;
  const { '!': type, value } = v as { '!': unknown; value: unknown };
  if (type === 'timestamp') return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
  if (type !== 'decimal' || value === null || typeof value !== 'object') return false;
  const { places, digits } = value as { places?: unknown; digits?: unknown };
  return Object.keys(value).length === 2 && Number.isInteger(places) && (places as number) >= 0 && (places as number) <= 255
    && Number.isInteger(digits) && (digits as number) >= 0 && (digits as number) <= 0xffff_ffff;
}

/**
 * What is wrong with `value` as a value of an AMQP field table (the caller checks that a table is
 * a plain object), or undefined when amqplib can send it as it is in at most `maxBytes`:
 * - `shape`: not strings, finite numbers, booleans, null, Buffers, arrays and plain objects of
 *   them, at most {@link MAX_TABLE_DEPTH} deep and {@link MAX_TABLE_VALUES} values; or a BigInt,
 *   symbol, function, cycle, an instance of a class (a `Date`, a `Map`: amqplib would send an
 *   empty table), a key over 255 bytes, or an object with a `!` of its own that is not a
 *   timestamp or decimal as amqplib decodes them;
 * - `size`: its encoding, counted as amqplib writes it, is longer than `maxBytes`.
 *
 * Walked without recursion, so no nesting overflows the stack; the count stops past `maxBytes`,
 * so megabytes of Buffers or strings cost one pass at most, never a copy. A getter or Proxy that
 * throws is not caught here: its error is thrown.
 */
export function tableProblem(value: unknown, maxBytes = Infinity): 'shape' | 'size' | undefined {
  const stack: Array<[unknown, number]> = [[value, 0]];
  let count = 1;
  let bytes = -1; // a table sent as headers or arguments has no type tag of its own
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    bytes += 1; // a value's type tag (a table's own length, below)
    if (v === null) continue;
    if (typeof v === 'string') bytes += 4 + Buffer.byteLength(v);
    else if (typeof v === 'boolean') bytes += 1;
    else if (typeof v === 'number') {
      if (!Number.isFinite(v)) return 'shape';
      bytes += 8;
    } else if (typeof v !== 'object') return 'shape';
    else if (Buffer.isBuffer(v)) bytes += 4 + v.length;
    else if (depth >= MAX_TABLE_DEPTH) return 'shape';
    else if (Object.hasOwn(v, '!')) {
      if (!typedValue(v)) return 'shape';
      bytes += 8;
    } else {
      let children: unknown[];
      bytes += 4;
      if (Array.isArray(v)) {
        if (v.length > MAX_TABLE_VALUES) return 'shape';
        children = Array.from(v);
      } else {
        const proto: unknown = Object.getPrototypeOf(v);
        if (proto !== Object.prototype && proto !== null) return 'shape';
        children = [];
        for (const [key, child] of Object.entries(v)) {
          if (child === undefined) continue; // an undefined header is left out
          const keyBytes = Buffer.byteLength(key);
          if (keyBytes > MAX_KEY_BYTES) return 'shape';
          bytes += 1 + keyBytes;
          children.push(child);
        }
      }
      count += children.length;
      if (count > MAX_TABLE_VALUES) return 'shape';
      for (const child of children) stack.push([child, depth + 1]);
    }
    if (bytes > maxBytes) return 'size';
  }
  return undefined;
}

/** Whether `value` is a field table amqplib can send as it is, of any size (see {@link tableProblem}). */
export function jsonLike(value: unknown): boolean {
  return tableProblem(value) === undefined;
}
