/**
 * What encode and hydrate find in a value, wherever it is: depth counted through every container
 * (Maps and Sets too, so a circular one is LIMIT, never a stack overflow), refs in Map keys,
 * arrays of refs to one model handed to a list-taking format as one compact RefList, and the
 * maxRefs bound met exactly.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CerealError, ModelRef, createSerializer, hydrate, isRef, ref } from '../src/index.js';
import { walk } from '../src/walk.js';
import { RefList, defineFormat } from '../src/format/index.js';
import { memoryLoader, rejects } from '@cereal/testkit';

const loaders = () => ({ users: memoryLoader([{ id: 1, name: 'Ada' }, { id: 2, name: 'Grace' }, { id: 3, name: 'Edsger' }, { id: 4, name: 'Barbara' }]) });

/** A format that keeps what encode handed it, and gives it back on decode. */
function keeping(lists: boolean) {
  const handed: unknown[] = [];
  const format = defineFormat<string>({
    name: 'keeping',
    wire: 'text',
    lists,
    encode: (value) => (handed.push(value), String(handed.length - 1)),
    decode: (wire) => {
      const value = handed[Number(wire)];
      return value instanceof RefList ? value.pks.map((pk) => ref(value.model, pk)) : value;
    },
  });
  return { format, handed };
}

const nested = (depth: number, make: (inner: unknown) => unknown): unknown => {
  let value: unknown = ref('users', 1);
  for (let i = 0; i < depth; i++) value = make(value);
  return value;
};

const Walk = suite('walk: what encode and hydrate find');

Walk('depth counts through Maps and Sets as through arrays and objects: one level too deep is LIMIT, the limit itself passes', async () => {
  const cereal = createSerializer({ format: keeping(false).format, loaders: loaders(), maxDepth: 8 });
  const containers: [string, (inner: unknown) => unknown][] = [
    ['Map value', (inner) => new Map([['k', inner]])],
    ['Map key', (inner) => new Map([[inner, 'v']])],
    ['Set', (inner) => new Set([inner])],
    ['array', (inner) => [inner]],
    ['object', (inner) => ({ inner })],
  ];
  for (const [what, make] of containers) {
    cereal.encode(nested(8, make));
    await hydrate(nested(8, make), loaders(), { maxDepth: 8 });
    const encodeErr = await rejects(() => cereal.encode(nested(9, make)));
    assert.is(encodeErr.code, 'LIMIT', `encode, ${what}`);
    assert.match(encodeErr.message, 'nests deeper than maxDepth 8');
    assert.is((await rejects(() => hydrate(nested(9, make), loaders(), { maxDepth: 8 }))).code, 'LIMIT', `hydrate, ${what}`);
  }
});

Walk('a circular Map, Set, array or object is LIMIT from encode and hydrate, not a stack overflow', async () => {
  const map = new Map<unknown, unknown>();
  map.set('self', map);
  const keyed = new Map<unknown, unknown>();
  keyed.set(keyed, 1);
  const set = new Set<unknown>();
  set.add(set);
  const array: unknown[] = [ref('users', 1)];
  array.push(array);
  const object: Record<string, unknown> = { user: ref('users', 1) };
  object.self = object;
  const cereal = createSerializer({ format: keeping(false).format, loaders: loaders() });
  for (const [what, value] of Object.entries({ map, keyed, set, array, object })) {
    const err = await rejects(() => cereal.encode(value));
    assert.is(err.code, 'LIMIT', what);
    assert.match(err.message, 'or is circular');
    assert.is((await rejects(() => hydrate(value, loaders()))).code, 'LIMIT', what);
  }
});

Walk('refs that are only Map keys are found, loaded and replaced, by hydrate and through a serializer', async () => {
  const users = loaders();
  const out = await hydrate(new Map<unknown, unknown>([[ref('users', 2), 'second'], ['plain', 1]]), users);
  assert.equal([...out.entries()], [[{ id: 2, name: 'Grace' }, 'second'], ['plain', 1]]);
  assert.equal(users.users.calls, [[2]]);
  const cereal = createSerializer({ format: keeping(false).format, loaders: loaders() });
  const decoded = (await cereal.decode(cereal.encode(new Map([[ref('users', 3), 'v']])))) as Map<unknown, unknown>;
  assert.equal([...decoded.keys()], [{ id: 3, name: 'Edsger' }]);
});

