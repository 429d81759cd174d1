/**
 * afterCommit on real databases: SQLite (a file, so that a second connection can look) always,
 * PostgreSQL and MariaDB/MySQL when CEREAL_PG_URL and CEREAL_MYSQL_URL name them. A callback
 * asks a second connection (Knex's) for the row the transaction wrote: it must be there. The
 * client is the suites' generated one (clients.ts), its `server_users` model (id, name) mapped
 * to this suite's table.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import knex, { type Knex } from 'knex';
import pg from 'pg';
import * as mariadb from 'mariadb';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import { PrismaPg } from '@prisma/adapter-pg';
import { CerealError } from '@cereal/core';
import { tableNames, within } from '@cereal/testkit';
import { afterCommit, transaction } from '../src/index.js';
import { clientClass, loadClients, type AdapterFactory, type Client } from './suites/clients.js';
import type { Provider } from './suites/models.js';

interface Target {
  name: string;
  provider: Provider;
  fixtures(): Knex;
  /** A driver adapter on the database, and what ends its pool. */
  adapter(): { adapter: AdapterFactory; end(): Promise<void> };
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

/** The delegate of this suite's table. */
const rows = (client: Client): { create(args: { data: { id: number; name?: string } }): Promise<unknown> } => client.serverUsers as never;

