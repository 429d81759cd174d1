/**
 * What afterCommit, transaction and startTransaction say about what they are given, in the words
 * a user reads. No server: a Kysely on DummyDriver begins, commits and rolls back without a
 * database. What the callbacks do on real databases is afterCommit.test.ts.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import knex from 'knex';
import type { Kysely } from 'kysely';
import { throws } from '@cereal/testkit';
import { afterCommit, startTransaction, transaction } from '../src/index.js';
import { coldKysely as cold } from './suites/cold.js';

const words = (fn: () => unknown): string => throws(fn, 'INVALID_OPTION').message;

const Refusals = suite('kysely afterCommit: refusals, word for word');

Refusals('afterCommit: not Kysely, each described', () => {
  const cases: [unknown, string][] = [
    [undefined, 'undefined'],
    [null, 'null'],
    [{}, 'an object'],
    [[], 'an array'],
    [{ isTransaction: true }, 'an object'],
    [knex({ client: 'pg' }), 'function'],
    [new (class Sequelize {})(), 'a Sequelize'],
    [{ selectFrom: () => undefined }, 'an object'],
    [{ getExecutor: () => undefined }, 'an object'],
    [Object.assign(() => undefined, { selectFrom: () => undefined, getExecutor: () => undefined }), 'function'],
  ];
  for (const [trx, what] of cases) {
    assert.is(words(() => afterCommit(trx as never, () => undefined)), `[cereal] [kysely] afterCommit(trx, fn): \`trx\` must be a Kysely instance or transaction; got ${what}`);
  }
});

Refusals('a transaction of Kysely\'s own, given to afterCommit, transaction or startTransaction', async () => {
  const db = cold();
  const plain = await db.startTransaction().execute();
  assert.is(
    words(() => afterCommit(plain, () => undefined)),
    '[cereal] [kysely] afterCommit(trx, fn): Kysely tells nobody when this transaction commits, so `fn` could never run: start it with transaction(db, async (trx) => …) or startTransaction(db) from @cereal/kysely instead of db.transaction().execute(…) or db.startTransaction()',
  );
  assert.is(
    words(() => transaction(plain, async () => undefined)),
    '[cereal] [kysely] transaction(db, fn): `db` is already a transaction, and Kysely nests none: for savepoints, start the transaction with startTransaction(db) and use trx.savepoint(name)',
  );
  assert.is(words(() => startTransaction(plain)), '[cereal] [kysely] startTransaction(db): `db` is already a transaction: use trx.savepoint(name) for a nested one');
  await plain.rollback().execute();
});

Refusals('transaction and startTransaction: not Kysely, or no function', () => {
  const db = cold();
  assert.is(words(() => transaction({} as never, async () => undefined)), '[cereal] [kysely] transaction(db, fn): `db` must be a Kysely instance or db.transaction(); got an object');
  assert.is(words(() => transaction(null as never, async () => undefined)), '[cereal] [kysely] transaction(db, fn): `db` must be a Kysely instance or db.transaction(); got null');
  assert.is(words(() => startTransaction({} as never)), '[cereal] [kysely] startTransaction(db): `db` must be a Kysely instance or db.startTransaction(); got an object');
  assert.is(words(() => startTransaction('db' as never)), '[cereal] [kysely] startTransaction(db): `db` must be a Kysely instance or db.startTransaction(); got string');
  assert.is(words(() => transaction(db, 'work' as never)), '[cereal] [kysely] transaction(db, fn): `fn` must be a function; got string');
  assert.is(words(() => afterCommit(db, 'later' as never)), '[cereal] [kysely] afterCommit(trx, fn): `fn` must be a function; got string');
});

Refusals('a transaction that ended, by transaction() or by commit and rollback of startTransaction', async () => {
  const ended = '[cereal] [kysely] afterCommit(trx, fn): the transaction has already committed or rolled back (a savepoint: been released or rolled back); register callbacks while it is open, or on the transaction around it';
  const db = cold();
  let inside: Kysely<any> | undefined;
  await transaction(db, async (trx) => {
    inside = trx;
  });
  await Promise.resolve();
  assert.is(words(() => afterCommit(inside!, () => undefined)), ended);
  await transaction(db.transaction(), async (trx) => {
    inside = trx.withSchema('app');
  });
  await Promise.resolve();
  assert.is(words(() => afterCommit(inside!, () => undefined)), ended, 'a copy of the transaction, from a TransactionBuilder');
  await transaction(db, async (trx) => {
    inside = trx;
    throw new Error('rolled back');
  }).catch(() => undefined);
  await Promise.resolve();
  assert.is(words(() => afterCommit(inside!, () => undefined)), ended, 'rolled back by its fn');
  for (const end of ['commit', 'rollback'] as const) {
    const trx = await startTransaction(db.startTransaction());
    await trx[end]().execute();
    assert.is(words(() => afterCommit(trx, () => undefined)), ended, end);
  }
});

Refusals('afterCommit on a Kysely that is no transaction runs fn at once, before it returns', () => {
  let ran = 0;
  afterCommit(cold(), () => void ran++);
  assert.is(ran, 1);
});

Refusals.run();