Walk('an array of two or more refs to one model reaches a list-taking format as one RefList; mixed, single or pinned arrays stay arrays', async () => {
  const { format, handed } = keeping(true);
  const cereal = createSerializer({ format, loaders: { ...loaders(), orders: memoryLoader([{ id: [7, 1], total: 5 }], { keyOf: (r) => r.id, arity: 2 }) } });
  const rows = (await cereal.decode(cereal.encode([ref("users", 1), ref("users", 2), ref("users", "3")]))) as unknown as { name: string }[];
  assert.instance(handed[0], RefList);
  assert.equal({ ...(handed[0] as RefList) }, { model: 'users', pks: [1, 2, '3'] });
  assert.equal(rows.map((r) => r.name), ['Ada', 'Grace', 'Edsger']);
  cereal.encode({ list: rows }); // hydrated rows of one model: a list again
  assert.instance((handed[1] as { list: unknown }).list, RefList);
  cereal.encode([ref('users', 1), ref('orders', [7, 1])]);
  cereal.encode([ref('users', 1)]);
  const mixed = handed[2] as unknown[];
  assert.ok(Array.isArray(mixed) && mixed.every(isRef), 'two models: an array of refs');
  assert.ok(Array.isArray(handed[3]), 'one ref: an array');
  const { format: plain, handed: seen } = keeping(false);
  createSerializer({ format: plain, loaders: loaders() }).encode([ref('users', 1), ref('users', 2)]);
  assert.ok(Array.isArray(seen[0]), 'a format without lists gets the array of refs');
});

Walk('maxRefs is met exactly: encode and decode take maxRefs refs or rows, and refuse one more', async () => {
  const { format } = keeping(true);
  const cereal = createSerializer({ format, loaders: loaders(), maxRefs: 4 });
  const four = [ref('users', 1), ref('users', 2), ref('users', 3), ref('users', 4)];
  const rows = (await cereal.decode(cereal.encode(four))) as object[];
  assert.is(rows.length, 4);
  cereal.encode(rows);
  assert.is((await rejects(() => cereal.encode([...rows, ref('users', 1)]))).code, 'LIMIT');
  assert.is((await rejects(() => cereal.encode({ a: four, b: [rows[0]] }))).code, 'LIMIT');
  assert.is((await rejects(() => hydrate([...four, ref('users', 1)], loaders(), { maxRefs: 4 }))).code, 'LIMIT');
  assert.is((await hydrate(four, loaders(), { maxRefs: 4 })).length, 4);
});

Walk('a CerealError a format throws from encode keeps its code; anything else it throws is MALFORMED with the cause', async () => {
  const throwing = (err: unknown) => createSerializer({ format: defineFormat<string>({ name: 'thrower', wire: 'text', encode: () => { throw err; }, decode: () => null }), loaders: loaders() });
  const own = await rejects(() => throwing(new CerealError('LIMIT', 'too big for this format')).encode(1));
  assert.is(own.code, 'LIMIT');
  assert.match(own.message, 'too big for this format');
  const other = await rejects(() => throwing(new TypeError('boom')).encode(1));
  assert.is(other.code, 'MALFORMED');
  assert.match(other.message, 'boom');
  assert.instance(other.cause, TypeError);
});

Walk.run();

const Visit = suite('walk: the visitor contract, copy on write');

const rename = { ref: (r: ModelRef) => (r.model === 'users' ? `user ${String(r.pk)}` : r) };

