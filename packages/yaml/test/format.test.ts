import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse, stringify } from 'yaml';
import { CerealError, isRef, ref, type ModelRef } from '@cereal/core';
import { refList } from '@cereal/core/format';
import { refTag, yamlFormat } from '../src/index.js';
import { testFormat } from '@cereal/testkit';

/** A class instance: every format writes its own enumerable properties, as JSON.stringify does. */
class Point {
  constructor(readonly x: number) {}
}

testFormat(yamlFormat(), {
  wire: 'text',
  malformed: [
    'a: [1, 2',
    'a: 1\na: 2\n',
    '--- 1\n--- 2\n',
    'a: !!js/function "function () { return 1 }"\n',
    'a: !!js/undefined ""\n',
    'a: !unknown 1\n',
    'a: !bigint 1.5\n',
    '\t- tab indented\n',
  ],
  invalidRef: [
    '!ref users\n',
    '!ref [users]\n',
    '!ref [users, 1, 2]\n',
    '!ref {users: 42}\n',
    '!ref [{a: 1}, 42]\n',
    '!ref [users, {id: 42}]\n',
    '!ref [users, 1.5]\n',
    '!ref [users, null]\n',
    '!ref [users, []]\n',
    '!ref [users, [1, [2]]]\n',
    '!ref [42, 1]\n',
    '!ref ["a:b", 1]\n',
    '!refs [users, 1]\n',
    '!refs [users, [1, {}]]\n',
    '!refs users\n',
  ],
  documented: [
    ['a class instance, written as a plain object', new Point(1), { x: 1 }],
    // eslint-disable-next-line no-sparse-arrays
    ['a hole in an array, read back as undefined', [1, , 3], [1, undefined, 3]],
    ['-0', -0, -0],
    ['a Uint8Array, written as !!binary and read back as a Buffer', new Uint8Array([1, 2]), Buffer.from([1, 2])],
  ],
  refuses: [
    ['an Error', new Error('x')],
    ['a RegExp', /x/g],
    ['a URL', new URL('https://example.com/')],
    ['an Int16Array', new Int16Array([1])],
    ['an ArrayBuffer', new ArrayBuffer(2)],
  ],
});

// ---

const Yaml = suite('yamlFormat');
const format = yamlFormat();

Yaml('writes refs as readable tags', () => {
  assert.is(format.encode({ owner: ref('users', 42) }), 'owner: !ref [users, 42]\n');
  assert.is(format.encode(ref('orders', [7, 1001])), '!ref [orders, [7, 1001]]\n');
  assert.is(format.encode(refList([ref('users', 1), ref('users', 2)])), '!refs [users, [1, 2]]\n');
  assert.is(format.encode([ref('users', 1), ref('users', 2)]), '- !ref [users, 1]\n- !ref [users, 2]\n');
  assert.is(format.encode(ref('events', 9007199254740993n)), '!ref [events, 9007199254740993]\n');
});

Yaml('a long list of refs stays on one line', () => {
  const text = format.encode(refList(Array.from({ length: 100 }, (_, i) => ref('users', i + 1))));
  assert.is(text.split('\n').length, 2);
  assert.ok(text.startsWith('!refs [users, [1, 2, 3, '));
});

Yaml('reads hand-written refs, spacing and quoting as a person writes them', () => {
  const out = format.decode('owner: !ref [ users, "42" ]\norder: !ref\n  - orders\n  - [7, 1001]\n') as Record<string, ModelRef>;
  assert.is(out.owner!.key, 'users:42');
  assert.is(out.order!.key, 'orders:7,1001');
});

Yaml('keys above 2^53 stay exact without making other integers bigints', () => {
  const out = format.decode('r: !ref [events, 9007199254740993]\nn: 9007199254740993\ni: 5\n') as Record<string, unknown>;
  assert.is((out.r as ModelRef).pk, 9007199254740993n);
  assert.is(typeof out.n, 'number');
  assert.is(out.i, 5);
});

