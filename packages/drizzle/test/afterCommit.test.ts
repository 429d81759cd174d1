/**
 * afterCommit on real databases: SQLite (a file, so that a second connection can look) always,
 * PostgreSQL and MariaDB/MySQL when CEREAL_PG_URL and CEREAL_MYSQL_URL name them. A callback
 * asks a second connection (Knex's) for the row the transaction wrote: it must be there.
 *
 * better-sqlite3 runs Drizzle's transactions synchronously, node-postgres and mysql2 await them:
 * a transaction's body is a list of steps (seq), run synchronously while no step returns a
 * promise, so the same test runs on all three.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import knex, { type Knex } from 'knex';
import Database from 'better-sqlite3';
import pg from 'pg';
import mysql from 'mysql2';
import { sql, TransactionRollbackError } from 'drizzle-orm';
import { drizzle as sqliteDrizzle } from 'drizzle-orm/better-sqlite3';
import { drizzle as pgDrizzle } from 'drizzle-orm/node-postgres';
import { drizzle as mysqlDrizzle } from 'drizzle-orm/mysql2';
import { CerealError } from '@cereal/core';
import { tableNames, within } from '@cereal/testkit';
import { afterCommit, transaction } from '../src/index.js';

// The suite's databases, of three drivers: the types are the type-check's (afterCommit.check.ts).
type Db = any;

interface Target {
  name: string;
  /** True where Drizzle's transactions are synchronous (better-sqlite3). */
  sync: boolean;
  open(): { db: Db; close(): Promise<void> };
  fixtures(): Knex;
  /** A statement on `db`: its result, or a promise of it. */
  run(db: Db, statement: ReturnType<typeof sql>): unknown;
}

/** Long enough for a callback that was going to run to have run: callbacks start as the commit is seen. */
const quiet = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 25));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until(done: () => boolean): Promise<void> {
  await within(5000, (async () => {
    while (!done()) await sleep(2);
  })());
}

const isPromise = (value: unknown): value is Promise<unknown> => typeof (value as { then?: unknown } | null)?.then === 'function';

/** Runs steps in order: synchronously while they return no promise, then awaiting each. */
function seq(...steps: (() => unknown)[]): unknown {
  let i = 0;
  const go = (): unknown => {
    while (i < steps.length) {
      const out = steps[i++]!();
      if (isPromise(out)) return out.then(go);
    }
    return undefined;
  };
  return go();
}

