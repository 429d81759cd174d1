/**
 * The concrete-syntax-tree guard on its own: checkTree (block and flow nesting, aliases, errors
 * the parser left inside the tree) and problemAt (how a problem yaml reports becomes a
 * CerealError with its place). Each bound is met exactly.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LineCounter, Parser } from 'yaml';
import { CerealError, ref } from '@cereal/core';
import { throws } from '@cereal/testkit';
import { checkTree, problemAt } from '../src/_cst.js';

/** checkTree over `source`, as parseYaml calls it. */
const tree = (source: string, limits: { maxDepth: number; maxAliases: number }): number => {
  const lines = new LineCounter();
  return checkTree([...new Parser(lines.addNewLine).parse(source)], limits, lines);
};
const lines = (source: string): LineCounter => {
  const counter = new LineCounter();
  for (const _ of new Parser(counter.addNewLine).parse(source));
  return counter;
};
/** `levels` block sequences, each inside the one before. */
const blockNest = (levels: number): string => `${Array.from({ length: levels }, (_, i) => `${'  '.repeat(i)}-`).join('\n')} 1\n`;

const Tree = suite('yaml checkTree: nesting, aliases and errors in the tree, before anything is composed');

Tree('block nesting at maxDepth passes, one level more is LIMIT; a scalar is no level', () => {
  assert.is(tree(blockNest(5), { maxDepth: 5, maxAliases: 0 }), 0);
  const err = throws(() => tree(blockNest(6), { maxDepth: 5, maxAliases: 0 }), 'LIMIT');
  assert.match(err.message, 'more than 5 levels of yaml');
  assert.is(tree('just a scalar\n', { maxDepth: 0, maxAliases: 0 }), 0);
  throws(() => tree('[1]\n', { maxDepth: 0, maxAliases: 0 }), 'LIMIT');
  // block mappings and flow collections count as levels as well, keys included
  assert.is(tree('a:\n  b:\n    c: [{d: 1}]\n', { maxDepth: 5, maxAliases: 0 }), 0);
  throws(() => tree('a:\n  b:\n    c: [{d: [1]}]\n', { maxDepth: 5, maxAliases: 0 }), 'LIMIT');
  throws(() => tree('? [[[[[1]]]]]\n: v\n', { maxDepth: 5, maxAliases: 0 }), 'LIMIT');
});

Tree('returns how many aliases the document uses; maxAliases of them pass, one more is LIMIT naming the option', () => {
  const doc = '- &a 1\n- *a\n- [*a, {k: *a}]\n';
  assert.is(tree(doc, { maxDepth: 8, maxAliases: 3 }), 3);
  const err = throws(() => tree(doc, { maxDepth: 8, maxAliases: 2 }), 'LIMIT');
  assert.is(err.message, '[cereal] [yaml] the document uses more than maxAliasCount 2 aliases; raise `maxAliasCount` if that is expected');
  assert.is(tree('- &a 1\n- &b 2\n', { maxDepth: 8, maxAliases: 0 }), 0, 'anchors are no aliases');
});

Tree('an error the parser left inside the tree (a block scalar header that is no token) is MALFORMED at its place', () => {
  // found by generating sources: yaml leaves only these errors in the tree, in a scalar's props
  for (const [source, line] of [['|*x}  ,-}a---', 1], ['\n- >?*x  ,-*x', 2], ['?\t|:-  {,', 1]] as const) {
    const err = throws(() => tree(source, { maxDepth: 8, maxAliases: 8 }), 'MALFORMED');
    assert.match(err.message, 'Not a YAML token', source);
    assert.match(err.message, `(line ${line}, column `, source);
  }
});

const Problem = suite('yaml problemAt: a problem as a CerealError, with its line and column');

Problem('MALFORMED with yaml\'s code, its message cut to 200 characters, and the line and column of the offset', () => {
  const at = lines('a: 1\nbb: 2\n');
  assert.is(problemAt('bad thing', 7, at, 'BAD_INDENT').message, '[cereal] [yaml] BAD_INDENT: bad thing (line 2, column 3)');
  assert.is(problemAt('bad thing', 0, at).message, '[cereal] [yaml] bad thing (line 1, column 1)');
  const long = problemAt('y'.repeat(300), 0, at, 'X');
  assert.is(long.code, 'MALFORMED');
  assert.is(long.message, `[cereal] [yaml] X: ${'y'.repeat(200)} (line 1, column 1)`);
});

Problem('a stack overflow yaml reports is LIMIT (too deep), not MALFORMED; other resource problems stay MALFORMED', () => {
  const at = lines('a\n');
  const deep = problemAt('Maximum call stack size exceeded', 0, at, 'RESOURCE_EXHAUSTION');
  assert.is(deep.code, 'LIMIT');
  assert.is(deep.message, '[cereal] [yaml] the payload nests too deeply to read (line 1, column 1)');
  assert.is(problemAt('Excessive alias count', 0, at, 'RESOURCE_EXHAUSTION').code, 'MALFORMED');
  assert.is(problemAt('Maximum call stack size exceeded', 0, at, 'OTHER').code, 'MALFORMED');
});

Problem('a cereal tag\'s failure keeps its code, refs and place, with the failure as cause; its message once prefixed, cut to 200', () => {
  const at = lines('x\ny\n');
  const refs = [ref('users', 1)];
  for (const prefix of ['[cereal] [yaml] ', '[cereal] ']) {
    const known = new CerealError('MISSING_ROW', `${prefix.slice('[cereal] '.length)}gone`, { refs });
    const err = problemAt('yaml says something else', 2, at, 'TAG_RESOLVE_FAILED', known);
    assert.is(err.code, 'MISSING_ROW');
    assert.is(err.message, '[cereal] [yaml] gone (line 2, column 1)', prefix);
    assert.equal(err.refs?.map((r) => r.key), ['users:1']);
    assert.is(err.cause, known);
  }
  const plain = problemAt('m', 0, at, undefined, new CerealError('INVALID_REF', `[yaml] ${'z'.repeat(300)}`));
  assert.is(plain.code, 'INVALID_REF');
  assert.is(plain.refs, undefined);
  assert.is(plain.message, `[cereal] [yaml] ${'z'.repeat(200)} (line 1, column 1)`);
});

Tree.run();
Problem.run();
