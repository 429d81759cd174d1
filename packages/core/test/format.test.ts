/**
 * defineFormat and the wire helpers, as a format author meets them: what a format's encode and
 * decode throw becomes a CerealError with the format's name, a payload of the wrong kind is
 * refused before the format reads it, and the limits a decode receives are the serializer's.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CerealError, createSerializer, ref } from '../src/index.js';
import { checkSize, checkWire, defineFormat, parseDepth, refCounter, tooDeep, wireError, type DecodeContext } from '../src/format/index.js';

const overflow = (): never => {
  const down = (n: number): number => down(n + 1) + 1;
  return down(0) as never;
};
const caught = (fn: () => unknown): CerealError => {
  try {
    fn();
  } catch (err) {
    assert.instance(err, CerealError);
    return err as CerealError;
  }
  throw new Error('did not throw');
};

const Define = suite('defineFormat and the wire helpers');

Define('lists and maxBytes are part of the format only when the spec gives them', () => {
  const bare = defineFormat<string>({ name: 'bare', wire: 'text', encode: () => '', decode: () => null });
  assert.not.ok('lists' in bare);
  assert.not.ok('maxBytes' in bare);
  const full = defineFormat<string>({ name: 'full', wire: 'text', lists: false, maxBytes: 10, encode: () => '', decode: () => null });
  assert.is(full.lists, false);
  assert.is(full.maxBytes, 10);
  assert.is(full.name, 'full');
});

Define('encode: a CerealError passes as it is; a stack overflow is LIMIT; anything else is MALFORMED naming the format, with the cause', () => {
  const throwing = (err: () => unknown) => defineFormat<string>({ name: 'fmt', wire: 'text', encode: () => err() as never, decode: () => null });
  const own = new CerealError('LIMIT', 'mine');
  assert.is(caught(() => throwing(() => { throw own; }).encode(1)), own);
  const deep = caught(() => throwing(overflow).encode(1));
  assert.is(deep.code, 'LIMIT');
  assert.match(deep.message, '[fmt] the value nests too deeply to write');
  const other = caught(() => throwing(() => { throw new RangeError('invalid array length'); }).encode(1));
  assert.is(other.code, 'MALFORMED', 'a RangeError that is no stack overflow');
  const plain = caught(() => throwing(() => { throw new TypeError('no'); }).encode(1));
  assert.is(plain.code, 'MALFORMED');
  assert.match(plain.message, '[fmt] cannot encode the value: ');
  assert.instance(plain.cause, TypeError);
});

Define('decode: a payload of the other kind is MALFORMED before the format reads it; what it throws is LIMIT for a stack overflow, MALFORMED otherwise', () => {
  let reads = 0;
  const text = defineFormat<string>({ name: 'txt', wire: 'text', encode: () => '', decode: () => (reads++, 'value') });
  const bytes = defineFormat<Uint8Array>({ name: 'bin', wire: 'bytes', encode: () => new Uint8Array(), decode: () => (reads++, 'value') });
  const wrongText = caught(() => text.decode(new Uint8Array([1]) as never));
  assert.is(wrongText.code, 'MALFORMED');
  assert.match(wrongText.message, '[txt] a payload is text, got object');
  const wrongBytes = caught(() => bytes.decode('x' as never));
  assert.match(wrongBytes.message, '[bin] a payload is a Uint8Array or Buffer, got string');
  assert.match(caught(() => bytes.decode(null as never)).message, 'got null');
  assert.is(reads, 0);
  assert.is(text.decode('x'), 'value');
  assert.is(bytes.decode(Buffer.from('x')), 'value');
  const failing = (err: () => unknown) => defineFormat<string>({ name: 'dec', wire: 'text', encode: () => '', decode: () => err() });
  const deep = caught(() => failing(overflow).decode('x'));
  assert.is(deep.code, 'LIMIT');
  assert.match(deep.message, '[dec] the payload nests too deeply to read');
  const syntax = caught(() => failing(() => JSON.parse('{')).decode('x'));
  assert.is(syntax.code, 'MALFORMED');
  assert.match(syntax.message, '[dec] cannot decode the payload: ');
  const own = new CerealError('INVALID_REF', 'mine');
  assert.is(caught(() => failing(() => { throw own; }).decode('x')), own);
});

Define('decode gets the serializer\'s limits: a parse depth of 2 × maxDepth + 4, and a ref counter that throws LIMIT past maxRefs', async () => {
  const seen: DecodeContext[] = [];
  const format = defineFormat<string>({ name: 'ctx', wire: 'text', encode: () => 'x', decode: (_wire, context) => (seen.push(context), [ref('users', 1)]) });
  format.decode('x');
  format.decode('x', { maxDepth: 10, maxRefs: 2 });
  assert.equal(seen.map((c) => c.maxDepth), [260, 24]);
  seen[1]!.countRefs(2);
  const over = caught(() => seen[1]!.countRefs(1));
  assert.is(over.code, 'LIMIT');
  assert.match(over.message, '[ctx] the payload holds more than maxRefs 2 refs');
  seen[0]!.countRefs(100_000);
  assert.is(caught(() => seen[0]!.countRefs(1)).code, 'LIMIT', 'the default maxRefs is 100 000');
  const cereal = createSerializer({ format, loaders: { users: { load: async () => [{ id: 1 }], keyOf: (r: { id: number }) => r.id } }, maxDepth: 5 });
  await cereal.decode('x');
  assert.is(seen[2]!.maxDepth, 14);
});

Define('the helpers alone: parseDepth, refCounter, tooDeep, wireError, checkWire, checkSize', () => {
  assert.is(parseDepth(undefined), 260);
  assert.is(parseDepth({ maxDepth: 1 }), 6);
  const count = refCounter('f', { maxRefs: 3 });
  count(3);
  assert.is(caught(() => count(1)).code, 'LIMIT');
  const deep = tooDeep('f', 24);
  assert.is(deep.code, 'LIMIT');
  assert.match(deep.message, '[f] the payload nests deeper than maxDepth 10 allows (more than 24 levels of f, where a Map or Set takes two)');
  assert.match(tooDeep('f', 3).message, 'maxDepth 1 allows');
  assert.is(wireError('f', new SyntaxError('bad')).code, 'MALFORMED');
  checkWire('f', 'x', 'string');
  checkWire('f', new Uint8Array(), 'bytes');
  assert.is(caught(() => checkWire('f', 'x', 'bytes')).code, 'MALFORMED');
  assert.is(caught(() => checkWire('f', new Uint8Array(), 'string')).code, 'MALFORMED');
  checkSize('f', new Uint8Array(10), 10);
  const big = caught(() => checkSize('f', new Uint8Array(11), 10));
  assert.is(big.code, 'LIMIT');
  assert.match(big.message, '[f] the payload is 11 bytes, more than maxBytes 10; raise `maxBytes` if that is expected');
  // text counts in UTF-8 bytes: 4 characters of 3 bytes are 12; a surrogate pair is 4; a lone surrogate 3
  checkSize('f', '€€€€', 12);
  assert.match(caught(() => checkSize('f', '€€€€', 11)).message, 'the payload is 12 bytes');
  assert.match(caught(() => checkSize('f', 'é'.repeat(6), 11)).message, 'the payload is 12 bytes');
  assert.match(caught(() => checkSize('f', '😀😀😀', 11)).message, 'the payload is 12 bytes');
  assert.match(caught(() => checkSize('f', '\ud800'.repeat(4), 11)).message, 'the payload is 12 bytes');
  assert.match(caught(() => checkSize('f', 'a'.repeat(12), 11)).message, 'the payload is 12 bytes');
  checkSize('f', 'x'.repeat(1000), Infinity);
});

Define('checkSize counts UTF-8 bytes exactly at every boundary of the encoding', () => {
  const bytes = (text: string): number => {
    const err = caught(() => checkSize('f', text, 1));
    return Number(/the payload is (\d+) bytes/.exec(err.message)![1]);
  };
  const cases: [string, number][] = [
    ['\u007f\u007f', 2],
    ['\u0080\u0080', 4],
    ['\u07ff\u07ff', 4],
    ['\u0800\u0800', 6],
    ['\ud7ff\ud7ff', 6],
    ['\ud800\udc00', 4],
    ['\udbff\udfff', 4],
    ['\udc00\udc00', 6],
    ['\ue000\uffff', 6],
    ['a\ud800', 4],
    ['\ud800a', 4],
    ['\udbff\ue000', 6],
  ];
  for (const [text, expected] of cases) assert.is(bytes(text), expected, JSON.stringify(text));
  for (const [text, expected] of cases) checkSize('f', text, expected);
  assert.is(Buffer.byteLength('\u0800\ud800\udc00', 'utf8'), 7, 'as Node writes them');
  assert.is(bytes('\u0800\ud800\udc00'), 7);
});

Define('wireError: a RangeError that is no stack overflow is MALFORMED; an error that is no Error is described', () => {
  const range = wireError('f', new RangeError('Invalid array length'));
  assert.is(range.code, 'MALFORMED');
  assert.match(range.message, '[f] cannot decode the payload: Invalid array length');
  const thrown = wireError('f', 'a string');
  assert.is(thrown.code, 'MALFORMED');
  assert.match(thrown.message, 'a string');
  assert.is(thrown.cause, 'a string');
});

Define.run();
