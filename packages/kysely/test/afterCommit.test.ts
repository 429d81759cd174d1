/**
 * afterCommit on real databases: SQLite (a file, so that a second connection can look) always,
 * PostgreSQL and MariaDB/MySQL when CEREAL_PG_URL and CEREAL_MYSQL_URL name them. A callback
 * asks a second connection (Knex's) for the row the transaction wrote: it must be there.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import knex, { type Knex } from 'knex';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createPool } from 'mysql2';
import { Kysely, MysqlDialect, PostgresDialect, sql, SqliteDialect, type ControlledTransaction, type Dialect } from 'kysely';
import { CerealError } from '@cereal/core';
import { tableNames, within } from '@cereal/testkit';
import { afterCommit, startTransaction, transaction } from '../src/index.js';

interface Target {
  name: string;
  dialect(): Dialect;
  fixtures(): Knex;
}

/** Long enough for a callback that was going to run to have run: callbacks start as the commit is seen. */
const quiet = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 25));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until(done: () => boolean): Promise<void> {
  await within(5000, (async () => {
    while (!done()) await sleep(2);
  })());
}

const ROLLBACK = new Error('rollback');
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

function invalid(call: () => unknown, pattern: RegExp): void {
  try {
    call();
  } catch (err) {
    assert.instance(err, CerealError);
    assert.is((err as CerealError).code, 'INVALID_OPTION');
    assert.match((err as Error).message, pattern);
    return;
  }
  assert.unreachable('no error');
}