Visit('a walk that changes nothing returns the value itself, every container included; the input is never changed', () => {
  const inner = { r: ref('orders', 1) };
  const value = { list: [ref('orders', 2), inner], map: new Map([['k', inner]]), set: new Set([inner]), date: new Date(0) };
  const before = { list: value.list, map: value.map, set: value.set, date: value.date };
  assert.is(walk(value, rename, 10), value);
  assert.is(walk(value, { ...rename, shareCopies: true }, 10), value);
  for (const key of Object.keys(before) as (keyof typeof before)[]) assert.is(value[key], before[key], key);
  assert.is(value.list[1], inner);
  assert.is(value.map.get('k'), inner);
  assert.is([...value.set][0], inner);
  assert.instance(inner.r, ModelRef);
  assert.instance(value.list[0], ModelRef);
});

Visit('where a ref changes, the containers above it are new and everything beside them is the same object', () => {
  const untouched = { deep: [1, 2] };
  const value = { list: [untouched, ref('users', 1)], map: new Map<unknown, unknown>([['u', ref('users', 2)], ['o', untouched]]), set: new Set<unknown>([ref('users', 3), untouched]), keep: untouched };
  const out = walk(value, rename, 10) as typeof value;
  assert.is.not(out, value);
  assert.equal(out.list, [untouched, 'user 1']);
  assert.is(out.list[0], untouched);
  assert.is(out.keep, untouched);
  assert.equal([...out.map], [['u', 'user 2'], ['o', untouched]]);
  assert.equal([...out.set], ['user 3', untouched]);
  assert.instance(value.list[1], ModelRef, 'the input keeps its refs');
  assert.instance(value.map.get('u'), ModelRef);
});

Visit("a changed object keeps its prototype (null or Object's), its key order, and an own __proto__ key as an ordinary data key", () => {
  const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1, r: ref('users', 1), z: 2 });
  const json = JSON.parse('{"first": 1, "r": null, "__proto__": {"polluted": true}}') as Record<string, unknown>;
  json.r = ref('users', 2);
  const out = walk({ bare, json }, rename, 10) as { bare: Record<string, unknown>; json: Record<string, unknown> };
  assert.is(Object.getPrototypeOf(out.bare), null);
  assert.equal(Object.keys(out.bare), ['a', 'r', 'z']);
  assert.is(out.bare.r, 'user 1');
  assert.is(Object.getPrototypeOf(out.json), Object.prototype);
  assert.equal(Object.keys(out.json), ['first', 'r', '__proto__']);
  assert.equal(Object.getOwnPropertyDescriptor(out.json, '__proto__'), { value: { polluted: true }, enumerable: true, writable: true, configurable: true });
  assert.is(({} as Record<string, unknown>).polluted, undefined);
});

Visit('each hook is called for what it names: leaf for functions, symbols and bigints; instance for class instances; array, map and object; row for tagged rows', () => {
  const seen: string[] = [];
  const fn = () => 1;
  const value = { fn, sym: Symbol('s'), big: 1n, text: 'x', n: 1, date: new Date(0), list: [ref('users', 1)], map: new Map([['r', ref('users', 2)]]) };
  const out = walk(value, {
    ref: (r) => `ref ${r.key}`,
    leaf: (v) => (seen.push(`leaf ${typeof v}`), 'leaf'),
    instance: (v) => (seen.push(`instance ${v.constructor.name}`), 'instance'),
    array: (a) => (seen.push(`array ${JSON.stringify(a)}`), a),
    map: (m) => (seen.push(`map ${JSON.stringify([...m])}`), m),
    object: (o) => void seen.push(`object ${Object.keys(o).join(',')}`),
  }, 10) as Record<string, unknown>;
  assert.equal(seen, ['object fn,sym,big,text,n,date,list,map', 'leaf function', 'leaf symbol', 'leaf bigint', 'instance Date', 'array ["ref users:1"]', 'map [["r","ref users:2"]]']);
  assert.equal(out, { fn: 'leaf', sym: 'leaf', big: 'leaf', text: 'x', n: 1, date: 'instance', list: ['ref users:1'], map: new Map([['r', 'ref users:2']]) });
  const plain = { fn, date: value.date };
  assert.is(walk(plain, { ref: (r) => r }, 10), plain, 'without leaf and instance hooks, both are left as they are');
});

