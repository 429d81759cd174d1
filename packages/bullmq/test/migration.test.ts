/**
 * A rolling migration from msgpack to JSON on a real Redis (CEREAL_REDIS_URL): producers switch
 * while jobs of the old format are still queued and being processed.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { UnrecoverableError, type Job } from 'bullmq';
import { createSerializer, ref } from '@cereal/core';
import { jsonFormat } from '@cereal/json';
import { toJobData, withRefs } from '../src/index.js';
import { harness, next, settled, type Harness, type User } from './_redis.js';

const url = process.env.CEREAL_REDIS_URL;
const ids = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

if (url === undefined || url === '') {
  console.log('\n  !! SKIPPED: the BullMQ rolling-migration suite did not run. Set CEREAL_REDIS_URL=redis://127.0.0.1:6379 to run it.\n');
} else {
  const Migration = suite<{ h: Harness }>('bullmq on Redis: a rolling migration from msgpack to JSON', {} as never);
  Migration.before.each(async (ctx) => {
    ctx.h = await harness(url);
  });
  Migration.after.each(async (ctx) => {
    await ctx.h.close();
  });
  /** The producers' serializers before (msgpack) and after (JSON) the switch, over one table. */
  const serializers = (h: Harness) => ({ msgpack: h.cereal, json: createSerializer({ format: jsonFormat(), loaders: { users: h.users } }) });

  Migration('producers switch to JSON while msgpack jobs are in flight: a worker accepting both processes every job with fresh rows', async ({ h }) => {
    const { msgpack, json } = serializers(h);
    const q = h.queue();
    // Queued by the old producers, before the deploy.
    await q.addBulk(ids(1, 100).map((id) => ({ name: 'welcome', data: toJobData(msgpack, { user: ref('users', id) }) })));
    // The new producers hold rows they loaded before the rows changed.
    const held = (await json.decode(json.encode(ids(101, 200).map((id) => ref('users', id))))) as User[];
    await h.db('users').update({ name: h.db.raw("name || ' (renamed)'") });

    const seen = new Map<string, { format: string; user: User }>();
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const w = h.worker(q, withRefs<{ user: User }, number>({ msgpack, json }, async ({ user }, job) => {
      if (job.data.format === 'msgpack') await gate; // old-format jobs stay in flight across the switch
      seen.set(job.id!, { format: job.data.format, user });
      return user.id;
    }), 4);
    const all = settled([w], 200);
    const active = next<[Job]>(w, 'active');
    void w.run();
    try {
      assert.is((await active)[0].data.format, 'msgpack');
      await q.addBulk(held.map((user) => ({ name: 'welcome', data: toJobData(json, { user }) })));
    } finally {
      open();
    }
    await all;

    assert.is(seen.size, 200);
    const formats = [...seen.values()].map((s) => s.format);
    assert.equal([formats.filter((f) => f === 'msgpack').length, formats.filter((f) => f === 'json').length], [100, 100]);
    assert.ok([...seen.values()].every(({ user }) => user.name === `user ${user.id} (renamed)`), 'every job saw the row as it is now');
    assert.ok(held.every((user) => !user.name.endsWith('(renamed)'))); // what the JSON jobs were enqueued with
    assert.equal(await q.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed'), { completed: 200, failed: 0, waiting: 0, active: 0, delayed: 0 });
  });

  Migration('after the migration a worker accepting only JSON fails a leftover msgpack job as MALFORMED without retries, and processes JSON jobs', async ({ h }) => {
    const { msgpack, json } = serializers(h);
    const q = h.queue();
    const retries = { attempts: 5, backoff: { type: 'fixed', delay: 10 } };
    const old = await q.add('welcome', toJobData(msgpack, { user: ref('users', 1) }), retries);
    const fresh = await q.add('welcome', toJobData(json, { user: ref('users', 2) }), retries);
    const ran: number[] = [];
    const w = h.worker(q, withRefs<{ user: User }, string>({ json }, async ({ user }) => {
      ran.push(user.id);
      return user.name;
    }));
    const reasons: Error[] = [];
    w.on('failed', (_job, err) => reasons.push(err));
    const done = settled([w], 2);
    void w.run();
    await done;

    const failed = (await q.getJob(old.id!))!;
    assert.is(await failed.getState(), 'failed');
    assert.is(failed.attemptsMade, 1);
    assert.match(failed.failedReason, /^MALFORMED: \[cereal\] \[bullmq\] job data was written in `msgpack`; this worker reads `json`/);
    assert.instance(reasons[0], UnrecoverableError);
    const completed = (await q.getJob(fresh.id!))!;
    assert.is(await completed.getState(), 'completed');
    assert.is(completed.returnvalue, 'user 2');
    assert.equal(ran, [2]);
  });

  Migration.run();
}
