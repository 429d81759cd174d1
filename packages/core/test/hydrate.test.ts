import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CerealError, createSerializer, hydrate, isRef, ref, refOf, type Loader } from '../src/index.js';
import { memoryLoader, rejects, type Row } from '@cereal/testkit';
import { MAX_MESSAGE } from '../src/error.js';

const users = () => memoryLoader([
  { id: 1, name: 'Ada' },
  { id: 2, name: 'Grace' },
  { id: 3, name: 'Edsger' },
]);
const orders = () => memoryLoader([
  { id: [7, 1001], total: 5 },
  { id: [7, 1002], total: 9 },
], { keyOf: (r) => r.id, arity: 2 });

const Hydrate = suite('hydrate');

Hydrate('finds refs in objects, arrays, Map keys and values and Set members, at any depth', async () => {
  const loaders = { users: users(), orders: orders() };
  const value = {
    user: ref('users', 1),
    list: [ref('users', 2), { deep: [[{ deeper: ref('orders', [7, 1001]) }]] }],
    map: new Map<unknown, unknown>([[ref('users', 3), 'key'], ['value', ref('users', 1)]]),
    set: new Set([ref('orders', [7, 1002])]),
  };
  const out = await hydrate(value, loaders);
  assert.equal(out.user, { id: 1, name: 'Ada' });
  assert.equal(out.list[0], { id: 2, name: 'Grace' });
  assert.equal(out.list[1], { deep: [[{ deeper: { id: [7, 1001], total: 5 } }]] });
  assert.equal([...out.map.keys()][0], { id: 3, name: 'Edsger' });
  assert.equal(out.map.get('value'), { id: 1, name: 'Ada' });
  assert.equal([...out.set], [{ id: [7, 1002], total: 9 }]);
});

Hydrate('loads each model once with its unique keys: N refs of M models cost M loads', async () => {
  const loaders = { users: users(), orders: orders() };
  const value = [ref('users', 1), ref('users', 2), ref('users', 1), ref('users', '2'), ref('users', 1n), ref('orders', [7, 1001]), ref('orders', ['7', 1001n])];
  await hydrate(value, loaders);
  assert.equal(loaders.users.calls, [[1, 2]]);
  assert.equal(loaders.orders.calls, [[[7, 1001]]]);
});

Hydrate('puts the same row object wherever the same ref stood', async () => {
  const out = await hydrate([ref('users', 1), { again: ref('users', '1') }, ref('users', 1n)], { users: users() });
  assert.ok(out[0] === (out[1] as { again: unknown }).again);
  assert.ok(out[0] === out[2]);
});

Hydrate('matches rows whose keys the driver returned as strings or bigints', async () => {
  const pg = memoryLoader([{ id: '9007199254740993', name: 'big' }, { id: '5', name: 'small' }]);
  const out = await hydrate([ref('users', 9007199254740993n), ref('users', 5)], { users: pg });
  assert.equal(out, [{ id: '9007199254740993', name: 'big' }, { id: '5', name: 'small' }]);
});

Hydrate('never mutates its input', async () => {
  const inner = [ref('users', 1)];
  const map = new Map([['k', ref('users', 2)]]);
  const set = new Set([ref('users', 3)]);
  const value = Object.freeze({ a: Object.freeze(inner), m: map, s: set });
  const out = await hydrate(value, { users: users() });
  assert.ok(isRef(value.a[0]) && value.a[0] === inner[0]);
  assert.ok(value.m === map && isRef(map.get('k')));
  assert.ok(value.s === set && isRef([...set][0]));
  assert.equal(out, { a: [{ id: 1, name: 'Ada' }], m: new Map([['k', { id: 2, name: 'Grace' }]]), s: new Set([{ id: 3, name: 'Edsger' }]) } as never);
});

Hydrate('returns a value without refs as it is, with no load', async () => {
  const loaders = { users: users() };
  const value = { a: [1, 2, { b: 'c' }], d: new Date(0) };
  assert.ok((await hydrate(value, loaders)) === value);
  assert.equal(loaders.users.calls, []);
});

Hydrate('copies only the containers that held refs', async () => {
  const untouched = { big: [1, 2, 3] };
  const out = await hydrate({ untouched, user: ref('users', 1) }, { users: users() });
  assert.ok(out.untouched === untouched);
});

