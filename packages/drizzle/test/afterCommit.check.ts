/**
 * Type tests of afterCommit and transaction (compiled by the type-check, never run): the
 * helper takes and returns what the database's own `transaction` does, synchronous on
 * better-sqlite3, a promise on node-postgres and mysql2, with their configs.
 */
import Database from 'better-sqlite3';
import mysql from 'mysql2';
import pg from 'pg';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { drizzle as mysqlDrizzle } from 'drizzle-orm/mysql2';
import { drizzle as pgDrizzle } from 'drizzle-orm/node-postgres';
import { int, mysqlTable } from 'drizzle-orm/mysql-core';
import { pgTable, serial, text as pgText } from 'drizzle-orm/pg-core';
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { is, type Equal } from '@cereal/testkit';
import { afterCommit, transaction, type AfterCommitOptions, type TransactionOf } from '../src/index.js';

const users = sqliteTable('users', { id: integer('id').primaryKey(), email: text('email').notNull() });
const pgUsers = pgTable('users', { id: serial('id').primaryKey(), email: pgText('email').notNull() });
const myUsers = mysqlTable('users', { id: int('id').primaryKey() });

const sqlite = drizzle(new Database(':memory:'));
const postgres = pgDrizzle(new pg.Pool());
const mysql2 = mysqlDrizzle(mysql.createPool({ uri: 'mysql://localhost/test' }));

// better-sqlite3: synchronous, the callback's result comes back as it is.
const id = transaction(sqlite, (tx) => {
  const row = tx.insert(users).values({ email: 'ada@example.com' }).returning({ id: users.id }).get();
  afterCommit(tx, () => undefined);
  transaction(tx, (sp) => afterCommit(sp, () => undefined));
  return row.id;
}, { behavior: 'immediate' });
is<Equal<typeof id, number>>(true);

is<Equal<AfterCommitOptions, { onError?: (error: unknown) => void }>>(true);

async function registering(): Promise<void> {
  afterCommit(postgres, () => undefined); // not a transaction: at once
  const emails = await transaction(postgres, async (tx) => {
    is<Equal<typeof tx, TransactionOf<typeof postgres>>>(true);
    const rows = await tx.insert(pgUsers).values({ email: 'ada@example.com' }).returning();
    afterCommit(tx, async () => rows.length, { onError: (error) => console.warn(error) });
    await transaction(tx, async (sp) => {
      is<Equal<typeof sp, typeof tx>>(true);
      afterCommit(sp, () => undefined);
    });
    return rows.map((row) => row.email);
  }, { isolationLevel: 'serializable' });
  is<Equal<typeof emails, string[]>>(true);
  await transaction(mysql2, async (tx) => {
    await tx.insert(myUsers).values({ id: 1 });
    afterCommit(tx, () => undefined);
  });
  // @ts-expect-error an isolation level PostgreSQL does not have
  await transaction(postgres, async () => undefined, { isolationLevel: 'snapshot' });
  // @ts-expect-error fn is required
  afterCommit(postgres);
  // @ts-expect-error a table is no database
  afterCommit(pgUsers, () => undefined);
}
void registering;
