import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CerealError, createSerializer, hydrate, hydrateMany, ref, refOf, type Settled } from '../src/index.js';
import { memoryFormat, memoryLoader, rejects, type Row } from '@cereal/testkit';

const setup = () => {
  const users = memoryLoader([{ id: 1, name: 'Ada', lock: 3 }, { id: 2, name: 'Grace', lock: 1 }, { id: 3, name: 'Edsger', lock: 1 }], { version: 'lock' });
  const orders = memoryLoader([{ id: [7, 1], total: 5 }], { arity: 2 });
  const cereal = createSerializer({ format: memoryFormat(), loaders: { users, orders } });
  return { users, orders, cereal };
};

const value = <T>(s: Settled<T> | undefined): T => {
  if (s?.status !== 'fulfilled') throw new Error(`expected a value, got ${s?.status === 'rejected' ? s.reason.message : String(s)}`);
  return s.value;
};
const reason = (s: Settled<unknown> | undefined): CerealError => {
  if (s?.status !== 'rejected') throw new Error('expected a failure');
  return s.reason;
};

const Many = suite('decodeMany and hydrateMany: a batch, one load per model, a result per payload');

Many('one load per model for the whole batch, with the keys of every payload once', async () => {
  const { users, orders, cereal } = setup();
  const wires = [cereal.encode({ u: ref('users', 1) }), cereal.encode({ u: [ref('users', 2), ref('users', 1)], o: ref('orders', [7, 1]) }), cereal.encode({ nothing: true })];
  const out = await cereal.decodeMany<unknown>(wires);
  assert.equal(users.calls, [[1, 2]]);
  assert.equal(orders.calls, [[[7, 1]]]);
  assert.equal(value(out[0]), { u: { id: 1, name: 'Ada', lock: 3 } });
  assert.equal((value(out[1]) as { u: Row[] }).u.map((r) => r.name), ['Grace', 'Ada']);
  assert.equal(value(out[2]), { nothing: true });
});

Many("a payload's missing row, unknown model, bad key or malformed wire fails that payload only, and never loads for it", async () => {
  const { users, orders, cereal } = setup();
  const wires = [
    cereal.encode({ u: ref('users', 1) }),
    cereal.encode({ u: ref('users', 99) }),
    'not a payload',
    42 as never,
  ];
  // a payload naming a model this serializer has no loader for (encoded by another serializer)
  const other = memoryFormat();
  const foreign = createSerializer({ format: other, loaders: { posts: memoryLoader([]) } });
  const mixed = createSerializer({ format: other, loaders: { users, orders } });
  const out = await mixed.decodeMany<unknown>([mixed.encode({ u: ref('users', 2) }), foreign.encode({ p: ref('posts', 1) }), mixed.encode({ o: ref('orders', [7, 1]) })]);
  assert.equal(value(out[0]), { u: { id: 2, name: 'Grace', lock: 1 } });
  assert.is(reason(out[1]).code, 'UNKNOWN_MODEL');
  assert.equal(value(out[2]), { o: { id: [7, 1], total: 5 } });
  const again = await cereal.decodeMany<unknown>(wires);
  assert.equal(value(again[0]), { u: { id: 1, name: 'Ada', lock: 3 } });
  assert.is(reason(again[1]).code, 'MISSING_ROW');
  assert.equal(reason(again[1]).refs?.map(String), ['users:99']);
  assert.is(reason(again[2]).code, 'MALFORMED');
  assert.is(reason(again[3]).code, 'MALFORMED', 'a wire of no payload type');
  assert.equal(users.calls.at(-1), [1, 99]);
});

Many('a failed load fails the payloads that refer to its model, each with its own refs; the others are served', async () => {
  const { users, orders, cereal } = setup();
  orders.fail = new Error('connection refused');
  const out = await cereal.decodeMany<unknown>([cereal.encode({ u: ref('users', 1) }), cereal.encode({ u: ref('users', 2), o: ref('orders', [7, 1]) })]);
  assert.equal(value(out[0]), { u: { id: 1, name: 'Ada', lock: 3 } });
  const failed = reason(out[1]);
  assert.is(failed.code, 'LOAD_FAILED');
  assert.is(failed.retryable, true);
  assert.equal(failed.refs?.map(String), ['orders:7,1']);
  assert.equal(users.calls, [[1, 2]]);
});

Many('each payload gets its own row objects: one job changing its row changes no other job\'s; within a payload one row stays one object', async () => {
  const { cereal } = setup();
  const out = await cereal.decodeMany<unknown>([cereal.encode({ a: ref('users', 1), b: ref('users', 1) }), cereal.encode({ a: ref('users', 1) })]);
  const first = value(out[0]) as { a: Row; b: Row };
  const second = value(out[1]) as { a: Row };
  assert.ok(first.a === first.b);
  assert.ok(first.a !== second.a);
  first.a.name = 'changed';
  assert.is(second.a.name, 'Ada');
  assert.is(refOf(second.a)?.key, 'users:1', 'the copies are rows hydrate returned: they encode as refs');
});

Many("consistency 'at-least' judges each payload by its own pins", async () => {
  const { users, cereal } = setup();
  const out = await cereal.decodeMany([cereal.encode({ u: ref('users', 1, 3) }), cereal.encode({ u: ref('users', 1, 4) })], { consistency: 'at-least' });
  assert.is(refOf(value(out[0]).u as object)?.version, 3);
  assert.is(reason(out[1]).code, 'STALE');
  assert.equal(users.contexts, [{ pins: [4] }], 'the load is told the newest pin of the batch');
});