Hydrate('tags returned rows so refOf gives their ref, invisibly', async () => {
  const [row] = await hydrate([ref('users', '2')], { users: users() });
  assert.is(refOf(row as object)?.key, 'users:2');
  assert.equal(Object.keys(row as object), ['id', 'name']);
  assert.is(JSON.stringify(row), '{"id":2,"name":"Grace"}');
  assert.is(refOf({ id: 2 }), undefined);
});

Hydrate('tags rows a loader froze', async () => {
  const frozen: Loader<Row> = { keyOf: (r) => r.id, load: async () => [Object.freeze({ id: 1, name: 'ice' })] };
  const [row] = await hydrate([ref('users', 1)], { users: frozen });
  assert.is(refOf(row as object)?.key, 'users:1');
});

Hydrate('keeps __proto__ keys as data and leaves Object.prototype alone', async () => {
  const value = JSON.parse('{"__proto__": {"polluted": true}, "user": null}') as Record<string, unknown>;
  value.user = ref('users', 1);
  const out = (await hydrate(value, { users: users() })) as Record<string, unknown>;
  assert.ok(Object.hasOwn(out, '__proto__'));
  assert.is(Object.getPrototypeOf(out), Object.prototype);
  assert.is(({} as Record<string, unknown>).polluted, undefined);
});

Hydrate('keeps null-prototype objects null-prototype', async () => {
  const value = Object.assign(Object.create(null) as Record<string, unknown>, { user: ref('users', 1) });
  const out = await hydrate(value, { users: users() });
  assert.is(Object.getPrototypeOf(out), null);
  assert.equal({ ...out }, { user: { id: 1, name: 'Ada' } });
});

Hydrate('a row whose key the driver rounded beyond 2^53 matches nothing: the ref is missing, not a failed load', async () => {
  const rounded: Loader<Row> = { keyOf: (r) => r.id, load: async () => [{ id: 2 ** 62 }] };
  const err = await rejects(() => hydrate([ref('big', 2n ** 62n + 1n)], { big: rounded }));
  assert.is(err.code, 'MISSING_ROW');
});

Hydrate('ignores rows nobody asked for instead of handing back a different row', async () => {
  const sloppy: Loader<Row> = { keyOf: (r) => r.id, load: async () => [{ id: 'ABC' }] };
  const err = await rejects(() => hydrate([ref('codes', 'abc')], { codes: sloppy }));
  assert.is(err.code, 'MISSING_ROW');
  assert.equal(err.refs?.map((r) => r.key), ['codes:abc']);
});

Hydrate.run();

// ---

const Missing = suite('hydrate: missing rows');

Missing('throws one MISSING_ROW listing every missing ref by default', async () => {
  const err = await rejects(() => hydrate([ref('users', 1), ref('users', 8), ref('users', 9), ref('orders', [1, 1])], { users: users(), orders: orders() }));
  assert.is(err.code, 'MISSING_ROW');
  assert.is(err.retryable, false);
  assert.equal(err.refs?.map((r) => r.key).sort(), ['orders:1,1', 'users:8', 'users:9']);
  assert.match(err.message, /3 referenced rows are missing/);
});

Missing('puts null with missing: null', async () => {
  const out = await hydrate({ a: ref('users', 9), b: ref('users', 1) }, { users: users() }, { missing: 'null' });
  assert.equal(out, { a: null, b: { id: 1, name: 'Ada' } });
});

Missing('keeps the ModelRef with missing: keep', async () => {
  const out = await hydrate({ a: ref('users', 9) }, { users: users() }, { missing: 'keep' });
  assert.is((out.a as unknown as { key: string }).key, 'users:9');
});

Missing('rejects an unknown policy with INVALID_OPTION', async () => {
  const err = await rejects(() => hydrate([], {}, { missing: 'skip' as never }));
  assert.is(err.code, 'INVALID_OPTION');
});

Missing.run();

// ---

const Failures = suite('hydrate: failures');

Failures('a loader that throws becomes LOAD_FAILED, retryable, with the driver error as cause', async () => {
  const loaders = { users: users() };
  const down = new Error('connect ECONNREFUSED 127.0.0.1:5432');
  loaders.users.fail = down;
  const err = await rejects(() => hydrate([ref('users', 1)], loaders));
  assert.is(err.code, 'LOAD_FAILED');
  assert.is(err.retryable, true);
  assert.is(err.cause, down);
  assert.equal(err.refs?.map((r) => r.key), ['users:1']);
  assert.match(err.message, /ECONNREFUSED/);
});

