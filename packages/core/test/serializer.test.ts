import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CerealError, createSerializer, isRef, ref, refOf, type Format } from '../src/index.js';
import { memoryFormat, memoryLoader, rejects } from '@cereal/testkit';
import { defineFormat } from '../src/format/index.js';

const setup = (options = {}) => {
  const users = memoryLoader([{ id: 1, name: 'Ada' }, { id: 2, name: 'Grace' }]);
  const format = memoryFormat();
  return { users, format, cereal: createSerializer({ format, loaders: { users }, ...options }) };
};

const Serializer = suite('createSerializer');

Serializer('decodes to rows as they are at decode time, not at encode time', async () => {
  const { users, cereal } = setup();
  const wire = cereal.encode({ user: ref('users', 1) });
  users.rows.set('1', { id: 1, name: 'Ada Lovelace' });
  assert.equal(await cereal.decode(wire), { user: { id: 1, name: 'Ada Lovelace' } });
});

Serializer('encodes a hydrated row as its ref again', async () => {
  const { cereal, format } = setup();
  const first = (await cereal.decode(cereal.encode([ref('users', 2)]))) as object[];
  const row = first[0]!;
  assert.ok(refOf(row));
  const encoded = cereal.encode({ row, nested: [row] });
  // the memory format hands back what encode gave it: refs, not the row
  const raw = format.decode(encoded) as { row: unknown; nested: unknown[] };
  assert.ok(isRef(raw.row) && raw.row.key === 'users:2');
  assert.ok(isRef(raw.nested[0]));
  assert.equal(await cereal.decode(encoded), { row: { id: 2, name: 'Grace' }, nested: [{ id: 2, name: 'Grace' }] });
});

Serializer('ref(model, row) takes the key with that model\'s keyOf', () => {
  const { cereal } = setup();
  assert.is(cereal.ref('users', { id: 5, name: 'x' }).key, 'users:5');
});

Serializer('ref of a row without a usable key is INVALID_REF', async () => {
  const { cereal } = setup();
  for (const row of [{ name: 'no id' }, { id: 1.5 }, { id: null }]) {
    assert.is((await rejects(() => cereal.ref('users', row as never))).code, 'INVALID_REF'); // what the types refuse, the runtime refuses too
  }
  assert.is((await rejects(() => cereal.ref('users', null as never))).code, 'INVALID_REF');
});

Serializer('encode refuses a key of the wrong number of parts for a loader that says its arity: INVALID_REF where it is written, not in the worker', () => {
  const cereal = createSerializer({ format: memoryFormat(), loaders: { lines: memoryLoader([], { arity: 2 }), users: memoryLoader([], { arity: 1 }), any: memoryLoader([]) } });
  for (const value of [{ l: ref('lines', 7) }, [ref('lines', [7, 1]), ref('lines', [7, 1, 2])], { u: ref('users', [1, 2]) }]) {
    assert.throws(() => cereal.encode(value), (err: unknown) => err instanceof CerealError && err.code === 'INVALID_REF' && /has a key of \d parts?/.test(err.message));
  }
  cereal.encode({ l: [ref('lines', [7, 1]), ref('lines', [7, 2])], u: ref('users', 1), a: [ref('any', 1), ref('any', [1, 2])] });
});

Serializer('ref and encode for a model outside the loader map are UNKNOWN_MODEL', async () => {
  const { cereal } = setup();
  // @ts-expect-error a model outside the loader map does not compile, and is refused at run time
  assert.is((await rejects(() => cereal.ref('invoices', { id: 1 }))).code, 'UNKNOWN_MODEL');
  // @ts-expect-error the same for a ref in the value
  const err = await rejects(() => cereal.encode({ x: ref('invoices', 1) }));
  assert.is(err.code, 'UNKNOWN_MODEL');
  assert.is(err.message, '[cereal] no loader for model `invoices`; known models: `users`');
});

Serializer('encode counts hydrated rows against maxRefs, as decode will count their refs', async () => {
  const { cereal } = setup({ maxRefs: 2 });
  const rows = (await cereal.decode(cereal.encode([ref('users', 1), ref('users', 2)]))) as object[];
  assert.is((await rejects(() => cereal.encode([...rows, rows[0]]))).code, 'LIMIT');
});

Serializer('encode enforces maxRefs and maxDepth', async () => {
  const { cereal } = setup({ maxRefs: 2, maxDepth: 3 });
  assert.is((await rejects(() => cereal.encode([ref('users', 1), ref('users', 1), ref('users', 2)]))).code, 'LIMIT');
  assert.is((await rejects(() => cereal.encode([[[[1]]]]))).code, 'LIMIT');
});

Serializer('decode options override the serializer\'s defaults for one call', async () => {
  const { cereal } = setup({ missing: 'null' });
  const wire = cereal.encode([ref('users', 9)]);
  assert.equal(await cereal.decode(wire), [null]);
  assert.is((await rejects(() => cereal.decode(wire, { missing: 'throw' }))).code, 'MISSING_ROW');
  assert.equal(await cereal.decode(wire), [null]);
});

