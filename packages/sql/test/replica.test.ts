/**
 * A replica-aware loader over two loaders in memory: what it reads from the replica, what it reads
 * again from the primary and with which pins, what it counts and reports. The Knex, Kysely and
 * Drizzle suites run it on a real streaming replica.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CerealError, hydrate, ref, type LoadContext, type PrimaryKey } from '@cereal/core';
import { replicaLoader, replicaLoaders, type ServedEvent, type SqlLoader } from '../src/index.js';

type Row = { id: number; v?: unknown; from: string };

/** A SqlLoader over rows in memory, recording each load's keys and context. */
function side(from: string, rows: Omit<Row, 'from'>[], versioned = true) {
  const loads: [PrimaryKey[], LoadContext | undefined][] = [];
  let prepared = 0;
  const loader: SqlLoader<Row> = {
    table: 'users',
    primaryKey: ['id'],
    arity: 1,
    chunkSize: 100,
    keyOf: (row) => row.id,
    ...(versioned ? { versionOf: (row: Row) => row.v as never } : {}),
    async prepare() {
      prepared++;
    },
    async load(pks, context) {
      loads.push([[...pks], context]);
      return rows.filter((row) => pks.some((pk) => String(pk) === String(row.id))).map((row) => ({ ...row, from }));
    },
  };
  return { loader, loads, prepared: () => prepared };
}

const Replica = suite('replicaLoader');

Replica('rows the replica has are served from it; the primary is not asked', async () => {
  const replica = side('replica', [{ id: 1, v: 5 }, { id: 2, v: 5 }]);
  const primary = side('primary', [{ id: 1, v: 5 }, { id: 2, v: 5 }]);
  const events: ServedEvent[] = [];
  const users = replicaLoader('users', replica.loader, primary.loader, (event) => events.push(event));
  const rows = await users.load([1, 2]);
  assert.equal(rows.map((r) => [r.id, r.from]), [[1, 'replica'], [2, 'replica']]);
  assert.is(primary.loads.length, 0);
  assert.equal(users.served, { replica: 2, primary: 0 });
  assert.equal(events, [{ model: 'users', table: 'users', replica: 2, primary: 0, again: 0 }]);
});

Replica('keys the replica lacks are read again from the primary in one load; what the primary lacks too stays missing', async () => {
  const replica = side('replica', [{ id: 1 }]);
  const primary = side('primary', [{ id: 1 }, { id: 2 }, { id: 3 }]);
  const events: ServedEvent[] = [];
  const users = replicaLoader('people', replica.loader, primary.loader, (event) => events.push(event));
  const rows = await users.load([1, 2, 3, 4]);
  assert.equal(rows.map((r) => [r.id, r.from]), [[1, 'replica'], [2, 'primary'], [3, 'primary']]);
  assert.equal(primary.loads, [[[2, 3, 4], undefined]], 'no pins: no context');
  assert.equal(events, [{ model: 'people', table: 'users', replica: 1, primary: 2, again: 3 }]);
  await users.load([2]);
  assert.equal(users.served, { replica: 1, primary: 3 }, 'a live count across loads');
});

Replica('a row older on the replica than its pin is read again from the primary with that pin; at or past its pin it is kept', async () => {
  const replica = side('replica', [{ id: 1, v: 4 }, { id: 2, v: 5 }, { id: 3, v: 9 }, { id: 4, v: 1 }]);
  const primary = side('primary', [{ id: 1, v: 5 }, { id: 2, v: 5 }, { id: 3, v: 9 }, { id: 4, v: 1 }]);
  const users = replicaLoader('users', replica.loader, primary.loader);
  const rows = await users.load([1, 2, 3, 4], { pins: [5, 5, 5, undefined] });
  assert.equal(rows.map((r) => [r.id, r.from]), [[2, 'replica'], [3, 'replica'], [4, 'replica'], [1, 'primary']]);
  assert.equal(primary.loads, [[[1], { pins: [5] }]]);
  assert.equal(replica.loads[0]![1], { pins: [5, 5, 5, undefined] }, 'the replica gets the pins too');
});

Replica('a replica row without a usable version is judged on the primary; a pin it cannot compare is left to hydrate', async () => {
  const replica = side('replica', [{ id: 1, v: null }, { id: 2 }, { id: 3, v: Number.NaN }, { id: 4, v: new Date(0) }, { id: 5, v: 'abc' }]);
  const primary = side('primary', [{ id: 1, v: 7 }, { id: 2, v: 7 }, { id: 3, v: 7 }, { id: 4, v: 7 }, { id: 5, v: 7 }]);
  const users = replicaLoader('users', replica.loader, primary.loader);
  const rows = await users.load([1, 2, 3, 4, 5], { pins: [1, 1, 1, 1, 1] });
  assert.equal(rows.map((r) => [r.id, r.from]), [[4, 'replica'], [5, 'replica'], [1, 'primary'], [2, 'primary'], [3, 'primary']], 'a Date or text against a counter cannot be compared: kept');
  assert.equal(primary.loads.map(([pks]) => pks), [[1, 2, 3]]);
});

