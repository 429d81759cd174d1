import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CerealError, createSerializer, ref, refOf } from '../src/index.js';
import { memoryLoader, memoryFormat, rejects } from '@cereal/testkit';

const users = () => memoryLoader(Array.from({ length: 100 }, (_, i) => ({ id: i + 1, name: `user ${i + 1}` })));
const posts = () => memoryLoader([{ id: 1, title: 'hello' }]);
const tick = () => new Promise((resolve) => setImmediate(resolve));

const Coalesce = suite('coalesce: concurrent decodes share their loads');

Coalesce('decodes that start together: one load per model, keys deduplicated, each decode its own rows', async () => {
  const u = users();
  const p = posts();
  const cereal = createSerializer({ format: memoryFormat(), loaders: { users: u, posts: p }, coalesce: true });
  const wires = Array.from({ length: 50 }, (_, i) => cereal.encode({ user: ref('users', (i % 10) + 1), post: ref('posts', 1), n: i }));
  const out = (await Promise.all(wires.map((w) => cereal.decode(w)))) as { user: { id: number; name: string }; post: object; n: number }[];
  assert.is(u.calls.length, 1, 'one load of users for 50 decodes');
  assert.is(p.calls.length, 1, 'one load of posts');
  assert.equal(u.calls[0]!.map(String).sort((a, b) => Number(a) - Number(b)), ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'], 'each key once');
  for (const [i, value] of out.entries()) {
    assert.is(value.n, i);
    assert.equal(value.user, { id: (i % 10) + 1, name: `user ${(i % 10) + 1}` });
    assert.is(refOf(value.user)?.key, `users:${(i % 10) + 1}`, 'rows carry their tag');
  }
  assert.is.not(out[0]!.user, out[10]!.user, 'two decodes of users:1 get two row objects');
  out[0]!.user.name = 'changed by job 0';
  assert.is(out[10]!.user.name, 'user 1', "one job mutating its row never changes another job's");
});

Coalesce('a missing row fails only the decode that refers to it', async () => {
  const u = users();
  const cereal = createSerializer({ format: memoryFormat(), loaders: { users: u }, coalesce: true });
  const results = await Promise.allSettled([1, 999, 2].map((id) => cereal.decode(cereal.encode({ user: ref('users', id) }))));
  assert.is(u.calls.length, 1);
  assert.equal(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  const err = (results[1] as PromiseRejectedResult).reason as CerealError;
  assert.is(err.code, 'MISSING_ROW');
  assert.equal(err.refs!.map((r) => r.key), ['users:999']);
});

Coalesce("a load that fails fails the decodes that needed it, LOAD_FAILED, and no other's", async () => {
  const u = users();
  const p = posts();
  p.fail = new Error('connection reset');
  const cereal = createSerializer({ format: memoryFormat(), loaders: { users: u, posts: p }, coalesce: true });
  const results = await Promise.allSettled([cereal.decode(cereal.encode(ref('users', 1))), cereal.decode(cereal.encode([ref('users', 2), ref('posts', 1)]))]);
  assert.is(results[0]!.status, 'fulfilled');
  assert.is(((results[1] as PromiseRejectedResult).reason as CerealError).code, 'LOAD_FAILED');
  assert.is(((results[1] as PromiseRejectedResult).reason as CerealError).retryable, true);
});

Coalesce('fresh: the load starts after every decode it serves has started', async () => {
  const u = users();
  const events: string[] = [];
  const load = u.load.bind(u);
  u.load = (pks, context) => (events.push(`load ${pks.length}`), load(pks, context));
  const cereal = createSerializer({ format: memoryFormat(), loaders: { users: u }, coalesce: { window: 200 } }); // long: the ticks below must fall within it on a loaded machine
  const decodes: Promise<unknown>[] = [];
  for (let i = 1; i <= 3; i++) {
    events.push(`decode ${i}`);
    decodes.push(cereal.decode(cereal.encode(ref('users', i))));
    await tick(); // separate turns, within the window
  }
  await Promise.all(decodes);
  assert.equal(events, ['decode 1', 'decode 2', 'decode 3', 'load 3']);
});

Coalesce('window 0 merges only what starts in the same turn; decodes after the window open a new batch', async () => {
  const u = users();
  const cereal = createSerializer({ format: memoryFormat(), loaders: { users: u }, coalesce: { window: 0 } });
  const a = [cereal.decode(cereal.encode(ref('users', 1))), cereal.decode(cereal.encode(ref('users', 2)))];
  await Promise.all(a);
  await cereal.decode(cereal.encode(ref('users', 3)));
  assert.is(u.calls.length, 2);
  assert.is(u.calls[0]!.length, 2);
});

Coalesce('maxBatch hydrates a full batch at once; decodes with other hydrate options are batched apart', async () => {
  const u = users();
  const cereal = createSerializer({ format: memoryFormat(), loaders: { users: u }, coalesce: { window: 50, maxBatch: 2 } });
  const started = performance.now();
  await Promise.all([1, 2].map((id) => cereal.decode(cereal.encode(ref('users', id)))));
  assert.ok(performance.now() - started < 45, 'a full batch does not wait for the window');
  await Promise.all([3, 4, 5].map((id) => cereal.decode(cereal.encode(ref('users', id)))));
  assert.is(u.calls.length, 3, '2, then 2 and 1');
  const own = users();
  const s = createSerializer({ format: memoryFormat(), loaders: { users: own }, coalesce: true });
  await Promise.all([s.decode(s.encode(ref('users', 1))), s.decode(s.encode(ref('users', 2)), { missing: 'null' }), s.decode(s.encode(ref('users', 3)), { maxBytes: 1000 })]);
  assert.is(own.calls.length, 2, 'other hydrate options: another batch; only maxBytes differing (applied when reading): the same');
  assert.equal(own.calls.map((c) => c.length).sort(), [1, 2]);
});

Coalesce('bad coalesce options are INVALID_OPTION', async () => {
  const getter = Object.defineProperty({}, 'window', { enumerable: true, get: () => { throw new Error('getter'); } });
  for (const [i, coalesce] of [null, 'yes', { window: -1 }, { window: 5000 }, { window: NaN }, { maxBatch: 0 }, { maxBatch: 1.5 }, [], { windw: 5 }, new Date(), new Map(), getter].entries()) {
    const err = await rejects(() => createSerializer({ format: memoryFormat(), loaders: {}, coalesce: coalesce as never }));
    assert.is(err.code, 'INVALID_OPTION', `option ${i}`);
    assert.match(err.message, /`coalesce/);
  }
});

Coalesce('a decode that fails before loading (malformed) fails alone and at once', async () => {
  const u = users();
  const cereal = createSerializer({ format: memoryFormat(), loaders: { users: u }, coalesce: true });
  const results = await Promise.allSettled([cereal.decode('not a payload' as never), cereal.decode(cereal.encode(ref('users', 1)))]);
  assert.is(results[0]!.status, 'rejected');
  assert.is(results[1]!.status, 'fulfilled');
  assert.is(u.calls.length, 1);
});

Coalesce('a decode never waits on a load it did not need: one that hangs holds only the decodes that asked for its model', async () => {
  const hanging = { load: () => new Promise<never>(() => undefined), keyOf: (r: { id: number }) => r.id };
  const cereal = createSerializer({ format: memoryFormat(), loaders: { users: users(), orders: hanging }, coalesce: true });
  const held = cereal.decode(cereal.encode({ order: ref('orders', 1) }));
  const outcome = await Promise.race([
    Promise.all([cereal.decode(cereal.encode({ user: ref('users', 1) })), cereal.decode(cereal.encode({ hello: 'world' }))]),
    new Promise((resolve) => setTimeout(() => resolve('still waiting'), 500)),
  ]);
  assert.equal(outcome, [{ user: { id: 1, name: 'user 1' } }, { hello: 'world' }]);
  const pending = await Promise.race([held.then(() => 'settled'), new Promise((resolve) => setTimeout(() => resolve('pending'), 50))]);
  assert.is(pending, 'pending', 'the decode that needs the hanging load waits for it');
});

Coalesce("each decode's row is its own all the way down: JSON values, arrays, Dates, Buffers, Maps and Sets in a row are copied, not shared", async () => {
  const rows = [{ id: 1, settings: { theme: 'dark', nested: { deep: [1, { x: 1 }] } }, tags: ['a'], seen: new Date(0), avatar: Buffer.from('ab'), bits: new Uint16Array([1, 2]), index: new Map([['k', { v: 1 }]]), flags: new Set(['on']) }];
  const loader = { load: async () => rows.map((r) => ({ ...r })), keyOf: (r: { id: number }) => r.id };
  const cereal = createSerializer({ format: memoryFormat(), loaders: { users: loader }, coalesce: true });
  const wire = cereal.encode({ user: ref('users', 1) });
  type R = (typeof rows)[number];
  const [a, b, c] = (await Promise.all([cereal.decode(wire), cereal.decode(wire), cereal.decode(wire)])) as { user: R }[];
  a!.user.settings.theme = 'changed';
  (a!.user.settings.nested.deep[1] as { x: number }).x = 2;
  a!.user.tags.push('pushed');
  a!.user.seen.setFullYear(1999);
  a!.user.avatar[0] = 0x7a;
  a!.user.bits[0] = 9;
  a!.user.index.get('k')!.v = 2;
  a!.user.flags.add('off');
  for (const other of [b!, c!]) {
    assert.equal(other.user.settings, { theme: 'dark', nested: { deep: [1, { x: 1 }] } });
    assert.equal(other.user.tags, ['a']);
    assert.is(other.user.seen.getTime(), 0);
    assert.is(other.user.avatar.toString(), 'ab');
    assert.ok(Buffer.isBuffer(other.user.avatar));
    assert.equal([...other.user.bits], [1, 2]);
    assert.instance(other.user.bits, Uint16Array);
    assert.equal(other.user.index.get('k'), { v: 1 });
    assert.equal([...other.user.flags], ['on']);
    assert.is(refOf(other.user)?.key, 'users:1');
  }
  assert.is.not(b!.user, c!.user);
});

Coalesce('an own `__proto__` key in a JSON column stays a key in every copy, and never becomes a prototype', async () => {
  const settings = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
  const loader = { load: async () => [{ id: 1, settings }], keyOf: (r: { id: number }) => r.id };
  const cereal = createSerializer({ format: memoryFormat(), loaders: { users: loader }, coalesce: true });
  const wire = cereal.encode(ref('users', 1));
  const [, copy] = (await Promise.all([cereal.decode(wire), cereal.decode(wire)])) as unknown as { settings: Record<string, unknown> }[];
  assert.ok(Object.hasOwn(copy!.settings, '__proto__'));
  assert.is(Object.getPrototypeOf(copy!.settings), Object.prototype);
  assert.is((copy!.settings as { polluted?: unknown }).polluted, undefined);
  assert.is(({} as { polluted?: unknown }).polluted, undefined);
});

Coalesce('a key the server refuses (INVALID_REF from the load) fails only the decode that holds it: the batch is loaded again decode by decode', async () => {
  const calls: unknown[][] = [];
  const picky = {
    load: async (pks: readonly unknown[]) => {
      calls.push([...pks]);
      if (pks.includes('angry')) throw new CerealError('INVALID_REF', 'invalid input value for enum mood: "angry"');
      return pks.map((id) => ({ id }));
    },
    keyOf: (r: { id: string }) => r.id,
  };
  const cereal = createSerializer({ format: memoryFormat(), loaders: { moods: picky }, coalesce: true });
  const results = await Promise.allSettled(['happy', 'angry', 'sad'].map((id) => cereal.decode(cereal.encode({ mood: ref('moods', id) }))));
  assert.equal(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  assert.equal((results[0] as PromiseFulfilledResult<unknown>).value, { mood: { id: 'happy' } });
  const err = (results[1] as PromiseRejectedResult).reason as CerealError;
  assert.is(err.code, 'INVALID_REF');
  assert.equal(err.refs?.map((r) => r.key), ['moods:angry']);
  assert.equal(calls, [['happy', 'angry', 'sad'], ['happy'], ['angry'], ['sad']]);
  // decodeMany, the same
  const many = await cereal.decodeMany(['happy', 'angry'].map((id) => cereal.encode(ref('moods', id))));
  assert.equal(many.map((r) => r.status), ['fulfilled', 'rejected']);
});

Coalesce.run();