Serializer('two serializers never share options', async () => {
  const a = setup({ missing: 'null' }).cereal;
  const b = setup().cereal;
  assert.equal(await a.decode(a.encode([ref('users', 9)])), [null]);
  assert.is((await rejects(() => b.decode(b.encode([ref('users', 9)])))).code, 'MISSING_ROW');
});

Serializer('a format that fails to decode is MALFORMED with the parser error as cause', async () => {
  const { cereal } = setup();
  const err = await rejects(() => cereal.decode('no-such-payload'));
  assert.is(err.code, 'MALFORMED');
  assert.instance(err.cause, SyntaxError);
  assert.match(err.message, /^\[cereal\] \[memory\] cannot decode/);
});

Serializer('a CerealError a format throws keeps its code: it is never wrapped again', async () => {
  const strict: Format<string> = {
    name: 'strict',
    encode: () => { throw new CerealError('LIMIT', 'too much'); },
    decode: () => { throw new CerealError('INVALID_REF', 'bad ref'); },
  };
  const cereal = createSerializer({ format: strict, loaders: {} });
  assert.is((await rejects(() => cereal.encode(1))).code, 'LIMIT');
  assert.is((await rejects(() => cereal.decode('x'))).message, '[cereal] bad ref');
});

Serializer('a format that fails to encode is MALFORMED', async () => {
  const failing: Format<string> = { name: 'x', encode: () => { throw new RangeError('too big'); }, decode: () => null };
  const cereal = createSerializer({ format: failing, loaders: {} });
  assert.is((await rejects(() => cereal.encode(1))).code, 'MALFORMED');
});

Serializer('maxBytes: 16 MiB by default, LIMIT above it, before the format reads anything', async () => {
  const { cereal, users } = setup();
  const err = await rejects(() => cereal.decode('x'.repeat(16 * 1024 * 1024 + 1)));
  assert.is(err.code, 'LIMIT');
  assert.equal(users.calls, []);
  const multibyte = '雪'.repeat(6); // 18 UTF-8 bytes in 6 characters
  assert.is((await rejects(() => cereal.decode(multibyte, { maxBytes: 17 }))).code, 'LIMIT');
  assert.is((await rejects(() => cereal.decode(multibyte, { maxBytes: 18 }))).code, 'MALFORMED');
});

Serializer('a format\'s own maxBytes is the default; the serializer\'s option and each call override it', async () => {
  const small: Format<string> = { ...memoryFormat(), maxBytes: 10 };
  const wire = 'x'.repeat(11);
  assert.match((await rejects(() => createSerializer({ format: small, loaders: {} }).decode(wire))).message, /maxBytes 10;/);
  assert.is((await rejects(() => createSerializer({ format: small, loaders: {}, maxBytes: 11 }).decode(wire))).code, 'MALFORMED'); // read, then unknown to the memory format
  assert.is((await rejects(() => createSerializer({ format: small, loaders: {} }).decode(wire, { maxBytes: 11 }))).code, 'MALFORMED');
});

Serializer('encoding a function or a symbol is MALFORMED: formats would drop it silently', async () => {
  const { cereal } = setup();
  for (const value of [{ f: () => 1 }, [Symbol('s')], new Map([['k', function named() {}]])]) {
    const err = await rejects(() => cereal.encode(value));
    assert.is(err.code, 'MALFORMED');
    assert.match(err.message, /cannot encode a (function|symbol)/);
  }
});

Serializer('a bigint value of more than 1000 digits is MALFORMED at encode: no format reads it back', async () => {
  const { cereal } = setup();
  assert.is((await rejects(() => cereal.encode({ n: 10n ** 1000n }))).code, 'MALFORMED');
  assert.is((await rejects(() => cereal.encode([-(10n ** 1000n)]))).code, 'MALFORMED');
  assert.ok(cereal.encode({ n: 10n ** 1000n - 1n }));
});

Serializer('a Map keyed by a row and by that row\'s ref is INVALID_REF at encode, not one entry silently', async () => {
  const { cereal } = setup();
  const [row] = (await cereal.decode(cereal.encode([ref('users', 1)]))) as object[];
  const err = await rejects(() => cereal.encode(new Map<unknown, unknown>([[row, 'a'], [refOf(row!), 'b']])));
  assert.is(err.code, 'INVALID_REF');
  assert.equal(err.refs?.map(String), ['users:1']);
});

