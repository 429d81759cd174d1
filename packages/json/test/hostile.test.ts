import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createSerializer, ref as makeRef } from '@cereal/core';
import { jsonFormat } from '../src/index.js';
import { ownData, testHostile, type HostileCase } from '@cereal/testkit';

const payload = (json: unknown, values: unknown): string => JSON.stringify({ json, meta: { values, v: 1 } });
const ref = (json: unknown): string => payload(json, [['custom', 'ref']]);
const deep = (n: number): string => `{"json":${'['.repeat(n)}${']'.repeat(n)}}`;
// Written as text: JSON.stringify itself overflows the stack on a structure this deep.
const deepMeta = `${'["undefined",{"a":'.repeat(5000)}["undefined"]${'}]'.repeat(5000)}`;

/** Three refs to users:1 in a Set, annotated as superjson would not: one sibling path per member. */
const siblingRefs = (): string => {
  const meta: Record<string, unknown> = { s: ['set'] };
  for (let i = 0; i < 3; i++) meta[`s.${i}`] = [['custom', 'ref']];
  return payload({ s: [['users', 1], ['users', 1], ['users', 1]] }, meta);
};

// Three refs to users:1 annotated in ways cereal's encoder does not write.
const wideRefs: [string, string][] = [
  ['sibling paths under a Set', siblingRefs()],
  ['dotted paths from the root', payload({ a: { b: [['users', 1], ['users', 1], ['users', 1]] } }, { 'a.b.0': [['custom', 'ref']], 'a.b.1': [['custom', 'ref']], 'a.b.2': [['custom', 'ref']] })],
  ['escaped dots in a path', payload({ 'a.b': [['users', 1], ['users', 1], ['users', 1]] }, { 'a\\.b.0': [['custom', 'ref']], 'a\\.b.1': [['custom', 'ref']], 'a\\.b.2': [['custom', 'ref']] })],
  ['a list and a ref, keys as {"bigint"}', payload([['users', [{ bigint: '1' }, 1]], ['users', { bigint: '1' }]], { 0: [['custom', 'refs']], 1: [['custom', 'ref']] })],
  ['refs as Map values through sibling paths', payload({ m: [[1, ['users', 1]], [2, ['users', 1]], [3, ['users', 1]]] }, { m: ['map'], 'm.0.1': [['custom', 'ref']], 'm.1.1': [['custom', 'ref']], 'm.2.1': [['custom', 'ref']] })],
];

const foreignTypes: [string, string][] = [
  ['an unknown custom transformer', payload(['x'], [['custom', 'evil']])],
  ['a class annotation', payload({}, [['class', 'Object']])],
  ['a symbol annotation', payload('x', [['symbol', 'x']])],
  ['a typed array named Buffer (superjson writes it, and cannot read it back)', payload([1, 2], [['typed-array', 'Buffer']])],
  ['a typed array of an unknown class', payload([1], [['typed-array', 'Evil']])],
  ['a type named `valueOf`', JSON.stringify({ json: 1, meta: { values: ['valueOf'], v: 1 } })],
];

