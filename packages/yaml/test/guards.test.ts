/**
 * The YAML format's guards on their own: checkFlowDepth (flow collections nested too deep,
 * refused before yaml's Parser builds its tree) and checkExpansion (aliases that would make a
 * small document a huge value, or a cycle). Each bound is met exactly; what is text is not counted.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseDocument } from 'yaml';
import { CerealError } from '@cereal/core';
import { checkFlowDepth } from '../src/_flow.js';
import { checkExpansion } from '../src/_expansion.js';

const thrown = (fn: () => void): CerealError | undefined => {
  try {
    fn();
  } catch (err) {
    assert.instance(err, CerealError);
    return err as CerealError;
  }
  return undefined;
};

const Flow = suite('yaml checkFlowDepth: flow nesting, counted by the lexer');

Flow('the limit itself passes and one more level is LIMIT, for sequences, mappings and both', () => {
  for (const [open, close] of [['[', ']'], ['{a: ', '}'], ['[{a: ', '}]']] as const) {
    const per = open === '[{a: ' ? 2 : 1;
    const nest = (n: number) => `k: ${open.repeat(n / per)}1${close.repeat(n / per)}\n`;
    assert.is(thrown(() => checkFlowDepth(nest(6), 6)), undefined, `${open} at the limit`);
    const err = thrown(() => checkFlowDepth(nest(6 + per), 6));
    assert.is(err?.code, 'LIMIT', `${open} over`);
    assert.match(err!.message, '[yaml] the payload nests deeper than maxDepth');
  }
});

Flow('closing brackets end a level: many shallow siblings pass', () => {
  assert.is(thrown(() => checkFlowDepth(`k: [${'[1], '.repeat(5000)}[2]]\n`, 2)), undefined);
  assert.is(thrown(() => checkFlowDepth('a: [[1]]\nb: [[2]]\nc: {x: [3]}\n', 2)), undefined);
  assert.is(thrown(() => checkFlowDepth('a: [[1]]\nb: [[[2]]]\n', 2))?.code, 'LIMIT');
});

Flow('brackets in quoted strings, comments and plain scalars are text, and none of them hides a real bracket', () => {
  const text = 'a: "[[[[{{{{"\nb: \'[[[[{{{{\'\nc: x[[[[y{{{{\n# [[[[[[[[ {{{{{{{\nd: [1]\n';
  assert.is(thrown(() => checkFlowDepth(text, 1)), undefined);
  assert.is(thrown(() => checkFlowDepth(`${text}e: [[1]]\n`, 1))?.code, 'LIMIT');
  assert.is(thrown(() => checkFlowDepth('a: "\\"[[[["\nb: [[1]]\n', 1))?.code, 'LIMIT', 'an escaped quote does not end the string early, nor late');
});

Flow('a megabyte of [ is LIMIT', () => {
  assert.is(thrown(() => checkFlowDepth('['.repeat(1 << 20), 128))?.code, 'LIMIT');
});

Flow.run();

const Expansion = suite('yaml checkExpansion: aliases expanded, bounded, never cyclic');

/** A root sequence: an anchored sequence of `k` scalars, then `m` aliases to it. */
const fanOut = (k: number, m: number): string => `- &a [${Array.from({ length: k }, (_, i) => i).join(', ')}]\n${'- *a\n'.repeat(m)}`;

Expansion('at most 100 000 values with aliases expanded for a small document: exactly that passes, one alias more is LIMIT', () => {
  // nodes = root + anchored sequence + 270 scalars = 272; each alias adds 271: 272 + 368 × 271 = 100 000
  assert.is(thrown(() => checkExpansion(parseDocument(fanOut(270, 368)))), undefined);
  const err = thrown(() => checkExpansion(parseDocument(fanOut(270, 369))));
  assert.is(err?.code, 'LIMIT');
  assert.is(err!.message, '[cereal] [yaml] aliases expand the document from 272 to 100271 values; at most ten times its size (or 100 000) is read');
});

Expansion('a large document may expand to ten times its own size, and no more', () => {
  // 20 002 nodes without aliases, so at most 200 020 values; each alias adds 20 001
  const doc = (m: number) => parseDocument(fanOut(20_000, m));
  assert.is(thrown(() => checkExpansion(doc(9))), undefined, '20 002 + 9 × 20 001 = 200 011 ≤ 200 020');
  assert.match(thrown(() => checkExpansion(doc(10)))!.message, 'from 20002 to 220012 values');
});

Expansion('aliases of aliases are counted expanded: a kilobyte of doubling levels is LIMIT', () => {
  let text = 'a0: &a0 [x, x]\n';
  for (let i = 1; i <= 40; i++) text += `a${i}: &a${i} [*a${i - 1}, *a${i - 1}]\n`;
  assert.is(thrown(() => checkExpansion(parseDocument(text)))?.code, 'LIMIT');
  let small = 'a0: &a0 [x, x]\n';
  for (let i = 1; i <= 5; i++) small += `a${i}: &a${i} [*a${i - 1}, *a${i - 1}]\n`;
  assert.is(thrown(() => checkExpansion(parseDocument(small))), undefined);
});

Expansion('an alias inside the node its anchor names is a cycle: MALFORMED; one naming no anchor before it is MALFORMED', () => {
  for (const text of ['&x [1, *x]\n', 'a: &x {b: [*x]}\n', 'a: &x\n  b: *x\n']) {
    const err = thrown(() => checkExpansion(parseDocument(text)));
    assert.is(err?.code, 'MALFORMED', text);
    assert.match(err!.message, 'alias *x is inside the node its anchor names: a cycle');
  }
  const later = thrown(() => checkExpansion(parseDocument('a: *y\nb: &y 1\n')));
  assert.is(later?.code, 'MALFORMED');
  assert.match(later!.message, '[yaml] alias *y names no anchor before it');
  assert.is(thrown(() => checkExpansion(parseDocument('a: &y [1]\nb: *y\nc: &y [2, *y]\n')))?.code, 'MALFORMED', 'an anchor name used again: the alias inside names the new, open one');
  assert.is(thrown(() => checkExpansion(parseDocument('a: &y [1]\nb: &y [2]\nc: *y\n'))), undefined);
});

Expansion.run();
