/**
 * afterCommit's shared part (AfterCommits and its scopes), as the Knex, Kysely, Drizzle and Prisma
 * packages drive it: each tells a scope how its transaction ended. Those packages' suites run it
 * on real transactions; here every ending is told by hand, so each rule is stated on its own.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { throws } from '@cereal/testkit';
import { CerealError } from '@cereal/core';
import { AfterCommits, describeValue, type CommitScope } from '../src/index.js';

/** Lets callbacks that were handed to run (each awaited in turn) finish. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

const throwsInvalid = (fn: () => unknown): CerealError => throws(fn, 'INVALID_OPTION');

/** One AfterCommits, and `on(scope, name)` registering a callback that records its name. */
function setup() {
  const commits = new AfterCommits('memory', 'trx');
  const ran: string[] = [];
  const on = (scope: CommitScope | undefined, name: string) => commits.register(() => void ran.push(name), undefined, () => scope);
  return { commits, ran, on };
}

const Scopes = suite('afterCommit scopes');

Scopes('callbacks wait for the commit, then run in registration order', async () => {
  const { commits, ran, on } = setup();
  const trx = commits.scope();
  on(trx, 'a');
  on(trx, 'b');
  await settle();
  assert.equal(ran, [], 'not before the commit');
  assert.not.ok(trx.ended);
  trx.end(true);
  assert.ok(trx.ended);
  await settle();
  assert.equal(ran, ['a', 'b']);
});

Scopes('a rollback drops the callbacks; only the first end counts', async () => {
  const { commits, ran, on } = setup();
  const trx = commits.scope();
  on(trx, 'a');
  trx.end(false);
  trx.end(true);
  await settle();
  assert.equal(ran, []);
  const committed = commits.scope();
  on(committed, 'b');
  committed.end(true);
  committed.end(false);
  committed.end(true);
  await settle();
  assert.equal(ran, ['b'], 'run once, and a later rollback takes nothing back');
});

Scopes('a released savepoint hands its callbacks to the transaction around, interleaved by registration order', async () => {
  const { commits, ran, on } = setup();
  const trx = commits.scope();
  const savepoint = commits.scope(trx);
  assert.is(savepoint.outer, trx);
  assert.is(trx.outer, undefined);
  on(trx, 'a');
  on(savepoint, 'b');
  on(trx, 'c');
  savepoint.end(true);
  await settle();
  assert.equal(ran, [], 'a release is no commit');
  trx.end(true);
  await settle();
  assert.equal(ran, ['a', 'b', 'c']);
});

Scopes('a released savepoint\'s callbacks are dropped when the transaction around rolls back', async () => {
  const { commits, ran, on } = setup();
  const trx = commits.scope();
  const savepoint = commits.scope(trx);
  on(savepoint, 'b');
  savepoint.end(true);
  trx.end(false);
  await settle();
  assert.equal(ran, []);
});

Scopes('a savepoint rolled back drops its own callbacks only', async () => {
  const { commits, ran, on } = setup();
  const trx = commits.scope();
  const savepoint = commits.scope(trx);
  on(trx, 'a');
  on(savepoint, 'b');
  savepoint.end(false);
  on(trx, 'c');
  trx.end(true);
  await settle();
  assert.equal(ran, ['a', 'c']);
});

Scopes('three levels: released inward-out they run at the outermost commit; a scope ended before its savepoint passes them on or drops them', async () => {
  const { commits, ran, on } = setup();
  const trx = commits.scope();
  const one = commits.scope(trx);
  const two = commits.scope(one);
  on(two, 'deep');
  two.end(true);
  one.end(true);
  await settle();
  assert.equal(ran, []);
  trx.end(true);
  await settle();
  assert.equal(ran, ['deep']);

  // the scope around ended first (a package that saw the events out of order): committed, the callbacks go on out; rolled back, they go
  const outer = commits.scope();
  const middle = commits.scope(outer);
  const inner = commits.scope(middle);
  on(inner, 'late');
  middle.end(true);
  inner.end(true);
  await settle();
  assert.equal(ran, ['deep'], 'middle was released, but the outermost has not committed');
  outer.end(true);
  await settle();
  assert.equal(ran, ['deep', 'late']);
  const rolled = commits.scope();
  const child = commits.scope(rolled);
  on(child, 'never');
  rolled.end(false);
  child.end(true);
  await settle();
  assert.equal(ran, ['deep', 'late']);
});

