/**
 * afterCommit on real databases: the testkit's suite (testAfterCommit) on SQLite always, and on
 * PostgreSQL and MariaDB/MySQL when CEREAL_PG_URL and CEREAL_MYSQL_URL name them, over
 * startTransaction's controlled transactions; then what is Kysely's own: transaction() and its
 * builders, savepoints by name, and commits PostgreSQL turns into rollbacks.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import knex from 'knex';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createPool } from 'mysql2';
import { MysqlDialect, PostgresDialect, sql, SqliteDialect, type ControlledTransaction, type Dialect, type Kysely } from 'kysely';
import { afterCommitDatabases, quiet, ROLLBACK, seesRow, testAfterCommit, throwsInvalidOption, until, useAfterCommit, type AfterCommitContext, type AfterCommitDatabase, type AfterCommitTarget } from '@cereal/testkit';
import { afterCommit, startTransaction, transaction } from '../src/index.js';
import { kyselyAfterCommitTarget } from './suites/target.js';

const swallow = (err: unknown): void => {
  if (err !== ROLLBACK) throw err;
};

/**
 * Runs `body` on a transaction of startTransaction, rolled back when `body` fails and leaves it
 * open: with SQLite it holds Kysely's only connection, and the next tests would wait forever.
 */
async function controlled(db: Kysely<any>, body: (trx: ControlledTransaction<any>) => Promise<void>): Promise<void> {
  const trx = await startTransaction(db);
  try {
    await body(trx);
  } catch (err) {
    if (!trx.isCommitted && !trx.isRolledBack) await trx.rollback().execute().catch(() => undefined);
    throw err;
  }
}