function testAfterCommit(target: Target): void {
  const S = suite<{ prisma: Client; end(): Promise<void>; other: Knex; table: string }>(`afterCommit(prisma/${target.name})`, {} as never);
  let next = 0;

  S.before(async (ctx) => {
    await loadClients(target.provider);
    ctx.other = target.fixtures();
    ctx.table = tableNames('ac', ['rows']).rows;
    await ctx.other.schema.createTable(ctx.table, (t) => {
      t.integer('id').primary();
      t.string('name', 32);
    });
    const { adapter, end } = target.adapter();
    const Client = clientClass(target.provider, new Map([['server_users', ctx.table]]));
    ctx.prisma = new Client({ adapter });
    ctx.end = end;
  });

  S.after(async ({ prisma, end, other, table }) => {
    try {
      await prisma.$disconnect();
      await end();
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

  S('transaction(prisma, fn): fn runs once, after the commit, when another connection sees the row', async ({ prisma, other, table }) => {
    const log: string[] = [];
    const id = ++next;
    const result = await transaction(prisma, async (tx) => {
      await rows(tx).create({ data: { id } });
      afterCommit(tx, sees(other, table, id, log));
      await quiet();
      assert.equal(log, [], 'not before the commit');
      return 'done';
    }, { timeout: 10_000 });
    assert.is(result, 'done');
    await until(() => log.length > 0);
    await quiet();
    assert.equal(log, ['ran']);
  });

  S('a transaction rolled back by an error, or by its timeout: fn never runs (Prisma has no explicit rollback)', async ({ prisma }) => {
    const log: string[] = [];
    await transaction(prisma, async (tx) => {
      await rows(tx).create({ data: { id: ++next } });
      afterCommit(tx, () => void log.push('thrown'));
      throw ROLLBACK;
    }).catch(swallow);
    const expired = await transaction(prisma, async (tx) => {
      afterCommit(tx, () => void log.push('timed out'));
      await sleep(150);
      await rows(tx).create({ data: { id: ++next } });
    }, { timeout: 50 }).then(() => undefined, (err: unknown) => err);
    assert.instance(expired, Error);
    await quiet();
    assert.equal(log, []);
  });

  S('a Prisma client, not a transaction\'s: fn runs at once, before afterCommit returns', async ({ prisma }) => {
    const log: string[] = [];
    afterCommit(prisma, () => void log.push('ran'));
    assert.equal(log, ['ran']);
    const errors: unknown[] = [];
    afterCommit(prisma, () => Promise.reject(ROLLBACK), { onError: (err) => void errors.push(err) });
    await quiet();
    assert.equal(errors, [ROLLBACK]);
  });

  S('a nested transaction (a savepoint) completed: its callbacks wait for the outer commit', async ({ prisma, other, table }) => {
    const log: string[] = [];
    const id = ++next;
    await transaction(prisma, async (tx) => {
      await transaction(tx, async (inner) => {
        afterCommit(inner, () => void log.push('synchronous'));
        await rows(inner).create({ data: { id } });
        afterCommit(inner, sees(other, table, id, log, 'nested'));
      });
      await quiet();
      assert.equal(log, [], 'released, not committed');
    });
    await until(() => log.length === 2);
    assert.equal(log, ['synchronous', 'nested']);
  });

  S('a nested transaction completed in a transaction that rolls back: its callbacks never run', async ({ prisma }) => {
    const log: string[] = [];
    await transaction(prisma, async (tx) => {
      await transaction(tx, async (inner) => {
        await rows(inner).create({ data: { id: ++next } });
        afterCommit(inner, () => void log.push('released'));
        await transaction(inner, async (deeper) => afterCommit(deeper, () => void log.push('deeper')));
      });
      afterCommit(tx, () => void log.push('outer'));
      throw ROLLBACK;
    }).catch(swallow);
    await quiet();
    assert.equal(log, []);
  });

  S('a nested transaction rolled back in a transaction that commits: its callbacks are dropped, the others run', async ({ prisma, other, table }) => {
    const log: string[] = [];
    const id = ++next;
    await transaction(prisma, async (tx) => {
      await rows(tx).create({ data: { id } });
      afterCommit(tx, sees(other, table, id, log, 'before'));
      await transaction(tx, async (inner) => {
        afterCommit(inner, () => void log.push('rolled back'));
        await transaction(inner, async (deeper) => afterCommit(deeper, () => void log.push('released inside it')));
        throw ROLLBACK;
      }).catch(swallow);
      afterCommit(tx, () => void log.push('after'));
    });
    await until(() => log.length >= 2);
    await quiet();
    assert.equal(log, ['before', 'after']);
  });

  S('callbacks run one at a time in registration order, nested ones among the outer\'s', async ({ prisma }) => {
    const log: string[] = [];
    const step = (label: string, ms: number) => async (): Promise<void> => {
      log.push(`${label} starts`);
      await sleep(ms);
      log.push(`${label} ends`);
    };
    await transaction(prisma, async (tx) => {
      afterCommit(tx, step('a', 30));
      await transaction(tx, async (inner) => {
        afterCommit(inner, step('b', 20));
        afterCommit(tx, step('c', 10)); // the outer's, registered while the nested one is open
      });
      afterCommit(tx, () => void log.push('d'));
    });
    await until(() => log.length === 7);
    assert.equal(log, ['a starts', 'a ends', 'b starts', 'b ends', 'c starts', 'c ends', 'd']);
  });

  S('a callback that throws or rejects is reported, the others still run and the transaction resolves', async ({ prisma }) => {
    const log: string[] = [];
    const errors: unknown[] = [];
    const onError = (err: unknown): void => void errors.push(err);
    const [thrown, rejected] = [new Error('thrown'), new Error('rejected')];
    const printed: unknown[][] = [];
    const { error } = console;
    console.error = (...args: unknown[]) => void printed.push(args);
    try {
      const result = await transaction(prisma, async (tx) => {
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
      await transaction(prisma, async (tx) => afterCommit(tx, () => Promise.reject(rejected))); // no onError: logged
      await until(() => printed.length === 2);
    } finally {
      console.error = error;
    }
    assert.equal(errors, [thrown, rejected]);
    assert.equal(log, ['ran']);
    assert.match(String(printed[0]?.[0]), /afterCommit onError threw/);
    assert.match(String(printed[1]?.[0]), /^\[cereal\] \[prisma\] an afterCommit callback failed after its transaction committed/);
    assert.is(printed[1]?.[1], rejected);
  });

  S('not a client, not a function, a transaction started without transaction(), or one that ended: INVALID_OPTION', async ({ prisma }) => {
    for (const tx of [undefined, null, {}, { user: {} }]) invalid(() => afterCommit(tx as never, () => undefined), /`tx` must be a Prisma client/);
    for (const fn of [undefined, 'queue.add', {}]) invalid(() => afterCommit(prisma, fn as never), /`fn` must be a function/);
    invalid(() => afterCommit(prisma, () => undefined, { onError: 'log' as never }), /`onError` must be a function/);
    invalid(() => transaction({} as never, async () => undefined), /`prisma` must be a Prisma client/);
    invalid(() => transaction(prisma, 'work' as never), /`fn` must be a function/);
    await prisma.$transaction(async (tx) => {
      invalid(() => afterCommit(tx, () => undefined), /start it with transaction\(prisma, async \(tx\) => …\) from @cereal\/prisma/);
      invalid(() => transaction(tx, async () => undefined), /did not start/);
    });
    let ended: Client | undefined;
    await transaction(prisma, async (tx) => {
      ended = tx;
    });
    invalid(() => afterCommit(ended!, () => undefined), /already committed or rolled back/);
    invalid(() => transaction(ended!, async () => undefined), /already committed or rolled back/);
  });

  if (target.name === 'PostgreSQL') {
    S('a COMMIT that fails (a deferred unique constraint): fn never runs', async ({ prisma, other, table }) => {
      const deferred = `${table}_deferred`;
      await other.raw('create table ?? (id integer, constraint ?? unique (id) deferrable initially deferred)', [deferred, `${deferred}_u`]);
      try {
        const log: string[] = [];
        const failed = await transaction(prisma, async (tx) => {
          await tx.$queryRawUnsafe(`insert into "${deferred}" (id) values (1), (1)`);
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
const dir = mkdtempSync(join(tmpdir(), 'cereal-prisma-after-commit-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'db.sqlite');
testAfterCommit({
  name: 'sqlite',
  provider: 'sqlite',
  fixtures: () => knex({ client: 'better-sqlite3', connection: { filename: file }, useNullAsDefault: true }),
  adapter: () => ({ adapter: new PrismaBetterSqlite3({ url: `file:${file}`, timeout: 10_000 }), end: async () => undefined }),
});

const servers: (Omit<Target, 'fixtures' | 'adapter'> & { variable: string; example: string; fixtures(url: string): Knex; adapter(url: URL): ReturnType<Target['adapter']> })[] = [
  {
    name: 'PostgreSQL',
    provider: 'postgresql',
    variable: 'CEREAL_PG_URL',
    example: 'postgres://postgres@127.0.0.1:5432/test',
    fixtures: (url) => knex({ client: 'pg', connection: url, pool: { min: 0, max: 4 } }),
    adapter: (url) => {
      const pool = new pg.Pool({ connectionString: url.toString(), max: 4, connectionTimeoutMillis: 10_000 });
      return { adapter: new PrismaPg(pool), end: () => pool.end() };
    },
  },
  {
    name: 'MariaDB/MySQL',
    provider: 'mysql',
    variable: 'CEREAL_MYSQL_URL',
    example: 'mysql://root@127.0.0.1:3306/test',
    fixtures: (url) => knex({ client: 'mysql2', connection: { uri: url } as never, pool: { min: 0, max: 4 } }),
    adapter: (url) => {
      const pool = mariadb.createPool({
        host: url.hostname,
        port: Number(url.port || 3306),
        user: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
        database: decodeURIComponent(url.pathname.slice(1)),
        connectionLimit: 4,
        acquireTimeout: 10_000,
      });
      return { adapter: new PrismaMariaDb(pool), end: () => pool.end() };
    },
  },
];
for (const { variable, example, fixtures, adapter, ...server } of servers) {
  const url = process.env[variable];
  if (url === undefined || url === '') console.log(`\n  !! SKIPPED: the afterCommit ${server.name} suite of @cereal/prisma did not run. Set ${variable}=${example} to run it.\n`);
  else testAfterCommit({ ...server, fixtures: () => fixtures(url), adapter: () => adapter(new URL(url)) });
}
