import { deepStrictEqual } from 'node:assert/strict';
import { createSerializer, isRef, ref, type ModelRef } from '@cereal/core';
import { fromRefList } from '@cereal/core/format';
import { contenders } from './_formats.js';
import { time } from './_time.js';
import { Packr } from 'msgpackr';

/** Encode + decode time of 100 refs against the same library on the 100 bare keys. */
export interface CodecResult {
  format: string;
  /** Milliseconds per encode + decode of the ref payload (cereal; decode without loading). */
  refs: number;
  /** Milliseconds of `cereal.encode` alone, and of the format's decode alone, of the 100 refs. */
  encode: number;
  decode: number;
  /** Milliseconds per encode + decode of the bare keys with the library alone. */
  pks: number;
}

/**
 * Milliseconds to build the 100 validated, frozen ModelRefs that any decode of 100 refs must
 * return: a floor under every format's decode, whatever its wire.
 */
export async function measureRefObjects(count: number, runs: number): Promise<number> {
  const ids = Array.from({ length: count }, (_, i) => i + 1);
  return (await time(() => fromRefList('users', ids), { runs, warmup: 2, ops: 2000 })).median;
}

/**
 * Milliseconds per encode + decode, with msgpackr alone, of the same refs written as plain
 * `{ model, pk }` objects: what a job system without cereal would put in its payload.
 */
export async function measurePlainObjects(count: number, runs: number): Promise<{ ms: number; bytes: number }> {
  const objects = Array.from({ length: count }, (_, i) => ({ model: 'users', pk: i + 1 }));
  const packr = new Packr({ useRecords: false });
  deepStrictEqual(packr.unpack(packr.pack(objects)), objects, 'plain objects must round-trip');
  const ms = (await time(() => packr.unpack(packr.pack(objects)), { runs, warmup: 2, ops: 2000 })).median;
  return { ms, bytes: packr.pack(objects).length };
}

/**
 * Codec cost of references: `cereal.encode` (which walks the value for rows and refs) plus
 * the format's decode, against the format library encoding and decoding the bare keys.
 */
export async function measureCodec(count: number, runs: number): Promise<CodecResult[]> {
  const ids = Array.from({ length: count }, (_, i) => i + 1);
  const refs = ids.map((id) => ref('users', id));
  const loaders = { users: { load: async () => [], keyOf: (row: { id: number }) => row.id } };
  const results: CodecResult[] = [];
  for (const { name, format, plain } of contenders) {
    const cereal = createSerializer({ format, loaders });
    const back = format.decode(cereal.encode(refs)) as ModelRef[];
    deepStrictEqual(back.map((r) => (isRef(r) ? r.key : null)), refs.map((r) => r.key), `${name}: refs must round-trip`);
    deepStrictEqual(plain.decode(plain.encode(ids)), ids, `${name}: keys must round-trip`);
    const ops = name === 'msgpack' ? 2000 : 300;
    const wire = cereal.encode(refs);
    const withRefs = await time(() => format.decode(cereal.encode(refs)), { runs, warmup: 2, ops });
    const encode = await time(() => cereal.encode(refs), { runs, warmup: 2, ops });
    const decode = await time(() => format.decode(wire), { runs, warmup: 2, ops });
    const bare = await time(() => plain.decode(plain.encode(ids)), { runs, warmup: 2, ops });
    results.push({ format: name, refs: withRefs.median, encode: encode.median, decode: decode.median, pks: bare.median });
  }
  return results;
}
