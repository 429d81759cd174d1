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

/**
 * Whether `value` can go into an AMQP field table as it is: strings, finite numbers, booleans,
 * null, Buffers, and arrays and plain objects of them, at most {@link MAX_TABLE_DEPTH} deep. Not
 * a BigInt, symbol, function, cycle, nor an instance of a class (a `Date`, a `Map`: amqplib
 * would send an empty table for it). Walked without recursion, so no nesting overflows the stack.
 */
export function jsonLike(value: unknown): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  let count = 1;
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v === 'string' || typeof v === 'boolean') continue;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return false;
      continue;
    }
    if (typeof v !== 'object') return false;
    if (Buffer.isBuffer(v)) continue;
    if (depth >= MAX_TABLE_DEPTH) return false;
    let children: unknown[];
    if (Array.isArray(v)) {
      if (v.length > MAX_TABLE_VALUES) return false;
      children = Array.from(v);
    } else {
      const proto: unknown = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return false;
      children = Object.values(v).filter((x) => x !== undefined); // an undefined header is left out
    }
    count += children.length;
    if (count > MAX_TABLE_VALUES) return false;
    for (const child of children) stack.push([child, depth + 1]);
  }
  return true;
}