Yaml('an alias of a ref resolves to the same ref', () => {
  const out = format.decode('a: &u !ref [users, 1]\nb: *u\nc: [*u, *u]\n') as Record<string, unknown>;
  assert.ok(isRef(out.a));
  assert.ok(out.a === out.b);
  assert.equal(out.c, [out.a, out.a]);
});

Yaml('an anchor name used again names the later node from there on', () => {
  const out = format.decode('a: &x 1\nb: *x\nc: &x [2, 3]\nd: *x\n') as Record<string, unknown>;
  assert.equal(out, { a: 1, b: 1, c: [2, 3], d: [2, 3] });
});

Yaml('an anchor of 50 values aliased 90 times (4 500 values from 140) reads', () => {
  const text = `base: &b [${Array.from({ length: 50 }, (_, i) => i).join(', ')}]\nuses: [${Array.from({ length: 90 }, () => '*b').join(', ')}]\n`;
  const out = format.decode(text) as { uses: number[][] };
  assert.is(out.uses.length, 90);
  assert.is(out.uses[89]![49], 49);
});

Yaml('repeated objects are written out, not anchored, so many repeats read back', () => {
  const shared = { role: 'admin' };
  const value = Array.from({ length: 300 }, () => shared);
  const text = format.encode(value);
  assert.not.match(text, /[&*]/);
  assert.is((format.decode(text) as unknown[]).length, 300);
});

Yaml('more alias uses than maxAliasCount is LIMIT', () => {
  const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]', 'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]'].join('\n');
  try {
    yamlFormat({ maxAliasCount: 20 }).decode(bomb);
    assert.unreachable();
  } catch (err) {
    assert.instance(err, CerealError);
    assert.is((err as CerealError).code, 'LIMIT');
  }
});

Yaml('a model name YAML would read as another type is quoted', () => {
  const text = format.encode(ref('true', '42'));
  assert.is(text, '!ref ["true", "42"]\n');
  const back = format.decode(text) as ModelRef;
  assert.is(back.model, 'true');
  assert.is(back.pk, '42');
});

Yaml('Maps, Sets, Dates and bigints use YAML tags', () => {
  const text = format.encode({ m: new Map([[ref('users', 1), 'k']]), s: new Set(['a']), d: new Date(0), b: 10n ** 20n });
  assert.is(text, 'm: !!omap\n  - ? !ref [users, 1]\n    : k\ns: !!set\n  ? a\nd: 1970-01-01\nb: !bigint 100000000000000000000\n');
});

Yaml('the exported tag works in a plain yaml document', () => {
  const text = stringify({ owner: ref('users', 42) }, { customTags: [refTag], flowCollectionPadding: false });
  assert.is(text, 'owner: !ref [users, 42]\n');
  assert.is((parse(text, { customTags: [refTag] }) as { owner: ModelRef }).owner.key, 'users:42');
});

Yaml('errors point at the line', () => {
  try {
    format.decode('a: 1\nb: !ref [users]\n');
    assert.unreachable();
  } catch (err) {
    assert.is((err as CerealError).code, 'INVALID_REF');
    assert.match((err as Error).message, /line 2/);
  }
});

Yaml('a maxAliasCount that is not a whole number from 0 is INVALID_OPTION', () => {
  for (const maxAliasCount of [-1, 1.5, NaN]) assert.throws(() => yamlFormat({ maxAliasCount }), (err: unknown) => (err as CerealError).code === 'INVALID_OPTION');
  assert.throws(() => yamlFormat({ maxAliasCount: 0 }).decode('a: &x 1\nb: *x\n'), (err: unknown) => (err as CerealError).code === 'LIMIT');
});

Yaml('instances are independent', () => {
  const strict = yamlFormat({ maxAliasCount: 1 });
  const loose = yamlFormat();
  const text = 'a: &x [1]\nb: *x\nc: *x\n';
  assert.equal(loose.decode(text), { a: [1], b: [1], c: [1] });
  try {
    strict.decode(text);
    assert.unreachable();
  } catch (err) {
    assert.is((err as CerealError).code, 'LIMIT');
  }
  assert.equal(loose.decode(text), { a: [1], b: [1], c: [1] });
});

Yaml.run();