Failures('one failing model fails the whole value: nothing partial comes back', async () => {
  const loaders = { users: users(), orders: orders() };
  loaders.orders.fail = new Error('timeout');
  const err = await rejects(() => hydrate({ u: ref('users', 1), o: ref('orders', [7, 1001]) }, loaders));
  assert.is(err.code, 'LOAD_FAILED');
});

Failures('on failure the input is untouched: same containers, same refs, same keys', async () => {
  const loaders = { users: users(), orders: orders() };
  loaders.orders.fail = new Error('down');
  const list = [ref('users', 1), { o: ref('orders', [7, 1001]) }];
  const map = new Map([[ref('users', 2), 'x']]);
  const value = { list, map };
  const snapshot = JSON.stringify([list.map(String), [...map.keys()].map(String)]);
  await rejects(() => hydrate(value, loaders));
  assert.ok(value.list === list && value.map === map && isRef(list[0]) && isRef((list[1] as { o: unknown }).o));
  assert.is(JSON.stringify([list.map(String), [...map.keys()].map(String)]), snapshot);
  assert.equal(Object.keys(value), ['list', 'map']);
});

Failures('a failed load waits for every other load to end before hydrate rejects: no query outlives the call', async () => {
  let finished = false;
  const slow: Loader<Row> = { keyOf: (r) => r.id, load: () => new Promise((resolve) => setTimeout(() => { finished = true; resolve([{ id: 1 }]); }, 30)) };
  const failing: Loader<Row> = { keyOf: (r) => r.id, load: async () => { throw new Error('down'); } };
  const err = await rejects(() => hydrate([ref('slow', 1), ref('failing', 1)], { slow, failing }));
  assert.is(err.code, 'LOAD_FAILED');
  assert.ok(finished, 'the slow load had ended when hydrate rejected');
});

Failures('a CerealError from a loader passes through as it is', async () => {
  const loaders = { users: users() };
  loaders.users.fail = new CerealError('INVALID_REF', 'no');
  assert.is((await rejects(() => hydrate([ref('users', 1)], loaders))).code, 'INVALID_REF');
});

Failures('a loader that breaks its contract (no array, a non-object row, a row without a usable key, keyOf throwing) is INVALID_OPTION, never retryable', async () => {
  const boom = new TypeError('boom');
  const cases: [Loader<Row>, string][] = [
    [{ keyOf: (r) => r.id, load: async () => 'rows' as never }, 'the loader for model `users` returned string, not an array of rows'],
    [{ keyOf: (r) => r.id, load: async () => [null as never] }, 'the loader for model `users` returned a row that is null'],
    [{ keyOf: (r) => r.id, load: async () => [7 as never] }, 'the loader for model `users` returned a row that is number'],
    [{ keyOf: (r) => r.id, load: async () => [{ id: {} as never }] }, 'the loader for model `users` returned a row without a usable key (key is an object); check its key column and keyOf'],
    [{ keyOf: (r) => r.id, load: async () => [{ id: new Date(0) as never }] }, 'returned a row without a usable key (key is a Date)'],
    [{ keyOf: () => { throw boom; }, load: async () => [{ id: 1 }] }, 'the loader for model `users` failed in keyOf on a row it loaded'],
  ];
  for (const [loader, message] of cases) {
    const err = await rejects(() => hydrate([ref('users', 1)], { users: loader }));
    assert.is(err.code, 'INVALID_OPTION', err.message);
    assert.match(err.message, message);
    assert.is(err.retryable, false);
    assert.equal(err.refs?.map(String), ['users:1']);
    assert.is(err.cause, message.includes('keyOf on a row') ? boom : undefined, 'the cause is what keyOf threw, and only then is there one');
  }
});