function testAfterCommit({ name, dialect, fixtures }: Target): void {
  const S = suite<{ db: Kysely<any>; other: Knex; table: string }>(`afterCommit(kysely/${name})`, {} as never);
  let next = 0;

  S.before(async (ctx) => {
    ctx.other = fixtures();
    ctx.db = new Kysely<any>({ dialect: dialect() });
    ctx.table = tableNames('ac', ['rows']).rows;
    await ctx.other.schema.createTable(ctx.table, (t) => {
      t.integer('id').primary();
    });
  });

  S.after(async ({ db, other, table }) => {
    try {
      await db.destroy();
      await other.schema.dropTableIfExists(table);
    } finally {
      await other.destroy();
    }
  });

  /** A callback that logs `label` if the other connection sees row `id`, and says so if not. */
  const sees = (other: Knex, table: string, id: number, log: string[], label = 'ran') => async (): Promise<void> => {
    const row = await other(table).where({ id }).first();
    log.push(row === undefined ? `${label}: row ${id} not visible` : label);
  };

  S('transaction(db, fn): fn runs once, after the commit, when another connection sees the row', async ({ db, other, table }) => {
    const log: string[] = [];
    const [a, b] = [++next, ++next];
    const result = await transaction(db, async (trx) => {
      await trx.insertInto(table).values({ id: a }).execute();
      afterCommit(trx, sees(other, table, a, log, 'trx'));
      afterCommit(trx.withoutPlugins(), sees(other, table, a, log, 'a copy of trx'));
      await quiet();
      assert.equal(log, [], 'not before the commit');
      return 'done';
    });
    assert.is(result, 'done');
    await until(() => log.length === 2);
    await transaction(db.transaction().setIsolationLevel('serializable'), async (trx) => {
      await trx.insertInto(table).values({ id: b }).execute();
      afterCommit(trx, sees(other, table, b, log, 'builder'));
    });
    await until(() => log.length === 3);
    await quiet();
    assert.equal(log, ['trx', 'a copy of trx', 'builder']);
  });

  S('startTransaction(db) … trx.commit().execute(): fn runs after the commit', async ({ db, other, table }) => {
    const log: string[] = [];
    const id = ++next;
    await controlled(db, async (trx) => {
      await trx.insertInto(table).values({ id }).execute();
      afterCommit(trx, sees(other, table, id, log));
      await quiet();
      assert.equal(log, []);
      await trx.commit().execute();
      await until(() => log.length > 0);
      assert.equal(log, ['ran']);
    });
    const built = await startTransaction(db.startTransaction().setIsolationLevel('serializable'));
    afterCommit(built, () => void log.push('builder'));
    await built.commit().execute();
    await until(() => log.length > 1);
    assert.equal(log, ['ran', 'builder']);
  });

  S('a transaction rolled back by an error, or by trx.rollback(): fn never runs', async ({ db, table }) => {
    const log: string[] = [];
    await transaction(db, async (trx) => {
      await trx.insertInto(table).values({ id: ++next }).execute();
      afterCommit(trx, () => void log.push('thrown'));
      throw ROLLBACK;
    }).catch(swallow);
    await controlled(db, async (trx) => {
      await trx.insertInto(table).values({ id: ++next }).execute();
      afterCommit(trx, () => void log.push('rolled back'));
      await trx.rollback().execute();
      await quiet();
      assert.equal(log, []);
    });
  });

  S('a Kysely instance, not a transaction: fn runs at once, before afterCommit returns', async ({ db }) => {
    const log: string[] = [];
    afterCommit(db, () => void log.push('ran'));
    assert.equal(log, ['ran']);
    const errors: unknown[] = [];
    afterCommit(db, () => Promise.reject(ROLLBACK), { onError: (err) => void errors.push(err) });
    await quiet();
    assert.equal(errors, [ROLLBACK]);
  });

  S('a savepoint released: its callbacks wait for the commit, not the release', async ({ db, other, table }) => {
    const log: string[] = [];
    const id = ++next;
    await controlled(db, async (trx) => {
      const sp = await trx.savepoint('a').execute();
      await sp.insertInto(table).values({ id }).execute();
      afterCommit(sp, sees(other, table, id, log, 'savepoint'));
      afterCommit(trx, () => void log.push('trx, in the savepoint'));
      const released = await sp.releaseSavepoint('a').execute();
      await quiet();
      assert.equal(log, [], 'released, not committed');
      await released.commit().execute();
      await until(() => log.length === 2);
      assert.equal(log, ['savepoint', 'trx, in the savepoint']);
    });
  });

  S('a savepoint released in a transaction that rolls back: its callbacks never run', async ({ db }) => {
    const log: string[] = [];
    await controlled(db, async (trx) => {
      const sp = await trx.savepoint('a').execute();
      afterCommit(sp, () => void log.push('released'));
      const deeper = await sp.savepoint('b').execute();
      afterCommit(deeper, () => void log.push('deeper'));
      await (await deeper.releaseSavepoint('b').execute()).releaseSavepoint('a').execute();
      afterCommit(trx, () => void log.push('outer'));
      await trx.rollback().execute();
      await quiet();
      assert.equal(log, []);
    });
  });

  S('a savepoint rolled back to in a transaction that commits: what followed it is dropped, the rest runs', async ({ db, other, table }) => {
    const log: string[] = [];
    const id = ++next;
    await controlled(db, async (trx) => {
      await trx.insertInto(table).values({ id }).execute();
      afterCommit(trx, sees(other, table, id, log, 'before'));
      const sp = await trx.savepoint('a').execute();
      afterCommit(sp, () => void log.push('in a, rolled back'));
      const deeper = await sp.savepoint('b').execute();
      afterCommit(deeper, () => void log.push('in b, released, then a rolled back'));
      await deeper.releaseSavepoint('b').execute();
      const back = await sp.rollbackToSavepoint('a').execute();
      afterCommit(back, () => void log.push('in a, after the rollback to it'));
      await back.releaseSavepoint('a').execute();
      afterCommit(trx, () => void log.push('after'));
      await trx.commit().execute();
      await until(() => log.length >= 3);
      await quiet();
      assert.equal(log, ['before', 'in a, after the rollback to it', 'after']);
    });
  });

  S('callbacks run one at a time in registration order, savepoints\' among the others', async ({ db }) => {
    const log: string[] = [];
    const step = (label: string, ms: number) => async (): Promise<void> => {
      log.push(`${label} starts`);
      await sleep(ms);
      log.push(`${label} ends`);
    };
    await controlled(db, async (trx) => {
      afterCommit(trx, step('a', 30));
      const sp = await trx.savepoint('a').execute();
      afterCommit(sp, step('b', 20));
      afterCommit(trx, step('c', 10));
      await sp.releaseSavepoint('a').execute();
      afterCommit(trx, () => void log.push('d'));
      await trx.commit().execute();
      await until(() => log.length === 7);
      assert.equal(log, ['a starts', 'a ends', 'b starts', 'b ends', 'c starts', 'c ends', 'd']);
    });
  });

  S('a callback that throws or rejects is reported, the others still run and the transaction resolves', async ({ db }) => {
    const log: string[] = [];
    const errors: unknown[] = [];
    const onError = (err: unknown): void => void errors.push(err);
    const [thrown, rejected] = [new Error('thrown'), new Error('rejected')];
    const printed: unknown[][] = [];
    const { error } = console;
    console.error = (...args: unknown[]) => void printed.push(args);
    try {
      const result = await transaction(db, async (trx) => {
        afterCommit(trx, () => {
          throw thrown;
        }, { onError });
        afterCommit(trx, () => Promise.reject(rejected), { onError });
        afterCommit(trx, () => {
          throw new Error('fails');
        }, { onError: () => {
          throw new Error('onError fails too');
        } });
        afterCommit(trx, () => void log.push('ran'));
        return 'committed';
      });
      assert.is(result, 'committed');
      await until(() => log.length > 0);
      await transaction(db, async (trx) => afterCommit(trx, () => Promise.reject(rejected))); // no onError: logged
      await until(() => printed.length === 2);
    } finally {
      console.error = error;
    }
    assert.equal(errors, [thrown, rejected]);
    assert.equal(log, ['ran']);
    assert.match(String(printed[0]?.[0]), /afterCommit onError threw/);
    assert.match(String(printed[1]?.[0]), /^\[cereal\] \[kysely\] an afterCommit callback failed after its transaction committed/);
    assert.is(printed[1]?.[1], rejected);
  });

  S('not Kysely, not a function, a transaction started without the helpers, or one that ended: INVALID_OPTION', async ({ db }) => {
    for (const trx of [undefined, null, {}, { isTransaction: true }, knex({ client: 'pg' })]) invalid(() => afterCommit(trx as never, () => undefined), /`trx` must be a Kysely instance or transaction/);
    for (const fn of [undefined, 'queue.add', {}]) invalid(() => afterCommit(db, fn as never), /`fn` must be a function/);
    invalid(() => afterCommit(db, () => undefined, { onError: 'log' as never }), /`onError` must be a function/);
    await db.transaction().execute(async (trx) => invalid(() => afterCommit(trx, () => undefined), /start it with transaction\(db, async \(trx\) => …\) or startTransaction\(db\)/));
    const plain = await db.startTransaction().execute();
    try {
      invalid(() => afterCommit(plain, () => undefined), /from @cereal\/kysely/);
      invalid(() => transaction(plain, async () => undefined), /Kysely nests none/);
      invalid(() => startTransaction(plain), /already a transaction/);
    } finally {
      await plain.rollback().execute();
    }
    invalid(() => transaction({} as never, async () => undefined), /`db` must be a Kysely instance/);
    invalid(() => transaction(db, 'work' as never), /`fn` must be a function/);
    let ended: Kysely<any> | undefined;
    await transaction(db, async (trx) => {
      ended = trx;
    });
    invalid(() => afterCommit(ended!, () => undefined), /already committed or rolled back/);
    const committed = await startTransaction(db);
    await committed.commit().execute();
    invalid(() => afterCommit(committed, () => undefined), /already committed or rolled back/);
  });

  if (name === 'PostgreSQL') {
    S('a COMMIT that fails (a deferred unique constraint), or that PostgreSQL turns into a rollback: fn never runs', async ({ db, other, table }) => {
      const deferred = `${table}_deferred`;
      await other.raw('create table ?? (id integer, constraint ?? unique (id) deferrable initially deferred)', [deferred, `${deferred}_u`]);
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
        await other.schema.dropTableIfExists(deferred);
      }
    });
  }

  S.run();
}

