import { CerealError } from '@cereal/core';
import { tooDeep } from '@cereal/core/format';
import { LIST_TYPE, MAP_TYPE, PIN_TYPE, REF_TYPE } from './extension.js';

/** msgpackr's extension types that cereal's msgpack format writes, and their readers' shapes. */
const BIGINT = 0x42;
const SET = 0x73;
const TYPED_ARRAY = 0x74;
const REGEXP = 0x78;
const UNDEFINED = 0x00;
const TIMESTAMP = 0xff; // -1

/**
 * The extension types a payload may use: cereal's own and the msgpackr types its encoder writes.
 * Every other type is refused before msgpackr reads a byte, whatever its reader does: records
 * (0x72, readers compiled with `new Function`), bundled strings (0x62), structured-clone ids and
 * pointers (0x69, 0x70), and Errors (0x65), whose reader indexes a module-level table of native
 * constructors with a name from the payload (`valueOf` returned the table itself).
 */
const ALLOWED = new Set([REF_TYPE, PIN_TYPE, MAP_TYPE, LIST_TYPE, BIGINT, SET, TYPED_ARRAY, REGEXP, UNDEFINED, TIMESTAMP]);
/** Extension types whose reader reads a msgpack value that follows the extension's own bytes. */
const FOLLOWED = new Set([REF_TYPE, PIN_TYPE, MAP_TYPE, LIST_TYPE, SET, REGEXP]);

/** msgpackr's bigint extension: its reader's cost grows faster than its size, so it is capped. */
const MAX_BIGINT_BYTES = 1024;

// What a level of the scan is: a plain collection, the value after a list extension
// (`[model, keys]`), or that value's items, where an array is the list's keys.
const PLAIN = 0;
const LIST_BODY = 1;
const LIST_PAIR = 2;

const malformed = (message: string): CerealError => new CerealError('MALFORMED', `[msgpack] ${message}`);

/** One token of the structure: its size, the values it opens, and what they are. */
interface Token {
  /** Bytes of the token itself (header and data); the values it opens follow. */
  skip: number;
  /** Values this token opens (array items, map keys and values, a followed extension's value). */
  items: number;
  /** True for an array header: the keys of a list of refs are one. */
  array: boolean;
  /** True for cereal's list extension: the value it opens is `[model, keys]`. */
  list: boolean;
}

/** Throws MALFORMED unless `n` bytes from `pos` are in the payload. */
function need(bytes: Uint8Array, pos: number, n: number): void {
  if (pos + n > bytes.length) throw malformed('the payload ends in the middle of a value');
}

/** The big-endian length of `size` bytes after the header byte at `pos`. */
function lengthAt(bytes: Uint8Array, view: DataView, pos: number, size: 1 | 2 | 4): number {
  need(bytes, pos, 1 + size);
  return size === 1 ? bytes[pos + 1]! : size === 2 ? view.getUint16(pos + 1) : view.getUint32(pos + 1);
}

/**
 * Reads the token at `pos` into `t`; throws MALFORMED or LIMIT for what cereal never reads.
 * Module functions, not closures: this runs once per token and allocates nothing.
 */
function readToken(bytes: Uint8Array, view: DataView, pos: number, t: Token, countRefs: (refs: number) => void): void {
  const b = bytes[pos]!;
  t.skip = 1;
  t.items = 0;
  t.array = false;
  t.list = false;
  if (b === 0xc1) throw malformed('byte 0xc1 is never used in msgpack');
  if (b <= 0x7f || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) return;
  if (b <= 0x8f) t.items = (b & 0x0f) * 2;
  else if (b <= 0x9f) {
    t.items = b & 0x0f;
    t.array = true;
  }
  else if (b <= 0xbf) t.skip = 1 + (b & 0x1f);
  else if (b === 0xc4 || b === 0xd9) t.skip = 2 + lengthAt(bytes, view, pos, 1);
  else if (b === 0xc5 || b === 0xda) t.skip = 3 + lengthAt(bytes, view, pos, 2);
  else if (b === 0xc6 || b === 0xdb) t.skip = 5 + lengthAt(bytes, view, pos, 4);
  else if (b === 0xca || b === 0xce || b === 0xd2) t.skip = 5;
  else if (b === 0xcb || b === 0xcf || b === 0xd3) t.skip = 9;
  else if (b === 0xcc || b === 0xd0) t.skip = 2;
  else if (b === 0xcd || b === 0xd1) t.skip = 3;
  else if (b === 0xdc || b === 0xdd) {
    t.skip = b === 0xdc ? 3 : 5;
    t.items = lengthAt(bytes, view, pos, b === 0xdc ? 2 : 4);
    t.array = true;
  } else if (b === 0xde || b === 0xdf) {
    t.skip = b === 0xde ? 3 : 5;
    t.items = lengthAt(bytes, view, pos, b === 0xde ? 2 : 4) * 2;
  } else readExtension(bytes, view, pos, b, t, countRefs);
}

