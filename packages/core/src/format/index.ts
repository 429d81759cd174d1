export type { Format, WireLimits } from '../format.js';
export { defineFormat } from '../define.js';
export type { DecodeContext, FormatSpec } from '../define.js';
export { RefList, refList, fromRefList } from '../list.js';
export { wireError, checkWire, checkSize, parseDepth, tooDeep, refCounter } from '../wire.js';
export { walk } from '../walk.js';
export type { Visitor } from '../walk.js';
export { canonicalKey } from '../key.js';
export { listRefs, listNames, describe, MAX_MESSAGE } from '../error.js';
