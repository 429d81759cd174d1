/**
 * Property and fuzz tests every format passes: random values round-trip exactly, and mutated
 * wire data (flipped bits, truncation, insertion, splices) only ever gives a CerealError, never
 * a crash, another error, a query for an unknown model, a key of an impossible type, or a
 * polluted prototype. Seeded and bounded in the normal run; `CEREAL_FUZZ_RUNS=100000` (and
 * `CEREAL_FUZZ_SEED`) for a long one.
 */
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CerealError, createSerializer, ref, type Format, type Loader, type ModelRef, type PrimaryKey } from '@cereal/core';
import { sameValue } from './format.js';

const SEED = Number(process.env.CEREAL_FUZZ_SEED ?? 20261127);
const RUNS = Number(process.env.CEREAL_FUZZ_RUNS ?? 150);
const MODELS = ['users', 'orders', 'tags'] as const;
const ALLOWED = new Set(['MALFORMED', 'INVALID_REF', 'UNKNOWN_MODEL', 'LIMIT']);

const tricky = fc.constantFrom('', ' ', 'null', 'true', '42', '-', '- x', '#', '!ref', '&a', '*a', ': ', '"', "'", '\\', '\n', '\u0000', '[', '{}', '✓ 雪', '__proto_');
const text = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 10 }), tricky);
const part = fc.oneof(fc.maxSafeInteger(), text, fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }));
const key = fc.oneof(part, fc.array(part, { minLength: 2, maxLength: 3 }));
export const arbitraryRef = fc.tuple(fc.constantFrom(...MODELS), key).map(([model, pk]) => ref(model, pk as PrimaryKey));
const leaf = fc.oneof(
  text,
  fc.integer(),
  fc.double().map((d) => (Object.is(d, -0) ? 0 : d)), // -0 is documented per format (msgpack writes 0)
  fc.boolean(),
  fc.constant(null),
  fc.bigInt(),
  fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }),
  arbitraryRef,
);
const objectKey = text.filter((k) => k !== '__proto__' && k !== 'constructor' && k !== 'prototype');

/** Values every format must round-trip: refs anywhere in objects, arrays, Maps and Sets. */
export const arbitraryValue = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.array(arbitraryRef, { minLength: 2, maxLength: 5 }),
    fc.dictionary(objectKey, tie('value'), { maxKeys: 4 }),
    fc.array(fc.tuple(fc.oneof(text, fc.integer(), arbitraryRef), tie('value')), { maxLength: 3 }).map((entries) => new Map(entries)),
    fc.array(fc.oneof(text, fc.integer(), arbitraryRef), { maxLength: 4 }).map((members) => new Set(members)),
  ),
})).value;

/** One mutation of the wire: what fast-check generates, applied to a payload it did not see. */
export type Mutation = (wire: string | Uint8Array, other: string | Uint8Array) => string | Uint8Array;

const HOSTILE_TEXT = '[]{}"\\!&*:-\n #%,\'?|>@`0123456789abcxyz';
const at = (length: number, n: number): number => (length === 0 ? 0 : n % length);

const textMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: HOSTILE_TEXT.length - 1 })).map(([i, c]): Mutation => (w) => {
    const s = w as string;
    const p = at(s.length, i);
    return s.slice(0, p) + HOSTILE_TEXT[c] + s.slice(p + 1);
  }),
  fc.nat().map((i): Mutation => (w) => (w as string).slice(0, at((w as string).length, i))),
  fc.tuple(fc.nat(), fc.string({ maxLength: 6 })).map(([i, ins]): Mutation => (w) => {
    const s = w as string;
    const p = at(s.length + 1, i);
    return s.slice(0, p) + ins + s.slice(p);
  }),
  fc.tuple(fc.nat(), fc.nat()).map(([i, j]): Mutation => (w, o) => (w as string).slice(0, at((w as string).length, i)) + (o as string).slice(at((o as string).length, j))),
);

const bytesMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })).map(([i, bit]): Mutation => (w) => {
    const b = Uint8Array.from(w as Uint8Array);
    if (b.length > 0) b[at(b.length, i)]! ^= 1 << bit;
    return b;
  }),
  fc.nat().map((i): Mutation => (w) => (w as Uint8Array).slice(0, at((w as Uint8Array).length, i))),
  fc.tuple(fc.nat(), fc.uint8Array({ maxLength: 6 })).map(([i, ins]): Mutation => (w) => {
    const b = w as Uint8Array;
    const p = at(b.length + 1, i);
    return Uint8Array.from([...b.subarray(0, p), ...ins, ...b.subarray(p)]);
  }),
  fc.tuple(fc.nat(), fc.nat()).map(([i, j]): Mutation => (w, o) => {
    const a = w as Uint8Array;
    const b = o as Uint8Array;
    return Uint8Array.from([...a.subarray(0, at(a.length, i)), ...b.subarray(at(b.length, j))]);
  }),
);

/** A loader that has a row for any key, and fails the test if asked for a key no ref can hold. */
function anyRowLoader(asked: PrimaryKey[]): Loader<{ id: PrimaryKey }> {
  const valid = (p: unknown): boolean => typeof p === 'string' || typeof p === 'bigint' || (typeof p === 'number' && Number.isSafeInteger(p));
  return {
    async load(pks) {
      for (const pk of pks) {
        const ok = Array.isArray(pk) ? pk.length >= 2 && pk.every(valid) : valid(pk);
        if (!ok) throw new Error(`loader asked for an impossible key ${String(pk)}`);
        asked.push(pk);
      }
      return pks.map((id) => ({ id }));
    },
    keyOf: (row) => row.id,
  };
}

export function testFuzz<Wire extends Uint8Array | string>(format: Format<Wire>): void {
  const Fuzz = suite(`testFuzz(${format.name})`);
  const options = { seed: SEED, numRuns: RUNS };

  Fuzz('random values round-trip exactly through the format', () => {
    fc.assert(fc.property(arbitraryValue, (value) => sameValue(format.decode(format.encode(value)), value)), options);
  });

  Fuzz('random values round-trip through serializer.encode (lists of refs in compact form)', () => {
    const asked: PrimaryKey[] = [];
    const loaders = Object.fromEntries(MODELS.map((m) => [m, anyRowLoader(asked)]));
    const cereal = createSerializer({ format, loaders });
    fc.assert(fc.property(arbitraryValue, (value) => sameValue(format.decode(cereal.encode(value)), value)), options);
  });

  Fuzz('mutated wire data only ever gives a CerealError, never a crash, a bad query or pollution', async () => {
    const asked: PrimaryKey[] = [];
    const loaders = Object.fromEntries(MODELS.map((m) => [m, anyRowLoader(asked)]));
    const cereal = createSerializer({ format, loaders, missing: 'null' });
    // By the wire the format writes, not its name: a bytes format gets byte mutations.
    const mutation = cereal.encode(null) instanceof Uint8Array ? bytesMutation : textMutation;
    const prototype = Object.getOwnPropertyNames(Object.prototype).sort();
    await fc.assert(
      fc.asyncProperty(arbitraryValue, arbitraryValue, fc.array(mutation, { minLength: 1, maxLength: 3 }), async (a, b, mutations) => {
        const other = cereal.encode(b);
        let wire: string | Uint8Array = cereal.encode(a);
        for (const mutate of mutations) wire = mutate(wire, other);
        try {
          await cereal.decode(wire as Wire);
        } catch (err) {
          if (!(err instanceof CerealError)) throw new Error(`not a CerealError: ${String(err)}`, { cause: err });
          if (!ALLOWED.has(err.code)) throw new Error(`unexpected code ${err.code}: ${err.message}`);
        }
        assert.equal(Object.getOwnPropertyNames(Object.prototype).sort(), prototype);
        assert.is(({} as Record<string, unknown>).polluted, undefined);
      }),
      { ...options, numRuns: RUNS * 2 },
    );
  });

  Fuzz.run();
}

export type { ModelRef };
