/**
 * End to end on a real Redis (CEREAL_REDIS_URL): jobs carry refs, workers get fresh rows.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import knex, { type Knex } from 'knex';
import { createSerializer, ref, type Loader, type Serializer } from '@cereal/core';
import { knexLoader } from '@cereal/knex';
import { msgpackFormat } from '@cereal/msgpack';
import { toJobData, withRefs, type JobEnvelope } from '../src/index.js';

const url = process.env.CEREAL_REDIS_URL;
type User = { id: number; name: string; email: string };

/** Resolves once `count` jobs have reached one of the given events on these workers. */
function settled(workers: Worker[], count: number, ms = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = 0;
    const timer = setTimeout(() => reject(new Error(`only ${seen} of ${count} jobs settled within ${ms} ms`)), ms);
    const done = (): void => {
      if (++seen === count) {
        clearTimeout(timer);
        resolve();
      }
    };
    for (const w of workers) {
      w.on('completed', done);
      w.on('failed', (job) => {
        // a failure that will be retried has not settled yet
        if (job === undefined || job.attemptsMade >= (job.opts.attempts ?? 1) || job.finishedOn !== undefined) done();
      });
    }
  });
}

if (url === undefined || url === '') {
  console.log('\n  !! SKIPPED: the BullMQ/Redis suite did not run. Set CEREAL_REDIS_URL=redis://127.0.0.1:6379 to run it.\n');
} else {
  type Ctx = { db: Knex; redis: Redis[]; queues: Queue[]; workers: Worker[]; cereal: Serializer<Uint8Array> };
  const Redis_ = suite<Ctx>('bullmq on Redis', {} as never);
  const prefix = `cereal-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  let n = 0;
  const connect = (ctx: Ctx): Redis => {
    const redis = new Redis(url, { maxRetriesPerRequest: null });
    ctx.redis.push(redis);
    return redis;
  };
  const queue = (ctx: Ctx): Queue<JobEnvelope> => {
    const q = new Queue<JobEnvelope>(`${prefix}-${++n}`, { connection: connect(ctx) });
    ctx.queues.push(q);
    return q;
  };
  const worker = <R>(ctx: Ctx, q: Queue, processor: (job: Job<JobEnvelope>) => Promise<R>, concurrency = 1): Worker<JobEnvelope, R | undefined> => {
    const w = new Worker<JobEnvelope, R | undefined>(q.name, processor, { connection: connect(ctx), concurrency, autorun: false });
    ctx.workers.push(w);
    return w;
  };

  Redis_.before(async (ctx) => {
    ctx.redis = [];
    ctx.queues = [];
    ctx.workers = [];
    ctx.db = knex({ client: 'better-sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
    await ctx.db.schema.createTable('users', (t) => {
      t.integer('id').primary();
      t.string('name');
      t.string('email');
    });
    await ctx.db.batchInsert('users', Array.from({ length: 1000 }, (_, i) => ({ id: i + 1, name: `user ${i + 1}`, email: `u${i + 1}@example.com` })), 400);
    ctx.cereal = createSerializer({ format: msgpackFormat(), loaders: { users: knexLoader(ctx.db, { table: 'users' }) } });
  });

  Redis_.after(async (ctx) => {
    for (const w of ctx.workers) await w.close();
    for (const q of ctx.queues) {
      await q.obliterate({ force: true });
      await q.close();
    }
    for (const r of ctx.redis) r.disconnect();
    await ctx.db.destroy();
  });

  Redis_('1000 jobs, two workers, rows changed after enqueueing: every job sees the new rows, none is lost', async (ctx) => {
    const q = queue(ctx);
    await q.addBulk(Array.from({ length: 1000 }, (_, i) => ({ name: 'welcome', data: toJobData(ctx.cereal, { user: ref('users', i + 1), seq: i + 1 }) })));
    await ctx.db('users').update({ name: ctx.db.raw("name || ' (renamed)'") });
    const seen = new Map<string, string>();
    const byWorker = [0, 0];
    const process = (w: number) => withRefs<{ user: User; seq: number }, number>(ctx.cereal, async ({ user, seq }, job) => {
      assert.is(user.id, seq);
      seen.set(job.id!, user.name);
      byWorker[w]!++;
      return user.id;
    });
    const workers = [worker(ctx, q, process(0), 8), worker(ctx, q, process(1), 8)];
    const all = settled(workers, 1000);
    for (const w of workers) void w.run();
    await all;
    assert.is(seen.size, 1000);
    assert.ok([...seen.values()].every((name) => name.endsWith(' (renamed)')));
    assert.ok(byWorker[0]! > 0 && byWorker[1]! > 0, `both workers took jobs: ${byWorker.join(' + ')}`);
    const counts = await q.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed');
    assert.equal(counts, { completed: 1000, failed: 0, waiting: 0, active: 0, delayed: 0 });
  });

  Redis_('job data stays small and holds no row content', async (ctx) => {
    const q = queue(ctx);
    const job = await q.add('welcome', toJobData(ctx.cereal, { user: ref('users', 42) }));
    const stored = JSON.stringify((await q.getJob(job.id!))!.data);
    assert.ok(stored.length < 80, `${stored.length} bytes: ${stored}`);
    assert.not.match(stored, /user 42|u42@example|renamed/);
    const row = (await ctx.db('users').where({ id: 42 }).first()) as object;
    assert.ok(JSON.stringify(row).length > 40); // the row itself is bigger than the job's reference to it
  });

  Redis_('a missing row fails the job once and it is not retried', async (ctx) => {
    const q = queue(ctx);
    let ran = 0;
    const w = worker(ctx, q, withRefs(ctx.cereal, async () => ++ran));
    const done = settled([w], 1);
    void w.run();
    const job = await q.add('welcome', toJobData(ctx.cereal, { user: ref('users', 99_999) }), { attempts: 5, backoff: { type: 'fixed', delay: 10 } });
    await done;
    const failed = (await q.getJob(job.id!))!;
    assert.is(await failed.getState(), 'failed');
    assert.is(failed.attemptsMade, 1);
    assert.match(failed.failedReason, /MISSING_ROW.*users:99999/);
    assert.is(ran, 0);
  });

  Redis_('a database outage during processing is retried, then succeeds with the row as it is then', async (ctx) => {
    const q = queue(ctx);
    const real = knexLoader(ctx.db, { table: 'users' });
    let outage = true;
    let loads = 0;
    // The loader fails as a driver does while the database is down.
    const users: Loader = {
      keyOf: real.keyOf,
      load: async (pks) => {
        loads++;
        if (outage) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
        return real.load(pks);
      },
    };
    const cereal = createSerializer({ format: msgpackFormat(), loaders: { users } });
    const w = worker(ctx, q, withRefs<{ user: User }, string>(cereal, async ({ user }) => user.name));
    w.on('failed', (job) => {
      if (job !== undefined && job.attemptsMade >= 2) outage = false;
    });
    const done = new Promise<Job>((resolve) => w.on('completed', resolve));
    void w.run();
    const job = await q.add('welcome', toJobData(cereal, { user: ref('users', 7) }), { attempts: 5, backoff: { type: 'fixed', delay: 50 } });
    const completed = await done;
    assert.is(completed.id, job.id);
    assert.is(completed.attemptsMade, 3);
    assert.is(completed.returnvalue, 'user 7 (renamed)');
    assert.is(loads, 3);
  });

  Redis_.run();
}
