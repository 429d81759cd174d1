/**
 * Transactions and replicas, end to end (CEREAL_REDIS_URL, CEREAL_PG_URL and
 * CEREAL_PG_REPLICA_URL, the streaming replica scripts/pg-replica.sh makes): jobs enqueued right
 * after their rows are written on the primary, read by workers through a replica that lags on
 * purpose (recovery_min_apply_delay). Plain replica loaders show the failure every reference-
 * passing system has (missing or old rows); replica-aware loaders with pinned refs show none.
 * And a job enqueued inside a transaction: before the commit it fails, with afterCommit it runs.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import knex, { type Knex } from 'knex';
import { CerealError, createSerializer, ref, type Serializer } from '@cereal/core';
import { afterCommit, knexLoaders } from '@cereal/knex';
import { msgpackFormat } from '@cereal/msgpack';
import { replicaUrl, setReplicaDelay, waitForReplica } from '@cereal/testkit';
import { toJobData, withRefs, type JobEnvelope } from '../src/index.js';

const redisUrl = process.env.CEREAL_REDIS_URL;
const pgUrl = process.env.CEREAL_PG_URL;
const replica = replicaUrl();

interface User {
  id: number;
  name: string;
  lock_version: number;
}
interface Job1 {
  user: User;
  owner: User;
  /** The name the job was enqueued for: the row it must see. */
  expect: string;
}

/** How long the replica holds back each commit in these tests. */
const LAG_MS = 3000;
const JOBS = 1000;