/** An extension: fixext 1/2/4/8/16 (0xd4-0xd8) or ext 8/16/32 (0xc7-0xc9), of a type cereal writes. */
function readExtension(bytes: Uint8Array, view: DataView, pos: number, b: number, t: Token, countRefs: (refs: number) => void): void {
  const header = b >= 0xd4 ? 2 : b === 0xc7 ? 3 : b === 0xc8 ? 4 : 6;
  const size = b >= 0xd4 ? 1 << (b - 0xd4) : lengthAt(bytes, view, pos, b === 0xc7 ? 1 : b === 0xc8 ? 2 : 4);
  need(bytes, pos, header);
  const type = bytes[pos + header - 1]!;
  if (!ALLOWED.has(type)) throw malformed(`extension type 0x${type.toString(16)} is not one cereal writes`);
  if (type === BIGINT && size > MAX_BIGINT_BYTES) throw new CerealError('LIMIT', `[msgpack] a bigint of ${size} bytes; at most ${MAX_BIGINT_BYTES} are read`);
  if (type === TIMESTAMP) {
    need(bytes, pos, header + size);
    checkTimestamp(new DataView(bytes.buffer, bytes.byteOffset + pos + header, size));
  }
  t.skip = header + size;
  if (FOLLOWED.has(type)) t.items = 1;
  if (type === REF_TYPE || type === PIN_TYPE) countRefs(1);
  t.list = type === LIST_TYPE;
}

/** The most milliseconds from the epoch a Date holds. */
const MAX_MS = 8.64e15;

/**
 * A timestamp as msgpackr writes one: 1 byte (an Invalid Date), 4, 8 or 12. msgpackr reads any
 * other length as an Invalid Date, nanoseconds past 999 999 999 as more seconds, and misreads
 * 12-byte seconds beyond 2^48: all of those are refused, not read as another Date.
 */
function checkTimestamp(data: DataView): void {
  const size = data.byteLength;
  const nanos = size === 8 ? data.getUint32(0) >>> 2 : size === 12 ? data.getUint32(0) : 0;
  const seconds = size === 12 ? Number(data.getBigInt64(4)) : 0;
  // as msgpackr builds the Date: seconds * 1000 + nanoseconds / 1e6 (nanoseconds add, also to negative seconds)
  if ((size !== 1 && size !== 4 && size !== 8 && size !== 12) || nanos > 999_999_999 || Math.abs(seconds * 1000 + nanos / 1e6) > MAX_MS) {
    throw malformed('a timestamp that is no Date');
  }
}

/**
 * Walks the msgpack structure of `bytes` without building a value, iteratively: checks that it
 * is one complete value, that it nests no deeper than `maxDepth` (msgpackr recurses on every
 * level), that it uses only the extensions cereal writes, and counts its refs with `countRefs`
 * (a ref as 1, a list by the length of its keys array, in whichever array encoding it comes)
 * before msgpackr builds any of them. O(length).
 */
export function scan(bytes: Uint8Array, maxDepth: number, countRefs: (refs: number) => void): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const open: number[] = [1]; // values still to read at each open level; the root is one value
  const roles: number[] = [PLAIN];
  const t: Token = { skip: 0, items: 0, array: false, list: false }; // one, refilled: no allocation per token
  let pos = 0;
  while (open.length > 0) {
    if (pos >= bytes.length) throw malformed('the payload ends in the middle of a value');
    if (bytes[pos]! <= 0x7f) {
      // a run of small integers (lists of keys are mostly that): no token needs more than a byte
      let left = open[open.length - 1]!;
      const start = pos;
      while (pos - start < left && pos < bytes.length && bytes[pos]! <= 0x7f) pos++;
      open[open.length - 1] = left - (pos - start);
    } else {
      readToken(bytes, view, pos, t, countRefs);
      if (pos + t.skip > bytes.length) throw malformed('the payload ends in the middle of a value');
      pos += t.skip;
      open[open.length - 1]!--;
      const at = roles[roles.length - 1];
      if (t.array && at === LIST_PAIR) countRefs(t.items);
      if (t.items > 0) {
        if (open.length >= maxDepth) throw tooDeep('msgpack', maxDepth);
        open.push(t.items);
        roles.push(t.list ? LIST_BODY : t.array && at === LIST_BODY ? LIST_PAIR : PLAIN);
      }
    }
    while (open.length > 0 && open[open.length - 1] === 0) {
      open.pop();
      roles.pop();
    }
  }
  if (pos !== bytes.length) throw malformed(`${bytes.length - pos} bytes after the end of the value`);
}
