import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CerealError, compareVersions, createSerializer, hydrate, ref, refOf, type Loader } from '../src/index.js';
import { memoryFormat, memoryLoader, rejects, type Row } from '@cereal/testkit';

const T1 = new Date('2026-11-27T10:00:00.000Z');
const T2 = new Date('2026-11-27T10:00:05.000Z');

const users = (rows: Row[] = [{ id: 1, name: 'Ada', lock: 3 }, { id: 2, name: 'Grace', lock: 1 }]) => memoryLoader(rows, { version: 'lock' });

const Pins = suite('version-pinned refs');

Pins('a pin is part of the ref, not of its identity: users:42 pinned or not names one row', () => {
  const pinned = ref('users', 42, 7);
  assert.is(pinned.version, 7);
  assert.is(pinned.key, 'users:42');
  assert.is(String(pinned), 'users:42@7');
  assert.is(ref('users', 42).version, undefined);
  assert.is(String(ref('users', 42, T1)), 'users:42@2026-11-27T10:00:00.000Z');
});

Pins('a pin that is no version is INVALID_REF, naming why', () => {
  for (const [bad, why] of [[NaN, 'not a finite number'], [Infinity, 'not a finite number'], [null, 'null'], [{}, 'an object'], [true, 'of type boolean'], [new Date(NaN), 'Invalid Date'], ['x'.repeat(1025), 'longer than 1024'], [2n ** 128n, 'beyond 2^128']] as const) {
    assert.throws(() => ref('users', 1, bad as never), (err: unknown) => err instanceof CerealError && err.code === 'INVALID_REF' && err.message.includes(why), String(bad).slice(0, 20));
  }
});

Pins('a Date pin is a copy: changing the row\'s Date afterwards does not move the pin', () => {
  const when = new Date(T1.getTime());
  const r = ref('users', 1, when);
  when.setTime(0);
  assert.is((r.version as Date).getTime(), T1.getTime());
});

Pins('versions compare within their kind: counters (numbers and bigints exactly), times, text', () => {
  assert.ok(compareVersions(1, 2)! < 0);
  assert.ok(compareVersions(2n ** 60n + 1n, 2n ** 60n)! > 0);
  assert.is(compareVersions(7, 7n), 0);
  assert.ok(compareVersions(2 ** 53, 2n ** 53n + 1n)! < 0, 'a number against a bigint beyond 2^53, exactly');
  assert.ok(compareVersions(1.5, 2n)! < 0);
  assert.ok(compareVersions(T2, T1)! > 0);
  assert.is(compareVersions(new Date(T1.getTime()), T1), 0);
  assert.ok(compareVersions('2026-11-27 10:00:00', '2026-11-27 10:00:05')! < 0);
  assert.is(compareVersions(T1, 1), undefined);
  assert.is(compareVersions('1', 1), undefined);
  assert.equal([compareVersions('a', 'b'), compareVersions('b', 'a'), compareVersions('b', 'b')], [-1, 1, 0], 'text: -1, 1 or 0');
  assert.is(compareVersions(NaN, 1n), undefined, 'NaN orders nothing, against a bigint too');
  assert.is(compareVersions(1n, NaN), undefined);
  assert.ok(compareVersions(2n, 1.5)! > 0 && compareVersions(1n, 1.5)! < 0 && compareVersions(1.5, 1n)! > 0, 'a bigint against a fraction');
});

Pins('the bounds of a version are met exactly: a bigint within ±2^128, a string of 1024 characters', () => {
  for (const ok of [2n ** 128n - 1n, -(2n ** 128n) + 1n, 'x'.repeat(1024), -(2 ** 53) + 1]) ref('users', 1, ok);
  for (const bad of [2n ** 128n, -(2n ** 128n), 'x'.repeat(1025)]) {
    assert.throws(() => ref('users', 1, bad), (err: unknown) => err instanceof CerealError && err.code === 'INVALID_REF', String(bad).slice(0, 20));
  }
});

