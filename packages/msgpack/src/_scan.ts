import { CerealError, tooDeep } from '@cereal/core';
import { LIST_TYPE, MAP_TYPE, REF_TYPE } from './extension.js';

/**
 * Extension types msgpackr reads with a value that follows the extension's own bytes: cereal's
 * ref, Map and list, and msgpackr's Error, Set and RegExp.
 */
const FOLLOWED = new Set([REF_TYPE, MAP_TYPE, LIST_TYPE, 0x65, 0x73, 0x78]);
/**
 * msgpackr extensions refused in a payload: records (0x72; msgpackr reads them even with
 * `useRecords: false` and compiles readers for them with `new Function`), bundled strings
 * (0x62) and structured-clone ids and pointers (0x69, 0x70).
 */
const REFUSED = new Set([0x72, 0x62, 0x69, 0x70]);

const malformed = (message: string): CerealError => new CerealError('MALFORMED', `[msgpack] ${message}`);

/** msgpackr's bigint extension: its reader's cost grows faster than its size, so it is capped. */
const BIGINT_TYPE = 0x42;
const MAX_BIGINT_BYTES = 1024;

/** The number of keys in a list of refs whose `[model, [pk, …]]` starts at `at`, or 0. */
function listLength(bytes: Uint8Array, at: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[at] !== 0x92) return 0;
  let p = at + 1;
  const s = bytes[p];
  if (s === undefined) return 0;
  if (s >= 0xa0 && s <= 0xbf) p += 1 + (s & 0x1f);
  else if (s === 0xd9 && p + 2 <= bytes.length) p += 2 + bytes[p + 1]!;
  else if (s === 0xda && p + 3 <= bytes.length) p += 3 + view.getUint16(p + 1);
  else return 0;
  const a = bytes[p];
  if (a === undefined) return 0;
  if (a >= 0x90 && a <= 0x9f) return a & 0x0f;
  if (a === 0xdc && p + 3 <= bytes.length) return view.getUint16(p + 1);
  if (a === 0xdd && p + 5 <= bytes.length) return view.getUint32(p + 1);
  return 0;
}

/**
 * Walks the msgpack structure of `bytes` without building a value, iteratively: checks that it
 * is one complete value, that it nests no deeper than `maxDepth` (msgpackr recurses on every
 * level), that it uses none of the refused msgpackr extensions, and counts its refs (a list of
 * refs by its length) with `countRefs`, before msgpackr builds any of them. O(length).
 */
export function scan(bytes: Uint8Array, maxDepth: number, countRefs: (refs: number) => void): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.length;
  const open: number[] = [1]; // values still to read at each open level; the root is one value
  let pos = 0;
  const need = (n: number): void => {
    if (pos + n > end) throw malformed('the payload ends in the middle of a value');
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
      while (open.length > 0 && open[open.length - 1] === 0) open.pop();
      continue;
    }
    let items = 0; // values this token opens
    let skip = 1;
    if (b === 0xc1) throw malformed('byte 0xc1 is never used in msgpack');
    if (b <= 0x7f || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) skip = 1;
    else if (b <= 0x8f) items = (b & 0x0f) * 2;
    else if (b <= 0x9f) items = b & 0x0f;
    else if (b <= 0xbf) skip = 1 + (b & 0x1f);
    else if (b === 0xc4 || b === 0xd9) skip = 2 + length(1, 1);
    else if (b === 0xc5 || b === 0xda) skip = 3 + length(2, 1);
    else if (b === 0xc6 || b === 0xdb) skip = 5 + length(4, 1);
    else if (b === 0xca || b === 0xce || b === 0xd2) skip = 5;
    else if (b === 0xcb || b === 0xcf || b === 0xd3) skip = 9;
    else if (b === 0xcc || b === 0xd0) skip = 2;
    else if (b === 0xcd || b === 0xd1) skip = 3;
    else if (b === 0xdc) {
      skip = 3;
      items = length(2, 1);
    } else if (b === 0xdd) {
      skip = 5;
      items = length(4, 1);
    } else if (b === 0xde) {
      skip = 3;
      items = length(2, 1) * 2;
    } else if (b === 0xdf) {
      skip = 5;
      items = length(4, 1) * 2;
    } else {
      // extensions: fixext 1/2/4/8/16 (0xd4-0xd8) and ext 8/16/32 (0xc7-0xc9)
      const header = b >= 0xd4 ? 2 : b === 0xc7 ? 3 : b === 0xc8 ? 4 : 6;
      const size = b >= 0xd4 ? 1 << (b - 0xd4) : b === 0xc7 ? length(1, 1) : b === 0xc8 ? length(2, 1) : length(4, 1);
      need(header);
      const type = bytes[pos + header - 1]!;
      if (REFUSED.has(type)) throw malformed(`msgpackr extension 0x${type.toString(16)} is not accepted in a cereal payload`);
      if (type === BIGINT_TYPE && size > MAX_BIGINT_BYTES) {
        throw new CerealError('LIMIT', `[msgpack] a bigint of ${size} bytes; at most ${MAX_BIGINT_BYTES} are read`);
      }
      skip = header + size;
      if (FOLLOWED.has(type)) items = 1;
      if (type === REF_TYPE) countRefs(1);
      else if (type === LIST_TYPE) countRefs(listLength(bytes, pos + skip));
    }
    need(skip);
    pos += skip;
    open[open.length - 1]!--;
    if (items > 0) {
      if (open.length >= maxDepth) throw tooDeep('msgpack', maxDepth);
      open.push(items);
    }
    while (open.length > 0 && open[open.length - 1] === 0) open.pop();
  }
  if (pos !== end) throw malformed(`${end - pos} bytes after the end of the value`);
}
