import { CerealError, describe } from './error.js';
import type { WireLimits } from './format.js';

/**
 * What a format's decode throws when its library fails on a payload: a CerealError as it is,
 * a stack overflow (nesting too deep for the parser to follow) as `LIMIT`, anything else as
 * `MALFORMED`, with the library's error as `cause`. Never a raw SyntaxError, TypeError or
 * RangeError.
 *
 * @param format - the format's name, for the message
 * @param cause - what the library threw
 * @returns the CerealError to throw
 */
export function wireError(format: string, cause: unknown): CerealError {
  if (cause instanceof CerealError) return cause;
  const message = describe(cause);
  if (cause instanceof RangeError && /call stack/i.test(message)) {
    return new CerealError('LIMIT', `[${format}] the payload nests too deeply to read`, { cause });
  }
  return new CerealError('MALFORMED', `[${format}] cannot decode the payload: ${message}`, { cause });
}

/** Throws `MALFORMED` unless `wire` has the format's wire type. */
export function checkWire(format: string, wire: unknown, type: 'string' | 'bytes'): void {
  const ok = type === 'string' ? typeof wire === 'string' : wire instanceof Uint8Array;
  if (!ok) {
    throw new CerealError('MALFORMED', `[${format}] a payload is ${type === 'string' ? 'text' : 'a Uint8Array or Buffer'}, got ${wire === null ? 'null' : typeof wire}`);
  }
}

/** Throws `LIMIT` when the wire is larger than `maxBytes` (UTF-8 bytes for text). */
export function checkSize(format: string, wire: Uint8Array | string, maxBytes: number): void {
  if (wire.length <= maxBytes / 3 || maxBytes === Infinity) return; // at most 3 UTF-8 bytes per UTF-16 unit
  const size = typeof wire === 'string' ? utf8Length(wire) : wire.length;
  if (size > maxBytes) {
    throw new CerealError('LIMIT', `[${format}] the payload is ${size} bytes, more than maxBytes ${maxBytes}; raise \`maxBytes\` if that is expected`);
  }
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4; // a surrogate pair; a lone surrogate is written as U+FFFD, 3 bytes
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** Nesting a format allows above `maxDepth` for its own envelope and ref shapes. */
const ENVELOPE = 4;

/**
 * The structural depth a format may parse for `options`: twice `maxDepth` (a Map or a Set takes
 * two levels on some wires) and the envelope. Core's walk then enforces the exact depth.
 */
export function parseDepth(options: WireLimits | undefined): number {
  return 2 * (options?.maxDepth ?? 128) + ENVELOPE;
}

/**
 * A counter of the refs a format is about to build: call it with each ref or list length;
 * past `maxRefs` it throws `LIMIT`, before the refs exist.
 */
export function refCounter(format: string, options: WireLimits | undefined): (refs: number) => void {
  const max = options?.maxRefs ?? 100_000;
  let count = 0;
  return (refs) => {
    count += refs;
    if (count > max) throw new CerealError('LIMIT', `[${format}] the payload holds more than maxRefs ${max} refs; raise \`maxRefs\` if that is expected`);
  };
}

/**
 * `LIMIT` for a payload that nests deeper than `parseDepth` allows.
 * @param depth - the parse depth that was exceeded (what parseDepth returned)
 */
export function tooDeep(format: string, depth: number): CerealError {
  const maxDepth = Math.max(1, Math.floor((depth - ENVELOPE) / 2));
  return new CerealError('LIMIT', `[${format}] the payload nests deeper than maxDepth ${maxDepth} allows (more than ${depth} levels of ${format}, where a Map or Set takes two); raise \`maxDepth\` if the nesting is real`);
}
