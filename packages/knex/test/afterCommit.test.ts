/**
 * afterCommit on real databases: the testkit's suite (testAfterCommit) on SQLite always, and on
 * PostgreSQL and MariaDB/MySQL when CEREAL_PG_URL and CEREAL_MYSQL_URL name them; then what is
 * Knex's own: transactions and savepoints of `await knex.transaction()`, ended by hand.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Knex } from 'knex';
import { afterCommitDatabases, quiet, ROLLBACK, seesRow, testAfterCommit, throwsInvalidOption, until, useAfterCommit, type AfterCommitContext, type AfterCommitTarget } from '@cereal/testkit';
import { afterCommit } from '../src/index.js';
import { knexAfterCommitTarget } from './suites/target.js';

const swallow = (err: unknown): void => {
  if (err !== ROLLBACK) throw err;
};

function testKnexAfterCommit(target: AfterCommitTarget<Knex>): void {
  const S = suite<AfterCommitContext<Knex>>(`afterCommit(knex/${target.database.name}), Knex's own`, {} as never);
  useAfterCommit(S, target);
  let next = 0;

  S('await knex.transaction() … await trx.commit(): fn runs after the commit', async ({ f, db, table }) => {
    const log: string[] = [];
    const id = ++next;
    const trx = await db.transaction();
    await trx(table).insert({ id });
    afterCommit(trx, seesRow(f, table, id, log));
    await quiet();
    assert.equal(log, []);
    await trx.commit();
    await until(() => log.length > 0);
    assert.equal(log, ['ran']);
  });

  S('await knex.transaction() … trx.rollback(error), or trx.rollback() (executionPromise resolves): fn never runs', async ({ db, table }) => {
    const log: string[] = [];
    const failed = await db.transaction();
    await failed(table).insert({ id: ++next });
    afterCommit(failed, () => void log.push('with an error'));
    await failed.rollback(ROLLBACK).catch(swallow);
    const plain = await db.transaction();
    afterCommit(plain, () => void log.push('without'));
    await plain.rollback();
    await plain.executionPromise; // resolved: the reason the commit is told apart another way
    await quiet();
    assert.equal(log, []);
    assert.ok(failed.isCompleted() && plain.isCompleted());
  });

  S('savepoints of await trx.transaction(): sp.commit() waits for the outer commit, sp.rollback() drops', async ({ f, db, table }) => {
    const log: string[] = [];
    const id = ++next;
    await db.transaction(async (trx) => {
      const released = await trx.transaction();
      await released(table).insert({ id });
      afterCommit(released, seesRow(f, table, id, log, 'released'));
      await released.commit();
      const dropped = await trx.transaction();
      afterCommit(dropped, () => void log.push('rolled back'));
      await dropped.rollback();
      await quiet();
      assert.equal(log, [], 'released, not committed');
    });
    await until(() => log.length > 0);
    await quiet();
    assert.equal(log, ['released']);
  });

  S('anything but a Knex instance or transaction: INVALID_OPTION', () => {
    for (const trx of [undefined, null, {}, { isTransaction: true }, () => undefined]) {
      throwsInvalidOption(() => afterCommit(trx as never, () => undefined), /`trx` must be a Knex instance or transaction/);
    }
  });

  S.run();
}

for (const database of afterCommitDatabases('knex')) {
  const target = knexAfterCommitTarget(database);
  testAfterCommit(target);
  testKnexAfterCommit(target);
}