Pins('serializer.ref pins a ref to the row\'s version when the loader reads one; without versionOf it stays unpinned', async () => {
  const loaders = { users: users(), plain: memoryLoader([{ id: 1 }]) };
  const cereal = createSerializer({ format: memoryFormat(), loaders });
  assert.is(cereal.ref('users', { id: 1, name: 'Ada', lock: 3 }).version, 3);
  assert.is(cereal.ref('users', { id: 1, name: 'Ada', lock: null }).version, undefined, 'a row whose version is null gives an unpinned ref');
  assert.throws(() => cereal.ref('users', { id: 1, name: 'Ada' }), (err: unknown) => err instanceof CerealError && err.code === 'INVALID_REF' && /has no version/.test(err.message), 'a row read without its version column gives no ref, not an unpinned one');
  assert.is(cereal.ref('plain', { id: 1 }).version, undefined);
  assert.throws(() => cereal.ref('users', { id: 1, lock: NaN }), (err: unknown) => err instanceof CerealError && err.code === 'INVALID_REF');
});

Pins('a hydrated row encoded again carries the version it has now, not the pin it was loaded under', async () => {
  const loaders = { users: users() };
  const format = memoryFormat();
  const cereal = createSerializer({ format, loaders });
  const { user } = await cereal.decode(cereal.encode({ user: ref('users', 1, 2) }));
  assert.is(refOf(user)!.version, 2, 'refOf(row).version is the pin the payload carried');
  assert.is(cereal.ref('users', user as Row).version, 3, 'and cereal.ref gives the version the row has');
  const again = format.raw(cereal.encode({ user }) as string) as { user: { version: unknown } };
  assert.is(again.user.version, 3);
});

Pins('hydrate passes the pins to load, by index of the keys, only when some ref is pinned', async () => {
  const loaders = { users: users() };
  await hydrate([ref('users', 1), ref('users', 2)], loaders);
  assert.equal(loaders.users.contexts, [undefined]);
  await hydrate([ref('users', 1), ref('users', 2, 1), ref('users', 2, 0)], loaders);
  assert.equal(loaders.users.calls[1], [1, 2]);
  assert.equal(loaders.users.contexts[1], { pins: [undefined, 1] }, 'the newest pin of each key');
});

Pins("consistency 'latest' (the default) returns the row as it is, whatever the pin", async () => {
  const out = await hydrate({ u: ref('users', 1, 99) }, { users: users() });
  assert.equal(out.u, { id: 1, name: 'Ada', lock: 3 });
});

Pins("consistency 'at-least': a row as new as the pin, or newer, is returned", async () => {
  const out = await hydrate({ a: ref('users', 1, 3), b: ref('users', 1, 2), c: ref('users', 2) }, { users: users() }, { consistency: 'at-least' });
  assert.equal(out.a, { id: 1, name: 'Ada', lock: 3 });
  assert.is(out.a, out.b);
  assert.is(refOf(out.b as object)!.version, 3, 'the row is tagged with the newest pin of its key');
});

