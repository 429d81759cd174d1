/**
 * afterCommit in controlled transactions (startTransaction), on SQLite in memory (no server):
 * savepoints as SQL nests them (a COMMIT with savepoints open commits them; a ROLLBACK TO an
 * outer savepoint, or to the newest of two of one name, drops what followed it; a savepoint the
 * helpers did not make ends nothing of theirs); copies of the transaction take callbacks; and a
 * command that fails (a savepoint's, a COMMIT's) gives the driver's own error, the transaction
 * going on as it was.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import Database from 'better-sqlite3';
import { DummyDriver, Kysely, sql, SqliteAdapter, SqliteDialect, SqliteIntrospector, SqliteQueryCompiler, type ControlledTransaction } from 'kysely';
import { quiet, until } from '@cereal/testkit';
import { afterCommit, startTransaction, transaction } from '../src/index.js';

const S = suite<{ db: Kysely<any> }>('kysely afterCommit: controlled transactions and their savepoints', {} as never);

S.before((ctx) => {
  ctx.db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
});

S.after(({ db }) => db.destroy());

/** A log, and afterCommit on `on` pushing `label` to it. */
function logger() {
  const log: string[] = [];
  return { log, on: (on: Kysely<any>, label: string) => afterCommit(on, () => void log.push(label)) };
}

const ended = '[cereal] [kysely] afterCommit(trx, fn): the transaction has already committed or rolled back (a savepoint: been released or rolled back); register callbacks while it is open, or on the transaction around it';

S('a COMMIT with savepoints open commits them: their callbacks run after it, in the order registered', async ({ db }) => {
  const { log, on } = logger();
  const trx = await startTransaction(db);
  on(trx, 'root');
  const a = await trx.savepoint('a').execute();
  on(a, 'in a');
  const b = await a.savepoint('b').execute();
  on(b, 'in b');
  on(trx, 'on trx, in b');
  await trx.commit().execute();
  await until(() => log.length === 4);
  assert.equal(log, ['root', 'in a', 'in b', 'on trx, in b']);
  for (const object of [trx, a, b]) assert.throws(() => on(object, 'late'), (err: Error) => err.message === ended);
});

S('a ROLLBACK with savepoints open drops them all; every object of the transaction is ended', async ({ db }) => {
  const { log, on } = logger();
  const trx = await startTransaction(db);
  on(trx, 'root');
  const a = await trx.savepoint('a').execute();
  on(a, 'in a');
  await trx.rollback().execute();
  await quiet();
  assert.equal(log, []);
  for (const object of [trx, a]) assert.throws(() => on(object, 'late'), (err: Error) => err.message === ended);
});

S('ROLLBACK TO an outer savepoint drops what followed it, newer savepoints included, and keeps what came before', async ({ db }) => {
  const { log, on } = logger();
  const trx = await startTransaction(db);
  on(trx, 'before a');
  const a = await trx.savepoint('a').execute();
  on(a, 'in a');
  const b = await a.savepoint('b').execute();
  on(b, 'in b');
  const c = await b.savepoint('c').execute();
  on(c, 'in c');
  const back = await c.rollbackToSavepoint('b' as never).execute();
  on(back, 'in b again');
  await trx.commit().execute();
  await until(() => log.length === 3);
  await quiet();
  assert.equal(log, ['before a', 'in a', 'in b again']);
});

S('two savepoints of one name: RELEASE and ROLLBACK TO each find the newest, as SQL does', async ({ db }) => {
  const { log, on } = logger();
  const trx = await startTransaction(db);
  on(trx, 'root');
  const first = await trx.savepoint('a').execute();
  on(first, 'in the first a');
  const second = await first.savepoint('a' as never).execute();
  on(second, 'in the second a');
  const released = await second.releaseSavepoint('a' as never).execute(); // the second: its callbacks now the first's
  const back = await released.rollbackToSavepoint('a' as never).execute(); // the first: drops both
  on(back, 'after the rollback to the first');
  await trx.commit().execute();
  await until(() => log.length === 2);
  await quiet();
  assert.equal(log, ['root', 'after the rollback to the first']);
});

