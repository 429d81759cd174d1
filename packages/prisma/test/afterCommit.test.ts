/**
 * afterCommit on real databases: the testkit's suite (testAfterCommit) on SQLite always, and on
 * PostgreSQL and MariaDB/MySQL when CEREAL_PG_URL and CEREAL_MYSQL_URL name them; then what is
 * Prisma's own: the rollback of a transaction that outlives its timeout, transaction()'s checks,
 * extended clients. The client is the suites' generated one (clients.ts), its `server_users`
 * model (id, name) mapped to the suite's table.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import pg from 'pg';
import * as mariadb from 'mariadb';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import { PrismaPg } from '@prisma/adapter-pg';
import { afterCommitDatabases, quiet, testAfterCommit, throwsInvalidOption, until, useAfterCommit, type AfterCommitContext, type AfterCommitDatabase, type AfterCommitTarget } from '@cereal/testkit';
import { afterCommit, transaction } from '../src/index.js';
import type { AdapterFactory, Client } from './suites/clients.js';
import { prismaAfterCommitTarget } from './suites/target.js';

/** The delegate of the suite's table. */
const rows = (client: Client): { create(args: { data: { id: number; name?: string } }): Promise<unknown> } => client.serverUsers as never;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function testPrismaAfterCommit(target: AfterCommitTarget<Client>): void {
  const S = suite<AfterCommitContext<Client>>(`afterCommit(prisma/${target.database.name}), Prisma's own`, {} as never);
  useAfterCommit(S, target);
  let next = 0;

  S('a transaction rolled back by its timeout (Prisma has no explicit rollback): fn never runs', async ({ f, db, table }) => {
    const log: string[] = [];
    const id = ++next;
    const expired = await transaction(db, async (tx) => {
      afterCommit(tx, () => void log.push('timed out'));
      await sleep(150);
      await rows(tx).create({ data: { id } });
    }, { timeout: 50 }).then(() => undefined, (err: unknown) => err);
    assert.instance(expired, Error);
    await quiet();
    assert.equal(log, []);
    assert.is(await f(table).where({ id }).first(), undefined);
  });

  S('an extended client ($extends): afterCommit runs after the commit of its transactions, at once on the client', async ({ f, db, table }) => {
    const extended = (db as Client & { $extends(extension: object): Client }).$extends({});
    const log: string[] = [];
    const id = ++next;
    afterCommit(extended, () => void log.push('client'));
    assert.equal(log, ['client']);
    await transaction(extended, async (tx) => {
      await rows(tx).create({ data: { id, name: 'Ada' } });
      afterCommit(tx, async () => void log.push(String((await f(table).where({ id }).first())?.name)));
      await quiet();
      assert.equal(log, ['client'], 'not before the commit');
    });
    await until(() => log.length === 2);
    assert.equal(log, ['client', 'Ada']);
  });

  S('not a client, transaction() given what is not a function or a transaction it did not start or that ended: INVALID_OPTION', async ({ db }) => {
    for (const [tx, what] of [[undefined, 'undefined'], [null, 'null'], [{}, 'an object'], [{ user: {} }, 'an object']] as const) {
      throwsInvalidOption(() => afterCommit(tx as never, () => undefined), `[cereal] [prisma] afterCommit(tx, fn): \`tx\` must be a Prisma client or a transaction's; got ${what}`);
    }
    throwsInvalidOption(() => transaction({} as never, async () => undefined), '[cereal] [prisma] transaction(prisma, fn): `prisma` must be a Prisma client; got an object');
    throwsInvalidOption(() => transaction(db, 'work' as never), '[cereal] [prisma] transaction(prisma, fn): `fn` must be a function; got string');
    let tried = false;
    await db.$transaction(async (tx) => {
      throwsInvalidOption(() => transaction(tx, async () => undefined), '[cereal] [prisma] transaction(tx, fn): `tx` is a transaction that transaction() of @cereal/prisma did not start, so its commit cannot be seen: start the outer one with transaction(prisma, …) too');
      throwsInvalidOption(() => afterCommit(tx, () => undefined), '[cereal] [prisma] afterCommit(tx, fn): Prisma tells nobody when this transaction commits, so `fn` could never run: start it with transaction(prisma, async (tx) => …) from @cereal/prisma instead of prisma.$transaction(…), and a nested one with transaction(tx, …)');
      tried = true;
    });
    assert.ok(tried);
    let ended: Client | undefined;
    await transaction(db, async (tx) => {
      ended = tx;
    });
    throwsInvalidOption(() => transaction(ended!, async () => undefined), '[cereal] [prisma] transaction(tx, fn): `tx` has already committed or rolled back');
    throwsInvalidOption(() => afterCommit(ended!, () => undefined), "[cereal] [prisma] afterCommit(tx, fn): the transaction has already committed or rolled back (a savepoint: been released or rolled back); register callbacks while it is open, or on the transaction around it");
    throwsInvalidOption(() => afterCommit(db, () => undefined, { onError: 'log' as never }), '[cereal] [prisma] afterCommit(tx, fn, { onError }): `onError` must be a function');
  });

  S.run();
}

const mariadbPool = (url: URL): mariadb.Pool =>
  mariadb.createPool({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.slice(1)),
    connectionLimit: 4,
    acquireTimeout: 10_000,
  });

const adapters: Record<AfterCommitDatabase['kind'], (url: string) => { adapter: AdapterFactory; end(): Promise<void> }> = {
  sqlite: (file) => ({ adapter: new PrismaBetterSqlite3({ url: `file:${file}`, timeout: 10_000 }), end: async () => undefined }),
  postgres: (url) => {
    const pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 10_000 });
    return { adapter: new PrismaPg(pool), end: () => pool.end() };
  },
  mysql: (url) => {
    const pool = mariadbPool(new URL(url));
    return { adapter: new PrismaMariaDb(pool), end: () => pool.end() };
  },
};

for (const database of afterCommitDatabases('prisma')) {
  const target = prismaAfterCommitTarget(database, () => adapters[database.kind](database.url));
  testAfterCommit(target);
  testPrismaAfterCommit(target);
}
