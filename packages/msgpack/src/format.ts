import { type Format } from '@cereal/core';
import { defineFormat } from '@cereal/core/format';
import { scan } from './_scan.js';
import { Packr, Unpackr } from 'msgpackr';
import { prepare } from './_prepare.js';
import './extension.js';

/**
 * msgpack's default maxBytes. One byte of msgpack can be a whole empty object (0x80): a MiB of
 * them takes ≈ 80–100 MB to build, so 16 MiB would exhaust a 1 GiB heap; 8 MiB peaks near
 * 620 MB (`pnpm bench:hostile`).
 */
export const MSGPACK_MAX_BYTES = 8 * 2 ** 20;

/** Options of {@link msgpackFormat}. */
export interface MsgpackFormatOptions {
  /**
   * Accepted and ignored: a Date with no milliseconds is always written as a 32-bit timestamp
   * (6 bytes), and one with milliseconds in the 64-bit form, which keeps them.
   * @deprecated msgpackr's own `useTimestamp32` writes every Date as 32 bits and so drops its
   *   milliseconds without a word; this option once passed it on. It changes nothing now.
   */
  useTimestamp32?: boolean;
}

/**
 * cereal's msgpack format: a ModelRef is a msgpack extension (type 42) holding `[model, pk]`.
 * bigint, Date, Map, Set, undefined and nesting round-trip. Decoding never runs code: msgpackr's
 * records (which compile readers with `new Function`) and structured-clone references (a known
 * denial-of-service vector) are off, and any msgpackr failure is `MALFORMED`.
 *
 * @param options - see {@link MsgpackFormatOptions}
 * @returns a Format whose wire is a Uint8Array
 * @example createSerializer({ format: msgpackFormat(), loaders })
 */
export function msgpackFormat(_options: MsgpackFormatOptions = {}): Format<Uint8Array> {
  const packr = new Packr({
    useRecords: false, // plain msgpack maps: readable by any msgpack library
    moreTypes: true, // Set, and bigints beyond 64 bits, as extensions
    variableMapSize: true,
    // never msgpackr's useTimestamp32: it drops milliseconds (see MsgpackFormatOptions)
  });
  const unpackr = new Unpackr({
    useRecords: false,
    mapsAsObjects: true,
    // Must be `false`, not left undefined: only an explicit false makes msgpackr refuse the
    // structured-clone id/pointer extensions (0x69, 0x70) in data it is given.
    structuredClone: false,
    int64AsType: 'bigint',
  });
  return defineFormat({
    name: 'msgpack',
    wire: 'bytes',
    lists: true,
    maxBytes: MSGPACK_MAX_BYTES,
    encode: (value) => packr.pack(prepare(value)),
    decode(wire, { maxDepth, countRefs }) {
      scan(wire, maxDepth, countRefs);
      return unpackr.unpack(wire);
    },
  });
}
