/**
 * End to end on a real Redis (CEREAL_REDIS_URL): jobs carry refs, workers get fresh rows.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Job } from 'bullmq';
import { createSerializer, ref, type Loader } from '@cereal/core';
import { msgpackFormat } from '@cereal/msgpack';
import { toJobData, withRefs } from '../src/index.js';
import { harness, next, settled, type Harness, type User } from './_redis.js';

const url = process.env.CEREAL_REDIS_URL;

/** A loader of `users` that fails as a driver does while the database is down, until `up()`. */
const flaky = (real: Loader) => {
  const state = { down: true, loads: 0 };
  const users: Loader = {
    keyOf: real.keyOf,
    load: async (pks) => {
      state.loads++;
      if (state.down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      return real.load(pks);
    },
  };
  return { state, cereal: createSerializer({ format: msgpackFormat(), loaders: { users } }) };
};

if (url === undefined || url === '') {
  console.log('\n  !! SKIPPED: the BullMQ/Redis suite did not run. Set CEREAL_REDIS_URL=redis://127.0.0.1:6379 to run it.\n');
} else {
  const Redis_ = suite<{ h: Harness }>('bullmq on Redis', {} as never);
  Redis_.before.each(async (ctx) => {
    ctx.h = await harness(url);
  });
  Redis_.after.each(async (ctx) => {
    await ctx.h.close();
  });

  Redis_('1000 jobs, two workers, rows changed after enqueueing: every job sees the new rows, none is lost', async ({ h }) => {
    const q = h.queue();
    await q.addBulk(Array.from({ length: 1000 }, (_, i) => ({ name: 'welcome', data: toJobData(h.cereal, { user: ref('users', i + 1), seq: i + 1 }) })));
    await h.db('users').update({ name: h.db.raw("name || ' (renamed)'") });
    const seen = new Map<string, string>();
    const byWorker = [0, 0];
    const process = (w: number) => withRefs<{ user: User; seq: number }, number>(h.cereal, async ({ user, seq }, job) => {
      assert.is(user.id, seq);
      seen.set(job.id!, user.name);
      byWorker[w]!++;
      return user.id;
    });
    const workers = [h.worker(q, process(0), 8), h.worker(q, process(1), 8)];
    const all = settled(workers, 1000);
    for (const w of workers) void w.run();
    await all;
    assert.is(seen.size, 1000);
    assert.ok([...seen.values()].every((name) => name.endsWith(' (renamed)')));
    assert.ok(byWorker[0]! > 0 && byWorker[1]! > 0, `both workers took jobs: ${byWorker.join(' + ')}`);
    const counts = await q.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed');
    assert.equal(counts, { completed: 1000, failed: 0, waiting: 0, active: 0, delayed: 0 });
  });

  Redis_('job data stays small and holds no row content', async ({ h }) => {
    const q = h.queue();
    const job = await q.add('welcome', toJobData(h.cereal, { user: ref('users', 42) }));
    const stored = JSON.stringify((await q.getJob(job.id!))!.data);
    assert.ok(stored.length < 100, `${stored.length} bytes: ${stored}`);
    assert.not.match(stored, /user 42|u42@example/);
    const row = (await h.db('users').where({ id: 42 }).first()) as object;
    assert.ok(JSON.stringify(row).length > 40); // the row itself is bigger than the job's reference to it
  });

  Redis_('a missing row fails the job once and it is not retried', async ({ h }) => {
    const q = h.queue();
    let ran = 0;
    const w = h.worker(q, withRefs(h.cereal, async () => ++ran));
    const done = settled([w], 1);
    void w.run();
    const job = await q.add('welcome', toJobData(h.cereal, { user: ref('users', 99_999) }), { attempts: 5, backoff: { type: 'fixed', delay: 10 } });
    await done;
    const failed = (await q.getJob(job.id!))!;
    assert.is(await failed.getState(), 'failed');
    assert.is(failed.attemptsMade, 1);
    assert.match(failed.failedReason, /^MISSING_ROW: .*users:99999/);
    assert.is(ran, 0);
  });

  Redis_('a processor that returns refs fails the job once, not with every retry', async ({ h }) => {
    const q = h.queue();
    const cereal = createSerializer({ format: msgpackFormat(), loaders: { users: h.users }, missing: 'keep' });
    let ran = 0;
    const w = h.worker(q, withRefs(cereal, async (data) => (ran++, data)));
    const done = settled([w], 1);
    void w.run();
    const job = await q.add('welcome', toJobData(cereal, { user: ref('users', 99_999) }), { attempts: 5, backoff: { type: 'fixed', delay: 10 } });
    await done;
    const failed = (await q.getJob(job.id!))!;
    assert.is(await failed.getState(), 'failed');
    assert.is(failed.attemptsMade, 1);
    assert.match(failed.failedReason, /^MALFORMED: .*returned 1 ref \(`users:99999`\)/);
    assert.is(ran, 1);
  });

  Redis_('a failed load fails the attempt with a failedReason that starts `LOAD_FAILED:`, and the job waits for its retry', async ({ h }) => {
    const q = h.queue();
    const { cereal } = flaky(h.users);
    const w = h.worker(q, withRefs(cereal, async () => 1));
    const failed = next<[Job | undefined, Error]>(w, 'failed');
    void w.run();
    const job = await q.add('welcome', toJobData(cereal, { user: ref('users', 7) }), { attempts: 3, backoff: { type: 'fixed', delay: 60_000 } });
    const [, err] = await failed;
    const stored = (await q.getJob(job.id!))!;
    assert.is(await stored.getState(), 'delayed');
    assert.is(stored.attemptsMade, 1);
    assert.match(stored.failedReason, /^LOAD_FAILED: \[cereal\] loading 1 row of model `users` failed.*ECONNREFUSED/);
    assert.is(stored.failedReason, err.message);
  });

  Redis_('a database outage during processing is retried, then succeeds with the row as it is then', async ({ h }) => {
    const q = h.queue();
    const { cereal, state } = flaky(h.users);
    const w = h.worker(q, withRefs<{ user: User }, string>(cereal, async ({ user }) => user.name));
    w.on('failed', (job) => {
      if (job !== undefined && job.attemptsMade >= 2) state.down = false;
    });
    const job = await q.add('welcome', toJobData(cereal, { user: ref('users', 7) }), { attempts: 5, backoff: { type: 'fixed', delay: 50 } });
    await h.db('users').where({ id: 7 }).update({ name: 'user 7 (renamed)' });
    const done = next<[Job]>(w, 'completed');
    void w.run();
    const [completed] = await done;
    assert.is(completed.id, job.id);
    assert.is(completed.attemptsMade, 3);
    assert.is(completed.returnvalue, 'user 7 (renamed)');
    assert.is(state.loads, 3);
  });

  // Without missingRetry, a young job whose row is missing fails at its first attempt: 'a missing
  // row fails the job once and it is not retried' above.

  Redis_('missingRetry: a job that runs before its row is visible is retried, and completes once the row is there', async ({ h }) => {
    const q = h.queue();
    const seen: User[] = [];
    const w = h.worker(q, withRefs<{ user: User }, string>(h.cereal, async ({ user }) => (seen.push(user), user.name), { missingRetry: { within: '10s' } }));
    const reasons: string[] = [];
    let committed: Promise<unknown> | undefined;
    w.on('failed', (job) => {
      reasons.push(job!.failedReason);
      // the transaction commits after the first attempt (a Knex query runs once awaited)
      committed ??= h.db('users').insert({ id: 5000, name: 'committed late', email: 'late@example.com' }).then(() => undefined);
    });
    const done = next<[Job]>(w, 'completed');
    void w.run();
    const job = await q.add('welcome', toJobData(h.cereal, { user: ref('users', 5000) }), { attempts: 5, backoff: { type: 'fixed', delay: 200 } });
    const [completed] = await done;
    await committed;
    assert.is(completed.id, job.id);
    assert.ok(completed.attemptsMade > 1, `${completed.attemptsMade}`);
    assert.is(completed.returnvalue, 'committed late');
    assert.equal(seen, [{ id: 5000, name: 'committed late', email: 'late@example.com' }]);
    assert.ok(reasons.length >= 1 && reasons.length === completed.attemptsMade - 1, `${reasons.length} failures, ${completed.attemptsMade} attempts`);
    assert.match(reasons[0]!, /^MISSING_ROW: \[bullmq\] retrying: the job is \d+ms old, younger than missingRetry\.within \(10s\), and its rows may not be visible yet \(attempt 1 of 5 failed\)\. \[cereal\] 1 referenced row is missing: `users:5000`$/);
    assert.is(await (await q.getJob(job.id!))!.getState(), 'completed');
  });

  Redis_('missingRetry: a row that never appears fails the job with MISSING_ROW once it is older than `within`', async ({ h }) => {
    const q = h.queue();
    let ran = 0;
    const w = h.worker(q, withRefs(h.cereal, async () => ++ran, { missingRetry: { within: '300ms' } }));
    const done = settled([w], 1);
    void w.run();
    const job = await q.add('welcome', toJobData(h.cereal, { user: ref('users', 99_999) }), { attempts: 20, backoff: { type: 'fixed', delay: 100 } });
    await done;
    const failed = (await q.getJob(job.id!))!;
    assert.is(await failed.getState(), 'failed');
    // retried while younger than 300 ms (attempts at about 0, 100, 200, 300 ms), then failed for good long before 20 attempts
    assert.ok(failed.attemptsMade > 1 && failed.attemptsMade < 10, `${failed.attemptsMade}`);
    assert.ok(failed.finishedOn! - failed.timestamp >= 300, `${failed.finishedOn! - failed.timestamp} ms`);
    assert.match(failed.failedReason, /^MISSING_ROW: \[bullmq\] not retrying: the job is \d+ms old, past missingRetry\.within \(300ms\)\. \[cereal\] 1 referenced row is missing: `users:99999`$/);
    assert.is(ran, 0);
  });

  Redis_('missingRetry: a young job on its last attempt fails with a reason that says it was not retried', async ({ h }) => {
    const q = h.queue();
    const w = h.worker(q, withRefs(h.cereal, async () => 1, { missingRetry: { within: '10s' } }));
    const done = settled([w], 1);
    void w.run();
    const job = await q.add('welcome', toJobData(h.cereal, { user: ref('users', 99_999) }), { attempts: 2, backoff: { type: 'fixed', delay: 50 } });
    await done;
    const failed = (await q.getJob(job.id!))!;
    assert.is(await failed.getState(), 'failed');
    assert.is(failed.attemptsMade, 2);
    assert.match(failed.failedReason, /^MISSING_ROW: \[bullmq\] not retrying: the job is \d+ms old, younger than missingRetry\.within \(10s\), but attempt 2 of 2 was its last\. \[cereal\] 1 referenced row is missing: `users:99999`$/);
  });

  Redis_.run();
}