if (!redisUrl || !pgUrl || !replica) {
  console.log('\n  !! SKIPPED: the transactions-and-replicas suite did not run. Set CEREAL_REDIS_URL, CEREAL_PG_URL and CEREAL_PG_REPLICA_URL=postgres://postgres@127.0.0.1:5433/test (bash scripts/pg-replica.sh makes the replica) to run it.\n');
} else {
  const Replica = suite<{ primary: Knex; replica: Knex; table: string; redis: Redis[] }>('bullmq: transactions and replicas (PostgreSQL streaming replica)', {} as never);
  let next = 0;

  Replica.before(async (ctx) => {
    ctx.table = `cereal_${process.pid}_${Math.random().toString(36).slice(2, 8).padEnd(6, '0')}_rep`;
    ctx.primary = knex({ client: 'pg', connection: pgUrl, pool: { min: 0, max: 10 } });
    ctx.replica = knex({ client: 'pg', connection: replica, pool: { min: 0, max: 10 } });
    ctx.redis = [];
    await setReplicaDelay(replica, 0);
    await ctx.primary.schema.createTable(ctx.table, (t) => {
      t.integer('id').primary();
      t.string('name');
      t.integer('lock_version').notNullable();
    });
    // rows 1 to JOBS exist long before any job: every replica has them
    await ctx.primary.batchInsert(ctx.table, Array.from({ length: JOBS }, (_, i) => ({ id: i + 1, name: `owner ${i + 1}`, lock_version: 1 })), 500);
    await waitForReplica(pgUrl, replica, 30_000);
    next = 100_000;
  });

  Replica.after(async (ctx) => {
    await setReplicaDelay(replica, 0);
    await waitForReplica(pgUrl, replica, 30_000).catch(() => undefined);
    await ctx.primary.schema.dropTableIfExists(ctx.table);
    await ctx.primary.destroy();
    await ctx.replica.destroy();
    for (const r of ctx.redis) r.disconnect();
  });

  const connection = (ctx: { redis: Redis[] }): Redis => {
    const r = new Redis(redisUrl, { maxRetriesPerRequest: null });
    ctx.redis.push(r);
    return r;
  };

  /**
   * Writes JOBS rows on the primary (half new rows, half updates of rows the replica has at an
   * older version) and enqueues one job for each right after, with the replica lagging; runs them
   * through `cereal` at concurrency 50 and reports what each job saw.
   */
  async function run(ctx: { primary: Knex; table: string; redis: Redis[] }, cereal: Serializer<Uint8Array>, options: { consistency?: 'latest' | 'at-least' }) {
    const start = next;
    next += JOBS;
    await setReplicaDelay(replica!, LAG_MS);
    try {
      // the writes: new rows start..start+JOBS/2, updates of rows start-JOBS/2.. written by the previous run, or owners
      const fresh = Array.from({ length: JOBS / 2 }, (_, i) => ({ id: start + i, name: `new ${start + i}`, lock_version: 1 }));
      await ctx.primary.batchInsert(ctx.table, fresh, 500);
      const updated = await ctx.primary(ctx.table)
        .whereBetween('id', [1, JOBS / 2])
        .update({ name: ctx.primary.raw("'updated ' || id || ' at ' || ?", [start]), lock_version: ctx.primary.raw('lock_version + 1') })
        .returning(['id', 'name', 'lock_version']) as User[];
      const owners = await ctx.primary(ctx.table).whereBetween('id', [JOBS / 2 + 1, JOBS]).select() as User[];
      // interleaved: the first jobs the workers take are of both kinds
      const rows = fresh.flatMap((row, i) => [row, updated[i]!]);
      const queue = new Queue<JobEnvelope>(`cereal-replica-${process.pid}-${start}`, { connection: connection(ctx) });
      await queue.addBulk(rows.map((row, i) => ({
        name: 'greet',
        // refs made from the rows as written: pinned to their versions
        data: toJobData(cereal, { user: cereal.ref('users', row as never), owner: cereal.ref('users', owners[i % owners.length] as never), expect: row.name }),
        opts: { attempts: 1, removeOnComplete: false, removeOnFail: false },
      })));
      const seen = { done: 0, old: 0, failed: new Map<string, number>() };
      const worker = new Worker<JobEnvelope, string | undefined>(queue.name, withRefs<Job1, string>(cereal, async ({ user, expect }) => {
        if (user.name !== expect) seen.old++;
        return user.name;
      }, options), { connection: connection(ctx), concurrency: 50, autorun: false });
      const finished = new Promise<void>((resolve) => {
        const settle = (): void => {
          if (seen.done + [...seen.failed.values()].reduce((a, b) => a + b, 0) === JOBS) resolve();
        };
        worker.on('completed', () => {
          seen.done++;
          settle();
        });
        worker.on('failed', (job: Job | undefined) => {
          const code = /^([A-Z_]+)/.exec(job?.failedReason ?? '')?.[1] ?? 'OTHER';
          seen.failed.set(code, (seen.failed.get(code) ?? 0) + 1);
          settle();
        });
      });
      const began = Date.now();
      void worker.run();
      // cleared once the jobs finish: a pending 60 s timer would keep the process alive that long
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([finished, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('the jobs did not finish in 60 s')), 60_000)))]).finally(() => clearTimeout(timer));
      const ms = Date.now() - began;
      await worker.close();
      await queue.obliterate({ force: true });
      await queue.close();
      return { ...seen, ms };
    } finally {
      await setReplicaDelay(replica!, 0);
    }
  }

  Replica('plain replica loaders: jobs enqueued right after their rows were written see them missing or old (the setup is real)', async (ctx) => {
    const cereal = createSerializer({ format: msgpackFormat(), loaders: knexLoaders(ctx.replica, { users: { table: ctx.table, version: 'lock_version' } }) });
    const seen = await run(ctx, cereal, {});
    const missing = seen.failed.get('MISSING_ROW') ?? 0;
    console.log(`    plain replica loaders: ${JOBS} jobs in ${seen.ms} ms, ${seen.done} done, ${missing} MISSING_ROW, ${seen.old} saw an old row`);
    assert.ok(missing > 0, 'some jobs found their new row missing on the replica');
    assert.ok(seen.old > 0, 'some jobs read an old version of their row');
  });

  Replica("replica-aware loaders and pinned refs (consistency 'at-least'): 0 missing, 0 stale, every job done; the replica serves what it can", async (ctx) => {
    const loaders = knexLoaders({ primary: ctx.primary, replica: ctx.replica }, { users: { table: ctx.table, version: 'lock_version' } });
    const cereal = createSerializer({ format: msgpackFormat(), loaders, consistency: 'at-least' });
    const seen = await run(ctx, cereal, {});
    const { replica: fromReplica, primary: fromPrimary } = loaders.users.served!;
    const share = fromReplica / (fromReplica + fromPrimary);
    console.log(`    replica-aware loaders: ${JOBS} jobs in ${seen.ms} ms, ${seen.done} done, failures ${JSON.stringify(Object.fromEntries(seen.failed))}; rows served: replica ${fromReplica}, primary ${fromPrimary} (${(share * 100).toFixed(1)}% from the replica)`);
    assert.equal(Object.fromEntries(seen.failed), {});
    assert.is(seen.done, JOBS);
    assert.is(seen.old, 0);
    assert.ok(fromReplica >= JOBS, 'every job\'s owner row, unchanged for long, came from the replica');
    assert.ok(fromPrimary > 0 && fromPrimary <= JOBS, 'the rows written just before came from the primary, at most one per job');
  });

  Replica("pinned refs on the plain replica loader with 'at-least': STALE, retryable, never an old row", async (ctx) => {
    const plain = knexLoaders<{ users: User }>(ctx.replica, { users: { table: ctx.table, version: 'lock_version' } });
    const cereal = createSerializer({ format: msgpackFormat(), loaders: plain, consistency: 'at-least' });
    await setReplicaDelay(replica, LAG_MS);
    try {
      const [row] = await ctx.primary(ctx.table).where({ id: 1 }).update({ lock_version: ctx.primary.raw('lock_version + 1') }).returning('*') as User[];
      const err = await cereal.decode(cereal.encode({ u: cereal.ref('users', row!) })).then(() => undefined, (e: unknown) => e);
      assert.instance(err, CerealError);
      assert.is((err as CerealError).code, 'STALE');
      assert.is((err as CerealError).retryable, true);
    } finally {
      await setReplicaDelay(replica, 0);
    }
  });

  Replica('a job enqueued inside a transaction: before the commit it fails with MISSING_ROW; with afterCommit it runs', async (ctx) => {
    const cereal = createSerializer({ format: msgpackFormat(), loaders: knexLoaders(ctx.primary, { users: ctx.table }) });
    const queue = new Queue<JobEnvelope>(`cereal-trx-${process.pid}-${next++}`, { connection: connection(ctx) });
    const outcome = new Map<string, string>();
    const worker = new Worker<JobEnvelope, string | undefined>(queue.name, withRefs<{ user: User }, string>(cereal, async ({ user }) => user.name), { connection: connection(ctx), concurrency: 10 });
    const settled = (name: string): Promise<string> =>
      new Promise((resolve) => {
        const check = (job: Job | undefined, result: string): void => {
          if (job?.name !== name) return;
          outcome.set(name, result);
          resolve(result);
        };
        worker.on('completed', (job: Job) => check(job, `done: ${job.returnvalue}`));
        worker.on('failed', (job: Job | undefined) => check(job, `failed: ${job?.failedReason}`));
      });
    try {
      const before = settled('before');
      const after = settled('after');
      await ctx.primary.transaction(async (trx) => {
        await trx(ctx.table).insert([{ id: 90_001, name: 'Before', lock_version: 1 }, { id: 90_002, name: 'After', lock_version: 1 }]);
        await queue.add('before', toJobData(cereal, { user: ref('users', 90_001) }), { attempts: 1 });
        afterCommit(trx, () => queue.add('after', toJobData(cereal, { user: ref('users', 90_002) }), { attempts: 1 }));
        await before; // the worker ran the first job while the transaction was open
      });
      assert.match(await before, /^failed: MISSING_ROW/);
      assert.is(await after, 'done: After');
    } finally {
      await worker.close();
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });

  Replica.run();
}
