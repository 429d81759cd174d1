/**
 * The afterCommit suite every package with an afterCommit passes on every database:
 * `testAfterCommit(target)` in the package's afterCommit test, once for each database of
 * afterCommitDatabases (see AfterCommitTarget). A callback asks another connection (the
 * fixtures') for the row the transaction wrote: it must be there. What is particular to one
 * library (Knex's `await knex.transaction()`, Kysely's named savepoints, Prisma's timeout) stays
 * in its own package, on the same table (useAfterCommit).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite, type Test } from 'uvu';
import * as assert from 'uvu/assert';
import knex, { type Knex } from 'knex';
import { CerealError } from '@cereal/core';
import { within, type AfterCommitDatabase, type AfterCommitTarget } from './target.js';
import { tableNames } from './tables.js';

/** What each afterCommit test gets: the fixtures connection, the package's handle, the table (id, name). */
export interface AfterCommitContext<Db> {
  f: Knex;
  db: Db;
  table: string;
}

/** What the suites' transactions throw to roll back. */
export const ROLLBACK = new Error('rollback');

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Long enough for a callback that was going to run to have run: callbacks start as the commit is seen. */
export const quiet = (): Promise<void> => sleep(25);

/** Waits until `done()`, checking every few milliseconds; fails after 5 s instead of hanging. */
export async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  await within(5000, (async () => {
    while (!done() && Date.now() < deadline) await sleep(2); // no loop left running past the deadline
  })());
}

const isPromise = (value: unknown): value is PromiseLike<unknown> => typeof (value as { then?: unknown } | null)?.then === 'function';

/**
 * Runs steps in order, synchronously while they return no promise, then awaiting each, so that
 * one transaction body runs on a synchronous driver and on an asynchronous one alike. Returns
 * (or resolves to) the last step's result.
 */
export function seq(...steps: (() => unknown)[]): unknown {
  let i = 0;
  let last: unknown;
  const go = (): unknown => {
    while (i < steps.length) {
      const out = steps[i++]!();
      if (isPromise(out)) {
        return out.then((value) => {
          last = value;
          return go();
        });
      }
      last = out;
    }
    return last;
  };
  return go();
}

/** Asserts that `call` throws a CerealError `INVALID_OPTION` whose message matches `pattern`, or is `pattern` word for word. */
export function throwsInvalidOption(call: () => unknown, pattern: RegExp | string): void {
  try {
    call();
  } catch (err) {
    assert.instance(err, CerealError);
    assert.is((err as CerealError).code, 'INVALID_OPTION');
    if (typeof pattern === 'string') assert.is((err as Error).message, pattern);
    else assert.match((err as Error).message, pattern);
    return;
  }
  assert.unreachable('no error');
}

/** A callback that logs `label` if the other connection `f` sees row `id`, and says so if not. */
export const seesRow = (f: Knex, table: string, id: number, log: string[], label = 'ran') => async (): Promise<void> => {
  const row = await f(table).where({ id }).first();
  log.push(row === undefined ? `${label}: row ${id} not visible` : label);
};

/** Whether row `id` is in `table`, as the other connection sees it. */
const stored = async (f: Knex, table: string, id: number): Promise<boolean> => (await f(table).where({ id }).first()) !== undefined;

const SERVERS = [
  { name: 'PostgreSQL', kind: 'postgres', variable: 'CEREAL_PG_URL', example: 'postgres://postgres@127.0.0.1:5432/test', client: 'pg', connection: (url: string): Knex.Config['connection'] => url },
  { name: 'MariaDB/MySQL', kind: 'mysql', variable: 'CEREAL_MYSQL_URL', example: 'mysql://root@127.0.0.1:3306/test', client: 'mysql2', connection: (url: string) => ({ uri: url }) as never },
] as const;

/**
 * The databases of a package's afterCommit suites: SQLite, in a file (so that another
 * connection can look) removed at exit, always; PostgreSQL and MariaDB/MySQL when CEREAL_PG_URL
 * and CEREAL_MYSQL_URL name them, and a loud SKIPPED line for each that does not.
 * @param library - the package, as the SKIPPED line names it: `knex` for @cereal/knex
 */
export function afterCommitDatabases(library: string): AfterCommitDatabase[] {
  const dir = mkdtempSync(join(tmpdir(), `cereal-${library}-after-commit-`));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'db.sqlite');
  const databases: AfterCommitDatabase[] = [
    { name: 'sqlite', kind: 'sqlite', url: file, fixtures: () => knex({ client: 'better-sqlite3', connection: { filename: file }, useNullAsDefault: true }) },
  ];
  for (const { name, kind, variable, example, client, connection } of SERVERS) {
    const url = process.env[variable];
    if (url === undefined || url === '') console.log(`\n  !! SKIPPED: the afterCommit ${name} suite of @cereal/${library} did not run. Set ${variable}=${example} to run it.\n`);
    else databases.push({ name, kind, url, fixtures: () => knex({ client, connection: connection(url), pool: { min: 0, max: 4 } }) });
  }
  return databases;
}

