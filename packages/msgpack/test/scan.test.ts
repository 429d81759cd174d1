/**
 * What the msgpack format reads, header by header: every value msgpack can write in any of its
 * encodings comes back (msgpackr picks the smallest; other writers may not), and what cereal
 * never writes is refused by the format itself, before msgpackr builds anything.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Packr, pack } from 'msgpackr';
import { CerealError, isRef, ref, type ModelRef } from '@cereal/core';
import { refList } from '@cereal/core/format';
import { msgpackFormat } from '../src/index.js';

const format = msgpackFormat();
const decode = (bytes: Uint8Array | number[], limits = { maxDepth: 64, maxRefs: 1000 }): unknown => format.decode(Uint8Array.from(bytes), limits);
const failure = (bytes: Uint8Array | number[], limits?: { maxDepth: number; maxRefs: number }): CerealError => {
  try {
    decode(bytes, limits);
  } catch (err) {
    assert.instance(err, CerealError);
    return err as CerealError;
  }
  throw new Error('decoded');
};
const text = (s: string): number[] => [...Buffer.from(s)];
const be = (n: number, size: 2 | 4): number[] => (size === 2 ? [n >> 8, n & 0xff] : [(n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);

const Scan = suite('msgpack: every encoding of every value');

Scan('integers and floats in each width come back', () => {
  const values: unknown[] = [0, 127, 128, 200, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, -1, -32, -33, -128, -129, -1000, -32768, -32769, -(2 ** 31), 1.5, -0.25, 1e300, Math.PI];
  for (const value of values) assert.equal(decode(pack(value)), value, String(value));
  assert.equal(decode(pack({ n: 200 })), { n: 200 });
  assert.is(decode([0xca, ...[0x3f, 0xc0, 0, 0]]), 1.5, 'float32');
  assert.is(decode([0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0]), 1.5, 'float64');
  assert.is(decode([0xcf, 0, 0, 0, 0, 0, 0, 0, 7]), 7n, 'uint64');
  assert.is(decode([0xd3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), -1n, 'int64');
  assert.is(decode([0xd1, 0xfc, 0x18]), -1000, 'int16');
  assert.is(decode([0xd2, 0xff, 0xff, 0xfc, 0x18]), -1000, 'int32');
  assert.is(decode([0xcd, 0x03, 0xe8]), 1000, 'uint16');
  assert.is(decode([0xce, 0, 0, 0x03, 0xe8]), 1000, 'uint32');
  assert.is(decode([0xcc, 200]), 200, 'uint8');
  assert.is(decode([0xd0, 0x9c]), -100, 'int8');
});

Scan('strings, binaries, arrays and maps in every header width come back', () => {
  assert.is(decode([0xa3, ...text('abc')]), 'abc', 'fixstr');
  assert.is(decode([0xd9, 3, ...text('abc')]), 'abc', 'str8');
  assert.is(decode([0xda, ...be(3, 2), ...text('abc')]), 'abc', 'str16');
  assert.is(decode([0xdb, ...be(3, 4), ...text('abc')]), 'abc', 'str32');
  assert.is(decode(pack('x'.repeat(70_000))), 'x'.repeat(70_000), 'a str32 msgpackr wrote');
  for (const [header, how] of [[[0xc4, 2], 'bin8'], [[0xc5, ...be(2, 2)], 'bin16'], [[0xc6, ...be(2, 4)], 'bin32']] as const) {
    assert.equal([...(decode([...header, 9, 8]) as Uint8Array)], [9, 8], how);
  }
  assert.equal(decode([0x92, 1, 2]), [1, 2], 'fixarray');
  assert.equal(decode([0xdc, ...be(2, 2), 1, 2]), [1, 2], 'array16');
  assert.equal(decode([0xdd, ...be(2, 4), 1, 2]), [1, 2], 'array32');
  assert.equal(decode([0x81, 0xa1, ...text('k'), 1]), { k: 1 }, 'fixmap');
  assert.equal(decode([0xde, ...be(1, 2), 0xa1, ...text('k'), 1]), { k: 1 }, 'map16');
  assert.equal(decode([0xdf, ...be(1, 4), 0xa1, ...text('k'), 1]), { k: 1 }, 'map32');
  assert.equal(decode(pack(Array.from({ length: 70_000 }, (_, i) => i % 100))), Array.from({ length: 70_000 }, (_, i) => i % 100), 'an array32 msgpackr wrote');
  assert.equal([decode([0xc0]), decode([0xc2]), decode([0xc3])], [null, false, true]);
});

Scan('the extensions cereal writes come back: dates in each timestamp width, sets, bigints, regexps, undefined', () => {
  const packr = new Packr({ useRecords: false, moreTypes: true });
  for (const date of [new Date(0), new Date(1_700_000_000_000), new Date(1_700_000_000_123), new Date(-1), new Date(8.64e15)]) {
    assert.is((decode(packr.pack(date)) as Date).getTime(), date.getTime(), date.toISOString());
  }
  assert.is((decode(new Packr({ useTimestamp32: true }).pack(new Date(1_700_000_000_000))) as Date).getTime(), 1_700_000_000_000);
  assert.equal(decode(packr.pack(new Set([1, 'a']))), new Set([1, 'a']));
  assert.is(decode(packr.pack(2n ** 100n)), 2n ** 100n);
  assert.equal(String(decode(packr.pack(/a+b/gi))), '/a+b/gi');
  assert.equal(decode(packr.pack([undefined])), [undefined]);
});

Scan('msgpackr records are refused as an extension cereal does not write, whole and well-formed', () => {
  for (const value of [{ a: 1 }, [{ a: 1, b: 2 }, { a: 3, b: 4 }]]) {
    const bytes = new Packr({ useRecords: true }).pack(value);
    assert.equal(new Packr({ useRecords: true }).unpack(bytes), value, 'a whole payload msgpackr itself reads');
    const err = failure(bytes);
    assert.is(err.code, 'MALFORMED');
    assert.match(err.message, 'extension type 0x72 is not one cereal writes');
  }
});

Scan('refs are counted before msgpackr builds them: a list of more keys than maxRefs is LIMIT from the format, in every array encoding of its keys', () => {
  const limits = { maxDepth: 64, maxRefs: 10 };
  const list = (keys: number[]): number[] => [0xd4, 44, 0, 0x92, 0xa5, ...text('users'), ...keys];
  const ten = Array.from({ length: 10 }, () => 1);
  const eleven = [...ten, 1];
  for (const [how, keys] of [['fixarray', (k: number[]) => [0x90 + k.length, ...k]], ['array16', (k: number[]) => [0xdc, ...be(k.length, 2), ...k]], ['array32', (k: number[]) => [0xdd, ...be(k.length, 4), ...k]]] as const) {
    const refs = decode(list(keys(ten)), limits) as unknown[];
    assert.is(refs.length, 10, how);
    assert.ok(refs.every(isRef), how);
    const err = failure(list(keys(eleven)), limits);
    assert.is(err.code, 'LIMIT', how);
    assert.match(err.message, 'more than maxRefs 10 refs');
  }
  // single refs count one each, with lists, at any depth
  const ref = [0xd4, 42, 0, 0x92, 0xa5, ...text('users'), 1];
  assert.is(failure([0x92, ...list([0x99, ...ten.slice(1)]), 0x91, ...ref], { maxDepth: 64, maxRefs: 9 }).code, 'LIMIT');
  assert.is((decode([0x92, ...list([0x99, ...ten.slice(1)]), 0x91, ...ref], limits) as unknown[]).length, 2);
});

Scan('truncated values of every header are MALFORMED, never a RangeError', () => {
  const whole: number[][] = [
    [0xcc, 1], [0xcd, 0, 1], [0xce, 0, 0, 0, 1], [0xcf, 0, 0, 0, 0, 0, 0, 0, 1], [0xd0, 1], [0xd1, 0, 1], [0xd2, 0, 0, 0, 1], [0xd3, 0, 0, 0, 0, 0, 0, 0, 1],
    [0xca, 0x3f, 0xc0, 0, 0], [0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0], [0xd9, 1, 0x61], [0xda, 0, 1, 0x61], [0xdb, 0, 0, 0, 1, 0x61], [0xc4, 1, 9], [0xc5, 0, 1, 9], [0xc6, 0, 0, 0, 1, 9],
    [0xdc, 0, 1, 1], [0xdd, 0, 0, 0, 1, 1], [0xde, 0, 1, 1, 1], [0xdf, 0, 0, 0, 1, 1, 1], [0xd6, 0xff, 0, 0, 0, 1], [0xc7, 4, 0xff, 0, 0, 0, 1],
  ];
  for (const bytes of whole) {
    decode(bytes);
    for (let cut = 1; cut < bytes.length; cut++) {
      const err = failure(bytes.slice(0, cut));
      assert.is(err.code, 'MALFORMED', `${bytes.map((b) => b.toString(16)).join(' ')} cut at ${cut}`);
      assert.is(err.message, '[cereal] [msgpack] the payload ends in the middle of a value', 'the scanner says it, before msgpackr reads a byte');
    }
  }
});

Scan('the bounds themselves: nesting up to 2 × maxDepth + 4 levels, a bigint of 1024 bytes, nanoseconds up to 999 999 999 pass; one more is refused, saying so', () => {
  const nested = (levels: number): Uint8Array => Uint8Array.from([...new Array<number>(levels).fill(0x91), 0x01]);
  assert.equal(decode(nested(23), { maxDepth: 10, maxRefs: 10 }), JSON.parse(`${'['.repeat(23)}1${']'.repeat(23)}`));
  const deep = failure(nested(24), { maxDepth: 10, maxRefs: 10 });
  assert.is(deep.code, 'LIMIT');
  assert.match(deep.message, '[msgpack] the payload nests deeper than maxDepth 10 allows');
  const bigint = (bytes: number): number[] => [0xc8, bytes >> 8, bytes & 0xff, 0x42, ...new Array<number>(bytes).fill(1)];
  assert.is(typeof decode(bigint(1024)), 'bigint');
  const big = failure(bigint(1025));
  assert.is(big.code, 'LIMIT');
  assert.is(big.message, '[cereal] [msgpack] a bigint of 1025 bytes; at most 1024 are read');
  assert.instance(decode([0xd7, 0xff, 0xee, 0x6b, 0x27, 0xfc, 0, 0, 0, 0]), Date, '999 999 999 nanoseconds');
  assert.is(failure([0xd7, 0xff, 0xee, 0x6b, 0x28, 0x00, 0, 0, 0, 0]).message, '[cereal] [msgpack] a timestamp that is no Date');
  assert.is(failure([1, 2, 3]).message, '[cereal] [msgpack] 2 bytes after the end of the value');
  assert.is(failure([0xc1]).message, '[cereal] [msgpack] byte 0xc1 is never used in msgpack');
});

Scan('the widest fixed headers: a fixmap of 15 entries and a fixarray of 15 items come back', () => {
  const map = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`k${i}`, `v${i}`]));
  const array = Array.from({ length: 15 }, (_, i) => `s${i}`);
  const packr = new Packr({ useRecords: false, variableMapSize: true });
  assert.is(packr.pack(map)[0], 0x8f);
  assert.is(packr.pack(array)[0], 0x9f);
  assert.equal(decode(packr.pack(map)), map);
  assert.equal(decode(packr.pack(array)), array);
  assert.equal(decode(packr.pack([map, array])), [map, array]);
});

Scan('a timestamp in any ext header width comes back (ext 8, 16, 32), and at the last second a Date holds', () => {
  const seconds = [0x65, 0x53, 0xf1, 0x00]; // 1 700 000 000
  const eight = [0x00, 0x00, 0x00, 0x00, ...seconds]; // 8-byte form, no nanoseconds
  for (const [how, header] of [['ext 8', [0xc7, 8]], ['ext 16', [0xc8, 0, 8]], ['ext 32', [0xc9, 0, 0, 0, 8]]] as const) {
    assert.is((decode([...header, 0xff, ...eight]) as Date).getTime(), 1_700_000_000_000, how);
  }
  // 12 bytes: nanoseconds, then 64-bit seconds. 8 639 999 999 999 s and 999 ms is the last millisecond before 8.64e15
  const twelve = (s: bigint, nanos: number): number[] => {
    const b = Buffer.alloc(12);
    b.writeUInt32BE(nanos, 0);
    b.writeBigInt64BE(s, 4);
    return [0xc7, 12, 0xff, ...b];
  };
  assert.is((decode(twelve(8_639_999_999_999n, 999_000_000)) as Date).getTime(), 8_639_999_999_999_999);
  assert.is((decode(twelve(-8_640_000_000_000n, 0)) as Date).getTime(), -8.64e15);
  assert.is(failure(twelve(8_640_000_000_000n, 1_000_000)).message, '[cereal] [msgpack] a timestamp that is no Date');
});

Scan('a value nested to the last level maxDepth allows may end in any value, not only a small integer', () => {
  const nested = (levels: number, leaf: number[]): Uint8Array => Uint8Array.from([...new Array<number>(levels).fill(0x91), ...leaf]);
  const limits = { maxDepth: 10, maxRefs: 10 };
  // maxDepth 10 lets msgpack nest 2 × 10 + 4 levels (a Map or Set takes two): 23 arrays and a leaf
  const wrap = (v: unknown): unknown => JSON.parse(`${'['.repeat(23)}${JSON.stringify(v)}${']'.repeat(23)}`);
  assert.equal(decode(nested(23, [0xa1, 0x78]), limits), wrap('x'));
  assert.equal(decode(nested(23, [0x90]), limits), wrap([]));
  assert.equal(decode(nested(23, [0x80]), limits), wrap({}));
  assert.equal(decode(nested(23, [0xc3]), limits), wrap(true));
  assert.equal(decode(nested(23, [0xcd, 1, 0]), limits), wrap(256));
  assert.is(failure(nested(23, [0x91, 0x01]), limits).code, 'LIMIT');
});

Scan('the format counts each ref once: a pinned ref, a composite ref, a list by its keys, and no array that is not a list of keys', () => {
  const users: ModelRef[] = [ref('users', 1), ref('users', 2), ref('users', 3)];
  const value = {
    list: refList(users), // 3
    after: [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]], // arrays after a list: none
    composite: ref('orders', [7, 1001]), // 1, not its 2 parts
    pinned: [ref('users', 4, 7), ref('users', 5, new Date(0))], // 2
    deep: { a: [{ b: ref('users', 6) }] }, // 1
  };
  const bytes = format.encode(value) as Uint8Array;
  const back = decode(bytes, { maxDepth: 64, maxRefs: 7 }) as { list: ModelRef[]; pinned: ModelRef[] };
  assert.equal(back.list.map((r) => r.key), ['users:1', 'users:2', 'users:3']);
  assert.is(back.pinned[0]!.version, 7);
  const err = failure(bytes, { maxDepth: 64, maxRefs: 6 });
  assert.is(err.code, 'LIMIT');
  assert.match(err.message, '[msgpack] the payload holds more than maxRefs 6 refs');
  // an empty list, then an array: the list's roles end with it, so the array's items are no keys
  const emptyThenArray = [0x92, 0xd4, 44, 0, 0x92, 0xa5, ...text('users'), 0x90, 0x93, 1, 2, 3];
  assert.equal(decode(emptyThenArray, { maxDepth: 64, maxRefs: 2 }), [[], [1, 2, 3]]);
  // only pinned refs: each is counted
  const pins = format.encode(Array.from({ length: 5 }, (_, i) => ref('users', i + 1, 1))) as Uint8Array;
  assert.is((decode(pins, { maxDepth: 64, maxRefs: 5 }) as unknown[]).length, 5);
  assert.is(failure(pins, { maxDepth: 64, maxRefs: 4 }).code, 'LIMIT');
});

Scan('a list extension followed by anything but [model, [keys]] is INVALID_REF, saying what a list must be; its arrays are not counted as keys', () => {
  const twenty = Array.from({ length: 20 }, () => 1);
  // list extension, then { k: [1 × 20] } instead of [model, [keys]]
  const err = failure([0xd4, 44, 0, 0x81, 0xa1, ...text('k'), 0xdc, ...be(20, 2), ...twenty], { maxDepth: 64, maxRefs: 10 });
  assert.is(err.code, 'INVALID_REF');
  assert.is(err.message, '[cereal] [msgpack] a list of refs must be [model, [pk, …]]');
});

Scan('malformed ref, pinned ref and Map extensions are refused, each saying what it must be', () => {
  const users = [0xa5, ...text('users')];
  const cases: [number[], string, string][] = [
    [[0xd4, 42, 0, 0x91, ...users], 'INVALID_REF', '[cereal] [msgpack] a ref must be [model, pk]'],
    [[0xd4, 42, 0, 0x93, ...users, 1, 2], 'INVALID_REF', '[cereal] [msgpack] a ref must be [model, pk]'],
    [[0xd4, 45, 0, 0x92, ...users, 1], 'INVALID_REF', '[cereal] [msgpack] a pinned ref must be [model, pk, version]'],
    [[0xd4, 45, 0, 0x93, ...users, 1, 0xd4, 0, 0], 'INVALID_REF', '[cereal] [msgpack] a pinned ref must be [model, pk, version]'], // version undefined
    [[0xd4, 43, 0, 0x93, 1, 2, 3], 'MALFORMED', '[cereal] [msgpack] a Map must be an array of [key, value, …] pairs'],
  ];
  for (const [bytes, code, message] of cases) {
    const err = failure(bytes);
    assert.is(err.code, code, message);
    assert.is(err.message, message);
  }
  const pinned = decode([0xd4, 45, 0, 0x93, ...users, 1, 7]) as ModelRef;
  assert.is(pinned.toString(), 'users:1@7');
});

Scan('bigint keys a double holds exactly are written as numbers, up to ±(2^53 − 1): they read back as numbers', () => {
  const max = 2n ** 53n - 1n;
  for (const [pk, back] of [[max, Number(max)], [-max, -Number(max)], [max + 1n, max + 1n], [-max - 1n, -max - 1n]] as const) {
    const decoded = decode(format.encode({ r: ref('users', pk), c: ref('orders', [pk, 1]), p: ref('users', 1, pk) }) as Uint8Array) as Record<string, ModelRef>;
    assert.is(decoded.r!.pk, back, String(pk));
    assert.equal(decoded.c!.pk, [back, 1], String(pk));
    assert.is(decoded.p!.version, back, String(pk));
  }
});

Scan.run();
