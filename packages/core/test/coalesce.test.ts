import { suite } from 'uvu';
import { coalesceSettings } from '../src/coalesce.js';
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
  const later = users();
  const apart = createSerializer({ format: memoryFormat(), loaders: { users: later }, coalesce: { window: 0 } });
  const first = apart.decode(apart.encode(ref('users', 1)));
  const second = new Promise((resolve) => setImmediate(() => resolve(apart.decode(apart.encode(ref('users', 2))))));
  await Promise.all([first, second]);
  assert.equal(later.calls, [[1], [2]], 'a decode started in a later turn (setImmediate) is in a batch of its own');
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
  const message = async (coalesce: unknown) => (await rejects(() => createSerializer({ format: memoryFormat(), loaders: {}, coalesce: coalesce as never }))).message;
  assert.match(await message('yes'), '`coalesce` must be true, false or { window?: ms, maxBatch? }, got yes');
  assert.match(await message({ windw: 5, max: 1 }), '`coalesce` takes window and maxBatch, not `windw`, `max`');
  assert.match(await message({ window: 1000.5 }), '`coalesce.window` must be a number of milliseconds from 0 to 1000, got 1000.5');
  assert.match(await message({ maxBatch: 0 }), '`coalesce.maxBatch` must be a positive integer, got 0');
  const thrown = await rejects(() => createSerializer({ format: memoryFormat(), loaders: {}, coalesce: getter as never }));
  assert.match(thrown.message, '`coalesce` could not be read: a getter of it threw');
  assert.match(String((thrown.cause as Error).message), 'getter');
  for (const edge of [{ window: 0 }, { window: 1000 }, { maxBatch: 1 }, Object.assign(Object.create(null) as object, { window: 3 })]) {
    createSerializer({ format: memoryFormat(), loaders: {}, coalesce: edge as never });
  }
  assert.equal(coalesceSettings(true), { window: 2, maxBatch: 1000 }, 'the defaults: 2 ms, 1000 decodes');
  assert.equal(coalesceSettings({}), { window: 2, maxBatch: 1000 });
  assert.is(coalesceSettings(false), undefined);
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

/** A coalescing serializer over one model whose loader builds each load's rows with `make`, counting loads. */
function over(make: (id: number) => object) {
  const loads: unknown[][] = [];
  const loader = { load: async (pks: readonly unknown[]) => (loads.push([...pks]), pks.map((pk) => make(Number(pk)))), keyOf: (r: { id: number }) => r.id };
  const cereal = createSerializer({ format: memoryFormat(), loaders: { m: loader }, coalesce: true });
  const decodeAll = async (n: number) => (await Promise.all(Array.from({ length: n }, () => cereal.decode(cereal.encode(ref('m', 1)))))) as Record<string, any>[];
  return { loads, decodeAll };
}

Coalesce('rows copied for later decodes keep their shape: shared references and cycles stay so (in time linear in the row), deep JSON is copied to the bottom', async () => {
  const { decodeAll } = over((id) => {
    const node: Record<string, unknown> = { name: 'n' };
    node.parent = node;
    node.root = node;
    let diamond: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 64; i++) diamond = { l: diamond, r: diamond }; // 2^64 paths, 65 objects
    let deep: Record<string, unknown> = { bottom: 'here' };
    for (let i = 0; i < 5000; i++) deep = { down: deep };
    return { id, node, diamond, deep, same: [node, node] };
  });
  const [a, b] = await decodeAll(2);
  for (const row of [a!, b!]) {
    assert.ok(row.node.parent === row.node && row.node.root === row.node, 'a cycle stays a cycle');
    assert.ok(row.same[0] === row.node && row.same[1] === row.node, 'one object reached twice is one copy');
    assert.ok(row.diamond.l === row.diamond.r);
  }
  assert.is.not(a!.node, b!.node);
  let da = a!.deep;
  let db = b!.deep;
  for (let i = 0; i < 5000; i++) {
    da = da.down;
    db = db.down;
  }
  assert.is.not(da, db, 'the bottom of a 5000-deep JSON value is each job\'s own');
  da.bottom = 'changed';
  assert.is(db.bottom, 'here');
});

Coalesce('what a copy keeps: symbol keys, non-enumerable and frozen properties, holes, and instances of other classes (shared, whatever their depth)', async () => {
  class Decimal {
    constructor(readonly v: string) {}
    plus(): string {
      return this.v;
    }
  }
  const tag = Symbol('tag');
  const { decodeAll } = over((id) => {
    const row: Record<string | symbol, unknown> = { id, [tag]: 'symbol', frozen: Object.freeze({ a: 1 }), sparse: [1, , 3], price: new Decimal('1.5') };
    Object.defineProperty(row, 'hidden', { value: 'h', enumerable: false, writable: true, configurable: true });
    let deep: Record<string, unknown> = { price: new Decimal('2'), bytes: Buffer.from('ab'), when: new Date(5) };
    for (let i = 0; i < 300; i++) deep = { down: deep };
    row.deep = deep;
    return row;
  });
  const [a, b] = await decodeAll(2);
  for (const row of [a!, b!]) {
    assert.is(row[tag as never], 'symbol');
    assert.is(row.hidden, 'h');
    assert.not.ok(Object.keys(row).includes('hidden'));
    assert.ok(Object.isFrozen(row.frozen));
    assert.not.ok(1 in row.sparse);
    assert.is(row.sparse.length, 3);
    assert.instance(row.price, Decimal);
    assert.is(row.price.plus(), '1.5');
    let d = row.deep;
    for (let i = 0; i < 300; i++) d = d.down;
    assert.instance(d.price, Decimal);
    assert.ok(Buffer.isBuffer(d.bytes));
    assert.instance(d.when, Date);
  }
  assert.is(a!.price, b!.price, 'an instance of another class is shared');
});

Coalesce('rows cereal cannot copy (class rows with private fields, array rows, Map rows, Proxies, getters) are loaded again for each later decode: every decode gets a working row of its own', async () => {
  class Row {
    #secret = 42;
    constructor(readonly id: number) {}
    get secret(): number {
      return this.#secret;
    }
  }
  const makers: [string, (id: number) => object, (row: any) => unknown][] = [
    ['a class row with a private field', (id) => new Row(id), (row) => row.secret],
    ['a Proxy row', (id) => new Proxy({ id, name: 'p' }, {}), (row) => row.name],
    ['a row with a getter that throws', (id) => Object.defineProperty({ id }, 'bad', { enumerable: true, get: () => { throw new Error('getter'); } }), (row) => Object.keys(row).length],
  ];
  for (const [what, make, read] of makers) {
    const { loads, decodeAll } = over(make);
    const rows = await decodeAll(3);
    assert.is(new Set(rows).size, 3, what);
    assert.equal(rows.map(read), rows.map(() => read(make(1))), what);
    assert.is(loads.length, 3, `${what}: one load for the batch, one more for each later decode`);
  }
  const arrays = createSerializer({ format: memoryFormat(), loaders: { m: { load: async (pks: readonly unknown[]) => pks.map((pk) => [pk, 'name']), keyOf: (r: unknown[]) => r[0] as number } }, coalesce: true });
  const out = (await Promise.all([1, 1].map(() => arrays.decode(arrays.encode(ref('m', 1)))))) as unknown as unknown[][];
  assert.equal(out, [[1, 'name'], [1, 'name']]);
  assert.ok(Array.isArray(out[1]) && out[0] !== out[1]);
});

Coalesce.run();
