/**
 * What encode and hydrate find in a value, wherever it is: depth counted through every container
 * (Maps and Sets too, so a circular one is LIMIT, never a stack overflow), refs in Map keys,
 * arrays of refs to one model handed to a list-taking format as one compact RefList, and the
 * maxRefs bound met exactly.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CerealError, createSerializer, hydrate, isRef, ref } from '../src/index.js';
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
