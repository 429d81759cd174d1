/**
 * The JSON format's reading of superjson metadata, annotation by annotation, as a crafted payload
 * meets it: each refusal is the format's own (its message names what is wrong and where), never
 * a TypeError from further down; each value the format writes reads back at its bounds.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CerealError, ModelRef } from '@cereal/core';
import { jsonFormat } from '../src/index.js';

const format = jsonFormat();
const payload = (json: unknown, values?: unknown, extra: Record<string, unknown> = {}): string => JSON.stringify({ json, meta: { ...(values === undefined ? {} : { values }), v: 1, ...extra } });
const read = (wire: string): unknown => format.decode(wire, { maxDepth: 64, maxRefs: 1000 });
const refusal = (wire: string): CerealError => {
  try {
    read(wire);
  } catch (err) {
    assert.instance(err, CerealError, wire.slice(0, 80));
    return err as CerealError;
  }
  throw new assert.Assertion({ message: `decoded: ${wire.slice(0, 120)}`, generated: true, operator: 'throws', expects: 'a CerealError', actual: 'a value' });
};

const Refused = suite('json: what a crafted payload is refused for, in its own words');

const refused: [what: string, wire: string, code: string, message: string][] = [
  ['referential equalities', payload({ a: 1 }, undefined, { referentialEqualities: { a: ['b'] } }), 'MALFORMED', '[json] a cereal payload carries no referential equalities'],
  ['an unknown metadata field', payload({ a: 1 }, undefined, { evil: 1 }), 'MALFORMED', '[json] unknown metadata field `evil`'],
  ['a metadata version other than 1', JSON.stringify({ json: 1, meta: { v: 2 } }), 'MALFORMED', '[json] metadata version must be 1'],
  ['an annotation of three items', payload({ a: 1 }, { a: ['Date', {}, 1] }), 'MALFORMED', '[json] an annotation is [type, children?]'],
  ['an empty annotation', payload({ a: 1 }, { a: [] }), 'MALFORMED', '[json] an annotation is [type, children?]'],
  ['two annotations for one path', payload({ a: { b: 'x' } }, { a: ['undefined', { b: ['undefined'] }], 'a.b': ['undefined'] }), 'MALFORMED', '[json] two annotations for `a.b`'],
  ['children that are no object', payload({ a: 1 }, { a: ['undefined', [1]] }), 'MALFORMED', '[json] annotations must be an object of paths'],
  ['a root annotation of the wrong shape', payload('zz', ['Date']), 'MALFORMED', '[json] the value at the root is not a Date'],
  ['a path escape that is not \\\\ or \\.', payload({ a: 1 }, { 'a\\x': ['undefined'] }), 'MALFORMED', '[json] invalid metadata path `a\\x`'],
  ['a path through __proto__', payload({ a: {} }, { 'a.__proto__': ['undefined'] }), 'MALFORMED', '[json] metadata path through `__proto__`'],
  ['a path through constructor', payload({ a: {} }, { 'a.constructor': ['undefined'] }), 'MALFORMED', '[json] metadata path through `constructor`'],
  ['a path through prototype', payload({ a: {} }, { 'a.prototype': ['undefined'] }), 'MALFORMED', '[json] metadata path through `prototype`'],
  ['an array index with a leading zero', payload({ a: [1, 2] }, { 'a.01': ['undefined'] }), 'MALFORMED', '[json] metadata names `a.01`, which the payload does not have'],
  ['an array index with a suffix', payload({ a: [1, 2] }, { 'a.1x': ['undefined'] }), 'MALFORMED', 'metadata names `a.1x`'],
  ['an array index with a prefix', payload({ a: [1, 2] }, { 'a.x1': ['undefined'] }), 'MALFORMED', 'metadata names `a.x1`'],
  ['an array index one past the end', payload({ a: [1, 2] }, { 'a.2': ['undefined'] }), 'MALFORMED', 'metadata names `a.2`, which the payload does not have'],
  ['a path into a number', payload({ a: 1 }, { 'a.b': ['undefined'] }), 'MALFORMED', 'metadata names `a.b`'],
  ['a path into null', payload({ a: null }, { 'a.b': ['undefined'] }), 'MALFORMED', 'metadata names `a.b`'],
  ['a path to an inherited key', payload({ a: {} }, { 'a.toString': ['undefined'] }), 'MALFORMED', 'metadata names `a.toString`'],
  ['an unknown type', payload({ a: 1 }, { a: ['no-such-type'] }), 'MALFORMED', '[json] unknown type `no-such-type` at `a`'],
  ['a bigint of letters', payload({ a: '12a' }, { a: ['bigint'] }), 'MALFORMED', '[json] the value at `a` is not a bigint'],
  ['a bigint of 1001 digits', payload({ a: '9'.repeat(1001) }, { a: ['bigint'] }), 'MALFORMED', 'is not a bigint'],
  ['a number that is no special value', payload({ a: '12' }, { a: ['number'] }), 'MALFORMED', 'the value at `a` is not a number'],
  ['a regexp without its slashes', payload({ a: 'abc' }, { a: ['regexp'] }), 'MALFORMED', 'is not a regexp'],
  ['a regexp with a flag no engine has', payload({ a: '/a/q' }, { a: ['regexp'] }), 'MALFORMED', 'is not a regexp'],
  ['a regexp with text after its flags', payload({ a: '/a/g x' }, { a: ['regexp'] }), 'MALFORMED', 'is not a regexp'],
  ['a regexp that is not text', payload({ a: 5 }, { a: ['regexp'] }), 'MALFORMED', 'is not a regexp'],
  ['a map of pairs of three', payload({ a: [[1, 2, 3]] }, { a: ['map'] }), 'MALFORMED', 'is not a map'],
  ['a set that is no array', payload({ a: 1 }, { a: ['set'] }), 'MALFORMED', 'is not a set'],
  ['an Error that is an array', payload({ a: [] }, { a: ['Error'] }), 'MALFORMED', 'is not a Error'],
  ['an Error that is null', payload({ a: null }, { a: ['Error'] }), 'MALFORMED', 'is not a Error'],
  ['a typed array of text', payload({ a: ['x'] }, { a: [['typed-array', 'Uint8Array']] }), 'MALFORMED', 'the value at `a` is not a Uint8Array'],
  ['a typed array that is no array', payload({ a: 5 }, { a: [['typed-array', 'Uint8Array']] }), 'MALFORMED', 'is not a Uint8Array'],
  ['a typed array of an unknown class', payload({ a: [1] }, { a: [['typed-array', 'Evil']] }), 'MALFORMED', '[json] unknown annotation ["typed-array","Evil"] at `a`'],
  ['a typed array annotation of three items', payload({ a: [1] }, { a: [['typed-array', 'Uint8Array', 1]] }), 'MALFORMED', 'unknown annotation'],
  ['a typed array name that is not text', payload({ a: [1] }, { a: [['typed-array', 1]] }), 'MALFORMED', 'unknown annotation'],
  ['an inherited typed array name', payload({ a: [1] }, { a: [['typed-array', 'toString']] }), 'MALFORMED', 'unknown annotation'],
  ['a class annotation', payload({ a: {} }, { a: [['class', 'Evil']] }), 'MALFORMED', 'unknown annotation ["class","Evil"]'],
  ['a custom transformer nobody registered', payload({ a: 1 }, { a: [['custom', 'nope']] }), 'MALFORMED', 'unknown annotation ["custom","nope"]'],
  ['an inherited custom name', payload({ a: 1 }, { a: [['custom', 'constructor']] }), 'MALFORMED', 'unknown annotation'],
  ['a custom annotation of three items', payload({ a: ['users', 1] }, { a: [['custom', 'ref', 1]] }), 'MALFORMED', 'unknown annotation'],
  ['a ref that is no pair', payload({ a: ['users', 1, 2] }, { a: [['custom', 'ref']] }), 'INVALID_REF', '[json] a ref must be [model, key]'],
  ['a ref that is text', payload({ a: 'users:1' }, { a: [['custom', 'ref']] }), 'INVALID_REF', 'a ref must be [model, key]'],
  ['a pin of two items', payload({ a: ['users', 1] }, { a: [['custom', 'pin']] }), 'INVALID_REF', '[json] a pinned ref must be [model, key, version]'],
  ['a pin that is no array', payload({ a: 'users' }, { a: [['custom', 'pin']] }), 'INVALID_REF', 'a pinned ref must be [model, key, version]'],
  ['a pin whose version is annotated undefined', payload({ a: ['users', 1, null] }, { a: [['custom', 'pin'], { 2: ['undefined'] }] }), 'INVALID_REF', "a pinned ref's version must be a number, a string"],
  ['a pin whose version is an annotated Date', payload({ a: ['users', 1, '2026-01-01'] }, { a: [['custom', 'pin'], { 2: ['Date'] }] }), 'INVALID_REF', 'not an annotated value'],
  ['a list of refs that is no pair', payload({ a: ['users'] }, { a: [['custom', 'refs']] }), 'INVALID_REF', '[json] a list of refs must be [model, key]'],
  ['a list of refs whose keys are no array', payload({ a: ['users', 5] }, { a: [['custom', 'refs']] }), 'INVALID_REF', '[json] a list of refs must be [model, [key, …]]'],
  ['a Buffer of a byte over 255', payload({ a: [1, 256] }, { a: [['custom', 'Buffer']] }), 'MALFORMED', '[json] a Buffer must be an array of bytes'],
  ['a Buffer of a negative byte', payload({ a: [-1] }, { a: [['custom', 'Buffer']] }), 'MALFORMED', 'a Buffer must be an array of bytes'],
  ['a Buffer of a fraction', payload({ a: [1.5] }, { a: [['custom', 'Buffer']] }), 'MALFORMED', 'a Buffer must be an array of bytes'],
  ['a Buffer of text', payload({ a: ['1'] }, { a: [['custom', 'Buffer']] }), 'MALFORMED', 'a Buffer must be an array of bytes'],
  ['an ArrayBuffer that is text', payload({ a: 'x' }, { a: [['custom', 'ArrayBuffer']] }), 'MALFORMED', '[json] an ArrayBuffer must be an array of bytes'],
  ['a DataView of a byte over 255', payload({ a: [300] }, { a: [['custom', 'DataView']] }), 'MALFORMED', '[json] a DataView must be an array of bytes'],
  ['a ref inside an Error', payload({ e: { message: 'x', cause: ['users', 1] } }, { e: ['Error', { cause: [['custom', 'ref']] }] }), 'MALFORMED', '[json] a ref inside an Error is never loaded'],
  ['a list of refs deep inside an Error', payload({ e: { message: 'x', cause: { d: ['users', [1, 2]] } } }, { e: ['Error'], 'e.cause.d': [['custom', 'refs']] }), 'MALFORMED', 'a ref inside an Error is never loaded'],
  ['a pin inside an Error', payload({ e: { message: 'x', cause: ['users', 1, 2] } }, { e: ['Error', { cause: [['custom', 'pin']] }] }), 'MALFORMED', 'a ref inside an Error is never loaded'],
  ['no json field', JSON.stringify({ meta: { v: 1 } }), 'MALFORMED', '[json] not a cereal JSON payload: expected {"json": …, "meta": {…}}'],
  ['metadata that is an array', JSON.stringify({ json: 1, meta: [] }), 'MALFORMED', 'not a cereal JSON payload'],
  ['metadata that is null', JSON.stringify({ json: 1, meta: null }), 'MALFORMED', 'not a cereal JSON payload'],
  ['a payload that is an array', JSON.stringify([{ json: 1 }]), 'MALFORMED', 'not a cereal JSON payload'],
  ['a payload whose json is inherited', '{"__proto__": {"json": 1}}', 'MALFORMED', 'not a cereal JSON payload'],
  ['a typed array with one number among text', payload({ a: [1, 'x'] }, { a: [['typed-array', 'Int8Array']] }), 'MALFORMED', 'the value at `a` is not a Int8Array'],
  ['a regexp with text before its slash', payload({ a: 'x/a/g' }, { a: ['regexp'] }), 'MALFORMED', 'is not a regexp'],
  ['a long path, named cut to 80 characters', payload({ kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk: 1 }, { 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk.b': ['undefined'] }), 'MALFORMED', 'metadata names `kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk`, which'],
  ['a long invalid path, shown cut to 80 characters', payload({ a: 1 }, { 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\\x': ['undefined'] }), 'MALFORMED', 'invalid metadata path `kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk`'],
  ['a long unknown type, cut to 40 characters', payload({ a: 1 }, { a: ['kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk'] }), 'MALFORMED', 'unknown type `kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk` at `a`'],
  ['a long unknown annotation, cut to 60 characters', payload({ a: 1 }, { a: [['kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk']] }), 'MALFORMED', 'unknown annotation ["kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk at `a`'],
];

for (const [what, wire, code, message] of refused) {
  Refused(what, () => {
    const err = refusal(wire);
    assert.is(err.code, code, err.message);
    assert.match(err.message, message);
  });
}

Refused('refs count against maxRefs as the metadata names them: a list of refs counts its keys, a ref and a pin one each', () => {
  const wire = payload({ l: ['users', [1, 2, 3]], r: ['users', 4], p: ['users', 5, 1] }, { l: [['custom', 'refs']], r: [['custom', 'ref']], p: [['custom', 'pin']] });
  const value = format.decode(wire, { maxDepth: 64, maxRefs: 5 }) as { l: ModelRef[] };
  assert.is(value.l.length, 3);
  for (const maxRefs of [4, 1]) {
    let err: unknown;
    try {
      format.decode(wire, { maxDepth: 64, maxRefs });
    } catch (e) {
      err = e;
    }
    assert.is((err as CerealError).code, 'LIMIT', `maxRefs ${maxRefs}`);
  }
});

Refused.run();

const Read = suite('json: what the format writes reads back, at its bounds');

Read('keys: numbers, text, bigints as numbers up to 2^53 - 1 and as {"bigint"} beyond, both signs', () => {
  const big = 2n ** 53n - 1n;
  for (const pk of [big, -big, big + 1n, -big - 1n, 2n ** 127n, 7, 'x', [1, 'a', big + 1n]] as const) {
    const wire = format.encode(new ModelRef('users', pk as never)) as string;
    const back = read(wire) as ModelRef;
    assert.is(back.key, new ModelRef('users', pk as never).key, String(pk));
    const written = (JSON.parse(wire) as { json: unknown[] }).json[1];
    if (typeof pk === 'bigint') assert.equal(written, pk <= big && pk >= -big ? Number(pk) : { bigint: pk.toString() }, `${pk} on the wire`);
  }
  for (const [json, why] of [[{ bigint: '1', extra: 1 }, 'two fields'], [{ bigint: 12 }, 'digits that are a number'], [{ bigint: '1e3' }, 'not digits'], [{ bigint: '1'.repeat(1001) }, '1001 digits']] as const) {
    assert.is(refusal(payload({ a: ['users', json] }, { a: [['custom', 'ref']] })).code, 'INVALID_REF', why);
  }
  assert.is((read(payload({ a: ['users', { bigint: '-12' }] }, { a: [['custom', 'ref']] })) as { a: ModelRef }).a.pk, -12n);
});

Read('versions: a Date only in toISOString spelling, a bigint version, text and numbers', () => {
  const at = new Date('2026-11-27T01:02:03.456Z');
  for (const version of [at, 2n ** 70n, 'v7', 3]) {
    const back = read(format.encode(new ModelRef('users', 1, version as never)) as string) as ModelRef;
    assert.equal(back.version, version);
  }
  for (const [iso, why] of [['2026-11-27', 'a date without a time'], ['2026-11-27T01:02:03Z', 'no milliseconds'], [`${'9'.repeat(40)}`, 'too long'], ['nope', 'no date']] as const) {
    assert.is(refusal(payload({ a: ['users', 1, { date: iso }] }, { a: [['custom', 'pin']] })).code, 'INVALID_REF', why);
  }
  for (const odd of [{ date: 1 }, { date: at.toISOString(), x: 1 }, [1], null]) {
    assert.is(refusal(payload({ a: ['users', 1, odd] }, { a: [['custom', 'pin']] })).code, 'INVALID_REF', JSON.stringify(odd));
  }
  assert.is(((read(payload({ a: ['users', 1, { bigint: '99' }] }, { a: [['custom', 'pin']] })) as { a: ModelRef }).a.version), 99n);
});

Read('the types superjson writes read back: special numbers, regexps with flags, maps, sets, Errors, URLs, typed arrays, bytes', () => {
  const value = {
    n: [NaN, Infinity, -Infinity, -0],
    re: /a.b\/c/gimsuy,
    m: new Map<unknown, unknown>([[1, 'a']]),
    s: new Set([1]),
    e: Object.assign(new Error('boom', { cause: 'why' }), { name: 'TypeError' }),
    u: new URL('https://example.com/x'),
    t: new Float32Array([0.5]),
    b: Buffer.from([0, 255]),
    ab: new Uint8Array([0, 255]).buffer,
    dv: new DataView(new Uint8Array([9, 255]).buffer),
    bad: new Date(NaN),
    und: undefined,
  };
  const back = read(format.encode(value) as string) as typeof value;
  assert.ok(Number.isNaN(back.n[0]) && back.n[1] === Infinity && back.n[2] === -Infinity && Object.is(back.n[3], -0));
  assert.is(String(back.re), String(value.re));
  assert.equal([...back.m], [[1, 'a']]);
  assert.equal([...back.s], [1]);
  assert.instance(back.e, Error);
  assert.equal([back.e.message, back.e.name, back.e.cause], ['boom', 'TypeError', 'why']);
  assert.is(back.u.href, 'https://example.com/x');
  assert.instance(back.t, Float32Array);
  assert.ok(Buffer.isBuffer(back.b) && back.b[1] === 255);
  assert.equal([...new Uint8Array(back.ab)], [0, 255]);
  assert.equal([...new Uint8Array(back.dv.buffer)], [9, 255]);
  assert.ok(Number.isNaN(back.bad.getTime()));
  assert.ok(Object.hasOwn(back, 'und') && back.und === undefined);
  const noCause = read(payload({ e: { message: 'm' } }, { e: ['Error'] })) as { e: Error };
  assert.not.ok(Object.hasOwn(noCause.e, 'cause'), 'an Error without a cause on the wire has none');
  const paths = read(payload({ 'a.b': { 'c\\d': 'x' } }, { 'a\\.b.c\\\\d': ['undefined'] })) as Record<string, Record<string, unknown>>;
  assert.ok(Object.hasOwn(paths['a.b']!, 'c\\d') && paths['a.b']!['c\\d'] === undefined, 'escaped dots and backslashes name keys that hold them');
});

Read('a ref inside a class instance cannot be written, naming the ref; a ref inside an Error neither', () => {
  class Box {
    constructor(readonly r: ModelRef) {}
  }
  let err: unknown;
  try {
    format.encode({ box: new Box(new ModelRef('users', 1)) });
  } catch (e) {
    err = e;
  }
  assert.is((err as CerealError).code, 'MALFORMED');
  assert.match((err as CerealError).message, '[json] a ref inside a class instance (`users:1`) cannot be written');
  assert.equal((err as CerealError).refs?.map(String), ['users:1']);
  let other: unknown;
  try {
    format.encode({ box: new (class Big { readonly n = 1n; })() });
  } catch (e) {
    other = e;
  }
  assert.is((other as CerealError).code, 'MALFORMED', 'what else JSON.stringify refuses in a class instance');
  assert.not.match((other as CerealError).message, 'a ref inside a class instance');
  assert.match((other as CerealError).message, /BigInt/);
  try {
    format.encode({ e: new Error('x', { cause: new ModelRef('users', 1) }) });
    assert.unreachable('a ref in an Error');
  } catch (e) {
    assert.match((e as CerealError).message, '[json] cannot write a ref or a row inside an Error');
  }
});

Read('an Error reads its message, and its name and stack only when they are text', () => {
  const typed = (read(payload({ a: { message: 'm', name: 'TypeError', stack: 'TypeError: m\n    at x' } }, { a: ['Error'] })) as { a: Error }).a;
  assert.equal([typed instanceof Error, typed.message, typed.name, typed.stack], [true, 'm', 'TypeError', 'TypeError: m\n    at x']);
  const odd = (read(payload({ a: { message: 'm', name: 5, stack: 7 } }, { a: ['Error'] })) as { a: Error }).a;
  assert.is(odd.name, 'Error');
  assert.type(odd.stack, 'string');
  assert.is.not(odd.stack as unknown, 7);
});

Read.run();
