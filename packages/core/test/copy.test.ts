/**
 * copyRow: the row a later value of a batch gets (decodeMany, coalesced decodes). Each value's
 * row must be its own all the way down, be what the loaded row is (types, shape, frozen state),
 * and be refused (undefined: the value loads its own) where a faithful copy cannot be made.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { copyRow } from '../src/copy.js';

const Copy = suite('copyRow: a row of its own for each later value of a batch');

const copied = <T extends object>(row: T): T => {
  const out = copyRow(row);
  if (out === undefined) throw new Error('expected a copy');
  assert.is.not(out, row);
  return out as T;
};

Copy('primitives, null and undefined are kept as they are, beside nested data', () => {
  const row = { id: 1, name: 'Ada', nothing: null, unset: undefined, big: 2n ** 70n, ok: true, sym: Symbol.for('s') };
  const out = copied(row);
  assert.equal(out, row);
  assert.ok(Object.hasOwn(out, 'unset'), 'an own undefined stays an own property');
});

Copy('objects reached twice are copied once, and cycles stay cycles (the copy never reaches the original)', () => {
  const shared = { n: 1 };
  const row: Record<string, unknown> = { a: shared, b: [shared, shared], m: new Map([[shared, shared]]), s: new Set([shared]) };
  row.self = row;
  (shared as Record<string, unknown>).back = row;
  const out = copied(row) as Record<string, any>;
  assert.is(out.self, out);
  assert.is.not(out.a, shared);
  assert.is(out.b[0], out.a);
  assert.is(out.b[1], out.a);
  assert.is([...out.m.keys()][0], out.a);
  assert.is([...out.m.values()][0], out.a);
  assert.is([...out.s][0], out.a);
  assert.is(out.a.back, out);
});

Copy('arrays keep their length and holes, trailing holes too, and their frozen state', () => {
  // eslint-disable-next-line no-sparse-arrays
  const holes = [1, , 3, ,];
  const frozen = Object.freeze([{ x: 1 }]);
  const out = copied({ holes, frozen }) as { holes: unknown[]; frozen: readonly { x: number }[] };
  assert.is(out.holes.length, 4);
  assert.not.ok(1 in out.holes);
  assert.not.ok(3 in out.holes);
  assert.equal(out.holes[2], 3);
  assert.ok(Object.isFrozen(out.frozen));
  assert.is.not(out.frozen, frozen);
  assert.is.not(out.frozen[0], frozen[0]);
});

Copy("binary data and Dates are copies with the same type and contents, and their own memory", () => {
  const buffer = new ArrayBuffer(8);
  new Uint8Array(buffer).set([1, 2, 3, 4, 5, 6, 7, 8]);
  const row = {
    date: new Date(1_700_000_000_000),
    buf: Buffer.from('abc'),
    u16: new Uint16Array([1, 65535]),
    f64: new Float64Array([0.5]),
    view: new DataView(buffer, 2, 4),
    raw: buffer.slice(0, 3),
  };
  const out = copied(row);
  assert.ok(out.date instanceof Date && out.date.getTime() === row.date.getTime() && out.date !== row.date);
  assert.ok(Buffer.isBuffer(out.buf) && out.buf !== row.buf && out.buf.toString() === 'abc');
  assert.ok(out.u16 instanceof Uint16Array && out.u16 !== row.u16);
  assert.equal([...out.u16], [1, 65535]);
  assert.ok(out.f64 instanceof Float64Array);
  assert.equal([...out.f64], [0.5]);
  assert.ok(out.view instanceof DataView && out.view !== row.view);
  assert.is(out.view.byteLength, 4);
  assert.is(out.view.byteOffset, 0);
  assert.equal([...new Uint8Array(out.view.buffer)], [3, 4, 5, 6], 'the part the view shows, not its whole buffer');
  assert.ok(out.raw instanceof ArrayBuffer && out.raw !== row.raw);
  assert.equal([...new Uint8Array(out.raw)], [1, 2, 3]);
  // writing to the copy leaves the loaded row alone
  out.buf[0] = 0x7a;
  out.u16[0] = 9;
  out.view.setUint8(0, 99);
  new Uint8Array(out.raw)[0] = 99;
  out.date.setTime(0);
  assert.is(row.buf.toString(), 'abc');
  assert.is(row.u16[0], 1);
  assert.is(row.view.getUint8(0), 3);
  assert.is(new Uint8Array(row.raw)[0], 1);
  assert.is(row.date.getTime(), 1_700_000_000_000);
});

Copy('instances of other classes, subclasses of Buffer and Date included, and nested Proxies are shared, not rebuilt', () => {
  class Money {
    constructor(readonly cents: number) {}
  }
  class Bytes extends Buffer {}
  class Day extends Date {}
  const bytes = Buffer.from('xy');
  Object.setPrototypeOf(bytes, Bytes.prototype);
  const proxy = new Proxy({ a: 1 }, {});
  const row = { money: new Money(5), bytes, day: new Day(0), proxy, re: /x/g };
  const out = copied(row);
  for (const key of Object.keys(row) as (keyof typeof row)[]) assert.is(out[key], row[key], key);
});

Copy('own properties are copied as they are defined: symbol keys, non-enumerable ones, a null prototype, an own __proto__ key', () => {
  const hidden = Symbol('hidden');
  const row = Object.create(null) as Record<string | symbol, unknown>;
  row[hidden] = { deep: 1 };
  Object.defineProperty(row, 'secret', { value: 's', enumerable: false, writable: false, configurable: false });
  Object.defineProperty(row, '__proto__', { value: { polluted: true }, enumerable: true, writable: true, configurable: true });
  const out = copied(row);
  assert.is(Object.getPrototypeOf(out), null);
  assert.equal(out[hidden], { deep: 1 });
  assert.is.not(out[hidden], row[hidden]);
  assert.equal(Object.getOwnPropertyDescriptor(out, 'secret'), { value: 's', enumerable: false, writable: false, configurable: false });
  assert.ok(Object.hasOwn(out, '__proto__'));
  assert.is(({} as Record<string, unknown>).polluted, undefined);
});

Copy('frozen, sealed and non-extensible objects stay so; ordinary ones stay open', () => {
  const row = { frozen: Object.freeze({ a: 1 }), sealed: Object.seal({ b: 1 }), closed: Object.preventExtensions({ c: 1 }), open: { d: 1 } };
  const out = copied(row);
  assert.ok(Object.isFrozen(out.frozen));
  assert.ok(Object.isSealed(out.sealed) && !Object.isFrozen(out.sealed));
  assert.ok(!Object.isExtensible(out.closed) && !Object.isSealed(out.closed));
  assert.ok(Object.isExtensible(out.open) && !Object.isSealed(out.open));
  assert.ok(Object.isExtensible(out) && !Object.isFrozen(out));
});

Copy('rows that cannot be copied faithfully are refused (undefined): class rows, arrays, Maps, Proxies, getters, setters', () => {
  class User {
    id = 1;
  }
  const refused: [string, object][] = [
    ['a class instance', new User()],
    ['an array', [1, 2]],
    ['a Map', new Map()],
    ['a Proxy', new Proxy({ id: 1 }, {})],
    ['a getter', { get id() { return 1; } }],
    ['a setter', { set id(_: number) {} }],
    ['a nested getter', { id: 1, json: { get deep() { return 1; } } }],
    ['an array index getter that throws', { id: 1, list: Object.defineProperty([0], 0, { get() { throw new Error('no'); } }) }],
    ['a Proxy whose getPrototypeOf trap throws', new Proxy({ id: 1 }, { getPrototypeOf: () => { throw new Error('trap'); } })],
  ];
  for (const [what, row] of refused) assert.is(copyRow(row), undefined, what);
});

Copy.run();
