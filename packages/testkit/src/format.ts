/**
 * The conformance suite every Format passes: `testFormat(msgpackFormat(), { … })` in the
 * format's own test file, then only what is particular to that format.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CerealError, createSerializer, isRef, ref, type Format, type ModelRef } from '@cereal/core';
import { refList } from '@cereal/core/format';
import { memoryLoader } from './fixtures.js';

/** Wire samples that only the format under test can craft. */
export interface FormatSamples<Wire> {
  /** What encode returns: text or bytes. */
  wire: 'text' | 'bytes';
  /** Wire data that is not valid at all: each must decode to `MALFORMED`. */
  malformed: Wire[];
  /** Well-formed wire data holding a ref of the wrong shape: each must decode to `INVALID_REF`. */
  invalidRef: Wire[];
  /** Values beyond the corpus, each with what the format's README says it reads back as (changed or not). */
  documented?: [name: string, value: unknown, readBack: unknown][];
  /** Values the format cannot write: encoding each must be `MALFORMED`, never a silent change. */
  refuses?: [name: string, value: unknown][];
  /**
   * Names of corpus entries the format declares it cannot carry (a format for JSON-only data, say):
   * for those, encoding must be `MALFORMED` instead of a round trip. Say so in the format's README.
   */
  cannot?: string[];
}

/** Values every format must round-trip exactly (refs compared by key). */
export const corpus: [string, unknown][] = [
  ['a ref', ref('users', 42)],
  ['a string key', ref('tags', 'a,b%c "quoted" \n')],
  ['a composite key', ref('orders', [7, 1001])],
  ['a composite key with a string part', ref('memberships', ['acme', 12])],
  ['a key above 2^53', ref('events', 9007199254740993n)],
  ['a negative key', ref('users', -5)],
  ['a key that is a bigint within 2^53', ref('users', 77n)],
  ['refs nested in objects and arrays', { a: [ref('users', 1), { b: [[ref('users', 2)]] }], c: null }],
  ['a list of refs to one model', [ref('users', 1), ref('users', '2'), ref('users', 9007199254740993n)]],
  ['a list of composite refs', [ref('orders', [7, 1001]), ref('orders', [7, 1002])]],
  ['a list mixing models', [ref('users', 1), ref('orders', [7, 1001]), ref('users', 2)]],
  ['a list of refs with other values', [ref('users', 1), 'x', ref('users', 2)]],
  ['refs in a Map', new Map<unknown, unknown>([[ref('users', 1), 'as key'], ['as value', ref('users', 2)], [3, 'number key']])],
  ['refs in a Set', new Set([ref('users', 1), ref('orders', [1, 2]), 'plain'])],
  ['scalars', { s: 'text', n: 1.5, i: -7, z: 0, t: true, f: false, nil: null }],
  ['a bigint value', { big: 123456789012345678901234567890n, small: 5n }],
  ['a Date', { at: new Date('2026-11-27T01:02:03.456Z') }],
  ['strings formats care about', { s: ['', ' ', '\n\t', 'null', 'true', '42', '- x', '#', '!ref', ': ', '"', "'", '{}', '[]', '✓ 雪 🍣', '\u0000', '\\'] }],
  ['an empty object and array', { o: {}, a: [] }],
  ['Dates across the whole range, and an Invalid Date', { min: new Date(-8.64e15), max: new Date(8.64e15), y0: new Date('0000-01-01T00:00:00.000Z'), y99: new Date('0099-12-31T23:59:59.999Z'), y12345: new Date('+012345-06-01T00:00:00.000Z'), bc: new Date('-000044-03-15T12:00:00.000Z'), invalid: new Date(NaN) }],
  ['Map keys that print alike', new Map<unknown, unknown>([[1, 'number'], ['1', 'string'], [true, 'boolean'], ['true', 'text'], [null, 'null'], ['null', 'text'], [1n, 'bigint']])],
  ['bytes', { bytes: new Uint8Array([0, 1, 255]), buffer: Buffer.from('hi') }],
  ['undefined in objects, arrays, Maps and Sets', { u: undefined, a: [undefined, 1], m: new Map([['k', undefined]]), s: new Set([undefined]) }],
];

/** Deep equality where refs compare by key and class. */
export function sameValue(actual: unknown, expected: unknown): void {
  assert.equal(comparable(actual), comparable(expected));
}

function comparable(value: unknown): unknown {
  if (isRef(value)) return { $ref: (value as ModelRef).key };
  if (Object.is(value, -0)) return { $negativeZero: true }; // deep equality takes -0 for 0
  if (Array.isArray(value)) return value.map(comparable);
  if (value instanceof Map) return { $map: [...value].map(([k, v]) => [comparable(k), comparable(v)]) };
  if (value instanceof Set) return { $set: [...value].map(comparable) };
  if (value instanceof Date) return { $date: value.getTime() };
  if (value instanceof Uint8Array) return { $bytes: [...value] };
  if (typeof value === 'bigint') return { $bigint: String(value) };
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, comparable(v)]));
  }
  return value;
}

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    assert.instance(err, CerealError, `expected a CerealError, got ${String(err)}`);
    return (err as CerealError).code;
  }
  return 'no error';
};

/**
 * @param format - the format under test, with default options
 * @param samples - wire data only this format can craft
 */
