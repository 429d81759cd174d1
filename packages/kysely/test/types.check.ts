/**
 * Type tests of the Kysely loaders (compiled by the type-check, never run): rows are typed from
 * the Kysely's database interface, with no type argument; tables and columns it does not have
 * do not compile.
 */
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql, type ColumnType, type Generated, type Selectable } from 'kysely';
import { createSerializer, ref, type RowOf } from '@cereal/core';
import { msgpackFormat } from '@cereal/msgpack';
import { is, type Equal } from '@cereal/testkit';
import { kyselyLoader, kyselyLoaders, type KyselyLoader } from '../src/index.js';

interface DB {
  users: { id: Generated<number>; name: string; deleted_at: ColumnType<Date | null, string | null, string | null> };
  order_lines: { order_id: number; line: number; sku: string };
  products: { sku: string; price: number };
  accounts: { id: Generated<number>; name: string; lock_version: number; updated_at: ColumnType<Date, string, string> };
}

const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });

// A map of model names to tables, typed from DB with no type argument.
const loaders = kyselyLoaders(db, { users: 'users', lines: { table: 'order_lines', primaryKey: ['order_id', 'line'] } });
is<Equal<typeof loaders.users, KyselyLoader<Selectable<DB['users']>>>>(true);
is<Equal<RowOf<typeof loaders.lines>, Selectable<DB['order_lines']>>>(true);
is<Equal<RowOf<typeof loaders.users>, { id: number; name: string; deleted_at: Date | null }>>(true);

// A scope is typed for its own table.
const scoped = kyselyLoaders(db, {
  posts: { table: 'users', scope: (eb) => eb('deleted_at', 'is', null) },
  raw: { table: 'users', scope: () => sql<boolean>`name <> ''` },
});
is<Equal<RowOf<typeof scoped.posts>, Selectable<DB['users']>>>(true);
const narrow = kyselyLoaders(db, { names: { table: 'users', columns: ['name'] }, skus: { table: 'order_lines', primaryKey: ['order_id', 'line'], columns: ['sku'] } });
is<Equal<RowOf<typeof narrow.names>, { id: number; name: string }>>(true);
is<Equal<RowOf<typeof narrow.skus>, { order_id: number; line: number; sku: string }>>(true);
// @ts-expect-error a scope over a column of another table
kyselyLoaders(db, { posts: { table: 'users', scope: (eb) => eb('sku', '=', 'x') } });

// @ts-expect-error a table the database interface does not have
kyselyLoaders(db, { users: 'people' });
// @ts-expect-error a key column of another table
kyselyLoaders(db, { lines: { table: 'order_lines', primaryKey: ['order_id', 'sku_id'] } });
// @ts-expect-error a table without an id column must name its key
kyselyLoaders(db, { products: 'products' });
// @ts-expect-error columns of another table
kyselyLoaders(db, { users: { table: 'users', columns: ['sku'] } });

// One loader: the same, and `columns` narrows the row to those columns and the key.
const users = kyselyLoader(db, { table: 'users', scope: (eb) => eb('deleted_at', 'is', null) });
is<Equal<typeof users, KyselyLoader<Selectable<DB['users']>>>>(true);
const names = kyselyLoader(db, { table: 'users', columns: ['name'] });
is<Equal<RowOf<typeof names>, { id: number; name: string }>>(true);
const products = kyselyLoader(db, { table: 'products', primaryKey: 'sku' });
is<Equal<RowOf<typeof products>, { sku: string; price: number }>>(true);
// @ts-expect-error a table the database interface does not have
kyselyLoader(db, { table: 'people' });
// @ts-expect-error a key column the table does not have
kyselyLoader(db, { table: 'users', primaryKey: 'uid' });
// @ts-expect-error a table without an id column must name its key
kyselyLoader(db, { table: 'products' });
// @ts-expect-error a column the table does not have
kyselyLoader(db, { table: 'users', columns: ['email'] });

// `version`: a column of the table, selected (and in the row type) even when `columns` leaves it out.
const versioned = kyselyLoaders(db, { accounts: { table: 'accounts', version: 'lock_version' }, names: { table: 'accounts', columns: ['name'], version: 'updated_at' } });
is<Equal<RowOf<typeof versioned.accounts>, Selectable<DB['accounts']>>>(true);
is<Equal<RowOf<typeof versioned.names>, { id: number; name: string; updated_at: Date }>>(true);
const pinned = kyselyLoader(db, { table: 'accounts', columns: ['name'], version: 'lock_version' });
is<Equal<RowOf<typeof pinned>, { id: number; name: string; lock_version: number }>>(true);
// @ts-expect-error a version column the table does not have
kyselyLoader(db, { table: 'accounts', version: 'updatedAt' });
// @ts-expect-error a version column of another table
kyselyLoaders(db, { accounts: { table: 'accounts', version: 'sku' } });

// `{ primary, replica, onServed }`: two Kysely instances of one database interface; rows still inferred.
const replica = new Kysely<DB>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
const replicated = kyselyLoaders({ primary: db, replica, onServed: (e) => is<Equal<typeof e.again, number>>(true) }, { users: 'users', accounts: { table: 'accounts', version: 'lock_version' } });
is<Equal<RowOf<typeof replicated.users>, Selectable<DB['users']>>>(true);
is<Equal<RowOf<typeof replicated.accounts>, Selectable<DB['accounts']>>>(true);
is<Equal<typeof replicated.users.served, Readonly<{ replica: number; primary: number }> | undefined>>(true);
const other = new Kysely<{ users: { id: number } }>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
// @ts-expect-error a replica of another database interface
kyselyLoaders({ primary: db, replica: other }, { users: 'users' });
// @ts-expect-error a table the database interface does not have
kyselyLoaders({ primary: db, replica }, { users: 'people' });

// In a transaction: the same types.
async function inTransaction(): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const own = kyselyLoaders(trx, { users: 'users' });
    is<Equal<RowOf<typeof own.users>, Selectable<DB['users']>>>(true);
    const one = kyselyLoader(trx, { table: 'order_lines', primaryKey: ['order_id', 'line'] });
    is<Equal<RowOf<typeof one>, Selectable<DB['order_lines']>>>(true);
  });
}
void inTransaction;
async function controlled(): Promise<void> {
  const trx = await db.startTransaction().execute();
  const own = kyselyLoaders(trx, { users: 'users' });
  is<Equal<RowOf<typeof own.users>, Selectable<DB['users']>>>(true);
  const one = kyselyLoader(trx, { table: 'users' });
  is<Equal<RowOf<typeof one>, Selectable<DB['users']>>>(true);
  await trx.rollback().execute();
}
void controlled;

// The serializer keeps them: decode returns the rows.
const cereal = createSerializer({ format: msgpackFormat(), loaders });
async function decoding(): Promise<void> {
  const { user, line } = await cereal.decode(cereal.encode({ user: ref('users', 1), line: ref('lines', [7, 1]) }));
  is<Equal<typeof user, Selectable<DB['users']>>>(true);
  is<Equal<typeof line.sku, string>>(true);
  // @ts-expect-error a user has no email
  void user.email;
}
void decoding;
