/**
 * createSerializer's contract at its edges, as a user meets it: what it refuses when built,
 * what encode refuses (with the model, the key and the fix in the message), `serializer.ref`,
 * and refs made by another copy of @cereal/core.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CerealError, createSerializer, hydrate, ref, refOf } from '../src/index.js';
import { checkDecodeOptions } from '../src/format/index.js';
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
  const versionless = await rejects(() => badVersion.ref('v', { id: 1 }));
  assert.is(versionless.message, '[cereal] the row has no usable version for model `v`');
  assert.is(versionless.code, 'INVALID_REF');
  assert.match(String((versionless.cause as Error).message), 'no version');
  assert.is(keyless.code, 'INVALID_REF');
  const nowhere = await rejects(() => cereal.ref('invoices' as never, { id: 1 } as never));
  assert.match(nowhere.message, '`invoices`');
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

Contract('limits are checked by name, Infinity is no limit, and the defaults are 100 000 refs, depth 128 (at most 250) and 16 MiB', async () => {
  const cases: [object, string][] = [
    [{ maxRefs: 0 }, '`maxRefs` must be a positive integer, got 0'],
    [{ maxDepth: 1.5 }, '`maxDepth` must be a positive integer, got 1.5'],
    [{ maxBytes: -1 }, '`maxBytes` must be a positive integer, got -1'],
    [{ maxDepth: 251 }, '`maxDepth` must be at most 250, got 251: deeper nesting would overflow the stack'],
    [{ missing: 'skip' }, "`missing` must be 'throw', 'null' or 'keep', got skip"],
    [{ consistency: 'strong' }, "`consistency` must be 'latest' or 'at-least', got strong"],
  ];
  for (const [options, message] of cases) {
    for (const attempt of [() => make(options), () => checkDecodeOptions(options as never)]) {
      const err = await rejects(attempt);
      assert.is(err.code, 'INVALID_OPTION');
      assert.match(err.message, message);
    }
  }
  make({ maxDepth: 250, maxRefs: Infinity, maxBytes: Infinity });
  checkDecodeOptions({ maxDepth: 250, maxRefs: Infinity });
  const cereal = make();
  const big = await rejects(() => cereal.decode('x'.repeat(16 * 1024 * 1024 + 1)));
  assert.is(big.code, 'LIMIT');
  assert.match(big.message, '16777216');
  assert.is((await rejects(() => cereal.decode('x'.repeat(16 * 1024 * 1024)))).code, 'MALFORMED', '16 MiB itself passes the size check, and reaches the format');
  let deep: unknown = ref('users', 1);
  for (let i = 0; i < 129; i++) deep = [deep];
  const tooDeep = await rejects(() => cereal.encode(deep));
  assert.match(tooDeep.message, 'maxDepth 128');
  const many = Array.from({ length: 100_001 }, () => ref('users', 1));
  assert.match((await rejects(() => cereal.encode(many))).message, '100000');
  cereal.encode(many.slice(1));
});

Contract('a format written without defineFormat: what its encode throws is MALFORMED with the cause, its own CerealError passes', async () => {
  const boom = new TypeError('circular structure');
  const raw = (fail: unknown) => createSerializer({ format: { name: 'raw', encode: () => { throw fail; }, decode: () => null }, loaders: {} });
  const err = await rejects(() => raw(boom).encode({ a: 1 }));
  assert.is(err.code, 'MALFORMED');
  assert.is(err.message, '[cereal] [raw] cannot encode the value: circular structure');
  assert.is(err.cause, boom);
  assert.is((await rejects(() => raw(new CerealError('LIMIT', 'mine')).encode({ a: 1 }))).code, 'LIMIT');
});

Contract('encode: a row of a model this serializer has no loader for is UNKNOWN_MODEL; instances without a constructor are data; the wrong shape names its ref', async () => {
  const [row] = (await hydrate([ref('users', 1)], { users: users() })) as object[];
  const other = createSerializer({ format: memoryFormat(), loaders: { orders: orders() } });
  const err = await rejects(() => other.encode({ row }));
  assert.is(err.code, 'UNKNOWN_MODEL');
  assert.match(err.message, '`users`');
  const format = memoryFormat();
  const odd = Object.create(Object.create(null) as object) as object;
  const wire = createSerializer({ format, loaders: { users: users() } }).encode({ odd });
  assert.is((format.raw(wire) as { odd: unknown }).odd, odd, 'handed to the format as it is');
  const shape = await rejects(() => make().encode(ref('orders', 7)));
  assert.equal(shape.refs?.map(String), ['orders:7']);
});

Contract('decodeMany lets the event loop run between payloads once parsing has held it a while', async () => {
  let parsed = 0;
  const slow = createSerializer({
    format: { name: 'slow', encode: (v: unknown) => JSON.stringify(v), decode: (wire: string | Uint8Array) => (parsed++, JSON.parse(String(wire)) as unknown) },
    loaders: {},
  });
  // A clock of the test's own, 25 ms later at every look: every payload's parse looks long
  const real = performance.now;
  let clock = 0;
  performance.now = () => (clock += 25);
  const seen: number[] = [];
  const watch = (): void => {
    seen.push(parsed);
    if (seen.length < 3) setImmediate(watch);
  };
  setImmediate(watch);
  let out: unknown[];
  try {
    out = await slow.decodeMany(Array.from({ length: 20 }, (_, i) => String(i)));
  } finally {
    performance.now = real;
  }
  assert.is(out.length, 20);
  assert.equal(seen, [0, 1, 2], 'the event loop ran before the first payload and after each of the next ones');
});

Contract.run();
