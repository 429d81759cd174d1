/**
 * Type tests of the Drizzle loaders (compiled by the type-check, never run): rows are the
 * tables' `$inferSelect` with no type argument, `columns` narrows them, and an option or a table
 * that does not belong does not compile.
 */
import Database from 'better-sqlite3';
import mysql from 'mysql2';
import pg from 'pg';
import { isNull, type InferSelectModel } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { drizzle as mysqlDrizzle } from 'drizzle-orm/mysql2';
import { drizzle as pgDrizzle } from 'drizzle-orm/node-postgres';
import { int, mysqlTable, varchar } from 'drizzle-orm/mysql-core';
import { bigint, pgTable, text as pgText } from 'drizzle-orm/pg-core';
import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { createSerializer, ref, type RowOf } from '@cereal/core';
import { msgpackFormat } from '@cereal/msgpack';
import { is, type Equal } from '@cereal/testkit';
import { drizzleLoader, drizzleLoaders, type DrizzleLoader } from '../src/index.js';

const users = sqliteTable('users', {
  id: integer('id').primaryKey(),
  name: text('name').notNull(),
  deletedAt: integer('deleted_at', { mode: 'timestamp' }),
});
const lines = sqliteTable('order_lines', { orderId: integer('order_id').notNull(), line: integer('line').notNull(), sku: text('sku') }, (t) => [
  primaryKey({ columns: [t.orderId, t.line] }),
]);
type User = InferSelectModel<typeof users>;
type Line = InferSelectModel<typeof lines>;

const db = drizzle(new Database(':memory:'));

// A map of tables, or of tables with options: each loader typed from its table, no type argument.
const loaders = drizzleLoaders(db, { users, lines: { table: lines, primaryKey: [lines.orderId, lines.line] }, live: { table: users, scope: isNull(users.deletedAt) } });
is<Equal<typeof loaders.users, DrizzleLoader<User>>>(true);
is<Equal<RowOf<typeof loaders.lines>, Line>>(true);
is<Equal<RowOf<typeof loaders.live>, User>>(true);
is<Equal<User['deletedAt'], Date | null>>(true); // Drizzle's value mapping is the row's type

// `columns` narrows the row to those fields and the key's: named, or the columns themselves.
const names = drizzleLoader(db, users, { columns: ['name'] });
is<Equal<RowOf<typeof names>, { id: number; name: string }>>(true);
const skus = drizzleLoaders(db, { lines: { table: lines, primaryKey: ['orderId', 'line'], columns: [lines.sku] } });
is<Equal<RowOf<typeof skus.lines>, { orderId: number; line: number; sku: string | null }>>(true);
const byName = drizzleLoader(db, users, { primaryKey: 'name' });
is<Equal<RowOf<typeof byName>, User>>(true);

// What is not a field or column of that table does not compile.
// @ts-expect-error no field `uid`
drizzleLoader(db, users, { primaryKey: 'uid' });
// @ts-expect-error the column's name in the database, not its field
drizzleLoader(db, users, { columns: ['deleted_at'] });
// @ts-expect-error a column of another table
drizzleLoader(db, users, { primaryKey: lines.sku });
// @ts-expect-error a column of another table, in drizzleLoaders
drizzleLoaders(db, { users: { table: users, columns: [lines.sku] } });
// @ts-expect-error a scope is a Drizzle condition, not text
drizzleLoader(db, users, { scope: 'deleted_at is null' });

// `version`: a field of the table (named, or the column itself), in the row even when `columns` leaves it out.
const pinned = drizzleLoader(db, users, { columns: ['name'], version: 'deletedAt' });
is<Equal<RowOf<typeof pinned>, { id: number; name: string; deletedAt: Date | null }>>(true);
const pinnedLines = drizzleLoaders(db, { lines: { table: lines, primaryKey: ['orderId', 'line'], columns: ['orderId', 'line'], version: lines.sku }, users: { table: users, version: 'deletedAt' } });
is<Equal<RowOf<typeof pinnedLines.lines>, { orderId: number; line: number; sku: string | null }>>(true);
is<Equal<RowOf<typeof pinnedLines.users>, User>>(true);
// @ts-expect-error the column's name in the database, not its field
drizzleLoader(db, users, { version: 'deleted_at' });
// @ts-expect-error a column of another table
drizzleLoaders(db, { users: { table: users, version: lines.sku } });

// `{ primary, replica, onServed }`: two databases of one dialect; rows still typed from the tables.
const replica = drizzle(new Database(':memory:'));
const replicated = drizzleLoaders({ primary: db, replica, onServed: (e) => is<Equal<typeof e.again, number>>(true) }, { users: { table: users, version: 'deletedAt' }, lines });
is<Equal<RowOf<typeof replicated.users>, User>>(true);
is<Equal<RowOf<typeof replicated.lines>, Line>>(true);
is<Equal<typeof replicated.users.served, Readonly<{ replica: number; primary: number }> | undefined>>(true);

// A table of another dialect does not compile.
const pgUsers = pgTable('users', { id: bigint('id', { mode: 'number' }).primaryKey(), name: pgText('name') });
const myUsers = mysqlTable('users', { id: int('id').primaryKey(), name: varchar('name', { length: 64 }) });
// @ts-expect-error a pg table on a SQLite database
drizzleLoader(db, pgUsers);
// @ts-expect-error a pg table in drizzleLoaders
drizzleLoaders(db, { users: pgUsers });
// @ts-expect-error a MySQL table with options
drizzleLoaders(db, { users: { table: myUsers } });
const pgDb = pgDrizzle(new pg.Pool());
is<Equal<RowOf<ReturnType<typeof drizzleLoader<typeof pgDb, typeof pgUsers>>>, InferSelectModel<typeof pgUsers>>>(true);
drizzleLoaders(pgDb, { users: pgUsers });
// @ts-expect-error a SQLite table on a PostgreSQL database
drizzleLoader(pgDb, users);
const myDb = mysqlDrizzle(mysql.createPool({ uri: 'mysql://localhost/test' }));
drizzleLoaders(myDb, { users: myUsers });
// @ts-expect-error a pg table on a MySQL database
drizzleLoader(myDb, pgUsers);
// @ts-expect-error a SQLite table on a pair of PostgreSQL databases
drizzleLoaders({ primary: pgDb, replica: pgDrizzle(new pg.Pool()) }, { users });

// A transaction is a database: loaders built on it see its writes.
async function inTransaction(): Promise<void> {
  await pgDb.transaction(async (tx) => {
    const txUsers = drizzleLoader(tx, pgUsers);
    is<Equal<RowOf<typeof txUsers>, InferSelectModel<typeof pgUsers>>>(true);
  });
}
void inTransaction;

// The serializer keeps them: decode returns the rows.
const cereal = createSerializer({ format: msgpackFormat(), loaders });
async function decoding(): Promise<void> {
  const { user, line } = await cereal.decode(cereal.encode({ user: ref('users', 1), line: ref('lines', [7, 1]) }));
  is<Equal<typeof user, User>>(true);
  is<Equal<typeof line.sku, string | null>>(true);
  is<Equal<typeof user.deletedAt, Date | null>>(true);
  // @ts-expect-error a user has no email
  void user.email;
}
void decoding;
