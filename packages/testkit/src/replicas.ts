/**
 * The version and replica suite: `testReplicas(target)` runs a loader package's `version` option
 * and its `{ primary, replica }` loader map over two databases of the target (two SQLite
 * databases: `fixtures()` twice), where the "replica" is written behind the primary by hand.
 * What a real streaming replica adds (lag that ends) is the PostgreSQL replica suite's.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Knex } from 'knex';
import { createSerializer, hydrate, ref, refOf } from '@cereal/core';
import { msgpackFormat } from '@cereal/msgpack';
import { rejects } from './fixtures.js';
import { prepared, type LoaderTarget, type Served } from './target.js';
import { tableNames } from './tables.js';

interface Context<Db> {
  primary: Knex;
  replica: Knex;
  p: Db;
  r: Db;
  t: Record<'users' | 'lines', string>;
}

/** Creates the suite's two tables with their rows on one side. */
async function seed(db: Knex, t: Context<unknown>['t'], users: { id: number; name: string; lock_version: number }[]): Promise<void> {
  await db.schema.createTable(t.users, (tb) => {
    tb.integer('id').primary();
    tb.string('name');
    tb.integer('lock_version').notNullable();
  });
  await db.schema.createTable(t.lines, (tb) => {
    tb.integer('order_id');
    tb.integer('line');
    tb.string('sku');
    tb.integer('lock_version').notNullable();
    tb.primary(['order_id', 'line']);
  });
  if (users.length > 0) await db(t.users).insert(users);
}

