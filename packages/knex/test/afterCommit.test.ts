/**
 * afterCommit on real databases: SQLite (a file, so that a second connection can look) always,
 * PostgreSQL and MariaDB/MySQL when CEREAL_PG_URL and CEREAL_MYSQL_URL name them. A callback
 * asks a second connection for the row the transaction wrote: it must be there.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import knex, { type Knex } from 'knex';
import { CerealError } from '@cereal/core';
import { tableNames, within } from '@cereal/testkit';
import { afterCommit } from '../src/index.js';

interface Target {
  name: string;
  connect(): Knex;
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

function testAfterCommit({ name, connect }: Target): void {
  const S = suite<{ db: Knex; other: Knex; table: string }>(`afterCommit(knex/${name})`, {} as never);
  let next = 0;

  S.before(async (ctx) => {
    ctx.db = connect();
    ctx.other = connect();
    ctx.table = tableNames('ac', ['rows']).rows;
    await ctx.db.schema.createTable(ctx.table, (t) => {
      t.integer('id').primary();
    });
  });

  S.after(async ({ db, other, table }) => {
    try {
      await db.schema.dropTableIfExists(table);
    } finally {
      await other.destroy();
      await db.destroy();
    }
  });

  /** A callback that logs `label` if the other connection sees row `id`, and says so if not. */
  const sees = (other: Knex, table: string, id: number, log: string[], label = 'ran') => async (): Promise<void> => {
    const row = await other(table).where({ id }).first();
    log.push(row === undefined ? `${label}: row ${id} not visible` : label);
  };

  S('knex.transaction(async (trx) => …): fn runs once, after the commit, when another connection sees the row', async ({ db, other, table }) => {
    const log: string[] = [];
    const id = ++next;
    await db.transaction(async (trx) => {
      await trx(table).insert({ id });
      afterCommit(trx, sees(other, table, id, log));
      await quiet();
      assert.equal(log, [], 'not before the commit');
    });
    await until(() => log.length > 0);
    await quiet();
    assert.equal(log, ['ran']);
  });

  S('await knex.transaction() … await trx.commit(): fn runs after the commit', async ({ db, other, table }) => {
    const log: string[] = [];
    const id = ++next;
    const trx = await db.transaction();
    await trx(table).insert({ id });
    afterCommit(trx, sees(other, table, id, log));
    await quiet();
    assert.equal(log, []);
    await trx.commit();
    await until(() => log.length > 0);
    assert.equal(log, ['ran']);
  });

  S('a transaction rolled back by an error: fn never runs', async ({ db, table }) => {
    const log: string[] = [];
    await db
      .transaction(async (trx) => {
        await trx(table).insert({ id: ++next });
        afterCommit(trx, () => void log.push('ran'));
        throw ROLLBACK;
      })
      .catch(swallow);
    const trx = await db.transaction();
    afterCommit(trx, () => void log.push('ran'));
    await trx.rollback(ROLLBACK).catch(swallow);
    await quiet();
    assert.equal(log, []);
  });

  S('an explicit trx.rollback() without an error (executionPromise resolves): fn never runs', async ({ db, table }) => {
    const log: string[] = [];
    await db.transaction(async (trx) => {
      await trx(table).insert({ id: ++next });
      afterCommit(trx, () => void log.push('container'));
      await trx.rollback();
    });
    const trx = await db.transaction();
    afterCommit(trx, () => void log.push('manual'));
    await trx.rollback();
    await trx.executionPromise; // resolved: the reason the commit is told apart another way
    await quiet();
    assert.equal(log, []);
  });

  S('a Knex instance, not a transaction: fn runs at once, before afterCommit returns', async ({ db }) => {
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
    const [a, b] = [++next, ++next];
    await db.transaction(async (trx) => {
      await trx.transaction(async (sp) => {
        await sp(table).insert({ id: a });
        afterCommit(sp, sees(other, table, a, log, 'container'));
      });
      const sp = await trx.transaction();
      await sp(table).insert({ id: b });
      afterCommit(sp, sees(other, table, b, log, 'manual'));
      await sp.commit();
      await quiet();
      assert.equal(log, [], 'released, not committed');
    });
    await until(() => log.length === 2);
    assert.equal(log, ['container', 'manual']);
  });

  S('a savepoint released in a transaction that rolls back: its callbacks never run', async ({ db, table }) => {
    const log: string[] = [];
    await db
      .transaction(async (trx) => {
        await trx.transaction(async (sp) => {
          await sp(table).insert({ id: ++next });
          afterCommit(sp, () => void log.push('released'));
          await sp.transaction(async (deeper) => afterCommit(deeper, () => void log.push('deeper')));
        });
        afterCommit(trx, () => void log.push('outer'));
        throw ROLLBACK;
      })
      .catch(swallow);
    await db.transaction(async (trx) => {
      await trx.transaction(async (sp) => afterCommit(sp, () => void log.push('released')));
      await trx.rollback();
    });
    await quiet();
    assert.equal(log, []);
  });

  S('a savepoint rolled back in a transaction that commits: its callbacks are dropped, the others run', async ({ db, other, table }) => {
    const log: string[] = [];
    const id = ++next;
    await db.transaction(async (trx) => {
      await trx(table).insert({ id });
      afterCommit(trx, sees(other, table, id, log, 'before'));
      await trx
        .transaction(async (sp) => {
          afterCommit(sp, () => void log.push('thrown savepoint'));
          await sp.transaction(async (deeper) => afterCommit(deeper, () => void log.push('released inside it')));
          throw ROLLBACK;
        })
        .catch(swallow);
      await trx.transaction(async (sp) => {
        afterCommit(sp, () => void log.push('rolled back savepoint'));
        await sp.rollback();
      });
      const sp = await trx.transaction();
      afterCommit(sp, () => void log.push('manual savepoint'));
      await sp.rollback();
      afterCommit(trx, () => void log.push('after'));
    });
    await until(() => log.length >= 2);
    await quiet();
    assert.equal(log, ['before', 'after']);
  });

  S('callbacks run one at a time in registration order, savepoints\' among the outer\'s', async ({ db }) => {
    const log: string[] = [];
    const step = (name: string, ms: number) => async (): Promise<void> => {
      log.push(`${name} starts`);
      await sleep(ms);
      log.push(`${name} ends`);
    };
    await db.transaction(async (trx) => {
      afterCommit(trx, step('a', 30));
      await trx.transaction(async (sp) => {
        afterCommit(sp, step('b', 20));
        afterCommit(trx, step('c', 10)); // the outer's, registered while the savepoint is open
      });
      afterCommit(trx, () => void log.push('d'));
    });
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
      const result = await db.transaction(async (trx) => {
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
      await db.transaction(async (trx) => afterCommit(trx, () => Promise.reject(rejected))); // no onError: logged
      await until(() => printed.length === 2);
    } finally {
      console.error = error;
    }
    assert.equal(errors, [thrown, rejected]);
    assert.equal(log, ['ran']);
    assert.match(String(printed[0]?.[0]), /afterCommit onError threw/);
    assert.match(String(printed[1]?.[0]), /^\[cereal\] \[knex\] an afterCommit callback failed after its transaction committed/);
    assert.is(printed[1]?.[1], rejected);
  });

  S('anything but a Knex instance or transaction, a fn that is not a function, or a transaction that ended: INVALID_OPTION', async ({ db }) => {
    const invalid = (call: () => void, pattern: RegExp): void => {
      try {
        call();
      } catch (err) {
        assert.instance(err, CerealError);
        assert.is((err as CerealError).code, 'INVALID_OPTION');
        assert.match((err as Error).message, pattern);
        return;
      }
      assert.unreachable('no error');
    };
    for (const trx of [undefined, null, {}, { isTransaction: true }, () => undefined]) invalid(() => afterCommit(trx as never, () => undefined), /`trx` must be a Knex instance or transaction/);
    for (const fn of [undefined, 'queue.add', {}]) invalid(() => afterCommit(db, fn as never), /`fn` must be a function/);
    invalid(() => afterCommit(db, () => undefined, { onError: 'log' as never }), /`onError` must be a function/);
    let ended: Knex.Transaction | undefined;
    await db.transaction(async (trx) => {
      ended = trx;
    });
    invalid(() => afterCommit(ended!, () => undefined), /already committed or rolled back/);
  });

  if (name === 'PostgreSQL') {
    S('a COMMIT that fails (a deferred unique constraint): fn never runs', async ({ db, table }) => {
      const deferred = `${table}_deferred`;
      await db.raw('create table ?? (id integer, constraint ?? unique (id) deferrable initially deferred)', [deferred, `${deferred}_u`]);
      try {
        const log: string[] = [];
        const failed = await db
          .transaction(async (trx) => {
            await trx(deferred).insert([{ id: 1 }, { id: 1 }]);
            afterCommit(trx, () => void log.push('ran'));
          })
          .then(() => undefined, (err: unknown) => err);
        assert.instance(failed, Error);
        await quiet();
        assert.equal(log, []);
      } finally {
        await db.schema.dropTableIfExists(deferred);
      }
    });
  }

  S.run();
}

// SQLite: a database file, so that the second connection is another connection to the same data.
const dir = mkdtempSync(join(tmpdir(), 'cereal-knex-after-commit-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
testAfterCommit({ name: 'sqlite', connect: () => knex({ client: 'better-sqlite3', connection: { filename: join(dir, 'db.sqlite') }, useNullAsDefault: true }) });

const servers = [
  { name: 'PostgreSQL', variable: 'CEREAL_PG_URL', example: 'postgres://postgres@127.0.0.1:5432/test', connect: (url: string) => knex({ client: 'pg', connection: url, pool: { min: 0, max: 4 } }) },
  { name: 'MariaDB/MySQL', variable: 'CEREAL_MYSQL_URL', example: 'mysql://root@127.0.0.1:3306/test', connect: (url: string) => knex({ client: 'mysql2', connection: { uri: url } as never, pool: { min: 0, max: 4 } }) },
];
for (const { name, variable, example, connect } of servers) {
  const url = process.env[variable];
  if (url === undefined || url === '') console.log(`\n  !! SKIPPED: the afterCommit ${name} suite of @cereal/knex did not run. Set ${variable}=${example} to run it.\n`);
  else testAfterCommit({ name, connect: () => connect(url) });
}