Failures("a value whose getter throws while it is walked: LOAD_FAILED saying so, the error as cause, from hydrate and from a serializer's decode", async () => {
  const boom = new Error('getter failed');
  const value = { u: ref('users', 1), get bad(): unknown { throw boom; } };
  const err = await rejects(() => hydrate(value, { users: users() }));
  assert.is(err.code, 'LOAD_FAILED');
  assert.is(err.message, '[cereal] hydrating failed: getter failed');
  assert.is(err.cause, boom);
  const cereal = createSerializer({ format: { name: 'getters', encode: () => 'x', decode: () => value }, loaders: { users: users() } });
  const decoded = await rejects(() => cereal.decode('x'));
  assert.is(decoded.code, 'LOAD_FAILED');
  assert.is(decoded.cause, boom);
});

Failures('LOAD_FAILED says how many rows of which model failed, and why', async () => {
  const loaders = { users: users() };
  loaders.users.fail = new Error('connect ECONNREFUSED');
  assert.match((await rejects(() => hydrate([ref('users', 1)], loaders))).message, '[cereal] loading 1 row of model `users` failed: connect ECONNREFUSED');
  assert.match((await rejects(() => hydrate([ref('users', 1), ref('users', 2), ref('users', 1)], loaders))).message, '[cereal] loading 2 rows of model `users` failed: connect ECONNREFUSED');
});

Failures('MISSING_ROW counts and names the missing rows, one or many', async () => {
  const one = await rejects(() => hydrate([ref('users', 1), ref('users', 9)], { users: users() }));
  assert.is(one.code, 'MISSING_ROW');
  assert.match(one.message, '1 referenced row is missing: `users:9`');
  const two = await rejects(() => hydrate([ref('users', 8), ref('users', 9)], { users: users() }));
  assert.match(two.message, '2 referenced rows are missing: `users:8`, `users:9`');
  assert.equal(two.refs?.map(String), ['users:8', 'users:9']);
});

Failures('a loader returning two rows for one key (a table without a unique key) is INVALID_OPTION, not the first row silently', async () => {
  const twice: Loader<Row> = { keyOf: (r) => r.id, load: async () => [{ id: 1, name: 'a' }, { id: '1', name: 'b' }] };
  const err = await rejects(() => hydrate([ref('users', 1)], { users: twice }));
  assert.is(err.code, 'INVALID_OPTION');
  assert.match(err.message, /two rows for `users:1`/);
  assert.equal(err.refs?.map(String), ['users:1']);
});

Failures('a row nobody asked for (a collation answering `ABC` for `abc`) is ignored, and the ref stays missing', async () => {
  const lenient: Loader<Row> = { keyOf: (r) => r.id, load: async () => [{ id: 'ABC' }, { id: 'x' }] };
  const err = await rejects(() => hydrate([ref('codes', 'abc'), ref('codes', 'x')], { codes: lenient }));
  assert.is(err.code, 'MISSING_ROW');
  assert.equal(err.refs?.map(String), ['codes:abc']);
});

Failures('a Map whose keys hydrate to the same row is INVALID_REF, not a Map that silently lost an entry', async () => {
  const map = new Map<unknown, unknown>([[ref('users', 1), 'a'], [ref('users', '1'), 'b'], [ref('users', 2), 'c']]);
  const err = await rejects(() => hydrate({ map }, { users: users() }));
  assert.is(err.code, 'INVALID_REF');
  assert.match(err.message, /two keys of a Map stand for the same row `users:1`/);
  assert.equal(err.refs?.map(String), ['users:1']);
  const missing = new Map<unknown, unknown>([[ref('users', 98), 'a'], [ref('users', 99), 'b']]);
  assert.is((await rejects(() => hydrate(missing, { users: users() }, { missing: 'null' }))).code, 'INVALID_REF');
  assert.is((await hydrate(missing, { users: users() }, { missing: 'keep' })).size, 2);
});

Hydrate('a container reached twice (a YAML alias) is copied once, and the copy shared', async () => {
  const shared = [...Array.from({ length: 1000 }, (_, i) => i), ref('users', 1)];
  const out = await hydrate({ a: shared, b: [shared, shared] }, { users: users() });
  assert.ok(out.a === out.b[0] && out.a === out.b[1]);
  assert.ok(out.a !== shared);
  assert.equal(out.a[1000], { id: 1, name: 'Ada' });
});

Failures('a Set of two refs to one row hydrates to one member, as Set semantics say (documented)', async () => {
  const out = await hydrate(new Set([ref('users', 1), ref('users', 1n), ref('users', 2)]), { users: users() });
  assert.is(out.size, 2);
});

