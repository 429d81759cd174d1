import { CerealError, describe } from './error.js';

/** How hydrate treats refs, limits and missing rows. */
export interface HydrateOptions {
  /**
   * What a ref to a row that no longer exists becomes: `throw` one `MISSING_ROW` error listing
   * every missing ref, `null`, or `keep` the ModelRef.
   * @default 'throw'
   */
  missing?: 'throw' | 'null' | 'keep';
  /**
   * The most refs one value may hold (every occurrence counts); more is `LIMIT`.
   * @default 100_000
   */
  maxRefs?: number;
  /**
   * The deepest nesting of objects, arrays, Maps and Sets; deeper (or circular) is `LIMIT`.
   * @default 128
   */
  maxDepth?: number;
  /**
   * The largest payload `decode` reads, in bytes (UTF-8 bytes for text formats); larger is
   * `LIMIT`, before the format parses anything. Not used by `hydrate` itself.
   * @default the format's own (`format.maxBytes`: msgpack 8 MiB, YAML 1 MiB), else 16 MiB
   */
  maxBytes?: number;
}

/** HydrateOptions with every default applied and every value checked. */
export type Limits = Required<HydrateOptions>;

const MISSING = ['throw', 'null', 'keep'] as const;

/** Applies defaults and checks every option; a bad option is `INVALID_OPTION`. */
export function resolveOptions(options: HydrateOptions | undefined, base?: Limits): Limits {
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