const cases: HostileCase<string>[] = [
  ['two annotations for one path', payload({ a: { b: '2026-01-01T00:00:00.000Z' } }, { 'a.b': ['Date'], a: [['custom', 'ref'], { b: ['Date'] }] }), 'MALFORMED'],
  ['a sibling path into a member the Set does not have: nothing is converted', payload({ s: ['2026-01-01T00:00:00.000Z'] }, { s: ['set'], 's.0': ['Date'], 's.1': ['Date'] }), 'MALFORMED'],
  ['`__proto__` as a key', '{"json":{"__proto__":{"polluted":true},"b":1}}', ownData('__proto__', 'b')],
  ['referential equalities (never written by cereal)', JSON.stringify({ json: { a: [1], b: [1] }, meta: { referentialEqualities: { a: ['b'] }, v: 1 } }), 'MALFORMED'],
  ['a type named `__proto__`', JSON.stringify({ json: 1, meta: { values: ['__proto__'], v: 1 } }), 'MALFORMED'],
  ['a bigint of 5000 digits', payload({ a: '9'.repeat(5000) }, { a: ['bigint'] }), 'MALFORMED'],
  ['`constructor` and `prototype` as keys', '{"json":{"constructor":{"prototype":{"polluted":true}}}}', ownData('constructor')],
  ['a meta path through `__proto__`', payload({ a: 1 }, { '__proto__.polluted': ['undefined'] }), 'MALFORMED'],
  ['a meta path through `constructor.prototype`', payload({ a: 1 }, { 'constructor.prototype.polluted': ['undefined'] }), 'MALFORMED'],
  ['a meta path ending in `prototype`', payload({ a: {} }, { 'a.prototype': ['undefined'] }), 'MALFORMED'],
  ['referential equalities through `__proto__`', JSON.stringify({ json: { a: {} }, meta: { referentialEqualities: { a: ['__proto__'] }, v: 1 } }), 'MALFORMED'],
  ['meta values that are a string', payload({ a: 1 }, 'Date'), 'MALFORMED'],
  ['an annotation of three parts', payload({ a: 1 }, ['undefined', {}, {}]), 'MALFORMED'],
  ['an annotation that is a number', payload({ a: 1 }, { a: 5 }), 'MALFORMED'],
  ['meta version 2', JSON.stringify({ json: 1, meta: { v: 2 } }), 'MALFORMED'],
  ['200 000 nested arrays', deep(200_000), 'LIMIT'],
  ['metadata nested 5000 deep', `{"json":{},"meta":{"values":${deepMeta},"v":1}}`, 'LIMIT'],
  ['a ref whose pk is an object', ref(['users', { id: 1 }]), 'INVALID_REF'],
  ['a ref whose pk is NaN', payload(['users', 'NaN'], [['custom', 'ref'], { 1: ['number'] }]), 'INVALID_REF'],
  ['a ref with an empty composite key', ref(['orders', []]), 'INVALID_REF'],
  ['a ref whose composite key has the wrong arity', ref(['orders', [7, 1001, 3]]), 'INVALID_REF'],
  ['a ref whose model is not a string', ref([42, 1]), 'INVALID_REF'],
  ['a ref to a model outside the loader map, beside a known one', payload([['users', 1], ['invoices', 1]], { 0: [['custom', 'ref']], 1: [['custom', 'ref']] }), 'UNKNOWN_MODEL'],
  ['a ref to `constructor`', ref(['constructor', 1]), 'UNKNOWN_MODEL'],
];

testHostile(jsonFormat(), cases, { wideRefs, foreignTypes });

// ---

const Meta = suite('json metadata');

Meta('sibling paths under one Set (quadratic in superjson) are applied in one pass, every member converted', () => {
  const n = 50_000;
  const meta: Record<string, unknown> = { s: ['set'] };
  for (let i = 0; i < n; i++) meta[`s.${i}`] = ['Date'];
  const text = JSON.stringify({ json: { s: Array.from({ length: n }, (_, i) => new Date(i).toISOString()) }, meta: { values: meta, v: 1 } });
  const out = jsonFormat().decode(text) as { s: Set<Date> };
  assert.instance(out.s, Set);
  assert.is(out.s.size, n);
  let i = 0;
  for (const d of out.s) assert.is(d.getTime(), i++);
});

Meta('a Map annotated through sibling paths to its keys and values is converted whole', () => {
  const text = JSON.stringify({ json: { m: [['2026-01-01T00:00:00.000Z', '12']] }, meta: { values: { m: ['map'], 'm.0.0': ['Date'], 'm.0.1': ['bigint'] }, v: 1 } });
  const out = jsonFormat().decode(text) as { m: Map<Date, bigint> };
  assert.equal([...out.m], [[new Date('2026-01-01T00:00:00.000Z'), 12n]]);
});

Meta('the metadata superjson writes for nested Sets, Maps and refs reads back exactly', () => {
  const format = jsonFormat();
  const value = { a: new Set([new Map([[new Date(1), new Set([2n, undefined])]])]), b: [makeRef('users', 1), { r: makeRef('orders', [7, 2n ** 60n]) }] };
  assert.equal(format.decode(format.encode(value)), value);
});

Meta.run();

// ---

const Errors = suite('json: refs inside Errors');

Errors('a ref inside an Error (never loaded by hydrate) is MALFORMED when read, on any path, and when written', async () => {
  const cereal = createSerializer({ format: jsonFormat(), loaders: { users: { load: async () => [], keyOf: () => 1 } } });
  for (const wire of [
    payload({ e: { name: 'Error', message: 'm', cause: ['users', 1] } }, { e: ['Error', { cause: [['custom', 'ref']] }] }),
    payload({ e: { name: 'Error', message: 'm', cause: ['constructor', 1] } }, { 'e.cause': [['custom', 'ref']], e: ['Error'] }),
  ]) {
    try {
      await cereal.decode(wire);
      assert.unreachable();
    } catch (err) {
      assert.is((err as { code?: string }).code, 'MALFORMED');
    }
  }
  assert.throws(() => cereal.encode({ e: new Error('m', { cause: makeRef('users', 1) }) }), /inside an Error/);
  const out = (await cereal.decode(cereal.encode({ e: new Error('m', { cause: new Date(0) }) }))) as { e: Error };
  assert.equal(out.e.cause, new Date(0));
});

Errors.run();