function testKyselyAfterCommit(target: AfterCommitTarget<Kysely<any>>): void {
  const S = suite<AfterCommitContext<Kysely<any>>>(`afterCommit(kysely/${target.database.name}), Kysely's own`, {} as never);
  useAfterCommit(S, target);
  let next = 0;

  S('transaction(db, fn): fn runs after the commit, registered on trx or a copy of it, and with a TransactionBuilder', async ({ f, db, table }) => {
    const log: string[] = [];
    const [a, b] = [++next, ++next];
    const result = await transaction(db, async (trx) => {
      await trx.insertInto(table).values({ id: a }).execute();
      afterCommit(trx, seesRow(f, table, a, log, 'trx'));
      afterCommit(trx.withoutPlugins(), seesRow(f, table, a, log, 'a copy of trx'));
      await quiet();
      assert.equal(log, [], 'not before the commit');
      return 'done';
    });
    assert.is(result, 'done');
    await until(() => log.length === 2);
    await transaction(db.transaction().setIsolationLevel('serializable'), async (trx) => {
      await trx.insertInto(table).values({ id: b }).execute();
      afterCommit(trx, seesRow(f, table, b, log, 'builder'));
    });
    await until(() => log.length === 3);
    await quiet();
    assert.equal(log, ['trx', 'a copy of trx', 'builder']);
  });

  S('transaction(db, fn) rolled back by an error: fn never runs', async ({ f, db, table }) => {
    const log: string[] = [];
    const id = ++next;
    await transaction(db, async (trx) => {
      await trx.insertInto(table).values({ id }).execute();
      afterCommit(trx, () => void log.push('thrown'));
      throw ROLLBACK;
    }).catch(swallow);
    await quiet();
    assert.equal(log, []);
    assert.is(await f(table).where({ id }).first(), undefined);
  });

  S('startTransaction(db.startTransaction()…): a ControlledTransactionBuilder, committed', async ({ db }) => {
    const log: string[] = [];
    const built = await startTransaction(db.startTransaction().setIsolationLevel('serializable'));
    afterCommit(built, () => void log.push('builder'));
    await quiet();
    assert.equal(log, []);
    await built.commit().execute();
    await until(() => log.length > 0);
    assert.equal(log, ['builder']);
  });

  S('afterCommit on any object of the transaction registers in the newest savepoint: dropped by a rollback to it, kept by its release', async ({ f, db, table }) => {
    const log: string[] = [];
    const id = ++next;
    await controlled(db, async (trx) => {
      await trx.insertInto(table).values({ id }).execute();
      afterCommit(trx, seesRow(f, table, id, log, 'before'));
      const sp = await trx.savepoint('a').execute();
      afterCommit(sp, () => void log.push('in a, rolled back'));
      afterCommit(trx, () => void log.push('on trx while a is open, rolled back'));
      const deeper = await sp.savepoint('b').execute();
      afterCommit(deeper, () => void log.push('in b, released, then a rolled back'));
      await deeper.releaseSavepoint('b').execute();
      const back = await sp.rollbackToSavepoint('a').execute();
      afterCommit(back, () => void log.push('in a, after the rollback to it'));
      afterCommit(trx, () => void log.push('on trx in a, after the rollback to it'));
      await back.releaseSavepoint('a').execute();
      afterCommit(trx, () => void log.push('after'));
      await quiet();
      assert.equal(log, [], 'released, not committed');
      await trx.commit().execute();
      await until(() => log.length >= 4);
      await quiet();
      assert.equal(log, ['before', 'in a, after the rollback to it', 'on trx in a, after the rollback to it', 'after']);
    });
  });

  S('not Kysely, a transaction started without the helpers, a helper given a transaction, or one that ended: INVALID_OPTION', async ({ db }) => {
    for (const trx of [undefined, null, {}, { isTransaction: true }, knex({ client: 'pg' })]) {
      throwsInvalidOption(() => afterCommit(trx as never, () => undefined), /`trx` must be a Kysely instance or transaction/);
    }
    const plain = await db.startTransaction().execute();
    try {
      throwsInvalidOption(() => afterCommit(plain, () => undefined), /start it with transaction\(db, async \(trx\) => …\) or startTransaction\(db\) from @cereal\/kysely/);
      throwsInvalidOption(() => transaction(plain, async () => undefined), /Kysely nests none/);
      throwsInvalidOption(() => startTransaction(plain), /already a transaction/);
    } finally {
      await plain.rollback().execute();
    }
    throwsInvalidOption(() => transaction({} as never, async () => undefined), /`db` must be a Kysely instance/);
    throwsInvalidOption(() => startTransaction({} as never), /`db` must be a Kysely instance/);
    throwsInvalidOption(() => transaction(db, 'work' as never), /`fn` must be a function/);
    let ended: Kysely<any> | undefined;
    await transaction(db, async (trx) => {
      ended = trx;
    });
    throwsInvalidOption(() => afterCommit(ended!, () => undefined), /already committed or rolled back/);
  });

  if (target.database.kind === 'postgres') {
    S('a COMMIT that fails (a deferred unique constraint) in transaction() or by hand, or that PostgreSQL turns into a rollback: fn never runs', async ({ f, db, table }) => {
      const deferred = `${table}_deferred`;
      await f.raw('create table ?? (id integer, constraint ?? unique (id) deferrable initially deferred)', [deferred, `${deferred}_u`]);
      try {
        const log: string[] = [];
        const failed = await transaction(db, async (trx) => {
          await trx.insertInto(deferred).values([{ id: 1 }, { id: 1 }]).execute();
          afterCommit(trx, () => void log.push('transaction'));
        }).then(() => undefined, (err: unknown) => err);
        assert.instance(failed, Error);
        const trx = await startTransaction(db);
        await trx.insertInto(deferred).values([{ id: 2 }, { id: 2 }]).execute();
        afterCommit(trx, () => void log.push('controlled'));
        await trx.commit().execute().catch(() => undefined);
        await quiet();
        assert.equal(log, []);
        if (!trx.isRolledBack) await trx.rollback().execute();
        const aborted = await startTransaction(db);
        afterCommit(aborted, () => void log.push('aborted'));
        await sql`select 1 / 0`.execute(aborted).catch(() => undefined); // the transaction is aborted
        await aborted.commit().execute().catch(() => undefined); // COMMIT answers ROLLBACK
        assert.ok(aborted.isRolledBack);
        await quiet();
        assert.equal(log, []);
      } finally {
        await f.schema.dropTableIfExists(deferred);
      }
    });
  }

  S.run();
}

const dialects: Record<AfterCommitDatabase['kind'], (url: string) => Dialect> = {
  sqlite: (file) => new SqliteDialect({ database: new Database(file) }),
  postgres: (url) => new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 4 }) }),
  mysql: (url) => new MysqlDialect({ pool: createPool({ uri: url, connectionLimit: 4 }) }),
};

for (const database of afterCommitDatabases('kysely')) {
  const target = kyselyAfterCommitTarget(database, () => dialects[database.kind](database.url));
  testAfterCommit(target);
  testKyselyAfterCommit(target);
}