Visit('tagged rows go to the row hook and are not walked into; without it they are left as they are', async () => {
  const row = (await hydrate(ref('users', 1), { users: memoryLoader([{ id: 1, inner: ref('users', 2) }]) }, { missing: 'keep' })) as object;
  const rows: string[] = [];
  const value = { row };
  assert.is(walk(value, { ref: () => assert.unreachable('a row is not walked into') }, 10), value);
  assert.equal(walk(value, { ref: () => 'ref', row: (_row, tagged) => (rows.push(tagged.key), 'row') }, 10), { row: 'row' });
  assert.equal(rows, ['users:1']);
});

Visit('shareCopies: a container reached twice is walked once and its one copy put in both places; without it, each place is walked', () => {
  const shared = [ref('users', 1)];
  const value = { a: shared, b: shared, c: { again: shared } };
  let calls = 0;
  const count = { ref: () => (calls++, 'row') };
  const out = walk(value, { ...count, shareCopies: true }, 10) as { a: unknown; b: unknown; c: { again: unknown } };
  assert.is(calls, 1);
  assert.is(out.a, out.b);
  assert.is(out.c.again, out.a);
  calls = 0;
  const apart = walk(value, count, 10) as { a: unknown; b: unknown };
  assert.is(calls, 3);
  assert.is.not(apart.a, apart.b);
  assert.equal(apart.a, ['row']);
});

Visit('maxDepth holds with shareCopies too: the limit passes, one more level is LIMIT', () => {
  for (const shareCopies of [false, true]) {
    let value: unknown = ref('users', 1);
    for (let i = 0; i < 5; i++) value = [value];
    assert.equal(walk(value, { ref: () => 1, shareCopies }, 5), [[[[[1]]]]]);
    let err: unknown;
    try {
      walk([value], { ref: () => 1, shareCopies }, 5);
    } catch (e) {
      err = e;
    }
    assert.is((err as CerealError | undefined)?.code, 'LIMIT', `shareCopies ${shareCopies}`);
  }
});

Visit("a value deeper than the stack allows (a maxDepth set too high) is LIMIT with the stack's RangeError as cause", () => {
  let value: unknown = ref('users', 1);
  for (let i = 0; i < 1_000_000; i++) value = { v: value };
  let err: unknown;
  try {
    walk(value, { ref: () => 1 }, Number.MAX_SAFE_INTEGER);
  } catch (e) {
    err = e;
  }
  assert.instance(err, CerealError);
  assert.is((err as CerealError).code, 'LIMIT');
  assert.match((err as CerealError).message, 'value nests too deeply to walk; lower `maxDepth`');
  assert.instance((err as CerealError).cause, RangeError);
  const own = new Error('a visitor failing');
  try {
    walk({ r: ref('users', 1) }, { ref: () => { throw own; } }, 10);
    assert.unreachable('the visitor threw');
  } catch (e) {
    assert.is(e, own, "a visitor's own error passes as it is");
  }
});

Visit('two Map keys that become one row are INVALID_REF naming that row; two missing rows (null) are named as such', async () => {
  const users = { users: memoryLoader([{ id: 1 }, { id: 3 }]) };
  const twice = new Map<unknown, unknown>([[ref('users', 3), 'a'], [ref('users', 1), 'b'], [ref('users', 1), 'c']]);
  const err = await rejects(() => hydrate(twice, users));
  assert.is(err.code, 'INVALID_REF');
  assert.match(err.message, 'two keys of a Map stand for the same row `users:1`, and a Map keeps one; key the Map by something unique');
  assert.equal(err.refs?.map((r) => r.key), ['users:1']);
  const missing = await rejects(() => hydrate(new Map([[ref('users', 8), 'a'], [ref('users', 9), 'b']]), users, { missing: 'null' }));
  assert.is(missing.code, 'INVALID_REF');
  assert.match(missing.message, 'the same value (null for missing rows)');
  assert.is(missing.refs, undefined);
});

Visit.run();
