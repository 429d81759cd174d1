import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createSerializer } from '@cereal/core';
import { yamlFormat } from '../src/index.js';
import { rejects } from '@cereal/testkit';
import { ownData, testHostile, type HostileCase } from '@cereal/testkit';

const laughs = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
for (const [name, prev] of [['b', 'a'], ['c', 'b'], ['d', 'c'], ['e', 'd'], ['f', 'e'], ['g', 'f']]) {
  laughs.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(', ')}]`);
}

// Three refs to users:1 in tag spellings cereal's encoder does not write.
const wideRefs: [string, string][] = [
  ['a verbatim tag `!<!refs>`', '!<!refs> [users, [1, 1, 1]]\n'],
  ['a %TAG handle', '%TAG !c! !\n---\n!c!refs [users, [1, 1, 1]]\n'],
  ['a redefined `!!` handle', '%TAG !! !\n---\n!!refs [users, [1, 1, 1]]\n'],
  ['single refs with verbatim tags', '- !<!ref> [users, 1]\n- !<!ref> [users, 1]\n- !<!ref> [users, 1]\n'],
  ['block sequences and quoted names', '!refs\n- "users"\n- - 1\n  - \'1\'\n  - 0x1\n'],
  ['an anchored ref and two aliases', '- &u !ref [users, 1]\n- *u\n- *u\n'],
];

const foreignTypes: [string, string][] = [
  ['!!js/function', 'a: !!js/function "function () { return process.exit(1) }"\n'],
  ['!!js/regexp', 'a: !!js/regexp /x/\n'],
  ['!!js/undefined', 'a: !!js/undefined ""\n'],
  ['!!python/object', 'a: !!python/object:os.system [ls]\n'],
  ['an unknown local tag', 'a: !evil 1\n'],
  ['a %-escaped `!ref` (not a tag cereal reads)', '!%72ef [users, 1]\n'],
];

const cases: HostileCase<string>[] = [
  ['a duplicate key inside an !!omap value', '!!omap\n- a: {x: 1, x: 2}\n', 'MALFORMED'],
  ['a collection as a key inside an !!omap value (was turned into a string, with a process warning)', '!!omap\n- a: {? [1, 2] : x}\n', 'MALFORMED'],
  ['a ref as a key inside an !!omap value', '!!omap\n- a: {? !ref [users, 1] : x}\n', 'INVALID_REF'],
  ['a duplicate !!omap key', '!!omap\n- 7: a\n- 7: b\n', 'MALFORMED'],
  ['an !!omap that is a mapping', '!!omap {a: 1}\n', 'MALFORMED'],
  ['an !!omap item of two keys', '!!omap\n- {a: 1, b: 2}\n', 'MALFORMED'],
  ['`1` and `"1"` in one mapping (one object key)', '1: a\n"1": b\n', 'MALFORMED'],
  ['`true` and `"true"` in one mapping', 'true: a\n"true": b\n', 'MALFORMED'],
  ['`~` and `null` in one mapping', '~: a\nnull: b\n', 'MALFORMED'],
  ['a timestamp that is not a date', 'a: !!timestamp 2026-13-45\n', 'MALFORMED'],
  ['a timestamp in a zone no clock has', 'a: 2001-12-14t21:59:43.10-29:99\n', 'MALFORMED'],
  ['!!binary that is not base64 (yaml read an empty Buffer)', 'a: !!binary "!!!!"\n', 'MALFORMED'],
  ['a merge key (`!!merge <<`) copying pairs past the checks', 'a: &a {x: 1}\nb: {!!merge <<: *a}\n', 'MALFORMED'],
  ['an alias whose anchor does not exist', 'a: *nothing\n', 'MALFORMED'],
  ['an alias inside the node its anchor names (a cycle)', 'a: &x [1, *x]\n', 'MALFORMED'],
  ['an anchor name used again around an alias of it (a cycle, not the earlier node)', 'b: &x 1\na: &x [*x, *x]\n', 'MALFORMED'],
  ['aliases doubling at each of 45 levels (2^45 values from a kilobyte: a worker hung)', Array.from({ length: 46 }, (_, i) => (i === 0 ? 'a0: &a0 []' : `a${i}: &a${i} [*a${i - 1}, *a${i - 1}]`)).join('\n'), 'LIMIT'],
  ['an !!omap key repeated through its anchor', 'm: !!omap [ {? &k [1] : first}, {? *k : second} ]\n', 'MALFORMED'],
  ['an !!omap key repeated through an alias of a scalar elsewhere', 'x: &k 1\nm: !!omap [ {1: first}, {? *k : second} ]\n', 'MALFORMED'],
  ['700 nested sequences under the highest maxDepth (250)', `${'['.repeat(700)}1${']'.repeat(700)}`, 'LIMIT', { maxDepth: 250 }],
  ['100 000 nested sequences (yaml\'s Composer would overflow the stack)', `${'['.repeat(100_000)}1${']'.repeat(100_000)}`, 'LIMIT'],
  ['a merge marker (`!!merge <<`) as a value', 'a: !!merge <<\n', 'MALFORMED'],
  ['a merge key inside an !!omap', '!!omap\n- !!merge <<: {? [1, 2] : x}\n', 'MALFORMED'],
  ['101 aliases of 101 anchors (yaml counts per anchor)', `[${Array.from({ length: 101 }, (_, i) => `&a${i} 0, *a${i}`).join(', ')}]\n`, 'LIMIT'],
  ['a tag of 900 000 characters: a short message', `!${'a'.repeat(900_000)} 1\n`, 'MALFORMED'],
  ['a !date that is not one', 'a: !date yesterday\n', 'MALFORMED'],
  ['an error token inside a collection', '[a, b, }]\n', 'MALFORMED'],
  ['a billion laughs', `${laughs.join('\n')}\n`, 'LIMIT'],
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

testHostile(yamlFormat(), cases, { wideRefs, foreignTypes });

// ---

const Sizes = suite('yaml at megabyte scale');
const MiB = 2 ** 20;

Sizes('4 MiB of `]` (1.4 GB and a heap crash before) is MALFORMED at the first one, when maxBytes lets it in', async () => {
  const cereal = createSerializer({ format: yamlFormat(), loaders: {}, maxBytes: 8 * MiB });
  const err = await rejects(() => cereal.decode(`a: ${']'.repeat(4 * MiB)}`));
  assert.is(err.code, 'MALFORMED');
  assert.match(err.message, /line 1, column 4/);
});

Sizes('1 MiB of `[,,,…]` (one Composer error per byte, 900 MB before) is MALFORMED at the first', async () => {
  const cereal = createSerializer({ format: yamlFormat(), loaders: {} });
  const err = await rejects(() => cereal.decode(`[${','.repeat(MiB - 2)}]`));
  assert.is(err.code, 'MALFORMED');
  assert.match(err.message, /UNEXPECTED_TOKEN: .* \(line 1, column 3\)$/);
  assert.is((await rejects(() => cereal.decode(`[${'!x 0,'.repeat(MiB / 5 - 1)}0]`))).code, 'MALFORMED');
});

Sizes('1 MiB of `&a 0, *a, *a, …` (quadratic in yaml: minutes) is LIMIT before it is composed', async () => {
  const chunk = `&a 0,${'*a,'.repeat(50)}`;
  const cereal = createSerializer({ format: yamlFormat(), loaders: {} });
  const err = await rejects(() => cereal.decode(`[${chunk.repeat(Math.floor((MiB - 4) / chunk.length))}0]`));
  assert.is(err.code, 'LIMIT');
  assert.match(err.message, /more than maxAliasCount 100 aliases/);
});

Sizes('YAML reads at most 1 MiB by default (its own maxBytes): a 16 MiB flat sequence is LIMIT before parsing', async () => {
  assert.is(yamlFormat().maxBytes, MiB);
  const cereal = createSerializer({ format: yamlFormat(), loaders: {} });
  const err = await rejects(() => cereal.decode(`[${'0,'.repeat(8 * MiB - 1)}0]`));
  assert.is(err.code, 'LIMIT');
  assert.match(err.message, /maxBytes 1048576/);
  const mine = createSerializer({ format: yamlFormat(), loaders: {}, maxBytes: 4 * MiB });
  assert.is((await rejects(() => mine.decode(`[${'0,'.repeat(3 * MiB)}0]`))).code, 'LIMIT');
});

Sizes('1 MiB of `[` or `{` (a million nested flow collections: the Parser built all of them, 6.8 s and 1 GB) is LIMIT before parsing', async () => {
  const cereal = createSerializer({ format: yamlFormat(), loaders: {} });
  for (const open of ['[', '{', '[{']) {
    const err = await rejects(() => cereal.decode(open.repeat(Math.floor((MiB - 16) / open.length))));
    assert.is(err.code, 'LIMIT', open);
    assert.match(err.message, /nests deeper than maxDepth 128/);
  }
  // within a block scalar or quotes, brackets are text: counted by no one
  const quoted = `a: "${'['.repeat(5000)}"
b: '${'{'.repeat(5000)}'
c: |
  ${'['.repeat(5000)}
d: [[1], {e: [2]}]
`;
  assert.equal(await cereal.decode(quoted), { a: '['.repeat(5000), b: '{'.repeat(5000), c: `${'['.repeat(5000)}\n`, d: [[1], { e: [2] }] });
  // many shallow flow collections (more brackets than maxDepth in all) are read: only depth counts
  const flat = Array.from({ length: 2000 }, (_, i) => `- [${i}, {k: [${i}]}]`).join('\n');
  assert.is(((await cereal.decode(flat)) as unknown[]).length, 2000);
  // flow depth exactly at the limit is read; one more is LIMIT
  const nested = (n: number) => `${'['.repeat(n)}1${']'.repeat(n)}`;
  assert.ok(Array.isArray(await createSerializer({ format: yamlFormat(), loaders: {}, maxDepth: 20 }).decode(nested(20))));
  assert.is((await rejects(() => createSerializer({ format: yamlFormat(), loaders: {}, maxDepth: 20 }).decode(nested(21)))).code, 'LIMIT');
});

Sizes('an array of 200 000 items round-trips (its items were spread into one call before)', async () => {
  const cereal = createSerializer({ format: yamlFormat(), loaders: {} });
  const value = Array.from({ length: 200_000 }, (_, i) => i % 10);
  assert.equal(await cereal.decode(cereal.encode(value)), value);
});

Sizes('a Map of 80 000 integer keys round-trips (yaml\'s omap check was quadratic)', async () => {
  const cereal = createSerializer({ format: yamlFormat(), loaders: {} });
  const value = new Map(Array.from({ length: 80_000 }, (_, i) => [i, i % 3]));
  const out = (await cereal.decode(cereal.encode(value))) as Map<number, number>;
  assert.is(out.size, 80_000);
  assert.equal(out, value);
});

Sizes.run();
