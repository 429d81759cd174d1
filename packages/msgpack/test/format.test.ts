import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Packr, pack } from 'msgpackr';
import { CerealError, ref } from '@cereal/core';
import { refList } from '@cereal/core/format';
import { msgpackFormat } from '../src/index.js';
import { LIST_TYPE, REF_TYPE } from '../src/extension.js';
import { testFormat } from '@cereal/testkit';

/** A class instance: every format writes its own enumerable properties, as JSON.stringify does. */
class Point {
  constructor(readonly x: number) {}
}

/** msgpackr's tag form of a read/write extension: fixext1 `type` with a 0 byte, then the value. */
const tagged = (type: number, data: Uint8Array): Uint8Array => Uint8Array.from([0xd4, type, 0, ...data]);
/** An ext8 value of `type` holding `data`: not how cereal's extensions are written. */
const ext8 = (type: number, data: Uint8Array): Uint8Array => Uint8Array.from([0xc7, data.length, type, ...data]);

testFormat(msgpackFormat(), {
  wire: 'bytes',
  malformed: [
    new Uint8Array([]),
    new Uint8Array([0x92, 0x01]), // array of 2, one element
    new Uint8Array([0xdd, 0xff, 0xff, 0xff, 0xff]), // array claiming 4 billion elements
    tagged(REF_TYPE, new Uint8Array([])), // a ref tag with nothing after it
    ext8(REF_TYPE, pack(['users', 1])), // a ref as ext8 bytes
    new Uint8Array([0xd4, 99, 0]), // an extension nobody registered
    new Uint8Array([0x01, 0x01]), // trailing data
    new Uint8Array([0xd6, 0x69, 0, 0, 0, 1, 0x90]), // structured-clone id extension
    tagged(43, pack([1])), // a Map with a key and no value
  ],
  invalidRef: [
    tagged(REF_TYPE, pack('users')),
    tagged(REF_TYPE, pack(['users'])),
    tagged(REF_TYPE, pack(['users', 1, 2])),
    tagged(REF_TYPE, pack([42, 1])),
    tagged(REF_TYPE, pack(['users', { id: 1 }])),
    tagged(REF_TYPE, pack(['users', 1.5])),
    tagged(REF_TYPE, pack(['orders', []])),
    tagged(REF_TYPE, pack(['a:b', 1])),
    tagged(LIST_TYPE, pack(['users', 5])),
    tagged(LIST_TYPE, pack(['users', [1, {}]])),
    tagged(LIST_TYPE, pack(['users'])),
  ],
  documented: [
    ['a class instance, written as a plain object', new Point(1), { x: 1 }],
    // eslint-disable-next-line no-sparse-arrays
    ['a hole in an array, read back as undefined', [1, , 3], [1, undefined, 3]],
    ['-0, written as the integer 0', -0, 0],
    ['a URL, written as its text', new URL('https://example.com/a'), 'https://example.com/a'],
  ],
  refuses: [['an Error', new TypeError('x')]],
});

// ---

const Msgpack = suite('msgpackFormat');

Msgpack('writes a ref as extension 42 followed by [model, pk]', () => {
  const wire = msgpackFormat().encode(ref('users', 42));
  assert.equal([...wire], [0xd4, REF_TYPE, 0, 0x92, 0xa5, ...Buffer.from('users'), 42]);
});

Msgpack('writes a list of refs to one model with the model name once', () => {
  const wire = msgpackFormat().encode(refList([ref('users', 1), ref('users', 2), ref('users', 3)]));
  assert.equal([...wire], [0xd4, LIST_TYPE, 0, 0x92, 0xa5, ...Buffer.from('users'), 0x93, 1, 2, 3]);
});

Msgpack('writes a bigint key within 2^53 as a plain integer', () => {
  assert.equal(msgpackFormat().encode(ref('users', 42n)), msgpackFormat().encode(ref('users', 42)));
});

Msgpack('round-trips undefined', () => {
  const out = msgpackFormat().decode(msgpackFormat().encode({ gone: undefined, list: [undefined] })) as Record<string, unknown>;
  assert.ok(Object.hasOwn(out, 'gone') && out.gone === undefined);
  assert.equal(out.list, [undefined]);
});

Msgpack('keeps __proto__ keys from reaching the prototype', () => {
  const evil = new Uint8Array([0x81, 0xa9, ...Buffer.from('__proto__'), 0x81, 0xa1, 0x78, 0x01]);
  const out = msgpackFormat().decode(evil) as object;
  assert.is(Object.getPrototypeOf(out), Object.prototype);
  assert.is(({} as Record<string, unknown>).x, undefined);
});

Msgpack('a payload is readable by a plain msgpack reader, refs aside', () => {
  const plain = new Packr({ useRecords: false }).unpack(msgpackFormat().encode({ a: [1, 'two'], b: { c: true } }));
  assert.equal(plain, { a: [1, 'two'], b: { c: true } });
});

Msgpack('a decode failure keeps msgpackr\'s error as cause', () => {
  try {
    msgpackFormat().decode(new Uint8Array([0xd5, 0x74, 99, 0])); // a typed array of a type msgpackr does not know
    assert.unreachable();
  } catch (err) {
    assert.instance(err, CerealError);
    assert.instance((err as CerealError).cause, Error);
  }
});

Msgpack('objects are plain msgpack maps, with no records; a Date is 32-bit when it has no milliseconds, and keeps them when it has', () => {
  assert.equal([...msgpackFormat().encode({ a: 1 })], [0x81, 0xa1, 0x61, 1]);
  assert.equal([...msgpackFormat().encode([{ a: 1 }, { a: 2 }])], [0x92, 0x81, 0xa1, 0x61, 1, 0x81, 0xa1, 0x61, 2], 'the same shape twice is two maps, never a record');
  const noon = new Date(Date.UTC(2026, 10, 28, 12));
  const precise = new Date(Date.UTC(2026, 10, 28, 12, 0, 0, 5));
  // useTimestamp32 is accepted and changes nothing: msgpackr's option of that name dropped the milliseconds
  for (const format of [msgpackFormat(), msgpackFormat({ useTimestamp32: true })]) {
    const short = format.encode(noon);
    assert.equal([...short.slice(0, 2)], [0xd6, 0xff], 'fixext4, type -1: timestamp32');
    assert.is(short.length, 6);
    assert.equal(format.decode(short), noon);
    assert.is((format.decode(format.encode(precise)) as Date).getTime(), precise.getTime(), 'milliseconds kept');
  }
});

Msgpack('integers beyond 2^53 come back as bigints, within 2^53 as numbers; Sets and bigints beyond 64 bits survive', () => {
  const format = msgpackFormat();
  assert.is(format.decode(Uint8Array.from([0xcf, 0, 0x20, 0, 0, 0, 0, 0, 1])), 2n ** 53n + 1n);
  assert.is(format.decode(format.encode(2n ** 100n)), 2n ** 100n);
  assert.equal(format.decode(format.encode(new Set([1, 'a']))), new Set([1, 'a']));
  assert.equal(format.decode(format.encode(new Map([[1, 'a']]))), new Map([[1, 'a']]));
});

Msgpack.run();
