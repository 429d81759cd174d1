/**
 * checkDepth, the JSON format's first guard: it bounds the nesting superjson's recursive walks
 * will see, before JSON.parse runs. Brackets inside strings are text, escapes included; the
 * bound is met exactly; closing brackets end a level.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CerealError } from '@cereal/core';
import { checkDepth } from '../src/_depth.js';

const Depth = suite('json checkDepth: nesting outside strings, counted exactly');

const limit = (text: string, max: number): CerealError | undefined => {
  try {
    checkDepth(text, max);
  } catch (err) {
    assert.instance(err, CerealError);
    return err as CerealError;
  }
  return undefined;
};

Depth('the limit itself passes and one more level is LIMIT, for arrays, objects and both mixed', () => {
  for (const [open, close] of [['[', ']'], ['{"a":', '}'], ['[{"a":', '}]']] as const) {
    const nest = (n: number) => open.repeat(n) + '1' + close.repeat(n);
    const per = open === '[{"a":' ? 2 : 1;
    assert.is(limit(nest(10 / per), 10), undefined, `${open} at the limit`);
    const err = limit(nest(10 / per + 1), 10);
    assert.is(err?.code, 'LIMIT', `${open} one over`);
    assert.match(err!.message, '[json] the payload nests deeper than maxDepth');
    assert.match(err!.message, 'more than 10 levels of json');
  }
});

Depth('a closing bracket ends a level: siblings never add up', () => {
  assert.is(limit('[' + '[[]],'.repeat(10_000) + '[[]]]', 3), undefined);
  assert.is(limit('{"a":{"b":[]},"c":{"d":[]}}', 3), undefined);
  assert.is(limit('[[[]]][[[[]]]]', 3)?.code, 'LIMIT');
});

Depth('brackets inside strings are text, past escaped quotes and escaped backslashes', () => {
  assert.is(limit('["[[[[[[", "{{{{{{"]', 1), undefined);
  assert.is(limit('["\\"[[[[[[", 1]', 1), undefined, 'an escaped quote does not end the string');
  assert.is(limit('["\\\\", [[1]]]', 1)?.code, 'LIMIT', 'an escaped backslash does: the brackets after it count');
  assert.is(limit('["\\\\\\"[[[["]', 1), undefined, 'a backslash pair, then an escaped quote: still inside');
  assert.is(limit('{"k[[[": "v{{{"}', 1), undefined, 'keys are strings too');
  assert.is(limit('"[[[[', 1), undefined, 'an unterminated string: its brackets are text (JSON.parse refuses it next)');
});

Depth('a megabyte of brackets is LIMIT, never a stack overflow; a megabyte of shallow values passes', () => {
  assert.is(limit('['.repeat(1 << 20), 128)?.code, 'LIMIT');
  assert.is(limit('[1]'.repeat(1 << 18), 1), undefined);
});

Depth.run();