Scopes('a scope\'s first ending stands: a savepoint rolled back and then said released still drops what is released into it', async () => {
  const { commits, ran, on } = setup();
  const trx = commits.scope();
  const savepoint = commits.scope(trx);
  const inner = commits.scope(savepoint);
  on(inner, 'x');
  savepoint.end(false);
  savepoint.end(true);
  inner.end(true);
  trx.end(true);
  await settle();
  assert.equal(ran, []);
});

Scopes('a savepoint released after its outermost transaction committed runs its callbacks at once', async () => {
  const { commits, ran, on } = setup();
  const trx = commits.scope();
  const savepoint = commits.scope(trx);
  on(savepoint, 'b');
  trx.end(true);
  savepoint.end(true);
  await settle();
  assert.equal(ran, ['b']);
});

Scopes('endWith: a value commits at once, a promise commits when it resolves and rolls back when it rejects', async () => {
  const { commits, ran, on } = setup();
  for (const [name, result] of [['value', 42], ['null', null], ['undefined', undefined], ['then-less object', { then: 1 }]] as const) {
    const scope = commits.scope();
    on(scope, name);
    scope.endWith(result);
    assert.ok(scope.ended, name);
  }
  await settle();
  assert.equal(ran, ['value', 'null', 'undefined', 'then-less object']);

  let resolve!: () => void;
  const committed = commits.scope();
  on(committed, 'resolved');
  committed.endWith(new Promise<void>((r) => (resolve = r)));
  await settle();
  assert.not.ok(committed.ended, 'open until the promise settles');
  resolve();
  await settle();
  assert.ok(committed.ended);
  const rolled = commits.scope();
  on(rolled, 'rejected');
  rolled.endWith(Promise.reject(new Error('rollback')));
  await settle();
  assert.ok(rolled.ended);
  assert.equal(ran.slice(4), ['resolved']);
});

const Register = suite('afterCommit register');

Register('outside a transaction (no scope) the callback runs at once', () => {
  const { ran, on } = setup();
  on(undefined, 'now');
  assert.equal(ran, ['now']);
});

Register('callbacks are awaited one at a time: the next starts when the one before has settled', async () => {
  const { commits } = setup();
  const trx = commits.scope();
  const events: string[] = [];
  let release!: () => void;
  commits.register(async () => {
    events.push('first start');
    await new Promise<void>((r) => (release = r));
    events.push('first end');
  }, undefined, () => trx);
  commits.register(() => void events.push('second'), undefined, () => trx);
  trx.end(true);
  await settle();
  assert.equal(events, ['first start']);
  release();
  await settle();
  assert.equal(events, ['first start', 'first end', 'second']);
});

Register('a failing callback goes to its onError and the ones after it still run; an onError that throws is logged, never thrown', async () => {
  const { commits, ran, on } = setup();
  const trx = commits.scope();
  const reported: unknown[] = [];
  const boom = new Error('boom');
  commits.register(() => {
    throw boom;
  }, { onError: (error) => reported.push(error) }, () => trx);
  commits.register(() => Promise.reject(new Error('later')), { onError: () => {
    throw new Error('onError fails too');
  } }, () => trx);
  on(trx, 'after');
  const logged: unknown[][] = [];
  const error = console.error;
  console.error = (...args: unknown[]) => void logged.push(args);
  try {
    trx.end(true);
    await settle();
  } finally {
    console.error = error;
  }
  assert.equal(reported, [boom]);
  assert.equal(ran, ['after']);
  assert.is(logged.length, 1);
  assert.match(String(logged[0]![0]), '[cereal] [memory] an afterCommit onError threw');
  assert.is((logged[0]![3] as Error).message, 'later', 'the failure it was reporting');
});

