import { yamlFormat } from '../src/index.js';
import { ownData, testHostile, type HostileCase } from '../../core/test/suites/hostile.js';

const laughs = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
for (const [name, prev] of [['b', 'a'], ['c', 'b'], ['d', 'c'], ['e', 'd'], ['f', 'e'], ['g', 'f']]) {
  laughs.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(', ')}]`);
}

const cases: HostileCase<string>[] = [
  ['a billion laughs', `${laughs.join('\n')}\n`, 'LIMIT'],
  ['!!js/function', 'a: !!js/function "function () { return process.exit(1) }"\n', 'MALFORMED'],
  ['!!js/regexp', 'a: !!js/regexp /x/\n', 'MALFORMED'],
  ['!!js/undefined', 'a: !!js/undefined ""\n', 'MALFORMED'],
  ['!!python/object', 'a: !!python/object:os.system [ls]\n', 'MALFORMED'],
  ['an unknown local tag', 'a: !evil 1\n', 'MALFORMED'],
  ['`__proto__` as a key', '__proto__: {polluted: true}\nb: 1\n', ownData('__proto__', 'b')],
  ['an empty payload', '', 'MALFORMED'],
  ['a payload of comments only', '# nothing here\n', 'MALFORMED'],
  ['a ref as a plain mapping key', '? !ref [users, 1]\n: x\n', 'INVALID_REF'],
  ['a collection as a plain mapping key', '? [a, b]\n: x\n', 'MALFORMED'],
  ['a duplicate key among 40 000', `${Array.from({ length: 40_000 }, (_, i) => `k${i}: ${i}`).join('\n')}\nk7: dup\n`, 'MALFORMED'],
  ['a !bigint of 5000 digits', `a: !bigint ${'9'.repeat(5000)}\n`, 'MALFORMED'],
  ['a ref key of 60 digits', `!ref [users, ${'9'.repeat(60)}]\n`, 'INVALID_REF'],
  ['`constructor` and `prototype` as keys', 'constructor: {prototype: {polluted: true}}\n', ownData('constructor')],
  ['200 000 nested flow sequences', `${'['.repeat(200_000)}${']'.repeat(200_000)}`, 'LIMIT'],
  ['3000 nested block sequences', `${Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i)}- `).join('\n')}1\n`, 'LIMIT'],
  ['5000 compact nested sequences', `${'- '.repeat(5000)}1\n`, 'LIMIT'],
  ['a ref whose pk is an object', '!ref [users, {id: 1}]\n', 'INVALID_REF'],
  ['a ref whose pk is NaN', '!ref [users, .nan]\n', 'INVALID_REF'],
  ['a ref with an empty composite key', '!ref [orders, []]\n', 'INVALID_REF'],
  ['a ref whose composite key has the wrong arity', '!ref [orders, [7, 1001, 3]]\n', 'INVALID_REF'],
  ['a ref whose model is not a string', '!ref [42, 1]\n', 'INVALID_REF'],
  ['a ref whose model is null', '!ref [null, 1]\n', 'INVALID_REF'],
  ['a ref as a scalar', '!ref users\n', 'INVALID_REF'],
  ['a ref as a mapping', '!ref {users: 1}\n', 'INVALID_REF'],
  ['a ref to a model outside the loader map, beside a known one', '- !ref [users, 1]\n- !ref [invoices, 1]\n', 'UNKNOWN_MODEL'],
  ['a ref to `constructor`', '!ref [constructor, 1]\n', 'UNKNOWN_MODEL'],
  ['two documents', 'a: 1\n---\nb: 2\n', 'MALFORMED'],
];

testHostile(yamlFormat(), cases);
