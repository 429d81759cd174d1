import { CerealError } from '@cereal/core';
import { walk } from '@cereal/core/format';
import { MapBox, PinBox } from './extension.js';

/**
 * Returns `value` ready for msgpackr, with core's walk: every Map replaced by a MapBox (msgpackr
 * writes a Map as a plain msgpack map, which reads back as an object) and every pinned ref by a
 * PinBox (msgpackr writes all ModelRefs with one extension), copying only the
 * containers on the way; a value without Maps comes back as it is. Depth was bounded by the
 * serializer's walk, which runs first.
 */
export function prepare(value: unknown): unknown {
  return walk(value, {
    ref: (r) => (r.version === undefined ? r : new PinBox(r)),
    map(map) {
      const entries: unknown[] = [];
      for (const [k, v] of map) entries.push(k, v);
      return new MapBox(entries);
    },
    instance(value) {
      // msgpackr would write extension 0x65, which decoding refuses (see _scan.ts).
      if (value instanceof Error) throw new CerealError('MALFORMED', `[msgpack] cannot write an Error (${value.name}); send its message as a string`);
      return value;
    },
  }, Infinity);
}
