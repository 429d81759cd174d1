import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { hydrate, ref } from '@cereal/core';
import { rejects, testLoader, testReplicas } from '@cereal/testkit';
import { drizzleLoader } from '../src/index.js';
import { testDrizzle } from './suites/drizzle.js';
import { sqliteKit } from './suites/sqlite.js';
import { drizzleTarget } from './suites/target.js';

testLoader(drizzleTarget(sqliteKit));
testDrizzle(sqliteKit);
testReplicas(drizzleTarget(sqliteKit));

// ---

const users = sqliteTable('users', { id: integer('id').primaryKey(), name: text('name') });
const pairs = sqliteTable('pairs', { a: integer('a'), b: integer('b'), c: text('c') }, (t) => [primaryKey({ columns: [t.a, t.b] })]);

const Sqlite = suite<{ db: BetterSQLite3Database & { $client: Database.Database } }>('drizzleLoader(sqlite): better-sqlite3', {} as never);

Sqlite.before((ctx) => {
  ctx.db = drizzle(new Database(':memory:'));
  ctx.db.run(sql`create table users (id integer primary key, name text)`);
  ctx.db.run(sql`create table pairs (a bigint, b integer, c text, primary key (a, b))`);
  ctx.db.run(sql`insert into users values (1, 'Ada')`);
  ctx.db.run(sql`insert into pairs values (${2n ** 62n + 1n}, 1, 'x')`);
});

Sqlite.after(({ db }) => void db.$client.close());

Sqlite('takes up to 32766 parameters per statement, less room for the scope', ({ db }) => {
  assert.is(drizzleLoader(db, users).chunkSize, 32666);
  assert.is(drizzleLoader(db, pairs).chunkSize, 16333);
});

Sqlite('on the exact path only values beyond 2^53 become bigints, key parts included; other fields as Drizzle maps them', async ({ db }) => {
  const [row] = (await hydrate([ref('pairs', [2n ** 62n + 1n, 1])], { pairs: drizzleLoader(db, pairs) })) as unknown as Record<string, unknown>[];
  assert.equal(row, { a: 2n ** 62n + 1n, b: 1, c: 'x' });
  const [plain] = await db.select().from(pairs);
  assert.is(plain?.a, 2 ** 62, 'Drizzle alone reads the key as a double');
});

Sqlite('better-sqlite3 runs Drizzle\'s transactions synchronously and refuses an async one; a transaction begun as a statement holds the loads of db', async ({ db }) => {
  assert.throws(() => db.transaction(async () => undefined), /cannot return a promise/);
  const loaders = { users: drizzleLoader(db, users) };
  db.run(sql`begin`);
  try {
    await db.insert(users).values({ id: 2, name: 'Uncommitted' });
    const [row] = (await hydrate([ref('users', 2)], loaders)) as unknown as { name: string }[];
    assert.is(row?.name, 'Uncommitted');
  } finally {
    db.run(sql`rollback`);
  }
  assert.is((await rejects(() => hydrate([ref('users', 2)], loaders))).code, 'MISSING_ROW');
});

Sqlite('a composite key of an integer and text reads integers beyond 2^53 exactly: one part that rounds is enough for the exact path', async ({ db }) => {
  const mixed = sqliteTable('mixed', { a: integer('a', { mode: 'number' }), b: text('b'), c: text('c') }, (t) => [primaryKey({ columns: [t.a, t.b] })]);
  db.run(sql`create table mixed (a integer, b text, c text, primary key (a, b))`);
  db.run(sql`insert into mixed values (${2n ** 60n + 1n}, 'x', 'mine'), (${2n ** 60n}, 'x', 'the neighbour')`);
  const [row] = (await hydrate([ref('mixed', [2n ** 60n + 1n, 'x'])], { mixed: drizzleLoader(db, mixed) })) as unknown as Record<string, unknown>[];
  assert.equal(row, { a: 2n ** 60n + 1n, b: 'x', c: 'mine' });
});

Sqlite('a version column the table lacks is INVALID_OPTION at prepare(), in drizzle\'s words', async ({ db }) => {
  const versioned = sqliteTable('users', { id: integer('id').primaryKey(), name: text('name'), updatedAt: integer('updated_at') });
  const err = await rejects(() => drizzleLoader(db, versioned, { version: 'updatedAt' }).prepare());
  assert.is(err.code, 'INVALID_OPTION');
  assert.is(err.message, "[cereal] [drizzle] table `users` has no column `updated_at`, the loader's `version`: name a column every write moves forward (`updated_at`, `lock_version`)");
});

Sqlite.run();
