import { describe } from '@cereal/core/format';

/** The largest output stored for a job, in characters of JSON: more is refused, not sent to the database. */
export const MAX_OUTPUT = 8 * 1024 * 1024;

/**
 * In JSON.stringify's text, the escapes of what PostgreSQL's jsonb refuses: NUL, and a surrogate
 * (JSON.stringify writes a valid pair as it is and escapes only a lone half). The backslashes
 * before it must be an even number, or the `\u` is an escaped backslash and text.
 */
const UNSTORABLE = /(?<!\\)((?:\\\\)*)\\u(?:0000|d[89a-f][0-9a-f]{2})/gi;

/**
 * `value` as pg-boss can store it in its jsonb `output` column: a JSON value (bigints as decimal
 * text), every NUL and lone surrogate in its strings and keys replaced with U+FFFD, at most
 * MAX_OUTPUT characters. pg-boss writes a batch's outputs in one statement, so an output the
 * database refuses would fail every job of the batch, the ones that succeeded too: it is checked
 * here, per job, instead.
 *
 * @returns the value to store, or why it cannot be stored
 */
export function storable(value: unknown): { ok: true; value: unknown } | { ok: false; why: string } {
  let text: string | undefined;
  try {
    text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  } catch (err) {
    return { ok: false, why: `it is not JSON (${describe(err, 200)})` };
  }
  if (text === undefined) return { ok: true, value: null }; // undefined, a function, a symbol: nothing to store
  if (text.length > MAX_OUTPUT) return { ok: false, why: `its JSON is ${text.length} characters, more than ${MAX_OUTPUT}` };
  return { ok: true, value: JSON.parse(text.replace(UNSTORABLE, '$1\\ufffd')) };
}
