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
 * - `STALE`: under `consistency: 'at-least'`, a pinned ref's row is missing or older than its
 *   pin: the reader (a replica, a transaction that has not seen the commit) is behind, not the
 *   data gone; retryable.
 * - `INVALID_OPTION`: cereal itself is misconfigured (an option out of range, a loader without
 *   `load`), or a loader broke its contract (rows without a usable key, two rows for one key);
 *   not retryable.
 */
export type CerealErrorCode =
  | 'MISSING_ROW'
  | 'UNKNOWN_MODEL'
  | 'INVALID_REF'
  | 'MALFORMED'
  | 'LIMIT'
  | 'LOAD_FAILED'
  | 'INVALID_OPTION'
  | 'STALE';

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
  /** True only for `LOAD_FAILED` and `STALE`: the same payload may succeed later. */
  readonly retryable: boolean;

  /**
   * @param code - the kind of failure
   * @param message - what happened and how to fix it; `[cereal] ` is prepended
   * @param options - the refs concerned and the cause
   */
  constructor(code: CerealErrorCode, message: string, options: CerealErrorOptions = {}) {
    // room for `[cereal] ` and the note of what was cut: the whole message stays within MAX_MESSAGE
    super(`[cereal] ${clip(message, MAX_MESSAGE - 50)}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.refs !== undefined) this.refs = Object.freeze([...options.refs]);
    this.retryable = code === 'LOAD_FAILED' || code === 'STALE';
  }

  /**
   * What loggers and queues that JSON.stringify an error get: the code, the message and the refs
   * as their keys (a ref itself refuses JSON; see ModelRef.toJSON).
   */
  toJSON(): { name: string; code: CerealErrorCode; message: string; retryable: boolean; refs?: string[] } {
    const { name, code, message, retryable, refs } = this;
    return refs === undefined ? { name, code, message, retryable } : { name, code, message, retryable, refs: refs.map((r) => r.key) };
  }
}

/**
 * The longest message a CerealError carries. Messages list a few items and count the rest, and
 * quote payload text only in short slices; this bound holds even where a library's or a
 * driver's message is quoted (Knex puts the whole statement, every key, in its messages), so
 * a crafted payload never puts megabytes into logs or a queue's failed reason.
 */
export const MAX_MESSAGE = 1000;

/**
 * What went wrong in `cause`, for a message: its `message` when it has a string one, else the
 * value as text, cut to `max`. Never throws: a cause can be anything a loader or a library threw
 * (an object without a prototype, a getter that throws, a Proxy).
 */
export function describe(cause: unknown, max = 300): string {
  try {
    const message: unknown = (cause as { message?: unknown } | null)?.message;
    return clip(typeof message === 'string' ? message : typeof cause === 'bigint' ? `${cause}n` : String(cause), max);
  } catch {
    // a getter or Proxy trap of the cause (or of a primitive's prototype), a throwing toString,
    // a `max` that is no number, or a stack at its limit: any type can end here
    const type = typeof cause;
    return `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type} that cannot be printed`;
  }
}

/** `text`, cut to `max` characters with a note of how much was left out. */
export function clip(text: string, max = 200): string {
  if (text.length <= max) return text;
  // never half a surrogate pair: a lone surrogate is not text a database or a JSON column takes
  const end = isHighSurrogate(text.charCodeAt(max - 1)) ? max - 1 : max;
  return `${text.slice(0, end)}… (${text.length - end} more characters)`;
}

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;

/**
 * `text` cut to at most `max` UTF-16 units, never inside a surrogate pair: for messages that are
 * stored (a job's failed reason, a header) and must stay well-formed text.
 */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  return text.slice(0, isHighSurrogate(text.charCodeAt(max - 1)) ? max - 1 : max);
}

/**
 * Lists items in a message: `` `a`, `b` and 3 more ``, each cut to 64 characters.
 * @param names - the items (only the first `max` are read)
 * @param total - how many there are in all, when `names` holds only the first ones
 */
export function listNames(names: readonly string[], max = 5, total = names.length): string {
  const shown = names.slice(0, max).map((n) => `\`${clip(n, 64)}\``).join(', ');
  return total > max ? `${shown} and ${total - max} more` : shown;
}

/** Lists refs in a message: `` `users:1`, `users:2` and 3 more ``. */
export function listRefs(refs: readonly ModelRef[], max = 5): string {
  return listNames(refs.slice(0, max).map((r) => r.key), max, refs.length);
}