Serializer('options and loaders that cannot even be printed are INVALID_OPTION and LOAD_FAILED, never a raw TypeError', async () => {
  const { cereal } = setup();
  const wire = cereal.encode([ref('users', 1)]);
  for (const options of [{ missing: 1n }, { missing: Object.create(null) }, { maxRefs: Object.create(null) }, { maxDepth: { toString: () => { throw new Error('no'); } } }]) {
    assert.is((await rejects(() => cereal.decode(wire, options as never))).code, 'INVALID_OPTION');
  }
  assert.is((await rejects(() => createSerializer(null as never))).code, 'INVALID_OPTION');
  const causes: unknown[] = [Object.create(null), { get message() { throw new Error('getter'); } }, 7n];
  for (const cause of causes) {
    const users = memoryLoader([]);
    users.fail = cause;
    const failing = createSerializer({ format: memoryFormat(), loaders: { users } });
    const err = await rejects(() => failing.decode(failing.encode([ref('users', 1)])));
    assert.is(err.code, 'LOAD_FAILED');
    assert.is(err.cause, cause);
  }
  const iterating = { keyOf: (r: { id: number }) => r.id, load: async () => Object.assign([{ id: 1 }], { [Symbol.iterator]: () => { throw new Error('no'); } }) };
  const byIndex = createSerializer({ format: memoryFormat(), loaders: { users: iterating } });
  assert.equal(await byIndex.decode(byIndex.encode([ref('users', 1)])), [{ id: 1 }]); // rows read by index, not by its iterator
});

Serializer('rows: refs-only makes a copy of a row (which would travel in full) an error; the row itself and refs pass', async () => {
  const strict = createSerializer({ format: memoryFormat(), loaders: { users: memoryLoader([{ id: 1, name: 'Ada' }]) }, rows: 'refs-only' });
  const [row] = (await strict.decode(strict.encode([ref('users', 1)]))) as object[];
  for (const copy of [{ ...row }, structuredClone(row)]) {
    const err = await rejects(() => strict.encode({ user: copy }));
    assert.is(err.code, 'INVALID_REF');
    assert.match(err.message, /key of model `users` is not a row hydrate returned/);
  }
  assert.ok(strict.encode({ user: row, again: ref('users', 1), note: { text: 'no key here' } }));
  const format = memoryFormat();
  const written = createSerializer({ format, loaders: { users: memoryLoader([]) } }).encode({ user: { ...row } });
  assert.equal(format.raw(written), { user: { id: 1, name: 'Ada' } }); // by default a copy is data, written in full
});

Serializer('a ref made by another copy of @cereal/core is INVALID_REF naming the duplicate install', async () => {
  const { cereal } = setup();
  class ModelRef {
    constructor(readonly model: string, readonly pk: number) {}
  }
  const err = await rejects(() => cereal.encode({ user: new ModelRef('users', 1) } as never));
  assert.is(err.code, 'INVALID_REF');
  assert.match(err.message, /another copy of @cereal\/core/);
});

Serializer('a CerealError goes through JSON.stringify (loggers, queues) with its code and its refs as keys', () => {
  const err = new CerealError('MISSING_ROW', 'gone', { refs: [ref('users', 1), ref('orders', [7, 2])] });
  assert.equal(JSON.parse(JSON.stringify({ err })), { err: { name: 'CerealError', code: 'MISSING_ROW', message: '[cereal] gone', retryable: false, refs: ['users:1', 'orders:7,2'] } });
  assert.equal(JSON.parse(JSON.stringify(new CerealError('LOAD_FAILED', 'down'))), { name: 'CerealError', code: 'LOAD_FAILED', message: '[cereal] down', retryable: true });
});

Serializer('a value nested past the stack of the format library is LIMIT when encoding, not a RangeError', () => {
  const deep = defineFormat({ name: 'recursive', wire: 'text', encode: (value) => { const go = (n: number): number => go(n + 1) + 1; go(0); return String(value); }, decode: (wire) => wire });
  try {
    deep.encode(1);
    assert.unreachable();
  } catch (err) {
    assert.instance(err, CerealError);
    assert.is((err as CerealError).code, 'LIMIT');
  }
});

Serializer('a ref put through JSON.stringify fails loudly, naming the serializer and toJobData', () => {
  assert.throws(() => JSON.stringify({ user: ref('users', 1) }), (err: unknown) => err instanceof CerealError && err.code === 'MALFORMED' && /toJobData/.test(err.message) && err.refs?.[0]?.key === 'users:1');
});

Serializer('bad configuration is INVALID_OPTION', async () => {
  const format = memoryFormat();
  const cases = [
    () => createSerializer({ format: null as never, loaders: {} }),
    () => createSerializer({ format, loaders: null as never }),
    () => createSerializer({ format, loaders: { users: {} as never } }),
    () => createSerializer({ format, loaders: {}, maxRefs: -1 }),
    () => createSerializer({ format, loaders: {}, missing: 'nope' as never }),
    () => createSerializer({ format, loaders: {}, maxBytes: 0 }),
    () => createSerializer({ format: { ...format, maxBytes: -1 }, loaders: {} }),
    () => createSerializer({ format, loaders: {}, rows: 'some' as never }),
  ];
  for (const make of cases) assert.is((await rejects(make)).code, 'INVALID_OPTION');
});

Serializer.run();