Pins("consistency 'at-least': a row older than its pin, or missing, is STALE (retryable), listing every one", async () => {
  const err = await rejects(() => hydrate([ref('users', 1, 4), ref('users', 2, 1), ref('users', 3, 1), ref('users', 4)], { users: users() }, { consistency: 'at-least', missing: 'null' }));
  assert.is(err.code, 'STALE');
  assert.is(err.retryable, true);
  assert.equal(err.refs!.map((r) => String(r)), ['users:1@4', 'users:3@1']);
  assert.match(err.message, /2 rows are missing or older than their refs' pins/);
});

Pins("consistency 'at-least': an unpinned missing row follows `missing`, and a pinned one is STALE before any MISSING_ROW", async () => {
  const loaders = { users: users() };
  const out = await hydrate([ref('users', 9)], loaders, { consistency: 'at-least', missing: 'null' });
  assert.equal(out, [null]);
  assert.is((await rejects(() => hydrate([ref('users', 9), ref('users', 8, 1)], loaders, { consistency: 'at-least' }))).code, 'STALE');
  assert.is((await rejects(() => hydrate([ref('users', 9), ref('users', 8, 1)], loaders))).code, 'MISSING_ROW', "under 'latest' a pinned missing row is missing");
});

Pins('times and text versions are checked as well as counters', async () => {
  const timed = memoryLoader([{ id: 1, at: T1 }], { version: 'at' });
  await hydrate([ref('t', 1, T1)], { t: timed }, { consistency: 'at-least' });
  assert.is((await rejects(() => hydrate([ref('t', 1, T2)], { t: timed }, { consistency: 'at-least' }))).code, 'STALE');
  const text = memoryLoader([{ id: 1, at: '2026-11-27 10:00:00' }], { version: 'at' });
  assert.is((await rejects(() => hydrate([ref('t', 1, '2026-11-27 10:00:01')], { t: text }, { consistency: 'at-least' }))).code, 'STALE');
});

Pins('pins on a model whose loader reads no version are carried but not checked', async () => {
  const out = await hydrate([ref('plain', 1, 5)], { plain: memoryLoader([{ id: 1 }]) }, { consistency: 'at-least' });
  assert.equal(out, [{ id: 1 }]);
});

Pins('a pin that cannot be compared with the row\'s version, or two pins of one row of two kinds, are INVALID_REF before or after the load', async () => {
  const loaders = { users: users() };
  const mixed = await rejects(() => hydrate([ref('users', 1, 1), ref('users', 1, T1)], loaders, { consistency: 'at-least' }));
  assert.is(mixed.code, 'INVALID_REF');
  assert.equal(loaders.users.calls, [], 'refused before any load');
  const kind = await rejects(() => hydrate([ref('users', 1, T1)], loaders, { consistency: 'at-least' }));
  assert.is(kind.code, 'INVALID_REF');
  assert.match(kind.message, /cannot be compared with its row's version \(3\)/);
  const nulled = await rejects(() => hydrate([ref('users', 1, 1)], { users: users([{ id: 1, lock: null }]) }, { consistency: 'at-least' }));
  assert.is(nulled.code, 'INVALID_REF');
});

Pins('the messages of pins say which refs and versions: two kinds on one row, one STALE row, versions a loader cannot read', async () => {
  const mixed = await rejects(() => hydrate([ref('users', 1, 1), ref('users', 1, T1)], { users: users() }, { consistency: 'at-least' }));
  assert.match(mixed.message, '`users:1` is pinned to versions that cannot be compared (1 and ');
  assert.equal(mixed.refs?.map(String), ['users:1@1', `users:1@${T1.toISOString()}`]);
  const one = await rejects(() => hydrate([ref('users', 1, 4)], { users: users() }, { consistency: 'at-least' }));
  assert.match(one.message, "1 row is missing or older than its ref's pin (the reader is behind, or the row was deleted since): `users:1`");
  assert.equal(one.refs?.map(String), ['users:1@4']);
  const fresh = await hydrate([ref('users', 1, 3), ref('users', 2, 0)], { users: users() }, { consistency: 'at-least' });
  assert.is(fresh.length, 2, 'a row at its pin, or newer, passes');
  const nan: Loader<Row> = { ...users(), versionOf: () => NaN as never };
  const bad = await rejects(() => hydrate([ref('users', 1, 1)], { users: nan }, { consistency: 'at-least' }));
  assert.is(bad.code, 'INVALID_OPTION');
  assert.match(bad.message, 'the loader for model `users` read a version that is ');
  assert.match(bad.message, 'its version column must hold numbers, bigints, text or times');
  const throws: Loader<Row> = { ...users(), versionOf: () => { throw new TypeError('boom'); } };
  const failed = await rejects(() => hydrate([ref('users', 1, 1)], { users: throws }, { consistency: 'at-least' }));
  assert.match(failed.message, 'the loader for model `users` failed in versionOf on a row it loaded');
  assert.instance(failed.cause, TypeError);
});

Pins('a key of the wrong shape for its model is INVALID_REF before any load, naming the model, its parts and the refs', async () => {
  const orders = memoryLoader([{ id: [7, 1], total: 1 }], { keyOf: (r) => r.id, arity: 2 });
  const single = memoryLoader([{ id: 1 }], { arity: 1 });
  const wide = await rejects(() => hydrate([ref('orders', 7), ref('orders', [7, 1])], { orders }));
  assert.is(wide.code, 'INVALID_REF');
  assert.is(wide.message, '[cereal] model `orders` has a key of 2 parts; `orders:7` does not');
  assert.equal(wide.refs?.map(String), ['orders:7']);
  const narrow = await rejects(() => hydrate([ref('s', [1, 2]), ref('s', [3, 4])], { s: single }));
  assert.is(narrow.message, '[cereal] model `s` has a key of 1 part; `s:1,2`, `s:3,4` do not');
  assert.equal(orders.calls, []);
  assert.equal(single.calls, []);
});

Pins('a loader whose versionOf throws is broken: INVALID_OPTION, not a TypeError', async () => {
  const broken: Loader<Row> = { ...users(), versionOf: () => { throw new TypeError('boom'); } };
  const err = await rejects(() => hydrate([ref('users', 1, 1)], { users: broken }, { consistency: 'at-least' }));
  assert.is(err.code, 'INVALID_OPTION');
});

Pins("a row version that is none (NaN, an Invalid Date, an object, a symbol) is the loader's fault: INVALID_OPTION, never a row accepted as new enough", async () => {
  for (const bad of [NaN, new Date(NaN), {}, Symbol('v'), [9]]) {
    const loader = memoryLoader([{ id: 1, lock: bad as never }], { version: 'lock' });
    const err = await rejects(() => hydrate([ref('users', 1, 5)], { users: loader }, { consistency: 'at-least' }));
    assert.is(err.code, 'INVALID_OPTION', String(bad as never));
  }
  assert.is(compareVersions(NaN, 1), undefined);
  assert.is(compareVersions(new Date(NaN), T1), undefined);
});

Pins('a number version beyond 2^53 is refused (a bigint says it exactly); within it, any finite number', () => {
  assert.throws(() => ref('users', 1, 2 ** 53 + 2), (err: unknown) => err instanceof CerealError && err.code === 'INVALID_REF' && /use a bigint/.test(err.message));
  assert.is(ref('users', 1, Number.MAX_SAFE_INTEGER).version, Number.MAX_SAFE_INTEGER);
  assert.is(ref('users', 1, 1.5).version, 1.5);
  assert.is(ref('users', 1, 2n ** 70n).version, 2n ** 70n);
});

Pins('consistency is checked like every option', async () => {
  const err = await rejects(() => hydrate([ref('users', 1)], { users: users() }, { consistency: 'newest' as never }));
  assert.is(err.code, 'INVALID_OPTION');
  assert.throws(() => createSerializer({ format: memoryFormat(), loaders: {}, consistency: 'x' as never }), (e: unknown) => e instanceof CerealError && e.code === 'INVALID_OPTION');
});

Pins("a serializer's consistency is the default of its decodes, and a decode may override it", async () => {
  const loaders = { users: users() };
  const cereal = createSerializer({ format: memoryFormat(), loaders, consistency: 'at-least' });
  const wire = cereal.encode({ u: ref('users', 1, 9) });
  assert.is((await rejects(() => cereal.decode(wire))).code, 'STALE');
  assert.equal((await cereal.decode(wire, { consistency: 'latest' })).u, { id: 1, name: 'Ada', lock: 3 });
});

Pins.run();
