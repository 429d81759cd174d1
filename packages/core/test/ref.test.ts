import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { throws } from '@cereal/testkit';
import { CerealError, ModelRef, isRef, ref } from '../src/index.js';
import { RefList, canonicalKey, fromRefList, refList } from '../src/format/index.js';

const Ref = suite('ref');

Ref('carries model, pk and a canonical key', () => {
  const r = ref('users', 42);
  assert.instance(r, ModelRef);
  assert.is(r.model, 'users');
  assert.is(r.pk, 42);
  assert.is(r.key, 'users:42');
  assert.is(String(r), 'users:42');
});

Ref('42, 42n and "42" share one key', () => {
  assert.is(ref('users', 42n).key, 'users:42');
  assert.is(ref('users', '42').key, 'users:42');
  assert.is(ref('users', 2n ** 64n).key, 'users:18446744073709551616');
});

Ref('composite keys keep their parts in order and are frozen copies', () => {
  const pk = [7, 1001];
  const r = ref('orders', pk);
  assert.is(r.key, 'orders:7,1001');
  assert.equal(r.pk, [7, 1001]);
  assert.ok(Object.isFrozen(r.pk));
  pk[0] = 8;
  assert.equal(r.pk, [7, 1001]);
  assert.is(ref('orders', ['7', 1001n]).key, r.key);
});

Ref('a string key with a comma never collides with a composite key', () => {
  assert.is.not(ref('tags', 'a,b').key, ref('tags', ['a', 'b']).key);
  assert.is.not(ref('tags', 'a%2Cb').key, ref('tags', 'a,b').key);
  assert.is.not(ref('tags', ['a,b', 'c']).key, ref('tags', ['a', 'b,c']).key);
});

Ref('keys up to the bounds are fine: 1024 characters, 2^128 - 1', () => {
  assert.is(ref('tags', 'x'.repeat(1024)).pk, 'x'.repeat(1024));
  assert.is(ref('events', 2n ** 128n - 1n).key, `events:${2n ** 128n - 1n}`);
});

Ref('is immutable', () => {
  const r = ref('users', 1);
  assert.ok(Object.isFrozen(r));
  assert.throws(() => {
    (r as { model: string }).model = 'admins';
  });
});

Ref('isRef tells refs from look-alikes', () => {
  assert.ok(isRef(ref('users', 1)));
  assert.not.ok(isRef({ model: 'users', pk: 1, key: 'users:1' }));
  assert.not.ok(isRef(null));
});

const bad: [string, () => unknown][] = [
  ['model that is not a string', () => ref(42 as never, 1)],
  ['empty model', () => ref('', 1)],
  ['model with a colon', () => ref('a:b', 1)],
  ['model with a space', () => ref('a b', 1)],
  ['model longer than 128', () => ref('m'.repeat(129), 1)],
  ['NaN', () => ref('users', NaN)],
  ['a fraction', () => ref('users', 1.5)],
  ['an integer beyond 2^53 as a number', () => ref('users', 2 ** 53 + 2)],
  ['Infinity', () => ref('users', Infinity)],
  ['an object', () => ref('users', {} as never)],
  ['null', () => ref('users', null as never)],
  ['undefined', () => ref('users', undefined as never)],
  ['a boolean', () => ref('users', true as never)],
  ['an empty composite key', () => ref('orders', [])],
  ['a composite key of one part', () => ref('orders', [1])],
  ['a nested composite key', () => ref('orders', [1, [2, 3]] as never)],
  ['a composite part that is NaN', () => ref('orders', [1, NaN])],
  ['a string key longer than 1024 characters', () => ref('tags', 'x'.repeat(1025))],
  ['a bigint key of 2^128', () => ref('events', 2n ** 128n)],
  ['a bigint key of -2^128', () => ref('events', -(2n ** 128n))],
];
for (const [name, make] of bad) {
  Ref(`rejects ${name} with INVALID_REF`, () => {
    try {
      make();
      assert.unreachable('should have thrown');
    } catch (err) {
      assert.instance(err, CerealError);
      assert.is((err as CerealError).code, 'INVALID_REF');
      assert.is((err as CerealError).retryable, false);
      assert.match((err as Error).message, /^\[cereal\] /);
    }
  });
}

Ref('model names: a letter, `_` or `$` first, then letters, digits and `_ $ . - /`, at most 128; the message names the rule and at most 64 characters of the name', () => {
  for (const model of ['a', 'Z', '_', '$', 'users', 'app.users', 'tenant-1/users', 'a$b_c.d-e/f9', 'm'.repeat(128)]) assert.is(ref(model, 1).model, model);
  const message = (model: unknown): string => throws(() => ref(model as never, 1), 'INVALID_REF').message;
  for (const model of ['1users', '.users', '-users', '/users', 'us ers', 'users:', 'usérs', 'm'.repeat(129), 'a\nb']) assert.match(message(model), 'invalid model name `');
  assert.match(message('m'.repeat(200)), `\`${'m'.repeat(64)}\`;`);
  assert.match(message(42), 'invalid model name of type number;');
  // a value whose text would be a good name is still not a name
  assert.match(message(['users']), 'invalid model name of type object;');
  assert.match(message({ toString: () => 'users' }), 'invalid model name of type object;');
  assert.match(message(new String('users')), 'invalid model name of type object;');
  assert.match(message('1x'), 'a model name is a letter, `_` or `$` followed by letters, digits or `_ $ . - /` (at most 128)');
});