export function testReplicas<Db>(target: LoaderTarget<Db>): void {
  const Replicas = suite<Context<Db>>(`testReplicas(${target.name})`, {} as never);
  const pair = (ctx: Context<Db>, onServed?: (event: Served) => void) => {
    if (target.replicaLoaders === undefined) throw new Error(`${target.name} has no replicaLoaders`);
    return target.replicaLoaders(ctx.p, ctx.r, { users: { table: ctx.t.users, version: 'lock_version' }, lines: { table: ctx.t.lines, primaryKey: ['order_id', 'line'], version: 'lock_version' } }, onServed);
  };

  Replicas.before.each(async (ctx) => {
    ctx.t = tableNames('rep', ['users', 'lines'] as const);
    ctx.primary = target.fixtures();
    ctx.replica = target.fixtures();
    // The primary is ahead: user 2 has moved on to version 2, user 3 exists only there.
    await seed(ctx.primary, ctx.t, [{ id: 1, name: 'Ada', lock_version: 1 }, { id: 2, name: 'Grace Hopper', lock_version: 2 }, { id: 3, name: 'Edsger', lock_version: 1 }]);
    await seed(ctx.replica, ctx.t, [{ id: 1, name: 'Ada', lock_version: 1 }, { id: 2, name: 'Grace', lock_version: 1 }]);
    await ctx.primary(ctx.t.lines).insert({ order_id: 7, line: 1, sku: 'new', lock_version: 3 });
    await ctx.replica(ctx.t.lines).insert({ order_id: 7, line: 1, sku: 'old', lock_version: 2 });
    ctx.p = target.open(ctx.primary);
    ctx.r = target.open(ctx.replica);
  });

  Replicas.after.each(async (ctx) => {
    await target.close(ctx.p, ctx.primary);
    await target.close(ctx.r, ctx.replica);
    await ctx.primary.destroy();
    await ctx.replica.destroy();
  });

  Replicas('version: serializer.ref and a hydrated row encoded again carry the row\'s version', async (ctx) => {
    const users = target.loader(ctx.p, { table: ctx.t.users, version: 'lock_version' });
    assert.is(users.versionOf?.({ id: 2, lock_version: 2 }), 2);
    const cereal = createSerializer({ format: msgpackFormat(), loaders: { users } });
    const { u } = await cereal.decode(cereal.encode({ u: ref('users', 2) })) as { u: Record<string, unknown> };
    assert.is(cereal.ref('users', u).version, 2);
    const again = await cereal.decode(cereal.encode({ u }), { consistency: 'at-least' }) as { u: Record<string, unknown> };
    assert.is(refOf(again.u)?.version, 2, 'the re-encoded row was pinned to version 2');
  });

  Replicas("version: consistency 'at-least' on one database: a row older than its pin is STALE, retryable", async (ctx) => {
    const users = target.loader(ctx.r, { table: ctx.t.users, version: 'lock_version' });
    const err = await rejects(() => hydrate([ref('users', 1, 1), ref('users', 2, 2), ref('users', 3, 1)], { users }, { consistency: 'at-least' }));
    assert.is(err.code, 'STALE');
    assert.is(err.retryable, true);
    assert.equal(err.refs?.map(String), ['users:2@2', 'users:3@1']);
  });

  Replicas('version: columns without the version column still select it', async (ctx) => {
    const [row] = await target.loader(ctx.p, { table: ctx.t.users, columns: ['name'], version: 'lock_version' }).load([1]);
    assert.equal(Object.keys(row!).sort(), ['id', 'lock_version', 'name']);
  });

  Replicas('version: a column the table lacks is INVALID_OPTION, not pins silently unchecked: when the loader is built (where it knows the fields) or at prepare(), before any row', async (ctx) => {
    const err = await rejects(async () => {
      const loader = target.loader(ctx.p, { table: ctx.t.users, columns: ['name'], version: 'updated_at' });
      await loader.prepare?.();
    });
    assert.is(err.code, 'INVALID_OPTION', err.message);
    assert.is(err.retryable, false);
    assert.match(err.message, /updated_at/);
  });

  Replicas('replica: rows the replica holds at their pin come from it; older or missing ones from the primary, in one more statement', async (ctx) => {
    const events: Served[] = [];
    const loaders = await prepared(pair(ctx, (e) => events.push(e)));
    const value = { a: ref('users', 1, 1), b: ref('users', 2, 2), c: ref('users', 3), line: ref('lines', [7, 1], 3) };
    const [[out, onReplica], onPrimary] = await target.watch(ctx.p, () => target.watch(ctx.r, () => hydrate(value, loaders, { consistency: 'at-least' })));
    const rows = out as unknown as Record<string, Record<string, unknown>>;
    assert.is(rows.a!.name, 'Ada');
    assert.is(rows.b!.name, 'Grace Hopper', 'the replica\'s version 1 is older than the pin: read from the primary');
    assert.is(rows.c!.name, 'Edsger', 'missing on the replica: read from the primary');
    assert.is(rows.line!.sku, 'new');
    assert.is(onReplica.statements, 2, 'one statement per model on the replica');
    assert.is(onPrimary.statements, 2, 'one more per model on the primary');
    assert.equal(loaders.users!.served, { replica: 1, primary: 2 });
    assert.equal(loaders.lines!.served, { replica: 0, primary: 1 });
    assert.equal(events.map((e) => [e.model, e.replica, e.primary, e.again]).sort(), [['lines', 0, 1, 1], ['users', 1, 2, 2]]);
  });

  Replicas('replica: without pins, only missing rows go to the primary; a replica that holds every row is the only one read', async (ctx) => {
    const loaders = await prepared(pair(ctx));
    const [[out], onPrimary] = await target.watch(ctx.p, () => target.watch(ctx.r, () => hydrate([ref('users', 1), ref('users', 2)], loaders)));
    assert.equal((out as unknown as Record<string, unknown>[]).map((r) => r.name), ['Ada', 'Grace'], "'latest' without pins: the replica's row is taken as it is");
    assert.is(onPrimary.statements, 0);
    const missing = await hydrate([ref('users', 3)], loaders);
    assert.is((missing[0] as unknown as Record<string, unknown>).name, 'Edsger');
    assert.equal(loaders.users!.served, { replica: 2, primary: 1 });
  });

  Replicas('replica: a row missing on both sides is MISSING_ROW, and a pinned one STALE under at-least', async (ctx) => {
    const loaders = await prepared(pair(ctx));
    assert.is((await rejects(() => hydrate([ref('users', 9)], loaders))).code, 'MISSING_ROW');
    assert.is((await rejects(() => hydrate([ref('users', 9, 1)], loaders, { consistency: 'at-least' }))).code, 'STALE');
  });

  Replicas('replica: the map is checked: one handle for both sides, an onServed that is no function', async (ctx) => {
    assert.is((await rejects(async () => target.replicaLoaders!(ctx.p, ctx.p, { users: { table: ctx.t.users } }))).code, 'INVALID_OPTION');
    assert.is((await rejects(async () => target.replicaLoaders!(ctx.p, ctx.r, { users: { table: ctx.t.users } }, 5 as never))).code, 'INVALID_OPTION');
  });

  Replicas('replica: an onServed that throws never fails a load', async (ctx) => {
    const loaders = await prepared(pair(ctx, () => {
      throw new Error('metrics down');
    }));
    const out = await hydrate([ref('users', 3)], loaders);
    assert.is((out[0] as unknown as Record<string, unknown>).name, 'Edsger');
  });

  Replicas.run();
}
