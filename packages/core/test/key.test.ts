/**
 * Which keys are one key, stated through hydrate: a loader that returns every row it has, asked
 * or not, so that only cereal's matching decides which row answers which ref.
 */
import { runInNewContext } from 'node:vm';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { throws } from '@cereal/testkit';
import { CerealError, hydrate, ref, type Loader } from '../src/index.js';

type Row = { id: unknown; name: string };

/** A loader that answers every load with all of `rows` (a table with a loose key filter). */
const everything = (rows: Row[]): Loader<Row> & { calls: unknown[][] } => {
  const calls: unknown[][] = [];
  return { calls, load: async (pks) => (calls.push([...pks]), rows.map((r) => ({ ...r }))), keyOf: (r) => r.id as never };
};

const names = (value: unknown): (string | null)[] => (value as (Row | null)[]).map((r) => (r === null ? null : r.name));

const Keys = suite('keys: which refs name which rows');

Keys('a text key that only looks like a number is not that number: "007", "0x10", "1e3", "+5", " 5", "5.0", "-0" name no integer row', async () => {
  const rows: Row[] = [{ id: 7, name: 'seven' }, { id: 16, name: 'sixteen' }, { id: 1000, name: 'thousand' }, { id: 5, name: 'five' }, { id: 0, name: 'zero' }];
  const texts = ['007', '0x10', '1e3', '+5', ' 5', '5.0', '-0', '05', '5 '];
  const out = await hydrate(texts.map((t) => ref('users', t)), { users: everything(rows) }, { missing: 'null' });
  assert.equal(names(out), texts.map(() => null));
});

Keys('…and each such text key still finds its own text row, beside the integer rows', async () => {
  const rows: Row[] = [{ id: 7, name: 'seven' }, { id: '007', name: 'text 007' }, { id: 16, name: 'sixteen' }, { id: '0x10', name: 'text 0x10' }, { id: 1000, name: 'thousand' }, { id: '1e3', name: 'text 1e3' }];
  const out = await hydrate([ref('users', '007'), ref('users', 7), ref('users', '0x10'), ref('users', 16), ref('users', '1e3'), ref('users', 1000)], { users: everything(rows) });
  assert.equal(names(out), ['text 007', 'seven', 'text 0x10', 'sixteen', 'text 1e3', 'thousand']);
});

Keys('a number, its bigint and its decimal text are one key, for multi-digit and negative keys, and keys past 2^53', async () => {
  const rows: Row[] = [{ id: '42', name: 'forty-two' }, { id: 123456789n, name: 'big one' }, { id: -17, name: 'negative' }, { id: '9007199254740993', name: 'past 2^53' }, { id: 10, name: 'ten' }];
  const refs = [ref('users', 42), ref('users', 42n), ref('users', '42'), ref('users', 123456789), ref('users', '123456789'), ref('users', -17n), ref('users', '-17'), ref('users', 9007199254740993n), ref('users', '9007199254740993'), ref('users', 10n)];
  const loader = everything(rows);
  const out = await hydrate(refs, { users: loader });
  assert.equal(names(out), ['forty-two', 'forty-two', 'forty-two', 'big one', 'big one', 'negative', 'negative', 'past 2^53', 'past 2^53', 'ten']);
  assert.is(loader.calls[0]!.length, 5, 'one key each: 42, 123456789, -17, 9007199254740993, 10');
});

Keys('keys past 2^53 are never rounded into one another: 2^53 and 2^53 + 1, as bigints or text, each find their own row', async () => {
  const rows: Row[] = [{ id: '9007199254740992', name: '2^53' }, { id: '9007199254740993', name: '2^53 + 1' }, { id: 9007199254740991, name: 'max safe' }];
  const out = await hydrate([ref('users', 9007199254740993n), ref('users', '9007199254740992'), ref('users', 2n ** 53n), ref('users', Number.MAX_SAFE_INTEGER), ref('users', '9007199254740991')], { users: everything(rows) });
  assert.equal(names(out), ['2^53 + 1', '2^53', '2^53', 'max safe', 'max safe']);
});

