/**
 * createSerializer's contract at its edges, as a user meets it: what it refuses when built,
 * what encode refuses (with the model, the key and the fix in the message), `serializer.ref`,
 * and refs made by another copy of @cereal/core.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createSerializer, hydrate, ref, refOf } from '../src/index.js';
import { memoryFormat, memoryLoader, rejects } from '@cereal/testkit';

const users = () => memoryLoader([{ id: 1, name: 'Ada', lock: 3 }], { version: 'lock' });
const orders = () => memoryLoader([{ id: [7, 1], total: 5 }], { keyOf: (r) => r.id, arity: 2 });
const make = (extra: object = {}) => createSerializer({ format: memoryFormat(), loaders: { users: users(), orders: orders() }, ...extra });

const Contract = suite('createSerializer: the contract at its edges');

Contract('createSerializer refuses what is not a format, a loader map or a rows mode, saying what it takes', async () => {
  const cases: [unknown, string][] = [
    [null, 'createSerializer takes { format, loaders }'],
    ['x', 'createSerializer takes { format, loaders }'],
    [{ format: null, loaders: {} }, '`format` must be a Format such as msgpackFormat()'],
    [{ format: { encode: () => 1 }, loaders: {} }, '`format` must be a Format'],
    [{ format: { encode: 1, decode: () => 1 }, loaders: {} }, '`format` must be a Format'],
    [{ format: memoryFormat(), loaders: null }, '`loaders` must be an object of loaders by model name'],
    [{ format: memoryFormat(), loaders: 'users' }, '`loaders` must be an object'],
    [{ format: memoryFormat(), loaders: {}, rows: 'some' }, "`rows` must be 'any' or 'refs-only', got"],
    [{ format: { ...memoryFormat(), maxBytes: -1 }, loaders: {} }, 'format.maxBytes'],
  ];
  for (const [options, message] of cases) {
    const err = await rejects(() => createSerializer(options as never));
    assert.is(err.code, 'INVALID_OPTION', message);
    assert.match(err.message, message);
  }
  for (const rows of ['any', 'refs-only', undefined]) createSerializer({ format: memoryFormat(), loaders: {}, rows: rows as never });
});

Contract('decodeMany takes an array of payloads; anything else is INVALID_OPTION', async () => {
  const cereal = make();
  for (const wires of ['x', null, { length: 1, 0: 'x' }]) {
    const err = await rejects(() => cereal.decodeMany(wires as never));
    assert.is(err.code, 'INVALID_OPTION');
    assert.match(err.message, 'decodeMany takes an array of payloads, got');
  }
  assert.equal(await cereal.decodeMany([]), []);
});

Contract('encode: a ref to a model outside the map, or of the wrong shape for its model, is refused where it is written', async () => {
  const cereal = make();
  const unknown = await rejects(() => cereal.encode({ a: ref('users', 1), b: ref('invoices', 1) } as never));
  assert.is(unknown.code, 'UNKNOWN_MODEL');
  assert.equal(unknown.refs?.map(String), ['invoices:1']);
  const shape = await rejects(() => cereal.encode([ref('orders', [7, 1]), ref('orders', 7)]));
  assert.is(shape.code, 'INVALID_REF');
  assert.is(shape.message, '[cereal] model `orders` has a key of 2 parts; `orders:7` does not');
  const one = createSerializer({ format: memoryFormat(), loaders: { s: memoryLoader([], { arity: 1 }) } });
  assert.is((await rejects(() => one.encode(ref('s', [1, 2])))).message, '[cereal] model `s` has a key of 1 part; `s:1,2` does not');
  cereal.encode([ref('users', 1), ref('orders', [7, 1]), ref('users', 2)]); // model changes back and forth: each checked
  assert.is((await rejects(() => cereal.encode([ref('users', 1), ref('orders', [7, 1]), ref('users', 1), ref('orders', 7)]))).code, 'INVALID_REF');
});

Contract('encode refuses functions, symbols and bigints no format reads back, naming the format', async () => {
  const cereal = make();
  const fn = await rejects(() => cereal.encode({ f: () => 1 }));
  assert.is(fn.message, '[cereal] [memory] cannot encode a function: a payload holds data only');
  assert.match((await rejects(() => cereal.encode({ s: Symbol('x') }))).message, 'cannot encode a symbol');
  assert.match((await rejects(() => cereal.encode({ n: 10n ** 1000n }))).message, '[memory] cannot encode a bigint of more than 1000 digits');
  assert.match((await rejects(() => cereal.encode({ n: -(10n ** 1000n) }))).message, 'more than 1000 digits');
  cereal.encode({ n: 10n ** 1000n - 1n, m: -(10n ** 1000n) + 1n });
});

Contract("serializer.ref: a ref from a row by its loader's key, pinned to its version; what it cannot make a ref of says why", async () => {
  const cereal = make();
  const pinned = cereal.ref('users', { id: 1, name: 'Ada', lock: 3 });
  assert.is(String(pinned), 'users:1@3');
  assert.is(String(cereal.ref('users', { id: 1, name: 'Ada', lock: null } as never)), 'users:1', 'a null version: unpinned');
  assert.is(String(cereal.ref('orders', { id: [7, 1], total: 5 })), 'orders:7,1');
  assert.is((await rejects(() => cereal.ref('invoices' as never, { id: 1 } as never))).code, 'UNKNOWN_MODEL');
  for (const row of [null, 42, 'row']) {
    const err = await rejects(() => cereal.ref('users', row as never));
    assert.is(err.code, 'INVALID_REF');
    assert.match(err.message, `cannot make a ref of model \`users\` from ${row === null ? 'null' : typeof row}; pass a row object`);
  }
  const throwing = createSerializer({ format: memoryFormat(), loaders: { t: { load: async () => [], keyOf: () => { throw new Error('no id'); } } } });
  const keyless = await rejects(() => throwing.ref('t', {} as never));
  assert.is(keyless.message, '[cereal] the row has no usable key for model `t`');
  assert.instance(keyless.cause, Error);
  const badVersion = createSerializer({ format: memoryFormat(), loaders: { v: { load: async () => [], keyOf: (r: { id: number }) => r.id, versionOf: () => { throw new Error('no version'); } } } });
  assert.is((await rejects(() => badVersion.ref('v', { id: 1 }))).message, '[cereal] the row has no usable version for model `v`');
  const nan = createSerializer({ format: memoryFormat(), loaders: { v: { load: async () => [], keyOf: (r: { id: number }) => r.id, versionOf: () => NaN as never } } });
  assert.match((await rejects(() => nan.ref('v', { id: 1 }))).message, 'the row of model `v`');
});

Contract('a hydrated row travels as its ref, re-pinned to the version it has now; a row of a model without versions keeps its ref', async () => {
  const loaders = { users: users(), plain: memoryLoader([{ id: 5 }]) };
  const cereal = createSerializer({ format: memoryFormat(), loaders });
  const [user, plain] = (await cereal.decode(cereal.encode([ref('users', 1, 1), ref('plain', 5)]))) as unknown as { lock: number }[];
  assert.is(String(refOf(user!)), 'users:1@1', 'tagged with the pin it was loaded under');
  const [again, plainAgain] = (await hydrate(await cereal.decode(cereal.encode([user, plain])), loaders)) as object[];
  assert.is(String(refOf(again!)), 'users:1@3', 're-encoded, pinned to the version the row has');
  assert.is(String(refOf(plainAgain!)), 'plain:5');
});

Contract('a ref of another copy of @cereal/core is INVALID_REF naming the duplicate install; a look-alike object is data', async () => {
  class ModelRef {
    constructor(readonly model: string, readonly pk: number) {}
  }
  const cereal = make();
  const err = await rejects(() => cereal.encode({ r: new ModelRef('users', 1) }));
  assert.is(err.code, 'INVALID_REF');
  assert.match(err.message, 'a ref made by another copy of @cereal/core: install one copy (`npm ls @cereal/core`, then `npm dedupe`)');
  cereal.encode({ r: { model: 'users', pk: 1 } });
  class Other {
    model = 'users';
    pk = 1;
  }
  cereal.encode({ r: new Other() });
  class ModelRefLike {
    model = 'users';
  }
  cereal.encode({ r: Object.assign(new ModelRefLike(), { constructor: { name: 'ModelRef' } }) });
});

Contract('decode options given per call are checked, and apply to that call only', async () => {
  const cereal = make();
  const wire = cereal.encode([ref('users', 9)]);
  assert.equal(await cereal.decode(wire, { missing: 'null' }), [null]);
  assert.is((await rejects(() => cereal.decode(wire))).code, 'MISSING_ROW');
  assert.is((await rejects(() => cereal.decode(wire, { maxRefs: 0 }))).code, 'INVALID_OPTION');
  const many = await cereal.decodeMany([wire], { missing: 'null' });
  assert.equal(many, [{ status: 'fulfilled', value: [null] }]);
});

Contract.run();
