import { CerealError } from '@cereal/core';
import { describe } from '@cereal/core/format';

/**
 * A length of time: a number of milliseconds, or a number followed by its unit, `ms`, `s`, `m`
 * or `h` (`'500ms'`, `'30s'`, `'1.5m'`, `'1h'`).
 */
export type Duration = number | `${number}${'ms' | 's' | 'm' | 'h'}`;

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
const PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

/**
 * `value` in milliseconds.
 *
 * @param name - the option's name, for the message
 * @throws CerealError `INVALID_OPTION` for anything but a finite number of milliseconds that is
 *   not negative, or a string like `'500ms'`, `'30s'`, `'5m'`, `'1h'`
 */
export function durationMs(name: string, value: unknown, label = 'queue'): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  const match = typeof value === 'string' ? PATTERN.exec(value) : null;
  const ms = match === null ? NaN : Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  if (Number.isFinite(ms)) return ms; // '9…9ms' of 400 digits is Infinity: refused like Infinity
  const got = typeof value === 'string' ? JSON.stringify(describe(value, 40)) : Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value === 'object' ? 'an object' : describe(value, 40);
  throw new CerealError('INVALID_OPTION', `[${label}] \`${name}\` must be a number of milliseconds (0 or more) or a string like '500ms', '30s', '5m' or '1h', got ${got}`);
}