Many('missing: null per payload; hydrateMany over values; a batch of none; decodeMany of no array is INVALID_OPTION', async () => {
  const { users, cereal } = setup();
  const out = await cereal.decodeMany([cereal.encode({ u: ref('users', 99) })], { missing: 'null' });
  assert.equal(value(out[0]), { u: null });
  const direct = await hydrateMany([{ u: ref('users', 2) }, ref('users', 3)], { users });
  assert.equal(direct.map((s) => (value(s) as { name?: string; u?: { name: string } }).name ?? (value(s) as { u: { name: string } }).u.name), ['Grace', 'Edsger']);
  assert.equal(await cereal.decodeMany([]), []);
  let err: unknown;
  try {
    await cereal.decodeMany('m0' as never);
  } catch (e) {
    err = e;
  }
  assert.instance(err, CerealError);
  assert.is((err as CerealError).code, 'INVALID_OPTION');
});

Many('maxRefs and maxBytes hold per payload: one over the limit fails alone', async () => {
  const { cereal } = setup();
  const big = cereal.encode({ u: Array.from({ length: 50 }, () => ref('users', 1)) });
  const out = await cereal.decodeMany<unknown>([big, cereal.encode({ u: ref('users', 2) })], { maxRefs: 10 });
  assert.is(reason(out[0]).code, 'LIMIT');
  assert.equal(value(out[1]), { u: { id: 2, name: 'Grace', lock: 1 } });
});

Many('a batch that fails to load is not loaded again value by value: one failing statement per model, whatever the batch size', async () => {
  const { users, cereal } = setup();
  users.fail = new Error('connection refused');
  const out = await cereal.decodeMany<unknown>([1, 2, 3].map((id) => cereal.encode({ u: ref('users', id) })));
  assert.equal(out.map((s) => reason(s).code), ['LOAD_FAILED', 'LOAD_FAILED', 'LOAD_FAILED']);
  assert.is(users.calls.length, 1);
  const alone = setup();
  alone.users.fail = new CerealError('INVALID_REF', 'the server refused a key');
  const single = await alone.cereal.decodeMany<unknown>([alone.cereal.encode({ u: ref('users', 1) })]);
  assert.is(reason(single[0]).code, 'INVALID_REF');
  assert.is(alone.users.calls.length, 1, 'a batch of one value refused as INVALID_REF is not loaded again');
});

Many('a row missing for two payloads costs one load, and each payload reports it', async () => {
  const { users, cereal } = setup();
  const wires = [cereal.encode({ u: ref('users', 99) }), cereal.encode({ u: ref('users', 99), v: ref('users', 1) })];
  const out = await cereal.decodeMany<unknown>(wires, { missing: 'null' });
  assert.equal(value(out[0]), { u: null });
  assert.equal(value(out[1]), { u: null, v: { id: 1, name: 'Ada', lock: 3 } });
  assert.equal(users.calls, [[99, 1]]);
  const thrown = await cereal.decodeMany<unknown>(wires);
  assert.equal(thrown.map((s) => reason(s).message), ['[cereal] 1 referenced row is missing: `users:99`', '[cereal] 1 referenced row is missing: `users:99`']);
});

Many("a payload's share of a failed load reads as the failure would alone: one `[cereal]` prefix, its own refs, the driver's error as cause", async () => {
  const { users, cereal } = setup();
  const down = new Error('connection refused');
  users.fail = down;
  const out = await cereal.decodeMany<unknown>([cereal.encode({ u: ref('users', 1) }), cereal.encode({ u: ref('users', 2) })]);
  const alone = await rejects(() => cereal.decode(cereal.encode({ u: ref('users', 1), v: ref('users', 2) })));
  for (const [i, s] of out.entries()) {
    const err = reason(s);
    assert.is(err.message, alone.message);
    assert.equal(err.refs?.map(String), [`users:${i + 1}`]);
    assert.is(err.cause, down);
  }
  users.fail = new CerealError('INVALID_REF', 'no such label');
  const refused = await cereal.decodeMany<unknown>([cereal.encode({ u: ref('users', 1) }), cereal.encode({ u: ref('users', 2) })]);
  assert.is(reason(refused[1]).message, '[cereal] no such label');
  assert.instance(reason(refused[1]).cause, CerealError, "a CerealError without a cause is its share's cause");
});

Many('a value whose walk throws something else (a getter) fails alone as LOAD_FAILED saying so, with the error as cause', async () => {
  const { users } = setup();
  const boom = new Error('getter failed');
  const out = await hydrateMany([{ get bad() { throw boom; } }, { u: ref('users', 2) }], { users });
  const err = reason(out[0]);
  assert.is(err.code, 'LOAD_FAILED');
  assert.is(err.message, '[cereal] hydrating failed: getter failed');
  assert.is(err.cause, boom);
  assert.equal(value(out[1]), { u: { id: 2, name: 'Grace', lock: 1 } });
});

Many('a row that is a Proxy whose traps throw, wanted by two payloads: each fails alone as LOAD_FAILED, the batch resolves', async () => {
  const row = new Proxy({ id: 1, name: 'Ada' }, { getPrototypeOf: () => { throw new Error('trap'); } });
  const loader = { keyOf: (r: { id: number }) => r.id, load: async () => [row] };
  const out = await hydrateMany([{ u: ref('users', 1) }, { u: ref('users', 1) }, { other: true }], { users: loader });
  assert.equal(out.map((s) => s.status), ['rejected', 'rejected', 'fulfilled']);
  for (const s of out.slice(0, 2)) {
    assert.is(reason(s).code, 'LOAD_FAILED');
    assert.is(reason(s).message, '[cereal] hydrating failed: trap');
  }
  assert.is((await rejects(() => hydrate({ u: ref('users', 1) }, { users: loader }))).message, '[cereal] hydrating failed: trap', 'as hydrate alone says');
});

Many.run();