Keys('composite keys stay apart however their text parts hold commas and percent signs', async () => {
  const pairs: [string, string][] = [['a,b', 'c'], ['a', 'b,c'], ['x,y', 'c'], ['a%2Cb', 'c'], ['a%b', 'c'], ['a', '%2C'], ['a', ','], ['ab', 'c'], ['a%25b', 'c'], ['a', '%'], ['a', '']];
  const rows: Row[] = pairs.map((pk, i) => ({ id: pk, name: `pair ${i}` }));
  const loader = everything(rows);
  const out = await hydrate(pairs.map((pk) => ref('pairs', pk)), { pairs: loader });
  assert.equal(names(out), pairs.map((_, i) => `pair ${i}`));
  assert.is(loader.calls[0]!.length, pairs.length, 'no two of them are one key');
});

Keys('a composite key matches its row with each part as number, bigint or text, and never a row whose parts are in another order', async () => {
  const rows: Row[] = [{ id: [12, 345], name: 'twelve/345' }, { id: ['345', '12'], name: '345/twelve' }];
  const out = await hydrate([ref('o', ['12', 345n]), ref('o', [345, 12]), ref('o', [12, 34])], { o: everything(rows) }, { missing: 'null' });
  assert.equal(names(out), ['twelve/345', '345/twelve', null]);
});

Keys('a row nobody asked for never takes the place of the row that was', async () => {
  const rows: Row[] = [{ id: 1, name: 'one' }, { id: 2, name: 'two' }, { id: 'ONE', name: 'upper' }];
  const out = await hydrate([ref('users', 1), ref('users', 'one')], { users: everything(rows) }, { missing: 'null' });
  assert.equal(names(out), ['one', null]);
});

Keys('two rows for one key: INVALID_OPTION naming the key and the likely cause, whichever comes second', async () => {
  for (const rows of [[{ id: 1, name: 'a' }, { id: '1', name: 'b' }], [{ id: 2, name: 'x' }, { id: 1, name: 'a' }, { id: 1n, name: 'b' }]]) {
    const err = await hydrate([ref('users', 1)], { users: everything(rows) }).then(() => undefined, (e: unknown) => e as CerealError);
    assert.instance(err, CerealError);
    assert.is(err!.code, 'INVALID_OPTION');
    assert.match(err!.message, 'returned two rows for `users:1`');
    assert.match(err!.message, 'is the key column unique?');
  }
});

Keys('a loader that returns no array: INVALID_OPTION saying what it returned', async () => {
  for (const [loaded, what] of [[undefined, 'undefined'], [{ length: 1, 0: { id: 1 } }, 'object'], ['rows', 'string'], [null, 'object']] as const) {
    const loader = { load: async () => loaded as never, keyOf: (r: Row) => r.id as never };
    const err = await hydrate([ref('users', 1)], { users: loader }).then(() => undefined, (e: unknown) => e as CerealError);
    assert.is(err?.code, 'INVALID_OPTION', what);
    assert.match(err!.message, `returned ${what}, not an array of rows`);
  }
});

Keys('a row whose key cannot be a key at all (a Date, undefined, an object) is INVALID_OPTION; a key no ref can name (2^53 + 2 as a number) only matches nothing', async () => {
  for (const bad of [new Date(0), undefined, { id: 1 }, null, true, [1], [1, null], [{}, 'a'], ['a', 'b', undefined]]) {
    const loader = everything([{ id: bad, name: 'bad' }]);
    const err = await hydrate([ref('users', 1)], { users: loader }).then(() => undefined, (e: unknown) => e as CerealError);
    assert.is(err?.code, 'INVALID_OPTION', String(bad));
    assert.match(err!.message, 'returned a row without a usable key');
  }
  for (const unnameable of [2 ** 53 + 2, 1.5, 'x'.repeat(1025), 2n ** 128n, ['a', 2 ** 60]]) {
    const out = await hydrate([ref('users', 1)], { users: everything([{ id: unnameable, name: 'rounded' }, { id: 1, name: 'one' }]) });
    assert.equal(names(out), ['one'], String(unnameable).slice(0, 20));
  }
});

