/**
 * afterCommit on real databases: the testkit's suite (testAfterCommit) on SQLite always, and on
 * PostgreSQL and MariaDB/MySQL when CEREAL_PG_URL and CEREAL_MYSQL_URL name them; then what is
 * Drizzle's own: transaction()'s checks, and better-sqlite3's synchronous transactions.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import Database from 'better-sqlite3';
import pg from 'pg';
import mysql from 'mysql2';
import { drizzle as sqliteDrizzle } from 'drizzle-orm/better-sqlite3';
import { drizzle as pgDrizzle } from 'drizzle-orm/node-postgres';
import { drizzle as mysqlDrizzle } from 'drizzle-orm/mysql2';
import { afterCommitDatabases, quiet, testAfterCommit, throwsInvalidOption, until, useAfterCommit, type AfterCommitContext, type AfterCommitDatabase, type AfterCommitTarget } from '@cereal/testkit';
import { afterCommit, transaction } from '../src/index.js';
import { drizzleAfterCommitTarget } from './suites/target.js';

// The suite's databases, of three drivers: the types are the type-check's (afterCommit.check.ts).
type Db = any;

function testDrizzleAfterCommit(target: AfterCommitTarget<Db>): void {
  const S = suite<AfterCommitContext<Db>>(`afterCommit(drizzle/${target.database.name}), Drizzle's own`, {} as never);
  useAfterCommit(S, target);

  S('not Drizzle, transaction() given what is not a function or a transaction it did not start or that ended: INVALID_OPTION', async ({ f, db }) => {
    for (const tx of [undefined, null, {}, f]) throwsInvalidOption(() => afterCommit(tx as never, () => undefined), /`tx` must be a Drizzle database or transaction/);
    throwsInvalidOption(() => transaction(f as never, () => undefined), /`db` must be a Drizzle database/);
    throwsInvalidOption(() => transaction(db, 'work' as never), /`fn` must be a function/);
    let tried = false;
    await db.transaction((tx: Db) => {
      throwsInvalidOption(() => transaction(tx, () => undefined), /`tx` is a transaction that transaction\(\) of @cereal\/drizzle did not start/);
      tried = true;
    });
    assert.ok(tried);
    let ended: Db;
    await transaction(db, (tx: Db) => {
      ended = tx;
    });
    throwsInvalidOption(() => transaction(ended, () => undefined), /`tx` has already committed or rolled back/);
  });

  if (target.sync) {
    S('better-sqlite3: transaction() returns what the synchronous transaction did, its first callback already started', async ({ db }) => {
      const log: string[] = [];
      const out = transaction(db, (tx: Db) => {
        afterCommit(tx, () => void log.push('first'));
        afterCommit(tx, async () => {
          await quiet();
          log.push('second');
        });
        return 7;
      });
      assert.is(out, 7);
      assert.equal(log, ['first']);
      await until(() => log.length === 2);
      assert.equal(log, ['first', 'second']);
    });
  }

  S.run();
}

const drizzles: Record<AfterCommitDatabase['kind'], (url: string) => { db: Db; close(): Promise<void> }> = {
  sqlite: (file) => {
    const client = new Database(file);
    return { db: sqliteDrizzle(client), close: async () => void client.close() };
  },
  postgres: (url) => {
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    return { db: pgDrizzle(pool), close: () => pool.end() };
  },
  mysql: (url) => {
    const pool = mysql.createPool({ uri: url, connectionLimit: 4 });
    return { db: mysqlDrizzle(pool), close: () => pool.promise().end() };
  },
};

for (const database of afterCommitDatabases('drizzle')) {
  const target = drizzleAfterCommitTarget(database, () => drizzles[database.kind](database.url));
  testAfterCommit(target);
  testDrizzleAfterCommit(target);
}
