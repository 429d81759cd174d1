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

/** Whether `value` can go into an AMQP field table as it is: what JSON can say (no BigInt, symbol, function or cycle). */
export function jsonLike(value: unknown, seen = new Set<object>()): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value !== 'object' || seen.has(value)) return false;
  seen.add(value);
  const ok = Array.isArray(value) ? value.every((v) => jsonLike(v, seen)) : Object.values(value).every((v) => v === undefined || jsonLike(v, seen));
  seen.delete(value);
  return ok;
}
