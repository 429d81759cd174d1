import { CerealError, describe } from './error.js';
import type { DecodeOptions } from './options.js';

/** DecodeOptions with every default applied and every value checked. */
export type Limits = Required<DecodeOptions>;

const MISSING = ['throw', 'null', 'keep'] as const;
const CONSISTENCY = ['latest', 'at-least'] as const;

/** Applies defaults and checks every option; a bad option is `INVALID_OPTION`. */
export function resolveOptions(options: DecodeOptions | undefined, base?: Limits): Limits {
  const o = options ?? {};
  const missing = o.missing ?? base?.missing ?? 'throw';
  if (!MISSING.includes(missing)) {
    throw new CerealError('INVALID_OPTION', `\`missing\` must be 'throw', 'null' or 'keep', got ${describe(missing, 40)}`);
  }
  const consistency = o.consistency ?? base?.consistency ?? 'latest';
  if (!CONSISTENCY.includes(consistency)) {
    throw new CerealError('INVALID_OPTION', `\`consistency\` must be 'latest' or 'at-least', got ${describe(consistency, 40)}`);
  }
  return {
    missing,
    consistency,
    maxRefs: positive('maxRefs', o.maxRefs ?? base?.maxRefs ?? 100_000),
    maxDepth: atMost('maxDepth', positive('maxDepth', o.maxDepth ?? base?.maxDepth ?? 128), MAX_DEPTH),
    maxBytes: positive('maxBytes', o.maxBytes ?? base?.maxBytes ?? 16 * 1024 * 1024),
  };
}

/**
 * Checks decode options as `decode` would, without decoding: for a worker that takes them once
 * and applies them to every job, so a typo fails where the worker is built, not every job.
 *
 * @throws CerealError `INVALID_OPTION` for a bad option
 */
export function checkDecodeOptions(options: DecodeOptions | undefined): void {
  resolveOptions(options);
}

/**
 * The deepest `maxDepth`: the walks recurse once per level, and so do the format libraries,
 * reading and writing (twice maxDepth levels of their syntax, for Maps and Sets): msgpackr writes
 * Maps nested about 750 deep before the stack overflows, yaml reads about 900 levels. 250 keeps
 * every format's writer and reader well inside the stack, so what encodes, decodes.
 */
export const MAX_DEPTH = 250;

function atMost(name: string, value: number, max: number): number {
  if (value > max) throw new CerealError('INVALID_OPTION', `\`${name}\` must be at most ${max}, got ${describe(value, 40)}: deeper nesting would overflow the stack`);
  return value;
}

/** Checks that a limit is a positive whole number (Infinity allowed). */
export function positive(name: string, value: number): number {
  if (typeof value !== 'number' || !(value >= 1) || (value !== Infinity && !Number.isInteger(value))) {
    throw new CerealError('INVALID_OPTION', `\`${name}\` must be a positive integer, got ${describe(value, 40)}`);
  }
  return value;
}
