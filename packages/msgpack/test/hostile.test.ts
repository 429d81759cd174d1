import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Packr, pack } from 'msgpackr';
import { CerealError, createSerializer } from '@cereal/core';
import { rejects } from '@cereal/testkit';
import { msgpackFormat } from '../src/index.js';
import { REF_TYPE } from '../src/extension.js';
import { ownData, testHostile, type HostileCase } from '@cereal/testkit';

const tagged = (type: number, data: Uint8Array): Uint8Array => Uint8Array.from([0xd4, type, 0, ...data]);
const bigPacker = new Packr({ useRecords: false, useBigIntExtension: true });
const refOf = (value: unknown): Uint8Array => tagged(REF_TYPE, bigPacker.pack(value));
const huge = [0xff, 0xff, 0xff, 0xff];
const records = new Packr({ useRecords: true }).pack(Array.from({ length: 4 }, (_, i) => ({ a: i, b: i })));

/** A timestamp96: 0xc7 12 -1, nanoseconds (uint32), seconds (int64). */
const timestamp96 = (nanos: number, seconds: bigint): Uint8Array => {
  const bytes = new Uint8Array(15);
  bytes.set([0xc7, 12, 0xff]);
  const view = new DataView(bytes.buffer);
  view.setUint32(3, nanos);
  view.setBigInt64(7, seconds);
  return bytes;
};
const name = (text: string): number[] => [...Buffer.from(text)];
const LIST = [0xd4, 44, 0, 0x92];
// Three refs to users:1, as a list in every encoding msgpack allows for its model name and its
// keys, and one by one in wide headers. (msgpackr reads cereal's extensions only from a fixext
// header; in an ext8 one they are MALFORMED, see format.test.ts.)
const wideRefs: [string, Uint8Array][] = ([
  ['a list: fixstr model, array16 keys', [...LIST, 0xa5, ...name('users'), 0xdc, 0, 3, 1, 1, 1]],
  ['a list: fixstr model, array32 keys', [...LIST, 0xa5, ...name('users'), 0xdd, 0, 0, 0, 3, 1, 1, 1]],
  ['a list: str8 model, fixarray keys', [...LIST, 0xd9, 5, ...name('users'), 0x93, 1, 1, 1]],
  ['a list: str16 model, fixarray keys', [...LIST, 0xda, 0, 5, ...name('users'), 0x93, 1, 1, 1]],
  ['a list: str32 model, array32 keys', [...LIST, 0xdb, 0, 0, 0, 5, ...name('users'), 0xdd, 0, 0, 0, 3, 1, 1, 1]],
  ['a list: array16 body and keys', [0xd4, 44, 0, 0xdc, 0, 2, 0xa5, ...name('users'), 0xdc, 0, 3, 1, 1, 1]],
  ['refs in an array32, keys as uint64', [0xdd, 0, 0, 0, 3, ...[0, 1, 2].flatMap(() => [0xd4, REF_TYPE, 0, 0x92, 0xa5, ...name('users'), 0xcf, 0, 0, 0, 0, 0, 0, 0, 1])]],
  ['refs in a map16, model names as str8', [0xde, 0, 3, ...[0, 1, 2].flatMap((i) => [i, 0xd4, REF_TYPE, 0, 0x92, 0xd9, 5, ...name('users'), 1])]],
] as [string, number[]][]).map(([how, bytes]) => [how, Uint8Array.from(bytes)]);

const foreignTypes: [string, Uint8Array][] = [
  ['msgpackr\'s Error extension 0x65 naming `valueOf` (returned msgpackr\'s table of constructors)', Uint8Array.from([0xd4, 0x65, 0, 0x93, 0xa7, ...name('valueOf'), 0xa1, 0x78, 0xc0])],
  ['msgpackr\'s Error extension 0x65 in an ext8 header', Uint8Array.from([0xc7, 0, 0x65, 0x93, 0xa5, ...name('Error'), 0xa1, 0x78, 0xc0])],
  ['msgpackr records (compiled with new Function when read)', records],
  ['a structured-clone pointer', Uint8Array.from([0xd6, 0x70, 0, 0, 0, 1])],
  ['a structured-clone id', Uint8Array.from([0xd6, 0x69, 0, 0, 0, 1, 0x90])],
  ['bundled strings', Uint8Array.from([0xd6, 0x62, 0, 0, 0, 9, 0xa1, 0x61])],
  ['an extension type nobody registered', Uint8Array.from([0xd4, 0x63, 0])],
];