export function testFormat<Wire extends Uint8Array | string>(format: Format<Wire>, samples: FormatSamples<Wire>): void {
  const Conformance = suite(`testFormat(${format.name})`);

  for (const [name, value] of corpus) {
    if (samples.cannot?.includes(name)) {
      Conformance(`refuses ${name} (declared: it cannot carry it)`, () => {
        assert.is(codeOf(() => createSerializer({ format, loaders: {} }).encode(value)), 'MALFORMED');
      });
      continue;
    }
    Conformance(`round-trips ${name}`, () => {
      sameValue(format.decode(format.encode(value)), value);
    });
  }

  Conformance('decodes refs as ModelRef instances, keys above 2^53 exactly', () => {
    const [a, b, c] = format.decode(format.encode([ref('users', 42), ref('orders', [7, 1001]), ref('events', 2n ** 63n + 5n)])) as ModelRef[];
    assert.ok(isRef(a) && isRef(b) && isRef(c));
    assert.is(a!.key, 'users:42');
    assert.is(b!.key, 'orders:7,1001');
    assert.is(c!.key, `events:${2n ** 63n + 5n}`);
  });

  Conformance(format.lists === true ? 'takes RefLists (lists: true): an array of refs to one model is written smaller than its refs one by one' : 'takes no RefLists (no lists flag): arrays of refs reach it as refs', () => {
    const refs = Array.from({ length: 100 }, (_, i) => ref('users', i + 1));
    const cereal = createSerializer({ format, loaders: { users: memoryLoader([]) } });
    const whole = cereal.encode(refs);
    if (format.lists === true) assert.ok(whole.length < format.encode(refs).length, `${whole.length} vs ${format.encode(refs).length}`);
    else assert.equal(whole, format.encode(refs));
    sameValue(format.decode(whole), refs);
  });

  if (format.lists === true) Conformance('writes a RefList (how serializer.encode hands over a list) and reads it back as an array of refs', () => {
    const refs = [ref('users', 1), ref('users', '2'), ref('users', 9007199254740993n)];
    const back = format.decode(format.encode({ team: refList(refs), pairs: refList([ref('orders', [7, 1001]), ref('orders', [7, 1002])]) })) as Record<string, unknown>;
    sameValue(back, { team: refs, pairs: [ref('orders', [7, 1001]), ref('orders', [7, 1002])] });
  });

  Conformance(`encodes to ${samples.wire}`, () => {
    const wire = format.encode({ a: 1, r: ref('users', 1) });
    assert.ok(samples.wire === 'text' ? typeof wire === 'string' : wire instanceof Uint8Array);
  });

  Conformance('rejects malformed wire data with MALFORMED', () => {
    for (const wire of samples.malformed) assert.is(codeOf(() => format.decode(wire)), 'MALFORMED', `for ${String(wire)}`);
  });

  Conformance('rejects a ref of the wrong shape with INVALID_REF', () => {
    for (const wire of samples.invalidRef) assert.is(codeOf(() => format.decode(wire)), 'INVALID_REF', `for ${String(wire)}`);
  });

  Conformance('rejects a wire value of the wrong type with MALFORMED', () => {
    for (const wire of [null, undefined, 42, {}]) assert.is(codeOf(() => format.decode(wire as never)), 'MALFORMED');
  });

  Conformance('joined with loaders, decodes every ref to its fresh row', async () => {
    const users = memoryLoader([{ id: 1, name: 'Ada' }, { id: 2, name: 'Grace' }]);
    const orders = memoryLoader([{ id: [7, 1001], total: 5 }], { arity: 2 });
    const cereal = createSerializer({ format, loaders: { users, orders } });
    const wire = cereal.encode({ who: [ref('users', 1), ref('users', 2), ref('users', 1)], order: ref('orders', [7, 1001]) });
    users.rows.set('1', { id: 1, name: 'Ada Lovelace' });
    const out = await cereal.decode(wire);
    assert.equal(out, { who: [{ id: 1, name: 'Ada Lovelace' }, { id: 2, name: 'Grace' }, { id: 1, name: 'Ada Lovelace' }], order: { id: [7, 1001], total: 5 } });
    assert.equal(users.calls, [[1, 2]]);
    const again = await cereal.decode(cereal.encode(out));
    assert.equal(again, out);
  });

  Conformance('values beyond the format read back as its README documents, or are refused when written', async () => {
    const cereal = createSerializer({ format, loaders: {} });
    for (const [name, value, readBack] of samples.documented ?? []) {
      const out = (await cereal.decode(cereal.encode({ v: value }))) as { v: unknown };
      assert.equal(out.v, readBack, name);
      assert.ok(typeof readBack !== 'number' || Object.is(out.v, readBack), `${name}: ${String(out.v)}`); // -0 is not 0
      assert.is(Object.getPrototypeOf(out.v), Object.getPrototypeOf(readBack), name);
    }
    for (const [name, value] of samples.refuses ?? []) assert.is(codeOf(() => cereal.encode({ v: value })), 'MALFORMED', name);
  });

  Conformance('values of every size the encoder writes decode: 150 000 array items, a Map of 80 000 keys', () => {
    const array = Array.from({ length: 150_000 }, (_, i) => i % 10);
    assert.equal(format.decode(format.encode(array)), array);
    const map = new Map(Array.from({ length: 80_000 }, (_, i) => [i, i % 3]));
    assert.equal(format.decode(format.encode(map)), map);
  });

  Conformance.run();
}
