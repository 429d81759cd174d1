/**
 * The messages users read and act on: which models have no loader and which do, what a broken
 * loader lacks, what a thrown value said (whatever it is), all within bounds and never cutting
 * a character in two.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CerealError, createSerializer, hydrate, ref } from '../src/index.js';
import { clip, cut, describe, listNames, listRefs } from '../src/format/index.js';
import { memoryFormat } from '@cereal/testkit';

const failure = async (fn: () => unknown): Promise<CerealError> => {
  try {
    await fn();
  } catch (err) {
    assert.instance(err, CerealError);
    return err as CerealError;
  }
  throw new Error('did not fail');
};
const loader = { load: async () => [], keyOf: (r: { id: number }) => r.id };

const Messages = suite('messages');

Messages('UNKNOWN_MODEL names the models without a loader and up to 20 known ones, or none', async () => {
  const known = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`m${i}`, loader]));
  const err = await failure(() => hydrate([ref('invoices', 1), ref('orders', 2)], known));
  assert.is(err.code, 'UNKNOWN_MODEL');
  assert.match(err.message, 'no loader for model `invoices`, `orders`; known models: `m0`, `m1`');
  assert.match(err.message, '`m19` and 5 more');
  assert.equal(err.refs?.map((r) => r.key), ['invoices:1', 'orders:2']);
  const none = await failure(() => hydrate([ref('invoices', 1)], {}));
  assert.match(none.message, 'no loader for model `invoices`; known models: none');
});

Messages('a loader without load or keyOf functions is INVALID_OPTION naming the model', async () => {
  for (const broken of [null, 'loader', { load: async () => [] }, { keyOf: () => 1 }, { load: 'x', keyOf: () => 1 }, { load: async () => [], keyOf: 1 }]) {
    const err = await failure(() => createSerializer({ format: memoryFormat(), loaders: { users: broken as never } }));
    assert.is(err.code, 'INVALID_OPTION', JSON.stringify(broken));
    assert.match(err.message, 'the loader for model `users` has no `load` and `keyOf` functions');
  }
});

Messages('LIMIT for too many refs says the limit and what to raise', async () => {
  const err = await failure(() => hydrate([ref('users', 1), ref('users', 2)], { users: loader }, { maxRefs: 1 }));
  assert.is(err.code, 'LIMIT');
  assert.match(err.message, 'value holds more than maxRefs 1 refs; raise `maxRefs` if that is expected');
});

Messages('describe: a thrown value\'s message, or the value as text; never throws, whatever was thrown', () => {
  assert.is(describe(new Error('boom')), 'boom');
  assert.is(describe({ message: 'shaped like an error' }), 'shaped like an error');
  assert.is(describe({ message: 42 }), '[object Object]');
  assert.is(describe('text'), 'text');
  assert.is(describe(42n), '42n');
  assert.is(describe(null), 'null');
  assert.is(describe(undefined), 'undefined');
  assert.is(describe(Object.create(null)), 'an object that cannot be printed');
  const fn = Object.defineProperty(() => undefined, 'message', { get: () => { throw new Error('no'); } });
  assert.is(describe(fn), 'a function that cannot be printed');
  assert.is(describe(undefined, Symbol('max') as never), 'an undefined that cannot be printed', 'a max that is no number');
  assert.is(describe(7n, Symbol('max') as never), 'a bigint that cannot be printed');
  assert.is(describe(Object.defineProperty({}, 'message', { get: () => { throw new Error('no'); } })), 'an object that cannot be printed');
  assert.is(describe('x'.repeat(400)), `${'x'.repeat(300)}… (100 more characters)`);
  assert.is(describe('x'.repeat(50), 10), `${'x'.repeat(10)}… (40 more characters)`);
});

Messages('clip and cut keep text at its bound and never split a surrogate pair', () => {
  assert.is(clip('abc', 3), 'abc');
  assert.is(clip('abcd', 3), 'abc… (1 more characters)');
  assert.is(clip('ab😀cd', 3), 'ab… (4 more characters)', 'the pair at the bound stays whole, out');
  assert.is(clip('a😀cd', 3), 'a😀… (2 more characters)');
  assert.is(clip('x'.repeat(200)), 'x'.repeat(200));
  assert.is(clip('x'.repeat(201)), `${'x'.repeat(200)}… (1 more characters)`);
  assert.is(cut('abc', 3), 'abc');
  assert.is(cut('abcd', 3), 'abc');
  assert.is(cut('ab😀', 3), 'ab');
  assert.is(cut('a😀c', 3), 'a😀');
  assert.is(cut('ab\udc00', 3), 'ab\udc00', 'a low surrogate alone at the bound is kept as it is');
  assert.is(cut('ab\ud83d', 3), 'ab\ud83d', 'text within the bound is returned as it is');
  // the first and the last high surrogate: U+10000 and U+10FFFF are never split
  for (const pair of ['\ud800\udc00', '\udbff\udfff']) {
    assert.is(cut(`ab${pair}`, 3), 'ab', pair);
    assert.is(clip(`ab${pair}c`, 3), 'ab… (3 more characters)', pair);
  }
  assert.is(cut('ab\ud7ff\udc00', 3), 'ab\ud7ff', 'U+D7FF is no surrogate');
  assert.is(cut('ab\udc00\udc00', 3), 'ab\udc00', 'U+DC00 is a low surrogate');
});

Messages('listNames and listRefs: at most a few, each clipped, with how many more', () => {
  assert.is(listNames(['a', 'b']), '`a`, `b`');
  assert.is(listNames(['a', 'b', 'c', 'd', 'e']), '`a`, `b`, `c`, `d`, `e`');
  assert.is(listNames(['a', 'b', 'c', 'd', 'e', 'f']), '`a`, `b`, `c`, `d`, `e` and 1 more');
  assert.is(listNames(['a', 'b'], 1), '`a` and 1 more');
  assert.is(listNames(['a'], 5, 9), '`a` and 4 more');
  assert.is(listNames(['n'.repeat(70)]), `\`${'n'.repeat(64)}… (6 more characters)\``);
  assert.is(listNames([]), '');
  const refs = Array.from({ length: 7 }, (_, i) => ref('users', i + 1));
  assert.is(listRefs(refs), '`users:1`, `users:2`, `users:3`, `users:4`, `users:5` and 2 more');
  assert.is(listRefs(refs, 2), '`users:1`, `users:2` and 5 more');
});

Messages('a CerealError has a cause only when given one (loggers print an own `cause: undefined`)', () => {
  const plain = new CerealError('MALFORMED', 'bad');
  assert.not.ok(Object.hasOwn(plain, 'cause'));
  assert.not.ok('cause' in plain);
  assert.is(new CerealError('LOAD_FAILED', 'down', { cause: null }).cause, null, 'a falsy cause is still a cause');
  assert.ok(Object.hasOwn(new CerealError('LOAD_FAILED', 'down', { cause: 0 }), 'cause'));
});

Messages.run();
