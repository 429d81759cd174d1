import { CerealError } from '@cereal/core';
import { tooDeep } from '@cereal/core/format';
import { LIST_TYPE, MAP_TYPE, REF_TYPE } from './extension.js';

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
const ALLOWED = new Set([REF_TYPE, MAP_TYPE, LIST_TYPE, BIGINT, SET, TYPED_ARRAY, REGEXP, UNDEFINED, TIMESTAMP]);
/** Extension types whose reader reads a msgpack value that follows the extension's own bytes. */
const FOLLOWED = new Set([REF_TYPE, MAP_TYPE, LIST_TYPE, SET, REGEXP]);

/** msgpackr's bigint extension: its reader's cost grows faster than its size, so it is capped. */
const MAX_BIGINT_BYTES = 1024;

// What a level of the scan is: a plain collection, the value after a list extension
// (`[model, keys]`), or that value's items, where an array is the list's keys.
const PLAIN = 0;
const LIST_BODY = 1;
const LIST_PAIR = 2;

const malformed = (message: string): CerealError => new CerealError('MALFORMED', `[msgpack] ${message}`);

/**
 * Walks the msgpack structure of `bytes` without building a value, iteratively: checks that it
 * is one complete value, that it nests no deeper than `maxDepth` (msgpackr recurses on every
 * level), that it uses only the extensions cereal writes, and counts its refs with `countRefs`
 * (a ref as 1, a list by the length of its keys array, in whichever array encoding it comes)
 * before msgpackr builds any of them. O(length).
 */
export function scan(bytes: Uint8Array, maxDepth: number, countRefs: (refs: number) => void): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.length;
  const open: number[] = [1]; // values still to read at each open level; the root is one value
  const roles: number[] = [PLAIN];
  let pos = 0;
  const need = (n: number): void => {
    if (pos + n > end) throw malformed('the payload ends in the middle of a value');
  };
  const close = (): void => {
    while (open.length > 0 && open[open.length - 1] === 0) {
      open.pop();
      roles.pop();
    }
  };
  const length = (size: 1 | 2 | 4, at: number): number => {
    need(at + size);
    return size === 1 ? bytes[pos + at]! : size === 2 ? view.getUint16(pos + at) : view.getUint32(pos + at);
  };
  while (open.length > 0) {
    need(1);
    const b = bytes[pos]!;
    if (b <= 0x7f) {
      // a run of small integers (lists of keys are mostly that): no token needs more than a byte
      let left = open[open.length - 1]!;
      while (left > 0 && pos < end && bytes[pos]! <= 0x7f) {
        pos++;
        left--;
      }
      open[open.length - 1] = left;
      close();
      continue;
    }
    let items = 0; // values this token opens
    let role = PLAIN;
    let skip = 1;
    let array = false;
    if (b === 0xc1) throw malformed('byte 0xc1 is never used in msgpack');
    if (b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) skip = 1;
    else if (b <= 0x8f) items = (b & 0x0f) * 2;
    else if (b <= 0x9f) {
      items = b & 0x0f;
      array = true;
    }
    else if (b <= 0xbf) skip = 1 + (b & 0x1f);
    else if (b === 0xc4 || b === 0xd9) skip = 2 + length(1, 1);
    else if (b === 0xc5 || b === 0xda) skip = 3 + length(2, 1);
    else if (b === 0xc6 || b === 0xdb) skip = 5 + length(4, 1);
    else if (b === 0xca || b === 0xce || b === 0xd2) skip = 5;
    else if (b === 0xcb || b === 0xcf || b === 0xd3) skip = 9;
    else if (b === 0xcc || b === 0xd0) skip = 2;
    else if (b === 0xcd || b === 0xd1) skip = 3;
    else if (b === 0xdc || b === 0xdd) {
      skip = b === 0xdc ? 3 : 5;
      items = length(b === 0xdc ? 2 : 4, 1);
      array = true;
    } else if (b === 0xde || b === 0xdf) {
      skip = b === 0xde ? 3 : 5;
      items = length(b === 0xde ? 2 : 4, 1) * 2;
    } else {
      // extensions: fixext 1/2/4/8/16 (0xd4-0xd8) and ext 8/16/32 (0xc7-0xc9)
      const header = b >= 0xd4 ? 2 : b === 0xc7 ? 3 : b === 0xc8 ? 4 : 6;
      const size = b >= 0xd4 ? 1 << (b - 0xd4) : b === 0xc7 ? length(1, 1) : b === 0xc8 ? length(2, 1) : length(4, 1);
      need(header);
      const type = bytes[pos + header - 1]!;
      if (!ALLOWED.has(type)) throw malformed(`extension type 0x${type.toString(16)} is not one cereal writes`);
      if (type === BIGINT && size > MAX_BIGINT_BYTES) {
        throw new CerealError('LIMIT', `[msgpack] a bigint of ${size} bytes; at most ${MAX_BIGINT_BYTES} are read`);
      }
      skip = header + size;
      if (FOLLOWED.has(type)) items = 1;
      if (type === REF_TYPE) countRefs(1);
      else if (type === LIST_TYPE) role = LIST_BODY;
    }
    if (array) {
      const at = roles[roles.length - 1];
      if (at === LIST_BODY) role = LIST_PAIR;
      else if (at === LIST_PAIR) countRefs(items);
    }
    need(skip);
    pos += skip;
    open[open.length - 1]!--;
    if (items > 0) {
      if (open.length >= maxDepth) throw tooDeep('msgpack', maxDepth);
      open.push(items);
      roles.push(role);
    }
    close();
  }
  if (pos !== end) throw malformed(`${end - pos} bytes after the end of the value`);
}
