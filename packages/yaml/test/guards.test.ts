/**
 * The YAML format's guards on their own: checkFlowDepth (flow collections nested too deep,
 * refused before yaml's Parser builds its tree) and checkExpansion (aliases that would make a
 * small document a huge value, or a cycle). Each bound is met exactly; what is text is not counted.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LineCounter, parseDocument } from 'yaml';
import { CerealError } from '@cereal/core';
import { checkFlowDepth } from '../src/_flow.js';
import { checkExpansion } from '../src/_expansion.js';
import { checkProblems, offsetOf } from '../src/_parse.js';
import { yamlFormat } from '../src/index.js';

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

Expansion('a document with aliases and an empty value reads; long alias names are cut to 40 characters in messages', () => {
  assert.is(thrown(() => checkExpansion(parseDocument('a: &x 1\nb: *x\nc:\n'))), undefined);
  const n = 'n'.repeat(60);
  assert.match(thrown(() => checkExpansion(parseDocument(`a: *${n}\n`)))!.message, `alias *${'n'.repeat(40)} names no anchor before it`);
  assert.match(thrown(() => checkExpansion(parseDocument(`a: &${n} [1, *${n}]\n`)))!.message, `alias *${'n'.repeat(40)} is inside the node its anchor names`);
});

Expansion('a pair with no value (`{c}`, `? a`, a set\'s members) is walked beside aliases without error', () => {
  assert.is(thrown(() => checkExpansion(parseDocument('a: &x 1\nb: {c}\nd: *x\n'))), undefined);
  assert.is(thrown(() => checkExpansion(parseDocument('? k\na: &x [1]\nb: *x\n'))), undefined);
  assert.is(thrown(() => checkExpansion(parseDocument('s: !!set {? &x a, ? b}\nt: *x\n'))), undefined);
});

Expansion('aliases inside the pairs of an !!omap are counted too', () => {
  const levels = (n: number): string => {
    let text = 'm: !!omap [ a0: &a0 [x, x]';
    for (let i = 1; i <= n; i++) text += `, a${i}: &a${i} [*a${i - 1}, *a${i - 1}]`;
    return `${text} ]\n`;
  };
  assert.is(thrown(() => checkExpansion(parseDocument(levels(5)))), undefined);
  const err = thrown(() => checkExpansion(parseDocument(levels(40))));
  assert.is(err?.code, 'LIMIT');
  // 128 nodes without the aliases, which are no nodes; 2^43 + 40 values with them
  assert.match(err!.message, 'aliases expand the document from 128 to 8796093022248 values');
});

Expansion.run();

const Nodes = suite('yaml checkNodes, through the format: mapping keys anywhere in the document');
const format = yamlFormat();
const read = (source: string): unknown => format.decode(source, { maxDepth: 32, maxRefs: 100 });

Nodes('a mapping inside a sequence is checked like any other: a duplicate key is MALFORMED, a merge marker too', () => {
  assert.is(thrown(() => read('- {x: 1, x: 2}\n'))?.message, '[cereal] [yaml] duplicate mapping key "x"');
  assert.is(thrown(() => read('- [ok, {y: 1, y: 2}]\n'))?.message, '[cereal] [yaml] duplicate mapping key "y"');
  assert.is(thrown(() => read('- !!merge <<\n'))?.message, '[cereal] [yaml] a merge marker (`!!merge <<`) as a value is no data');
});

Nodes('a merge key in a !!set is refused as a merge key', () => {
  assert.is(thrown(() => read('!!set\n? !!merge <<\n'))?.message, '[cereal] [yaml] merge keys (`<<`) are not read in a cereal payload');
  assert.equal(read('!!set\n? a\n? b\n'), new Set(['a', 'b']));
});

Nodes('keys are compared as the object keys they become: a null key is "", so `~` and `""` are one key, `null` and `"null"` two', () => {
  assert.is(thrown(() => read('~: a\n"": b\n'))?.message, '[cereal] [yaml] duplicate mapping key ""');
  assert.is(thrown(() => read('~: a\nnull: b\n'))?.code, 'MALFORMED');
  assert.equal(read('null: a\n"null": b\n'), { '': 'a', null: 'b' });
  assert.equal(read('~: a\n'), { '': 'a' });
});

Nodes('a !refs list as a mapping key is INVALID_REF like a single ref; other tagged collections are MALFORMED', () => {
  assert.is(thrown(() => read('? !refs [users, [1]]\n: x\n'))?.code, 'INVALID_REF');
  assert.is(thrown(() => read('? !ref [users, 1]\n: x\n'))?.code, 'INVALID_REF');
  assert.is(thrown(() => read('? !!set {a: null}\n: x\n'))?.code, 'MALFORMED');
});

Nodes('a long duplicate key is quoted in 60 characters at most', () => {
  const k = 'k'.repeat(100);
  assert.is(thrown(() => read(`${k}: 1\n${k}: 2\n`))?.message, `[cereal] [yaml] duplicate mapping key ${JSON.stringify(k).slice(0, 60)}`);
});

Nodes('a problem the Composer reports keeps its line and column, whether yaml places it by token, range or offset', () => {
  // token
  assert.is(thrown(() => read('a: 1\nb: 2\nc: !evil 1\n'))?.message, '[cereal] [yaml] TAG_RESOLVE_FAILED: Unresolved tag: !evil (line 3, column 4)');
  // range ([start, value end, node end])
  assert.is(thrown(() => read('a: 1\nb: [c: - 1]\n'))?.message, '[cereal] [yaml] BLOCK_IN_FLOW: Block collections are not allowed within flow collections (line 2, column 8)');
  // offset: these were all placed at line 1, column 1
  assert.is(thrown(() => read('a: 1\nb: *\n'))?.message, '[cereal] [yaml] BAD_ALIAS: Alias cannot be an empty string (line 2, column 4)');
  assert.is(thrown(() => read('a: 1\nb:\n  - 1\n  -2\n   - 3\n'))?.message, '[cereal] [yaml] BAD_INDENT: All mapping items must start at the same column (line 4, column 1)');
});

Nodes('offsetOf reads each shape yaml places a problem with; placing a problem never throws, whatever it is given', () => {
  assert.is(offsetOf(17), 17);
  assert.is(offsetOf([17, 20]), 17);
  assert.is(offsetOf({ offset: 17, source: 'x' }), 17);
  for (const junk of [null, undefined, 'x', NaN, -1, 1.5, [], ['17'], {}, { offset: '17' }]) assert.is(offsetOf(junk), 0, JSON.stringify(junk));
});

Nodes('a document yaml left a problem in is refused: its first error, else its first warning, at its line', () => {
  const check = (source: string): CerealError | undefined => {
    const lines = new LineCounter();
    const doc = parseDocument(source, { lineCounter: lines, prettyErrors: false });
    return thrown(() => checkProblems(doc, lines));
  };
  assert.is(check('%YAML 1.3\n---\na: [1\n')?.message, '[cereal] [yaml] BAD_INDENT: Flow sequence in block collection must be sufficiently indented and end with a ] (line 4, column 1)');
  assert.is(check('a: 1\nb: !evil 1\n')?.message, '[cereal] [yaml] TAG_RESOLVE_FAILED: Unresolved tag: !evil (line 2, column 4)');
  assert.is(check('a: 1\n'), undefined);
});

Nodes.run();