Keys('INVALID_REF messages say what is wrong with the key, and what a key may be', () => {
  const message = (pk: unknown): string => throws(() => ref('users', pk as never), 'INVALID_REF').message;
  assert.match(message(1.5), '1.5, not an integer');
  assert.match(message(2 ** 53), `${2 ** 53}, an integer beyond 2^53 (use a bigint or a string)`);
  assert.match(message(2n ** 128n), 'a bigint beyond 2^128');
  assert.match(message('x'.repeat(1025)), 'a string of 1025 characters, longer than 1024');
  assert.match(message([1]), 'a composite key needs at least 2 parts, got 1');
  assert.match(message([1, null]), 'composite key part 1 is null');
  assert.match(message([{}, 1]), 'composite key part 0 is an object');
  assert.match(message([[1], 2]), 'composite key part 0 is an array');
  assert.match(message([1, 2, 1.5]), 'composite key part 2 is 1.5, not an integer');
  assert.match(message(true), 'key is of type boolean');
  // what a driver put where a key was expected, named so the user knows which column type it is
  class Decimal {}
  const anonymous = new (class {})();
  const odd = new (class {})();
  Object.defineProperty(Object.getPrototypeOf(odd).constructor, 'name', { value: 'x y\n' });
  const trap = new Proxy({}, { getPrototypeOf: () => { throw new Error('trap'); } });
  assert.match(message(new Date(0)), 'key is a Date');
  assert.match(message(Buffer.from('a')), 'key is a Buffer');
  assert.match(message(new Decimal()), 'key is an instance of Decimal');
  assert.match(message([1, new Decimal()]), 'composite key part 1 is an instance of Decimal');
  class Map {}
  const fake = { __proto__: { constructor: { name: 'Date' } } };
  const otherRealm = runInNewContext('({ id: 1 })') as object;
  for (const plain of [{}, Object.create(null), Object.create({}), otherRealm, anonymous, odd, trap]) assert.match(message(plain), 'key is an object');
  assert.match(message(new Map()), 'key is an instance of Map', "a class of the user's named Map is not a Map");
  assert.match(message(fake), 'key is an instance of Date', 'a name an object claims is never a Date');
  assert.match(message(new globalThis.Map()), 'key is a Map');
  assert.match(message(new Uint16Array(1)), 'key is a typed array');
  assert.match(message(new Set([1])), 'key is a Set');
  assert.match(message(/1/), 'key is a RegExp');
  // a Proxy is never looked into: its traps could claim anything, or throw
  const looked: string[] = [];
  const spy = <T extends object>(target: T): T => new Proxy(target, { getPrototypeOf: (t) => (looked.push('prototype'), Object.getPrototypeOf(t)), getOwnPropertyDescriptor: (t, k) => (looked.push(String(k)), Reflect.getOwnPropertyDescriptor(t, k)) });
  assert.match(message(spy(new globalThis.Map())), 'key is an object');
  assert.match(message(spy(new Decimal())), 'key is an object');
  assert.equal(looked, [], 'no trap ran');
  // a class name is shown only when it is a short identifier
  const named = (name: string): object => {
    const C = class {};
    Object.defineProperty(C, 'name', { value: name });
    return new C();
  };
  assert.match(message(named(`A${'b'.repeat(40)}`)), `key is an instance of A${'b'.repeat(40)}`);
  assert.match(message(named(`A${'b'.repeat(41)}`)), 'key is an object', 'a name longer than 41 characters');
  assert.match(message(named('9lives')), 'key is an object', 'a name that is no identifier');
  assert.match(message(named('$_x9')), 'key is an instance of $_x9');
  assert.match(message(named('Dec imal')), 'key is an object');
  assert.match(message(named('Decimal;')), 'key is an object');
  const proto = {};
  let calls = 0;
  Object.defineProperty(proto, 'constructor', { get: () => (calls++, Decimal) });
  assert.match(message(Object.create(proto)), 'key is an object');
  assert.is(calls, 0, 'a constructor behind a getter is never called');
  assert.match(message(1.5), 'a key is a string (at most 1024 characters), a safe integer or a bigint (below 2^128), or an array of 2 or more of those');
  // the bounds themselves are keys
  ref('users', 'x'.repeat(1024));
  ref('users', 2n ** 128n - 1n);
  ref('users', -(2n ** 128n) + 1n);
  ref('users', Number.MAX_SAFE_INTEGER);
});

Keys.run();