/** Creates the suite's table (id, name) before `s` runs and opens the package's handle; drops it and closes both after. */
export function useAfterCommit<Db>(s: Test<AfterCommitContext<Db>>, target: AfterCommitTarget<Db>): void {
  s.before(async (ctx) => {
    ctx.f = target.database.fixtures();
    ctx.table = tableNames('ac', ['rows']).rows;
    await ctx.f.schema.createTable(ctx.table, (t) => {
      t.integer('id').primary();
      t.string('name', 32);
    });
    ctx.db = await target.open(ctx.table);
  });
  s.after(async ({ f, db, table }) => {
    try {
      await target.close(db);
      await f.schema.dropTableIfExists(table);
    } finally {
      await f.destroy();
    }
  });
}

export function testAfterCommit<Db>(target: AfterCommitTarget<Db>): void {
  const S = suite<AfterCommitContext<Db>>(`afterCommit(${target.library}/${target.database.name})`, {} as never);
  useAfterCommit(S, target);
  let next = 0;

  const { afterCommit, rollback } = target;
  const insert = (tx: Db, table: string, id: number) => (): unknown => target.insert(tx, table, id);
  /** Inside a transaction: time for a callback to run too early, where the transaction can wait. */
  const pause = (): unknown => (target.sync ? undefined : quiet());
  /** `run()`, with the suite's rollbacks (thrown or rejected) caught. */
  const caught = (run: () => unknown): unknown => {
    const swallow = (err: unknown): void => {
      if (err !== ROLLBACK && target.isRollback?.(err) !== true) throw err;
    };
    try {
      const out = run();
      return isPromise(out) ? out.then(undefined, swallow) : out;
    } catch (err) {
      return swallow(err);
    }
  };
  const fail = (): never => {
    throw ROLLBACK;
  };

  S('a transaction that commits: fn runs once, after the commit, when another connection sees the row', async ({ f, db, table }) => {
    const log: string[] = [];
    const id = ++next;
    const result = await target.transaction(db, (tx) => seq(
      insert(tx, table, id),
      () => afterCommit(tx, seesRow(f, table, id, log)),
      pause,
      () => assert.equal(log, [], 'not before the commit'),
      () => 'done',
    ));
    assert.is(result, 'done', 'the transaction gives what its body returned');
    await until(() => log.length > 0);
    await quiet();
    assert.equal(log, ['ran']);
  });

  S('a transaction rolled back by an error: fn never runs', async ({ f, db, table }) => {
    const log: string[] = [];
    const id = ++next;
    await caught(() => target.transaction(db, (tx) => seq(
      insert(tx, table, id),
      () => afterCommit(tx, () => void log.push('thrown')),
      fail,
    )));
    await quiet();
    assert.equal(log, []);
    assert.not.ok(await stored(f, table, id), 'rolled back');
  });

  if (rollback !== undefined) {
    S('a transaction rolled back explicitly: fn never runs', async ({ f, db, table }) => {
      const log: string[] = [];
      const id = ++next;
      await caught(() => target.transaction(db, (tx) => seq(
        insert(tx, table, id),
        () => afterCommit(tx, () => void log.push('rolled back')),
        () => rollback(tx),
      )));
      await quiet();
      assert.equal(log, []);
      assert.not.ok(await stored(f, table, id), 'rolled back');
    });
  }

  S('the database, not a transaction: fn runs at once, before afterCommit returns', async ({ db }) => {
    const log: string[] = [];
    afterCommit(db, () => void log.push('ran'));
    assert.equal(log, ['ran']);
    const errors: unknown[] = [];
    afterCommit(db, () => Promise.reject(ROLLBACK), { onError: (err) => void errors.push(err) });
    await quiet();
    assert.equal(errors, [ROLLBACK]);
  });

  S('a savepoint released: its callbacks wait for the outer commit, not the release', async ({ f, db, table }) => {
    const log: string[] = [];
    const id = ++next;
    await target.transaction(db, (tx) => seq(
      () => target.savepoint(tx, (sp) => seq(
        insert(sp, table, id),
        () => afterCommit(sp, () => void log.push('synchronous')), // run at the release, a synchronous driver would show it here
        () => afterCommit(sp, seesRow(f, table, id, log, 'savepoint')),
      )),
      pause,
      () => assert.equal(log, [], 'released, not committed'),
    ));
    await until(() => log.length === 2);
    assert.equal(log, ['synchronous', 'savepoint']);
  });

  S('a savepoint released in a transaction that rolls back: its callbacks never run', async ({ db, table }) => {
    const log: string[] = [];
    const released = (tx: Db) => (): unknown => target.savepoint(tx, (sp) => seq(
      insert(sp, table, ++next),
      () => afterCommit(sp, () => void log.push('released')),
      () => target.savepoint(sp, (deeper) => afterCommit(deeper, () => void log.push('deeper'))),
    ));
    await caught(() => target.transaction(db, (tx) => seq(released(tx), () => afterCommit(tx, () => void log.push('outer')), fail)));
    if (rollback !== undefined) await caught(() => target.transaction(db, (tx) => seq(released(tx), () => rollback(tx))));
    await quiet();
    assert.equal(log, []);
  });

  S('a savepoint rolled back in a transaction that commits: its callbacks are dropped, the others run', async ({ f, db, table }) => {
    const log: string[] = [];
    const id = ++next;
    await target.transaction(db, (tx) => seq(
      insert(tx, table, id),
      () => afterCommit(tx, seesRow(f, table, id, log, 'before')),
      () => caught(() => target.savepoint(tx, (sp) => seq(
        () => afterCommit(sp, () => void log.push('thrown savepoint')),
        () => target.savepoint(sp, (deeper) => afterCommit(deeper, () => void log.push('released inside it'))),
        fail,
      ))),
      () => rollback !== undefined && caught(() => target.savepoint(tx, (sp) => seq(
        () => afterCommit(sp, () => void log.push('rolled back savepoint')),
        () => rollback(sp),
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
    await target.transaction(db, (tx) => seq(
      () => afterCommit(tx, step('a', 30)),
      () => target.savepoint(tx, (sp) => seq(
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
      const result = await target.transaction(db, (tx) => {
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
      await target.transaction(db, (tx) => afterCommit(tx, () => Promise.reject(rejected))); // no onError: logged
      await until(() => printed.length === 2);
    } finally {
      console.error = error;
    }
    assert.equal(errors, [thrown, rejected]);
    assert.equal(log, ['ran']);
    assert.match(String(printed[0]?.[0]), new RegExp(`^\\[cereal\\] \\[${target.library}\\] an afterCommit onError threw`));
    assert.match(String(printed[1]?.[0]), new RegExp(`^\\[cereal\\] \\[${target.library}\\] an afterCommit callback failed after its transaction committed`));
    assert.is(printed[1]?.[1], rejected);
  });

  S('a fn or onError that is not a function, or a transaction that committed or rolled back: INVALID_OPTION', async ({ db }) => {
    for (const fn of [undefined, 'queue.add', {}]) throwsInvalidOption(() => afterCommit(db, fn as never), /`fn` must be a function/);
    throwsInvalidOption(() => afterCommit(db, () => undefined, { onError: 'log' as never }), /`onError` must be a function/);
    let committed: Db | undefined;
    let rolledBack: Db | undefined;
    await target.transaction(db, (tx) => {
      throwsInvalidOption(() => afterCommit(tx, 'queue.add' as never), /`fn` must be a function/);
      committed = tx;
    });
    await caught(() => target.transaction(db, (tx) => {
      rolledBack = tx;
      fail();
    }));
    throwsInvalidOption(() => afterCommit(committed!, () => undefined), /already committed or rolled back/);
    throwsInvalidOption(() => afterCommit(rolledBack!, () => undefined), /already committed or rolled back/);
  });

  const { foreign } = target;
  if (foreign !== undefined) {
    S('a transaction the library began without the package\'s helper: INVALID_OPTION, since fn could never run', async ({ db }) => {
      let tried = false;
      await foreign(db, (tx) => {
        throwsInvalidOption(() => afterCommit(tx, () => undefined), /tells nobody when this transaction commits, so `fn` could never run/);
        tried = true;
      });
      assert.ok(tried);
    });
  }

  if (target.database.kind === 'postgres') {
    S('a COMMIT that fails (a deferred unique constraint): fn never runs', async ({ f, db, table }) => {
      const deferred = `${table}_deferred`;
      await f.raw('create table ?? (id integer, constraint ?? unique (id) deferrable initially deferred)', [deferred, `${deferred}_u`]);
      try {
        const log: string[] = [];
        const failed = await Promise.resolve()
          .then(() => target.transaction(db, (tx) => seq(insert(tx, deferred, 1), insert(tx, deferred, 1), () => afterCommit(tx, () => void log.push('ran')))))
          .then(() => undefined, (err: unknown) => err);
        assert.instance(failed, Error);
        await quiet();
        assert.equal(log, []);
      } finally {
        await f.schema.dropTableIfExists(deferred);
      }
    });
  }

  S.run();
}