Register('without onError a failure is logged with console.error, naming the library and that the commit stands', async () => {
  const { commits } = setup();
  const logged: unknown[][] = [];
  const error = console.error;
  console.error = (...args: unknown[]) => void logged.push(args);
  try {
    commits.register(() => {
      throw new Error('boom');
    }, {}, () => undefined);
    await settle();
  } finally {
    console.error = error;
  }
  assert.is(logged.length, 1);
  assert.match(String(logged[0]![0]), '[cereal] [memory] an afterCommit callback failed after its transaction committed (the commit stands');
  assert.is((logged[0]![1] as Error).message, 'boom');
});

Register('fn and onError must be functions; a scope that has ended takes none, and is not asked before the checks', () => {
  const { commits } = setup();
  let asked = 0;
  const scopeOf = () => {
    asked++;
    return undefined;
  };
  assert.is(throwsInvalid(() => commits.register(null, undefined, scopeOf)).message, '[cereal] [memory] afterCommit(trx, fn): `fn` must be a function; got null');
  assert.match(throwsInvalid(() => commits.register('x', undefined, scopeOf)).message, 'got string');
  assert.is(throwsInvalid(() => commits.register(() => 1, { onError: 'log' as never }, scopeOf)).message, '[cereal] [memory] afterCommit(trx, fn, { onError }): `onError` must be a function');
  assert.is(asked, 0);
  const trx = commits.scope();
  trx.end(false);
  let ran = false;
  const err = throwsInvalid(() => commits.register(() => (ran = true), undefined, () => trx));
  assert.match(err.message, /^\[cereal\] \[memory\] afterCommit\(trx, fn\): the transaction has already committed or rolled back/);
  assert.is(commits.ended().message, err.message);
  assert.not.ok(ran);
});

Register('checkFunction names the call, the parameter and what it got', () => {
  const { commits } = setup();
  commits.checkFunction('transaction(db, fn)', 'fn', () => 1);
  assert.is(throwsInvalid(() => commits.checkFunction('transaction(db, fn)', 'fn', new Date(0))).message, '[cereal] [memory] transaction(db, fn): `fn` must be a function; got a Date');
  const knexLike = new AfterCommits('knex', 'trx', (value) => `<${typeof value}>`);
  assert.is(throwsInvalid(() => knexLike.checkFunction('c', 'fn', 5)).message, '[cereal] [knex] c: `fn` must be a function; got <number>');
});

Register('nested: a savepoint\'s scope inside the one given; a transaction begun elsewhere, or one that has ended, is refused', () => {
  const { commits } = setup();
  const outer = commits.scope();
  const inner = commits.nested(outer, true, 'transaction(db, …)');
  assert.is(inner.outer, outer);
  assert.not.ok(inner.ended);
  assert.is(commits.nested(undefined, false, 'transaction(db, …)').outer, undefined, 'a database handle begins an outermost one');
  assert.is(throwsInvalid(() => commits.nested(undefined, true, 'transaction(knex, …)')).message, '[cereal] [memory] transaction(tx, fn): `tx` is a transaction that transaction() of @cereal/memory did not start, so its commit cannot be seen: start the outer one with transaction(knex, …) too');
  outer.end(true);
  assert.is(throwsInvalid(() => commits.nested(outer, true, 'x')).message, '[cereal] [memory] transaction(tx, fn): `tx` has already committed or rolled back');
});

Register('describeValue: what a value of the wrong kind is', () => {
  class Knex {}
  class Item {}
  class MyError extends Error {}
  const cases: [unknown, string][] = [
    [null, 'null'], [undefined, 'undefined'], [5, 'number'], ['x', 'string'], [() => 1, 'function'],
    [[], 'an array'], [{}, 'an object'], [Object.create(null), 'an object'], [new Date(0), 'a Date'],
    [new Knex(), 'a Knex'], [new Item(), 'an Item'], [new Error('x'), 'an Error'], [new MyError('x'), 'a MyError'],
    [new Proxy({}, { getPrototypeOf: () => { throw new Error('trap'); } }), 'an object'],
  ];
  assert.equal(cases.map(([value]) => describeValue(value)), cases.map(([, text]) => text));
});

Scopes.run();
Register.run();
