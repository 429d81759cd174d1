import { CerealError, describe } from './error.js';
import type { DecodeOptions } from './options.js';

/** DecodeOptions with every default applied and every value checked. */
export type Limits = Required<DecodeOptions>;

const MISSING = ['throw', 'null', 'keep'] as const;

/** Applies defaults and checks every option; a bad option is `INVALID_OPTION`. */
export function resolveOptions(options: DecodeOptions | undefined, base?: Limits): Limits {
  const o = options ?? {};
  const missing = o.missing ?? base?.missing ?? 'throw';
  if (!MISSING.includes(missing)) {
    throw new CerealError('INVALID_OPTION', `\`missing\` must be 'throw', 'null' or 'keep', got ${describe(missing, 40)}`);
  }
  return {
    missing,
    maxRefs: positive('maxRefs', o.maxRefs ?? base?.maxRefs ?? 100_000),
    maxDepth: positive('maxDepth', o.maxDepth ?? base?.maxDepth ?? 128),
    maxBytes: positive('maxBytes', o.maxBytes ?? base?.maxBytes ?? 16 * 1024 * 1024),
  };
}

/** Checks that a limit is a positive whole number (Infinity allowed). */
export function positive(name: string, value: number): number {
  if (typeof value !== 'number' || !(value >= 1) || (value !== Infinity && !Number.isInteger(value))) {
    throw new CerealError('INVALID_OPTION', `\`${name}\` must be a positive integer, got ${describe(value, 40)}`);
  }
  return value;
}