const ROLLBACK = new Error('rollback');
const swallow = (err: unknown): void => {
  if (err !== ROLLBACK && !(err instanceof TransactionRollbackError)) throw err; // tx.rollback()'s
};
/** `run()`, with its ROLLBACK (thrown or rejected) caught. */
function caught(run: () => unknown): unknown {
  try {
    const out = run();
    return isPromise(out) ? out.catch(swallow) : out;
  } catch (err) {
    return swallow(err);
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

function testAfterCommit(target: Target): void {
  const S = suite<{ db: Db; close(): Promise<void>; other: Knex; table: string }>(`afterCommit(drizzle/${target.name})`, {} as never);
  let next = 0;

  S.before(async (ctx) => {
    ctx.other = target.fixtures();
    Object.assign(ctx, target.open());
    ctx.table = tableNames('ac', ['rows']).rows;
    await ctx.other.schema.createTable(ctx.table, (t) => {
      t.integer('id').primary();
    });
  });

  S.after(async ({ close, other, table }) => {
    try {
      await close();
      await other.schema.dropTableIfExists(table);
    } finally {
      await other.destroy();
    }
  });

  const insert = (tx: Db, table: string, id: number) => (): unknown => target.run(tx, sql`insert into ${sql.identifier(table)} (id) values (${id})`);
  /** Inside a transaction: on the servers, time for a callback to run too early; better-sqlite3 cannot wait. */
  const pause = (): unknown => (target.sync ? undefined : quiet());

  /** A callback that logs `label` if the other connection sees row `id`, and says so if not. */
  const sees = (other: Knex, table: string, id: number, log: string[], label = 'ran') => async (): Promise<void> => {
    const row = await other(table).where({ id }).first();
    log.push(row === undefined ? `${label}: row ${id} not visible` : label);
  };

  S('transaction(db, fn): fn runs once, after the commit, when another connection sees the row', async ({ db, other, table }) => {
    const log: string[] = [];
    const id = ++next;
    const result = await transaction(db, (tx: Db) => seq(
      insert(tx, table, id),
      () => afterCommit(tx, sees(other, table, id, log)),
      pause,
      () => assert.equal(log, [], 'not before the commit'),
    ));
    assert.is(result, undefined);
    await until(() => log.length > 0);
    await quiet();
    assert.equal(log, ['ran']);
  });

  S('a transaction rolled back by an error, or by tx.rollback(): fn never runs', async ({ db, table }) => {
    const log: string[] = [];
    await caught(() => transaction(db, (tx: Db) => seq(
      insert(tx, table, ++next),
      () => afterCommit(tx, () => void log.push('thrown')),
      () => {
        throw ROLLBACK;
      },
    )));
    await caught(() => transaction(db, (tx: Db) => seq(
      insert(tx, table, ++next),
      () => afterCommit(tx, () => void log.push('rolled back')),
      () => tx.rollback(),
    )));
    await quiet();
    assert.equal(log, []);
  });

  S('a Drizzle database, not a transaction: fn runs at once, before afterCommit returns', async ({ db }) => {
    const log: string[] = [];
    afterCommit(db, () => void log.push('ran'));
    assert.equal(log, ['ran']);
    const errors: unknown[] = [];
    afterCommit(db, () => Promise.reject(ROLLBACK), { onError: (err) => void errors.push(err) });
    await quiet();
    assert.equal(errors, [ROLLBACK]);
  });

  S('a savepoint released: its callbacks wait for the outer commit, not the release', async ({ db, other, table }) => {
    const log: string[] = [];
    const id = ++next;
    await transaction(db, (tx: Db) => seq(
      () => transaction(tx, (sp: Db) => seq(
        insert(sp, table, id),
        () => afterCommit(sp, () => void log.push('synchronous')), // run at the release, better-sqlite3 would show it here
        () => afterCommit(sp, sees(other, table, id, log, 'savepoint')),
      )),
      pause,
      () => assert.equal(log, [], 'released, not committed'),
    ));
    await until(() => log.length === 2);
    assert.equal(log, ['synchronous', 'savepoint']);
  });

  S('a savepoint released in a transaction that rolls back: its callbacks never run', async ({ db, table }) => {
    const log: string[] = [];
    await caught(() => transaction(db, (tx: Db) => seq(
      () => transaction(tx, (sp: Db) => seq(
        insert(sp, table, ++next),
        () => afterCommit(sp, () => void log.push('released')),
        () => transaction(sp, (deeper: Db) => afterCommit(deeper, () => void log.push('deeper'))),
      )),
      () => afterCommit(tx, () => void log.push('outer')),
      () => tx.rollback(),
    )));
    await quiet();
    assert.equal(log, []);
  });

  S('a savepoint rolled back in a transaction that commits: its callbacks are dropped, the others run', async ({ db, other, table }) => {
    const log: string[] = [];
    const id = ++next;
    await transaction(db, (tx: Db) => seq(
      insert(tx, table, id),
      () => afterCommit(tx, sees(other, table, id, log, 'before')),
      () => caught(() => transaction(tx, (sp: Db) => seq(
        () => afterCommit(sp, () => void log.push('thrown savepoint')),
        () => transaction(sp, (deeper: Db) => afterCommit(deeper, () => void log.push('released inside it'))),
        () => {
          throw ROLLBACK;
        },
      ))),
      () => caught(() => transaction(tx, (sp: Db) => seq(
        () => afterCommit(sp, () => void log.push('rolled back savepoint')),
        () => sp.rollback(),
      ))),
      () => afterCommit(tx, () => void log.push('after')),
    ));
    await until(() => log.length >= 2);
    await quiet();
    assert.equal(log, ['before', 'after']);
  });

  S('callbacks run one at a time in registration order, savepoints\' among the outer\'s', async ({ db }) => {
    const log: string[] = [];
    const step = (label: string, ms: number) => async (): Promise<void> => {
      log.push(`${label} starts`);
      await sleep(ms);
      log.push(`${label} ends`);
    };
    await transaction(db, (tx: Db) => seq(
      () => afterCommit(tx, step('a', 30)),
      () => transaction(tx, (sp: Db) => seq(
        () => afterCommit(sp, step('b', 20)),
        () => afterCommit(tx, step('c', 10)), // the outer's, registered while the savepoint is open
      )),
      () => afterCommit(tx, () => void log.push('d')),
    ));
    await until(() => log.length === 7);
    assert.equal(log, ['a starts', 'a ends', 'b starts', 'b ends', 'c starts', 'c ends', 'd']);
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
      const result = await transaction(db, (tx: Db) => {
        afterCommit(tx, () => {
          throw thrown;
        }, { onError });
        afterCommit(tx, () => Promise.reject(rejected), { onError });
        afterCommit(tx, () => {
          throw new Error('fails');
        }, { onError: () => {
          throw new Error('onError fails too');
        } });
        afterCommit(tx, () => void log.push('ran'));
        return 'committed';
      });
      assert.is(result, 'committed');
      await until(() => log.length > 0);
      await transaction(db, (tx: Db) => afterCommit(tx, () => Promise.reject(rejected))); // no onError: logged
      await until(() => printed.length === 2);
    } finally {
      console.error = error;
    }
    assert.equal(errors, [thrown, rejected]);
    assert.equal(log, ['ran']);
    assert.match(String(printed[0]?.[0]), /afterCommit onError threw/);
    assert.match(String(printed[1]?.[0]), /^\[cereal\] \[drizzle\] an afterCommit callback failed after its transaction committed/);
    assert.is(printed[1]?.[1], rejected);
  });

  S('not Drizzle, not a function, a transaction started without transaction(), or one that ended: INVALID_OPTION', async ({ db, other }) => {
    for (const tx of [undefined, null, {}, other]) invalid(() => afterCommit(tx as never, () => undefined), /`tx` must be a Drizzle database or transaction/);
    for (const fn of [undefined, 'queue.add', {}]) invalid(() => afterCommit(db, fn as never), /`fn` must be a function/);
    invalid(() => afterCommit(db, () => undefined, { onError: 'log' as never }), /`onError` must be a function/);
    invalid(() => transaction(other as never, () => undefined), /`db` must be a Drizzle database/);
    invalid(() => transaction(db, 'work' as never), /`fn` must be a function/);
    await db.transaction((tx: Db) => seq(
      () => invalid(() => afterCommit(tx, () => undefined), /start it with transaction\(db, async \(tx\) => …\) from @cereal\/drizzle/),
      () => invalid(() => transaction(tx, () => undefined), /did not start/),
    ));
    let ended: Db;
    await transaction(db, (tx: Db) => {
      ended = tx;
    });
    invalid(() => afterCommit(ended, () => undefined), /already committed or rolled back/);
    invalid(() => transaction(ended, () => undefined), /already committed or rolled back/);
  });

  if (target.name === 'PostgreSQL') {
    S('a COMMIT that fails (a deferred unique constraint): fn never runs', async ({ db, other, table }) => {
      const deferred = `${table}_deferred`;
      await other.raw('create table ?? (id integer, constraint ?? unique (id) deferrable initially deferred)', [deferred, `${deferred}_u`]);
      try {
        const log: string[] = [];
        const failed = await transaction(db, async (tx: Db) => {
          await tx.execute(sql`insert into ${sql.identifier(deferred)} (id) values (1), (1)`);
          afterCommit(tx, () => void log.push('ran'));
        }).then(() => undefined, (err: unknown) => err);
        assert.instance(failed, Error);
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
const dir = mkdtempSync(join(tmpdir(), 'cereal-drizzle-after-commit-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'db.sqlite');
testAfterCommit({
  name: 'sqlite',
  sync: true,
  open: () => {
    const client = new Database(file);
    return { db: sqliteDrizzle(client), close: async () => void client.close() };
  },
  fixtures: () => knex({ client: 'better-sqlite3', connection: { filename: file }, useNullAsDefault: true }),
  run: (db, statement) => db.run(statement),
});

const servers: (Pick<Target, 'name' | 'run'> & { variable: string; example: string; open(url: string): ReturnType<Target['open']>; fixtures(url: string): Knex })[] = [
  {
    name: 'PostgreSQL',
    variable: 'CEREAL_PG_URL',
    example: 'postgres://postgres@127.0.0.1:5432/test',
    open: (url) => {
      const pool = new pg.Pool({ connectionString: url, max: 4 });
      return { db: pgDrizzle(pool), close: () => pool.end() };
    },
    fixtures: (url) => knex({ client: 'pg', connection: url, pool: { min: 0, max: 4 } }),
    run: (db, statement) => db.execute(statement),
  },
  {
    name: 'MariaDB/MySQL',
    variable: 'CEREAL_MYSQL_URL',
    example: 'mysql://root@127.0.0.1:3306/test',
    open: (url) => {
      const pool = mysql.createPool({ uri: url, connectionLimit: 4 });
      return { db: mysqlDrizzle(pool), close: () => pool.promise().end() };
    },
    fixtures: (url) => knex({ client: 'mysql2', connection: { uri: url } as never, pool: { min: 0, max: 4 } }),
    run: (db, statement) => db.execute(statement),
  },
];
for (const { variable, example, open, fixtures, ...server } of servers) {
  const url = process.env[variable];
  if (url === undefined || url === '') console.log(`\n  !! SKIPPED: the afterCommit ${server.name} suite of @cereal/drizzle did not run. Set ${variable}=${example} to run it.\n`);
  else testAfterCommit({ ...server, sync: false, open: () => open(url), fixtures: () => fixtures(url) });
}
