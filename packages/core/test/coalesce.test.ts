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
  const cereal = createSerializer({ format: memoryFormat(), loaders: { users: u }, coalesce: { window: 5 } });
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
  for (const coalesce of [null, 'yes', { window: -1 }, { window: 5000 }, { window: NaN }, { maxBatch: 0 }, { maxBatch: 1.5 }, []]) {
    const err = await rejects(() => createSerializer({ format: memoryFormat(), loaders: {}, coalesce: coalesce as never }));
    assert.is(err.code, 'INVALID_OPTION', JSON.stringify(coalesce));
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

Coalesce.run();
