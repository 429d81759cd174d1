import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import knex, { type Knex } from 'knex';
import type Database from 'better-sqlite3';
import { SqliteDialect, type Kysely } from 'kysely';
import { hydrate, ref } from '@cereal/core';
import { rejects, testLoader, testReplicas } from '@cereal/testkit';
import { kyselyLoader } from '../src/index.js';
import { testExact } from './suites/exact.js';
import { testKysely } from './suites/kysely.js';
import { kyselyTarget, watchedKysely } from './suites/target.js';

const fixtures = (): Knex => knex({ client: 'better-sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });

/**
 * A Kysely over the fixtures' own database: `:memory:` is a new, empty database per connection,
 * so Kysely borrows Knex's one connection (a better-sqlite3 Database) instead of opening another.
 * Knex closes it when the fixtures are destroyed; Kysely's destroy leaves it open.
 */
const open = (f: Knex): Kysely<any> =>
  watchedKysely(new SqliteDialect({
    database: async () => {
      const raw = (await f.client.acquireConnection()) as Database.Database;
      await f.client.releaseConnection(raw);
      return { prepare: (statement: string) => raw.prepare(statement), close: () => undefined };
    },
  }));

const target = kyselyTarget({ name: 'sqlite', fixtures, open, schema: 'main' });
testLoader(target);
testKysely(target);
testExact(target, true);
testReplicas(target);

// ---

const Sqlite = suite<{ f: Knex; db: Kysely<any> }>('kyselyLoader(sqlite)', {} as never);

Sqlite.before(async (ctx) => {
  ctx.f = fixtures();
  ctx.db = open(ctx.f);
  await ctx.f.raw('create table affinity (i "UNSIGNED BIG INT", c "NATIVE CHARACTER(70)", l CLOB, n DECIMAL(10,0))');
  await ctx.f('affinity').insert({ i: 42, c: '42', l: '42', n: 42 });
});

Sqlite.after(async ({ f, db }) => {
  await db.destroy();
  await f.destroy();
});

Sqlite('a table in a schema SQLite has not attached is not found, at prepare(): INVALID_OPTION, never a retryable failure', async ({ db }) => {
  const err = await rejects(() => kyselyLoader(db, { table: 'nope.affinity' }).prepare());
  assert.is(err.code, 'INVALID_OPTION');
  assert.ok(err.message.startsWith('[cereal] [kysely] table `nope.affinity` was not found: '), err.message);
  assert.is((await rejects(() => hydrate([ref('affinity', 42)], { affinity: kyselyLoader(db, { table: 'nope.affinity', primaryKey: 'i' }) }))).code, 'INVALID_OPTION');
});

Sqlite('takes up to 32766 parameters per statement, less room for the scope', ({ db }) => {
  assert.is(kyselyLoader(db, { table: 'affinity', primaryKey: 'i' }).chunkSize, 32666);
  assert.is(kyselyLoader(db, { table: 'affinity', primaryKey: ['i', 'c'] }).chunkSize, 16333);
});

Sqlite('key columns bind by SQLite affinity: a declared type with INT takes integer keys, one with CHAR, CLOB or TEXT text keys, others as given', async ({ db }) => {
  for (const column of ['i', 'c', 'l', 'n']) {
    const loaders = { affinity: kyselyLoader(db, { table: 'affinity', primaryKey: column }) };
    for (const pk of [42, 42n, '42']) assert.is((await hydrate([ref('affinity', pk)], loaders)).length, 1, `${column}: ${typeof pk}`);
  }
  const err = await rejects(() => hydrate([ref('affinity', '042'), ref('affinity', ' 42')], { affinity: kyselyLoader(db, { table: 'affinity', primaryKey: 'i' }) }));
  assert.is(err.refs?.length, 2);
});

Sqlite.run();