const cases: HostileCase<Uint8Array>[] = [
  ['a timestamp of 2 bytes (msgpackr reads it as an Invalid Date)', Uint8Array.from([0xd5, 0xff, 0, 1]), 'MALFORMED'],
  ['a timestamp64 of 1 000 000 000 nanoseconds (read as a second more)', Uint8Array.from([0xd7, 0xff, 0xee, 0x6b, 0x28, 0x00, 0, 0, 0, 0]), 'MALFORMED'],
  ['a timestamp96 at the last second a Date holds, with nanoseconds past it (an Invalid Date)', timestamp96(999_999_999, 8_640_000_000_000n), 'MALFORMED'],
  ['a timestamp96 beyond the seconds a Date holds (msgpackr misreads past 2^48)', Uint8Array.from([0xc7, 12, 0xff, 0, 0, 0, 0, 0, 0x01, 0, 0, 0, 0, 0, 0]), 'MALFORMED'],
  ['a str32 header claiming 4 GiB', Uint8Array.from([0xdb, ...huge, 0x61]), 'MALFORMED'],
  ['a bin32 header claiming 4 GiB', Uint8Array.from([0xc6, ...huge]), 'MALFORMED'],
  ['an array32 header claiming 4 billion items', Uint8Array.from([0xdd, ...huge, 0x01]), 'MALFORMED'],
  ['a map32 header claiming 4 billion entries', Uint8Array.from([0xdf, ...huge, 0x01, 0x01]), 'MALFORMED'],
  ['an ext32 header claiming 4 GiB', Uint8Array.from([0xc9, ...huge, 0x01]), 'MALFORMED'],
  ['200 000 nested arrays', new Uint8Array(200_000).fill(0x91), 'LIMIT'],
  ['trailing bytes after the value', Uint8Array.from([0x01, 0x02]), 'MALFORMED'],
  ['the never-used byte 0xc1', Uint8Array.from([0xc1]), 'MALFORMED'],
  ['a bigint of 8 KiB (msgpackr extension 0x42)', Uint8Array.from([0xc8, 0x20, 0x00, 0x42, ...new Uint8Array(8192).fill(0x7f)]), 'LIMIT'],
  ['a ref whose pk is a bigint beyond 2^128', refOf(['users', 2n ** 130n]), 'INVALID_REF'],
  ['a ref whose pk is a string of 2000 characters', refOf(['users', 'x'.repeat(2000)]), 'INVALID_REF'],
  ['a ref whose pk is an object', refOf(['users', { id: 1 }]), 'INVALID_REF'],
  ['a ref whose pk is NaN', refOf(['users', NaN]), 'INVALID_REF'],
  ['a ref whose pk is a fraction', refOf(['users', 1.5]), 'INVALID_REF'],
  ['a ref with an empty composite key', refOf(['orders', []]), 'INVALID_REF'],
  ['a ref whose composite key has the wrong arity', refOf(['orders', [7, 1001, 3]]), 'INVALID_REF'],
  ['a ref with a single key for a composite model', refOf(['orders', 7]), 'INVALID_REF'],
  ['a ref whose model is not a string', refOf([42, 1]), 'INVALID_REF'],
  ['a ref whose model is null', refOf([null, 1]), 'INVALID_REF'],
  ['a ref to a model outside the loader map, beside a known one', Uint8Array.from([0x92, ...refOf(['users', 1]), ...refOf(['invoices', 1])]), 'UNKNOWN_MODEL'],
  ['a ref to `constructor`', refOf(['constructor', 1]), 'UNKNOWN_MODEL'],
  ['a ref to `__proto__`', refOf(['__proto__', 1]), 'UNKNOWN_MODEL'],
  // msgpackr renames a `__proto__` key to `__proto_` when it reads one
  ['`__proto__` as a key', pack(JSON.parse('{"__proto__": {"polluted": true}, "b": 1}')), ownData('__proto_', 'b')],
  ['`constructor` and `prototype` as keys', pack({ constructor: { prototype: { polluted: true } } }), ownData('constructor')],
];

testHostile(msgpackFormat(), cases, { wideRefs, foreignTypes });

// ---

const Extensions = suite('msgpack extension types');

Extensions('every extension type cereal does not write is MALFORMED, in a fixext and an ext8 header', () => {
  const written = new Set([0x00, 0x42, 42, 43, 44, 45, 0x73, 0x74, 0x78, 0xff]);
  const format = msgpackFormat();
  for (let type = 0; type < 256; type++) {
    if (written.has(type)) continue;
    for (const bytes of [[0xd4, type, 0, 0xc0], [0xc7, 1, type, 0, 0xc0]]) {
      try {
        format.decode(Uint8Array.from(bytes));
        assert.unreachable(`type 0x${type.toString(16)}`);
      } catch (err) {
        assert.instance(err, CerealError);
        assert.is((err as CerealError).code, 'MALFORMED', `type 0x${type.toString(16)}`);
      }
    }
  }
});

Extensions('a refused Error extension changes nothing that later decodes return', () => {
  const format = msgpackFormat();
  const before = format.decode(pack({ a: 1 }));
  const hostile = Uint8Array.from([0xd4, 0x65, 0, 0x93, 0xa7, ...Buffer.from('valueOf'), 0xa1, 0x78, 0xc0]);
  assert.throws(() => format.decode(hostile), (err: unknown) => err instanceof CerealError && err.code === 'MALFORMED');
  assert.equal(format.decode(pack({ a: 1 })), before);
  const error = new Packr({ moreTypes: true }).unpack(new Packr({ moreTypes: true }).pack(new TypeError('x')));
  assert.instance(error, TypeError); // msgpackr's own table is intact
});

Extensions('encoding an Error is MALFORMED: the extension msgpackr would write is one decoding refuses', async () => {
  const cereal = createSerializer({ format: msgpackFormat(), loaders: {} });
  const err = await rejects(() => cereal.encode({ e: new RangeError('x') }));
  assert.is(err.code, 'MALFORMED');
  assert.match(err.message, /cannot write an Error \(RangeError\)/);
});

Extensions('every extension type the encoder writes decodes: undefined, bigint, Set, typed arrays, RegExp, Date, refs, Maps, lists', async () => {
  const cereal = createSerializer({ format: msgpackFormat(), loaders: {} });
  const value = { u: undefined, b: 2n ** 100n, s: new Set([1]), t: new Float64Array([1.5]), r: /a+/g, d: new Date(5), m: new Map([[1, 2]]) };
  assert.equal(await cereal.decode(cereal.encode(value)), value);
});

Extensions('timestamps at the edges of what a Date holds decode to those Dates', () => {
  const format = msgpackFormat();
  assert.is((format.decode(timestamp96(0, 8_640_000_000_000n)) as Date).getTime(), 8.64e15);
  assert.is((format.decode(timestamp96(999_000_000, -8_640_000_000_000n)) as Date).getTime(), -8.64e15 + 999);
});

Extensions.run();
