/**
 * What the msgpack format reads, header by header: every value msgpack can write in any of its
 * encodings comes back (msgpackr picks the smallest; other writers may not), and what cereal
 * never writes is refused by the format itself, before msgpackr builds anything.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Packr, pack } from 'msgpackr';
import { CerealError, isRef } from '@cereal/core';
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

Scan.run();