Replica('without a version column pins are not read: the replica\'s row is kept', async () => {
  const replica = side('replica', [{ id: 1, v: 1 }], false);
  const primary = side('primary', [{ id: 1, v: 9 }], false);
  const users = replicaLoader('users', replica.loader, primary.loader);
  assert.is(users.versionOf, undefined);
  assert.equal((await users.load([1], { pins: [9] })).map((r) => r.from), ['replica']);
  assert.is(primary.loads.length, 0);
});

Replica('the pins sent to the primary are those of the keys sent again, in their order; none when those have none', async () => {
  const replica = side('replica', [{ id: 2, v: 1 }]);
  const primary = side('primary', [{ id: 1, v: 1 }, { id: 2, v: 3 }, { id: 3, v: 1 }]);
  const users = replicaLoader('users', replica.loader, primary.loader);
  await users.load([1, 2, 3], { pins: [undefined, 3, undefined] });
  assert.equal(primary.loads[0], [[1, 2, 3], { pins: [undefined, 3, undefined] }]);
  await users.load([1, 3], { pins: [undefined, undefined] });
  assert.equal(primary.loads[1], [[1, 3], undefined]);
});

Replica('two keys of one request naming one row get it once', async () => {
  const replica = side('replica', [{ id: 1 }]);
  const primary = side('primary', [{ id: 1 }]);
  const users = replicaLoader('users', replica.loader, primary.loader);
  const rows = await users.load([1, '1', 1n]);
  assert.equal(rows.map((r) => [r.id, r.from]), [[1, 'replica']]);
  assert.equal(users.served, { replica: 1, primary: 0 });
});

Replica('it is the replica loader in shape: its table, key and chunks; prepare readies both sides', async () => {
  const replica = side('replica', []);
  const primary = side('primary', []);
  const users = replicaLoader('users', replica.loader, primary.loader);
  assert.equal([users.table, users.primaryKey, users.arity, users.chunkSize], ['users', ['id'], 1, 100]);
  assert.is(users.keyOf({ id: 7, from: 'x' }), 7);
  assert.is(users.versionOf!({ id: 7, v: 3, from: 'x' }), 3);
  await users.prepare();
  assert.equal([replica.prepared(), primary.prepared()], [1, 1]);
});

Replica('an onServed that throws, or returns anything, never fails a load; through hydrate, fresh rows come back', async () => {
  const replica = side('replica', [{ id: 1, v: 1 }]);
  const primary = side('primary', [{ id: 1, v: 2 }, { id: 2, v: 1 }]);
  const users = replicaLoader('users', replica.loader, primary.loader, () => {
    throw new Error('metrics down');
  });
  const rows = await hydrate([ref('users', 1, 2), ref('users', 2)], { users }, { consistency: 'at-least' });
  assert.equal(rows.map((r) => [r.id, r.v, r.from]), [[1, 2, 'primary'], [2, 1, 'primary']]);
  const returning = replicaLoader('users', side('r', [{ id: 1 }]).loader, side('p', []).loader, () => ({ then: 'not a function' }));
  assert.is((await returning.load([1])).length, 1);
});

const Pairs = suite('replicaLoaders');

Pairs('builds each model over both sides of the pair', () => {
  const made: [string, string, unknown][] = [];
  const make = (db: string, model: string, spec: unknown) => {
    made.push([db, model, spec]);
    return side(db, []).loader;
  };
  const loaders = replicaLoaders('knex', { primary: 'P', replica: 'R' }, { users: 'users', posts: { table: 'posts' } }, make);
  assert.equal(Object.keys(loaders), ['users', 'posts']);
  assert.equal(made, [['R', 'users', 'users'], ['P', 'users', 'users'], ['R', 'posts', { table: 'posts' }], ['P', 'posts', { table: 'posts' }]]);
  assert.equal(loaders.users!.served, { replica: 0, primary: 0 });
});

Pairs('onServed hears every model\'s loads', async () => {
  const events: ServedEvent[] = [];
  const loaders = replicaLoaders('knex', { primary: 'P', replica: 'R', onServed: (event) => void events.push(event) }, { users: 'users' }, (db) => side(db, [{ id: 1 }]).loader);
  await loaders.users!.load([1, 2]);
  assert.equal(events, [{ model: 'users', table: 'users', replica: 1, primary: 0, again: 1 }]);
});

Pairs('refuses an onServed that is no function and one handle given as both sides', () => {
  const make = () => side('x', []).loader;
  const messages: string[] = [];
  for (const pair of [{ primary: 'P', replica: 'R', onServed: 'log' }, { primary: 'P', replica: 'P' }]) {
    try {
      replicaLoaders('kysely', pair as never, { users: 'users' }, make);
    } catch (err) {
      assert.instance(err, CerealError);
      assert.is((err as CerealError).code, 'INVALID_OPTION');
      messages.push((err as CerealError).message);
    }
  }
  assert.equal(messages, ['[cereal] [kysely] `onServed` must be a function of the event', '[cereal] [kysely] `primary` and `replica` are the same handle: pass the replica\'s own']);
});

Replica.run();
Pairs.run();