// SQLite: a database file, so that Knex's connection is another connection to the same data.
const dir = mkdtempSync(join(tmpdir(), 'cereal-kysely-after-commit-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'db.sqlite');
testAfterCommit({
  name: 'sqlite',
  dialect: () => new SqliteDialect({ database: new Database(file) }),
  fixtures: () => knex({ client: 'better-sqlite3', connection: { filename: file }, useNullAsDefault: true }),
});

const servers: (Omit<Target, 'dialect' | 'fixtures'> & { variable: string; example: string; dialect(url: string): Dialect; fixtures(url: string): Knex })[] = [
  {
    name: 'PostgreSQL',
    variable: 'CEREAL_PG_URL',
    example: 'postgres://postgres@127.0.0.1:5432/test',
    dialect: (url) => new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 4 }) }),
    fixtures: (url) => knex({ client: 'pg', connection: url, pool: { min: 0, max: 4 } }),
  },
  {
    name: 'MariaDB/MySQL',
    variable: 'CEREAL_MYSQL_URL',
    example: 'mysql://root@127.0.0.1:3306/test',
    dialect: (url) => new MysqlDialect({ pool: createPool({ uri: url, connectionLimit: 4 }) }),
    fixtures: (url) => knex({ client: 'mysql2', connection: { uri: url } as never, pool: { min: 0, max: 4 } }),
  },
];
for (const { name, variable, example, dialect, fixtures } of servers) {
  const url = process.env[variable];
  if (url === undefined || url === '') console.log(`\n  !! SKIPPED: the afterCommit ${name} suite of @cereal/kysely did not run. Set ${variable}=${example} to run it.\n`);
  else testAfterCommit({ name, dialect: () => dialect(url), fixtures: () => fixtures(url) });
}