S('a savepoint the helpers did not make (plain SQL): a ROLLBACK TO it ends none of theirs', async ({ db }) => {
  const { log, on } = logger();
  const trx = await startTransaction(db);
  const a = await trx.savepoint('a').execute();
  const b = await a.savepoint('b').execute();
  on(b, 'in b');
  await sql`savepoint outside`.execute(trx);
  const back = await b.rollbackToSavepoint('outside' as never).execute();
  on(back, 'after');
  await trx.commit().execute();
  await until(() => log.length === 2);
  assert.equal(log, ['in b', 'after']);
});

S('a RELEASE or ROLLBACK TO the database refuses rejects with its own error, and the transaction goes on as it was', async ({ db }) => {
  const { log, on } = logger();
  const trx = await startTransaction(db);
  const a = await trx.savepoint('a').execute();
  on(a, 'in a');
  for (const command of [() => a.releaseSavepoint('nope' as never).execute(), () => a.rollbackToSavepoint('nope' as never).execute()]) {
    const err = await command().then(() => undefined, (e: unknown) => e as Error);
    assert.match(err!.message, /no such savepoint: nope/);
  }
  on(a, 'in a, later');
  await a.rollbackToSavepoint('a').execute();
  on(trx, 'after the rollback to a');
  await trx.commit().execute();
  await until(() => log.length === 1);
  await quiet();
  assert.equal(log, ['after the rollback to a']);
});

S('copies of the transaction take callbacks: withSchema, withPlugin, withoutPlugins, withTables', async ({ db }) => {
  const { log, on } = logger();
  await transaction(db, async (trx) => {
    on(trx.withSchema('main'), 'withSchema');
    on(trx.withPlugin({ transformQuery: ({ node }) => node, transformResult: async ({ result }) => result }), 'withPlugin');
    on(trx.withoutPlugins(), 'withoutPlugins');
    on(trx.withTables<{ extra: { id: number } }>(), 'withTables');
    on(trx.withSchema('main').withoutPlugins(), 'a copy of a copy');
  });
  await until(() => log.length === 5);
  assert.equal(log, ['withSchema', 'withPlugin', 'withoutPlugins', 'withTables', 'a copy of a copy']);
});

/** A database whose savepoint commands and COMMIT fail, as a driver's would: no server, DummyDriver for the rest. */
function failing(): Kysely<any> {
  class Failing extends DummyDriver {
    override async commitTransaction(): Promise<void> {
      throw new Error('commit refused');
    }
    override async savepoint(): Promise<void> {
      throw new Error('savepoint refused');
    }
    override async rollbackToSavepoint(): Promise<void> {
      throw new Error('rollback to savepoint refused');
    }
    override async releaseSavepoint(): Promise<void> {
      throw new Error('release savepoint refused');
    }
  }
  return new Kysely<any>({
    dialect: {
      createAdapter: () => new SqliteAdapter(),
      createDriver: () => new Failing(),
      createIntrospector: (k) => new SqliteIntrospector(k),
      createQueryCompiler: () => new SqliteQueryCompiler(),
    },
  });
}

S('a savepoint command that fails: the driver\'s error, nothing tracked; callbacks stay where they were', async () => {
  const { log, on } = logger();
  const trx: ControlledTransaction<any> = await startTransaction(failing());
  on(trx, 'root');
  const failures: [() => Promise<unknown>, string][] = [
    [() => trx.savepoint('a').execute(), 'savepoint refused'],
    [() => trx.rollbackToSavepoint('a' as never).execute(), 'rollback to savepoint refused'],
    [() => trx.releaseSavepoint('a' as never).execute(), 'release savepoint refused'],
  ];
  for (const [command, message] of failures) {
    const err = await command().then(() => undefined, (e: unknown) => e);
    assert.instance(err, Error);
    assert.is((err as Error).message, message);
  }
  on(trx, 'after the failures');
  await trx.rollback().execute();
  await quiet();
  assert.equal(log, []);
});

S('a COMMIT that fails and leaves the transaction open: callbacks still register, and the ROLLBACK that follows drops them', async () => {
  const { log, on } = logger();
  const trx = await startTransaction(failing());
  on(trx, 'before');
  const err = await trx.commit().execute().then(() => undefined, (e: unknown) => e as Error);
  assert.is(err?.message, 'commit refused');
  assert.is(trx.isCommitted, false);
  assert.is(trx.isRolledBack, false);
  on(trx, 'after the failed commit'); // still open: no "already committed or rolled back"
  await trx.rollback().execute();
  await quiet();
  assert.equal(log, []);
  assert.throws(() => on(trx, 'late'), (err: Error) => err.message === ended);
});

S.run();
