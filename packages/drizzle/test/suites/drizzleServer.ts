/**
 * What a server adds to this package's suite: resends on another connection from the driver's own
 * pool (pg Pool, mysql2 pool), tables in a schema of their own, and pg-pool's wait for a busy pool.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Knex } from 'knex';
import { eq, type Column, type SQL } from 'drizzle-orm';
import { Cache } from 'drizzle-orm/cache/core';
import { createSerializer, hydrate, ref } from '@cereal/core';
import { msgpackFormat } from '@cereal/msgpack';
import { rejects, tableNames, within } from '@cereal/testkit';
import { drizzleLoader, type TableFor } from '../../src/index.js';
import type { Db, ServerKit } from './target.js';

/** `db.select().from(table).where(…)`, on either server. */
interface Selecting {
  select(): { from(table: unknown): { where(where: SQL): Promise<Record<string, unknown>[]> } };
}

/** A query cache for every select that is never invalidated (the writes happen behind Drizzle's back). */
class StaleCache extends Cache {
  private readonly store = new Map<string, unknown[]>();
  override strategy(): 'all' {
    return 'all';
  }
  override async get(key: string): Promise<unknown[] | undefined> {
    return this.store.get(key);
  }
  override async put(key: string, response: unknown): Promise<void> {
    this.store.set(key, response as unknown[]);
  }
  override async onMutate(): Promise<void> {}
}

interface Context {
  f: Knex;
  t: { users: string; schema: string };
}

export function testDrizzleServer(kit: ServerKit): void {
  const Server = suite<Context>(`drizzleLoader(${kit.name}): server`, {} as never);
  const users = (schema: string | undefined, name: string): TableFor<Db> =>
    kit.columns.table(schema, name, { id: kit.columns.integer('id').primaryKey(), name: kit.columns.string('name', 32) }) as TableFor<Db>;

  Server.before(async (ctx) => {
    ctx.f = kit.fixtures();
    ctx.t = tableNames('ds', ['users', 'schema']);
    await ctx.f.schema.createTable(ctx.t.users, (tb) => {
      tb.integer('id').primary();
      tb.string('name', 32);
    });
    await ctx.f(ctx.t.users).insert([{ id: 1, name: 'u1' }, { id: 2, name: 'u2' }]);
  });
  Server.after(async ({ f, t }) => {
    try {
      await f.schema.dropTableIfExists(t.users);
    } finally {
      await f.destroy();
    }
  });

  Server('a connection killed twice (the pooled one, then its replacement before its first statement): the decode still succeeds on a third', async ({ f, t }) => {
    let armed = false;
    const db = kit.open(f, { poolSize: 1, killNew: () => (armed ? !(armed = false) : false) });
    try {
      const cereal = createSerializer({ format: msgpackFormat(), loaders: { users: drizzleLoader(db, users(undefined, t.users)) } });
      const wire = cereal.encode([ref('users', 1), ref('users', 2)]);
      await cereal.decode(wire);
      const first = await kit.connectionId(db);
      armed = true;
      await kit.kill(f, first);
      const again = (await within(20_000, cereal.decode(wire))) as { name: string }[];
      assert.equal(again.map((row) => row.name), ['u1', 'u2']);
      assert.is(armed, false, 'the replacement connection was created, and killed');
      assert.is.not(await kit.connectionId(db), first);
    } finally {
      await kit.close(db);
    }
  });

  Server('a table in a schema of its own is read there: `schema.table` in messages, its key types from its catalog', async ({ f, t }) => {
    await f.raw(`create schema ${t.schema}`);
    try {
      await f.schema.withSchema(t.schema).createTable('accounts', (tb) => {
        tb.integer('id').primary();
        tb.string('name', 32);
      });
      await f.withSchema(t.schema).table('accounts').insert({ id: 1, name: 'elsewhere' });
      const db = kit.open(f);
      try {
        const accounts = drizzleLoader(db, users(t.schema, 'accounts'));
        assert.is(accounts.table, `${t.schema}.accounts`);
        const [row] = (await hydrate([ref('accounts', '1')], { accounts })) as unknown as { name: string }[];
        assert.is(row?.name, 'elsewhere');
        const err = await rejects(() => hydrate([ref('accounts', 'abc'), ref('accounts', 2n ** 63n)], { accounts }));
        assert.is(err.code, 'MISSING_ROW', err.message);
      } finally {
        await kit.close(db);
      }
    } finally {
      await f.schema.withSchema(t.schema).dropTableIfExists('accounts');
      await f.raw(`drop schema ${t.schema}`);
    }
  });

  Server('a database whose Drizzle query cache serves every select: loads never read from it', async ({ f, t }) => {
    const db = kit.open(f, { cache: new StaleCache() });
    try {
      const table = users(undefined, t.users) as TableFor<Db> & { id: Column };
      const selectOne = async (): Promise<unknown> => ((await (db as unknown as Selecting).select().from(table).where(eq(table.id, 1)))[0] as { name?: unknown }).name;
      const accounts = drizzleLoader(db, table);
      assert.is(await selectOne(), 'u1');
      assert.is((await accounts.load([1]))[0]?.name, 'u1');
      await f(t.users).where({ id: 1 }).update({ name: 'changed' }); // behind Drizzle's back: the cache is not told
      try {
        assert.is(await selectOne(), 'u1', 'the cache is on: db.select() reads the stale row');
        assert.is((await accounts.load([1]))[0]?.name, 'changed');
      } finally {
        await f(t.users).where({ id: 1 }).update({ name: 'u1' });
      }
    } finally {
      await kit.close(db);
    }
  });

  if (kit.driver === 'pg') {
    Server('every pooled connection busy: the load fails after connectionTimeoutMillis, and says so', async ({ f, t }) => {
      const db = kit.open(f, { poolSize: 1, acquireTimeoutMs: 1500 });
      try {
        const accounts = drizzleLoader(db, users(undefined, t.users));
        await accounts.prepare();
        let failure: { code?: string; retryable?: boolean; message?: string } | undefined;
        await (db as { transaction(fn: (tx: unknown) => Promise<void>): Promise<void> }).transaction(async () => {
          failure = await rejects(() => within(15_000, hydrate([ref('accounts', 1)], { accounts })));
        });
        assert.is(failure?.code, 'LOAD_FAILED');
        assert.is(failure?.retryable, true);
        assert.match(String(failure?.message), /\[drizzle\] no database connection within connectionTimeoutMillis \(1500 ms\) to read table `[^`]+`: the server is down or unreachable, or every pooled connection is busy/);
      } finally {
        await kit.close(db);
      }
    });
  }

  Server.run();
}
