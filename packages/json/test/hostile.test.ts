import { jsonFormat } from '../src/index.js';
import { ownData, testHostile, type HostileCase } from '../../core/test/suites/hostile.js';

const payload = (json: unknown, values: unknown): string => JSON.stringify({ json, meta: { values, v: 1 } });
const ref = (json: unknown): string => payload(json, [['custom', 'ref']]);
const deep = (n: number): string => `{"json":${'['.repeat(n)}${']'.repeat(n)}}`;
// Written as text: JSON.stringify itself overflows the stack on a structure this deep.
const deepMeta = `${'["undefined",{"a":'.repeat(5000)}["undefined"]${'}]'.repeat(5000)}`;

const cases: HostileCase<string>[] = [
  ['`__proto__` as a key', '{"json":{"__proto__":{"polluted":true},"b":1}}', ownData('__proto__', 'b')],
  ['referential equalities (never written by cereal)', JSON.stringify({ json: { a: [1], b: [1] }, meta: { referentialEqualities: { a: ['b'] }, v: 1 } }), 'MALFORMED'],
  ['a type named `__proto__`', JSON.stringify({ json: 1, meta: { values: ['__proto__'], v: 1 } }), 'MALFORMED'],
  ['a type named `valueOf`', JSON.stringify({ json: 1, meta: { values: ['valueOf'], v: 1 } }), 'MALFORMED'],
  ['a bigint of 5000 digits', payload({ a: '9'.repeat(5000) }, { a: ['bigint'] }), 'MALFORMED'],
  ['`constructor` and `prototype` as keys', '{"json":{"constructor":{"prototype":{"polluted":true}}}}', ownData('constructor')],
  ['a meta path through `__proto__`', payload({ a: 1 }, { '__proto__.polluted': ['undefined'] }), 'MALFORMED'],
  ['a meta path through `constructor.prototype`', payload({ a: 1 }, { 'constructor.prototype.polluted': ['undefined'] }), 'MALFORMED'],
  ['a meta path ending in `prototype`', payload({ a: {} }, { 'a.prototype': ['undefined'] }), 'MALFORMED'],
  ['referential equalities through `__proto__`', JSON.stringify({ json: { a: {} }, meta: { referentialEqualities: { a: ['__proto__'] }, v: 1 } }), 'MALFORMED'],
  ['an unknown custom transformer', payload(['x'], [['custom', 'evil']]), 'MALFORMED'],
  ['a class annotation', payload({}, [['class', 'Object']]), 'MALFORMED'],
  ['a symbol annotation', payload('x', [['symbol', 'x']]), 'MALFORMED'],
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

testHostile(jsonFormat(), cases);