Ref('key, id and toString: built from the model and the canonical key; a pinned ref shows its version', () => {
  assert.is(ref('users', 42).key, 'users:42');
  assert.is(ref('users', '42').key, 'users:42');
  assert.is(ref('users', 'abc').id, 'abc');
  assert.is(ref('users', 42n).id, 42);
  assert.is(ref('orders', [7, 1001]).key, 'orders:7,1001');
  assert.is(ref('orders', [7, 1001]).id, '7,1001');
  assert.is(String(ref('users', 42)), 'users:42');
  assert.is(String(ref('users', 42, 7)), 'users:42@7');
  assert.is(ref('users', 42, 7).key, 'users:42', 'a pin does not change the key');
  assert.is(ref('users', 42, 7).version, 7);
  assert.is(ref('users', 42).version, undefined);
});

Ref('a Date version is copied: changing the row\'s Date afterwards does not move the pin', () => {
  const when = new Date(1000);
  const pinned = ref('users', 1, when);
  when.setTime(5000);
  assert.is((pinned.version as Date).getTime(), 1000);
  assert.is.not(pinned.version, when);
});

Ref('a composite key is a frozen copy: changing the array given afterwards changes nothing', () => {
  const pk: (string | number)[] = [7, 'a'];
  const r = ref('orders', pk);
  pk[0] = 8;
  assert.equal(r.pk, [7, 'a']);
  assert.ok(Object.isFrozen(r.pk));
  assert.is(r.key, 'orders:7,a');
});

Ref('JSON.stringify of a ref is MALFORMED, naming the ref and the serializer to use', () => {
  try {
    JSON.stringify({ user: ref('users', 42) });
    assert.unreachable();
  } catch (err) {
    assert.is((err as CerealError).code, 'MALFORMED');
    assert.match((err as Error).message, 'a ref (`users:42`) cannot be written with JSON.stringify; encode the value with your serializer');
    assert.equal((err as CerealError).refs?.map((r) => r.key), ['users:42']);
  }
});

Ref('INVALID_REF for a key or a version names the model it was for', () => {
  const message = (make: () => unknown): string => throws(make, 'INVALID_REF').message;
  assert.match(message(() => ref('users', 1.5)), '[cereal] invalid key for model `users`: key is 1.5, not an integer');
  assert.match(message(() => ref('orders', [1, null] as never)), '[cereal] invalid key for model `orders`: composite key part 1 is null');
  assert.match(message(() => ref('users', 1, NaN)), '[cereal] invalid version for model `users`');
});

Ref.run();

// ---

const Canonical = suite('canonicalKey');

Canonical('returns undefined for unusable keys and text for usable ones', () => {
  assert.is(canonicalKey(1), '1');
  assert.is(canonicalKey(-3n), '-3');
  assert.is(canonicalKey(['a', 2]), 'a,2');
  assert.is(canonicalKey(1.5), undefined);
  assert.is(canonicalKey([1]), undefined);
  assert.is(canonicalKey({}), undefined);
});

Canonical.run();

// ---

const List = suite('refList');

List('gives the model once and the keys of an array of refs to one model', () => {
  const list = refList([ref('users', 1), ref('users', 2n)]);
  assert.instance(list, RefList);
  assert.is(list!.model, 'users');
  assert.equal(list!.pks, [1, 2n]);
  assert.ok(Object.isFrozen(list), 'a RefList cannot be changed on its way to the format');
});

List('a pinned ref keeps its version: an array with one is not a list (a list carries keys only)', () => {
  for (const at of [0, 1, 2]) {
    const refs = [ref('users', 1), ref('users', 2), ref('users', 3)];
    refs[at] = ref('users', at + 1, 7);
    assert.is(refList(refs), undefined, `pinned at ${at}`);
  }
});

List('is undefined for anything else', () => {
  // eslint-disable-next-line no-sparse-arrays
  for (const value of [[], [ref('users', 1)], [ref('users', 1), ref('orders', 1)], [ref('users', 1), 1], [null, ref('users', 1), ref('users', 2)], [, ref('users', 1), ref('users', 2)], [{ model: 'users', pk: 1 }, ref('users', 1)], 'x', null, new Set([ref('users', 1), ref('users', 2)])]) {
    assert.is(refList(value), undefined);
  }
});

List('fromRefList validates every key and the list itself', () => {
  assert.equal(fromRefList('users', [1, '2']).map((r) => r.key), ['users:1', 'users:2']);
  for (const [model, pks] of [['users', 5], ['users', [1, {}]], [7, [1]], ['a:b', [1]]] as const) {
    try {
      fromRefList(model, pks);
      assert.unreachable('should have thrown');
    } catch (err) {
      assert.is((err as CerealError).code, 'INVALID_REF');
    }
  }
  assert.throws(() => fromRefList('users', 5), (err: unknown) => err instanceof CerealError && err.message.includes('a list of refs must be [model, [pk, …]]'));
});

List.run();
