import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import SuperJSON from 'superjson';
import { CerealError, ref, type ModelRef } from '@cereal/core';
import { refList } from '@cereal/core/format';
import { jsonFormat } from '../src/index.js';
import { testFormat } from '@cereal/testkit';

/** A class instance: every format writes its own enumerable properties, as JSON.stringify does. */
class Point {
  constructor(readonly x: number) {}
}

const payload = (json: unknown, values: unknown): string => JSON.stringify({ json, meta: { values, v: 1 } });

testFormat(jsonFormat(), {
  wire: 'text',
  malformed: [
    '',
    '{',
    '[1, 2]',
    '{"meta": {}}',
    '{"json": 1, "meta": 5}',
    'null',
    payload(['x'], [['custom', 'nope']]),
    payload({ a: 1 }, { a: ['no-such-type'] }),
    payload({ a: 1 }, { 'a.b.c': ['Date'] }),
    payload({ a: 1 }, { __proto__: ['Date'], 'constructor.prototype': ['Date'] }),
    payload({ a: [1] }, { 'a.__proto__.x': ['bigint'] }),
    payload(['x'], [['class', 'Evil']]),
    payload({ a: 1 }, { x: ['Date'] }),
    payload({ a: 'zz' }, { a: ['Date'] }),
    payload({ a: 'zz' }, { a: ['bigint'] }),
    payload({ a: 1 }, { a: ['map'] }),
    payload({ a: [1] }, { 'a.5': ['undefined'] }),
    payload({ a: [1] }, { 'a\\x': ['undefined'] }),
    JSON.stringify({ json: { a: 1 }, meta: { values: { a: ['undefined'] } } }),
    JSON.stringify({ json: { a: 1 }, meta: { v: 1, evil: true } }),
    JSON.stringify({ json: { a: 1 }, meta: { v: 1, referentialEqualities: { a: ['b'] } } }),
  ],
  invalidRef: [
    payload('users', [['custom', 'ref']]),
    payload(['users'], [['custom', 'ref']]),
    payload(['users', 1, 2], [['custom', 'ref']]),
    payload([42, 1], [['custom', 'ref']]),
    payload(['users', { id: 1 }], [['custom', 'ref']]),
    payload(['users', { bigint: '1.5' }], [['custom', 'ref']]),
    payload(['users', { bigint: '12', extra: 1 }], [['custom', 'ref']]),
    payload(['users', 1.5], [['custom', 'ref']]),
    payload(['users', []], [['custom', 'ref']]),
    payload(['a:b', 1], [['custom', 'ref']]),
    payload(['users', 5], [['custom', 'refs']]),
    payload(['users', [1, {}]], [['custom', 'refs']]),
    payload({ u: ['users', null] }, { u: [['custom', 'ref']] }),
  ],
  documented: [
    ['an ArrayBuffer, as its bytes', Uint8Array.from([1, 2]).buffer, Uint8Array.from([1, 2]).buffer],
    ['a DataView, as its bytes', new DataView(Uint8Array.from([3]).buffer), new DataView(Uint8Array.from([3]).buffer)],
    ['-0', -0, -0],
    ['a class instance, written as a plain object', new Point(1), { x: 1 }],
    // eslint-disable-next-line no-sparse-arrays
    ['a hole in an array, read back as null', [1, , 3], [1, null, 3]],
  ],
});

// ---

const Json = suite('jsonFormat');
const format = jsonFormat();

Json('writes plain JSON text with refs as [model, key]', () => {
  assert.is(format.encode({ user: ref('users', 42) }), '{"json":{"user":["users",42]},"meta":{"values":{"user":[["custom","ref"]]},"v":1}}');
});

Json('a list of refs to one model costs one metadata entry, not one per ref', () => {
  const refs = Array.from({ length: 100 }, (_, i) => ref('users', i + 1));
  const text = format.encode({ to: refList(refs) });
  assert.is((text.match(/custom/g) ?? []).length, 1);
  assert.ok(text.startsWith('{"json":{"to":["users",[1,2,3,'));
});

Json('keys above 2^53 travel as {"bigint": digits} and come back exact', () => {
  const text = format.encode(ref('events', 9007199254740993n));
  assert.is(text, '{"json":["events",{"bigint":"9007199254740993"}],"meta":{"values":[["custom","ref"]],"v":1}}');
  assert.is((format.decode(text) as ModelRef).pk, 9007199254740993n);
});

Json('Date, Map, Set, undefined and bigint values round-trip as superjson does them', () => {
  const value = { d: new Date(5), m: new Map([[1, 'a']]), s: new Set([1]), u: undefined, b: 2n ** 70n };
  const out = format.decode(format.encode(value)) as typeof value;
  assert.equal(out, value);
  assert.ok(Object.hasOwn(out, 'u'));
});

Json('never touches superjson\'s shared default instance', () => {
  format.encode({ user: ref('users', 1) });
  const shared = SuperJSON.serialize({ user: ref('users', 1) });
  assert.not.equal(shared.meta?.values, { user: [['custom', 'ref']] });
});

Json('a __proto__ key in the JSON stays data', () => {
  const out = format.decode('{"json":{"__proto__":{"polluted":true},"a":1}}') as Record<string, unknown>;
  assert.is(Object.getPrototypeOf(out), Object.prototype);
  assert.is(({} as Record<string, unknown>).polluted, undefined);
});

Json('space indents the text; instances are independent', () => {
  const pretty = jsonFormat({ space: 2 });
  assert.match(pretty.encode({ a: 1 }), /\n {2}"json"/);
  assert.not.match(format.encode({ a: 1 }), /\n/);
});

Json('a decode failure is a CerealError with the cause', () => {
  try {
    format.decode('{"json": [1,');
    assert.unreachable();
  } catch (err) {
    assert.instance(err, CerealError);
    assert.instance((err as CerealError).cause, SyntaxError);
  }
});

Json('format.decode alone never leaks a TypeError for a type named after an Object.prototype member', () => {
  for (const type of ['__proto__', 'valueOf', 'toString', 'constructor', 'hasOwnProperty']) {
    try {
      format.decode(JSON.stringify({ json: 1, meta: { values: [type], v: 1 } }));
      assert.unreachable(type);
    } catch (err) {
      assert.instance(err, CerealError);
      assert.is((err as CerealError).code, 'MALFORMED');
    }
  }
});

Json('a ref inside a class instance is MALFORMED naming it, not a message about JSON.stringify', () => {
  class Box {
    constructor(readonly user: unknown) {}
  }
  try {
    format.encode({ box: new Box(ref('users', 7)) });
    assert.unreachable();
  } catch (err) {
    assert.instance(err, CerealError);
    assert.is((err as CerealError).code, 'MALFORMED');
    assert.match((err as CerealError).message, /\[json\] a ref inside a class instance \(`users:7`\)/);
    assert.equal((err as CerealError).refs?.map((r) => r.key), ['users:7']);
  }
  assert.is(format.encode({ box: new Box(1) }), '{"json":{"box":{"user":1}}}');
});

Json('no referential equalities are written: a repeated object is written out twice', () => {
  const shared = { at: new Date(0) };
  const text = format.encode({ a: shared, b: shared });
  assert.not.match(text, /referentialEqualities/);
  const out = format.decode(text) as { a: object; b: object };
  assert.equal(out.a, out.b);
});

Json.run();