Failures('messages stay short: a driver message of a megabyte is cut, and only a few refs are named', async () => {
  const loader = users();
  loader.fail = new Error(`select * from users where id in (${'?, '.repeat(300_000)}?) - connection lost`);
  const err = await rejects(() => hydrate([ref('users', 1)], { users: loader }));
  assert.is(err.code, 'LOAD_FAILED');
  assert.ok(err.message.length < 500, `${err.message.length} characters`);
  assert.match(err.message, /more characters\)$/);
  assert.ok(new CerealError('MALFORMED', 'x'.repeat(2_000_000)).message.length <= MAX_MESSAGE);
  const many = Array.from({ length: 50_000 }, (_, i) => ref('users', 1000 + i));
  const missing = await rejects(() => hydrate(many, { users: users() }));
  assert.is(missing.refs?.length, 50_000);
  assert.match(missing.message, /^\[cereal\] 50000 referenced rows are missing: `users:1000`, `users:1001`, `users:1002`, `users:1003`, `users:1004` and 49995 more$/);
});

Failures('a model outside the loader map is UNKNOWN_MODEL before any load', async () => {
  const loaders = { users: users(), orders: orders() };
  const err = await rejects(() => hydrate([ref('users', 1), ref('invoices', 1), ref('invoices', 2)], loaders));
  assert.is(err.code, 'UNKNOWN_MODEL');
  assert.is(err.message, '[cereal] no loader for model `invoices`; known models: `users`, `orders`');
  assert.equal(err.refs?.map((r) => r.key), ['invoices:1', 'invoices:2']);
  assert.equal(loaders.users.calls, []);
});

Failures('model names that are Object.prototype properties are unknown, not inherited', async () => {
  for (const model of ['constructor', 'toString', 'hasOwnProperty']) {
    assert.is((await rejects(() => hydrate([ref(model, 1)], {}))).code, 'UNKNOWN_MODEL');
  }
});

Failures('a key of the wrong arity is INVALID_REF before any load', async () => {
  const loaders = { users: users(), orders: orders() };
  const err = await rejects(() => hydrate([ref('users', 1), ref('orders', 7)], loaders));
  assert.is(err.code, 'INVALID_REF');
  assert.equal(err.refs?.map((r) => r.key), ['orders:7']);
  assert.equal(loaders.users.calls, []);
  assert.equal(loaders.orders.calls, []);
});

Failures('more refs than maxRefs is LIMIT before any load', async () => {
  const loaders = { users: users() };
  const err = await rejects(() => hydrate([ref('users', 1), ref('users', 1), ref('users', 1)], loaders, { maxRefs: 2 }));
  assert.is(err.code, 'LIMIT');
  assert.equal(loaders.users.calls, []);
  await hydrate([ref('users', 1), ref('users', 1)], loaders, { maxRefs: 2 });
});

Failures('nesting deeper than maxDepth, or a cycle, is LIMIT', async () => {
  let deep: unknown = ref('users', 1);
  for (let i = 0; i < 10; i++) deep = [deep];
  assert.is((await rejects(() => hydrate(deep, { users: users() }, { maxDepth: 5 }))).code, 'LIMIT');
  assert.ok(await hydrate(deep, { users: users() }, { maxDepth: 11 }));
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  assert.is((await rejects(() => hydrate(cycle, {}))).code, 'LIMIT');
});

Failures('200 000 refs to a model outside the loader map (maxRefs raised) are one UNKNOWN_MODEL, not a stack overflow', async () => {
  const refs = Array.from({ length: 200_000 }, (_, i) => ref('ghosts', i + 1));
  const err = await rejects(() => hydrate(refs, { users: users() }, { maxRefs: 1_000_000 }));
  assert.is(err.code, 'UNKNOWN_MODEL');
  assert.is(err.refs?.length, 200_000);
});

Failures('bad limits are INVALID_OPTION, and maxDepth above 250 (the stack would overflow) too', async () => {
  for (const options of [{ maxRefs: 0 }, { maxRefs: 1.5 }, { maxDepth: -1 }, { maxDepth: NaN }, { maxDepth: 251 }, { maxDepth: Infinity }]) {
    assert.is((await rejects(() => hydrate([], {}, options))).code, 'INVALID_OPTION');
  }
});

Failures.run();
