import type { ModelRef } from './ref.js';

/**
 * What went wrong, as a stable code that callers and tests can branch on.
 *
 * - `MISSING_ROW`: a referenced row no longer exists (not retryable).
 * - `UNKNOWN_MODEL`: a ref names a model that is not in the loader map; nothing was queried.
 * - `INVALID_REF`: a ref, or a row a ref is made from, has no usable model name or key.
 * - `MALFORMED`: the wire data (or a value to encode) is not something the format can read or write.
 * - `LIMIT`: the payload exceeds a configured limit (refs, bytes, nesting depth).
 * - `LOAD_FAILED`: a loader failed (database unreachable, timeout…); retryable.
 * - `INVALID_OPTION`: cereal itself is misconfigured (an option out of range, a loader without `load`).
 */
export type CerealErrorCode =
  | 'MISSING_ROW'
  | 'UNKNOWN_MODEL'
  | 'INVALID_REF'
  | 'MALFORMED'
  | 'LIMIT'
  | 'LOAD_FAILED'
  | 'INVALID_OPTION';

/** Extra fields of a {@link CerealError}. */
export interface CerealErrorOptions {
  /** Every ref concerned (all missing rows, not just the first). */
  refs?: readonly ModelRef[];
  /** The underlying error (a driver error for `LOAD_FAILED`, a parser error for `MALFORMED`). */
  cause?: unknown;
}

/**
 * The one error class of cereal. Branch on `code`, never on the message.
 *
 * @example
 * if (err instanceof CerealError && err.code === 'MISSING_ROW') console.log(err.refs)
 */
export class CerealError extends Error {
  override readonly name = 'CerealError';
  /** The kind of failure. */
  readonly code: CerealErrorCode;
  /** Every ref concerned, where refs are concerned. */
  readonly refs?: readonly ModelRef[];
  /** True only for `LOAD_FAILED`: the same payload may succeed later. */
  readonly retryable: boolean;

  /**
   * @param code - the kind of failure
   * @param message - what happened and how to fix it; `[cereal] ` is prepended
   * @param options - the refs concerned and the cause
   */
  constructor(code: CerealErrorCode, message: string, options: CerealErrorOptions = {}) {
    super(`[cereal] ${message}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.refs !== undefined) this.refs = Object.freeze([...options.refs]);
    this.retryable = code === 'LOAD_FAILED';
  }
}

/** Lists refs in a message: `` `users:1`, `users:2` and 3 more ``. */
export function listRefs(refs: readonly ModelRef[], max = 5): string {
  const shown = refs.slice(0, max).map((r) => `\`${r.key}\``).join(', ');
  return refs.length > max ? `${shown} and ${refs.length - max} more` : shown;
}
