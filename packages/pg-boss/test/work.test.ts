/**
 * work() and send() on the machine's PostgreSQL (CEREAL_PG_URL): batches hydrated together,
 * each job settled on its own, failures classified as in every cereal queue package.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createSerializer, ref } from '@cereal/core';
import { knexLoaders } from '@cereal/knex';
import { msgpackFormat } from '@cereal/msgpack';
import { send, work, jobsFor, type BossJob } from '../src/index.js';
import { FAST, harness, pgUrl, settledJob, sleep, until, type Harness, type User } from './_boss.js';

type Output = { code?: string; message?: string; refs?: string[]; discarded?: string; name?: string };

if (!pgUrl) {
  console.log('\n  !! SKIPPED: the pg-boss work/send suite did not run. Set CEREAL_PG_URL to run it.\n');
} else {
  const Work = suite<{ h: Harness }>('pg-boss: work and send', {} as never);
  Work.before.each(async (ctx) => {
    ctx.h = await harness(100);
  });
  Work.after.each(async ({ h }) => {
    await h.close();
  });

  Work('a batch is hydrated together: 20 jobs, one statement for their users, each job its own rows', async ({ h }) => {
    const boss = await h.boss();
    const name = await h.queue(boss);
    const ids: string[] = [];
    for (let i = 1; i <= 20; i++) ids.push((await send(boss, name, h.cereal, { user: ref('users', i), also: [ref('users', 21 - i)] }))!);
    await h.db(h.table).update({ name: h.db.raw(`'fresh ' || id`) }); // changed after send: the worker sees this
    const before = h.statements();
    const seen = new Map<string, { user: User; also: User[] }>();
    const jobs = jobsFor(h.cereal);
    await jobs.work<{ user: ReturnType<typeof ref<'users'>>; also: ReturnType<typeof ref<'users'>>[] }>(boss, name, async (data, job) => {
      seen.set(job.id, data as never);
      return { id: data.user.id };
    }, { ...FAST, batchSize: 20 });
    await until(() => seen.size === 20, 15_000, '20 jobs handled');
    assert.is(h.statements() - before, 1, 'one statement for the whole batch');
    for (const [i, id] of ids.entries()) {
      const data = seen.get(id)!;
      assert.is(data.user.id, i + 1);
      assert.is(data.user.name, `fresh ${i + 1}`);
      assert.is(data.also[0]!.id, 20 - i);
    }
    // Each job its own row objects: one job mutating its user changes no other job's.
    const a = seen.get(ids[0]!)!;
    const b = seen.get(ids[19]!)!;
    assert.is(a.user.id, b.also[0]!.id);
    assert.is.not(a.user, b.also[0]);
    const done = await settledJob<unknown>(boss, name, ids[4]!);
    assert.is(done.state, 'completed');
    assert.equal(done.output, { id: 5 });
  });

  Work('a missing row fails only its own job, without retries, dead-lettered with the code and the refs', async ({ h }) => {
    const boss = await h.boss();
    const name = await h.queue(boss, { retryLimit: 3, retryDelay: 0 });
    const good = (await send(boss, name, h.cereal, { user: ref('users', 1) }))!;
    const gone = (await send(boss, name, h.cereal, { user: ref('users', 2), other: ref('users', 99999) }))!;
    const handled: string[] = [];
    await work(boss, name, h.cereal, async (_data, job) => void handled.push(job.id), { ...FAST, batchSize: 10 });
    const failed = await settledJob(boss, name, gone);
    assert.is(failed.state, 'failed');
    assert.is(failed.retryCount, 0, 'not retried');
    const output = failed.output as Output;
    assert.is(output.code, 'MISSING_ROW');
    assert.equal(output.refs, ['users:99999']);
    assert.match(output.message!, /^MISSING_ROW: \[cereal\] 1 referenced row is missing: `users:99999`/);
    assert.is((await settledJob(boss, name, good)).state, 'completed');
    assert.equal(handled, [good]);
    const dead = await boss.findJobs(`${name}_dead`);
    assert.is(dead.length, 1, 'one job in the dead letter queue');
  });

  Work("onMissingRow 'discard': the job completes without the handler, its output says why", async ({ h }) => {
    const boss = await h.boss();
    const name = await h.queue(boss);
    const gone = (await send(boss, name, h.cereal, { user: ref('users', 5000) }))!;
    let handled = 0;
    await work(boss, name, h.cereal, async () => void handled++, { ...FAST, onMissingRow: 'discard' });
    const job = await settledJob(boss, name, gone);
    assert.is(job.state, 'completed');
    assert.is(handled, 0);
    const output = job.output as Output;
    assert.is(output.code, 'MISSING_ROW');
    assert.equal(output.refs, ['users:5000']);
    assert.match(output.discarded!, /^discarded by cereal: 1 referenced row is gone: `users:5000`$/);
  });

  Work('job data cereal cannot read fails without retries: not an envelope, bad base64, a format not accepted, an unknown model', async ({ h }) => {
    const boss = await h.boss();
    const name = await h.queue(boss, { retryLimit: 2 });
    const ids = [
      (await boss.send(name, { hello: 'world' }))!,
      (await boss.send(name, { $cereal: 1, format: 'msgpack', encoding: 'base64', payload: '!!!!' }))!,
      (await boss.send(name, { $cereal: 1, format: 'yaml', encoding: 'text', payload: 'a: 1' }))!,
      (await boss.send(name, { $cereal: 1, format: 'msgpack', encoding: 'base64', payload: Buffer.from(h.cereal.encode({ x: 1 })).toString('base64') }))!,
    ];
    let handled = 0;
    await work(boss, name, h.cereal, async () => void handled++, { ...FAST, batchSize: 10 });
    const outputs = await Promise.all(ids.map(async (id) => (await settledJob(boss, name, id)).output as Output));
    assert.equal(outputs.map((o) => o?.code), ['MALFORMED', 'MALFORMED', 'MALFORMED', undefined]);
    assert.match(outputs[0]!.message!, /\[pg-boss\] job data is not a cereal envelope .*write it with send\(boss, name, serializer, value\)/);
    assert.match(outputs[2]!.message!, /written in `yaml`; this worker reads `msgpack`/);
    assert.is(handled, 1, 'the one readable job ran');
    for (const id of ids.slice(0, 3)) assert.is((await settledJob(boss, name, id)).retryCount, 0);
  });

  Work('a handler that throws fails its job, which pg-boss retries with its retryLimit; the output is the error', async ({ h }) => {
    const boss = await h.boss();
    const name = await h.queue(boss, { retryLimit: 2, retryDelay: 0 });
    const id = (await send(boss, name, h.cereal, { user: ref('users', 3) }))!;
    const attempts: number[] = [];
    await work(boss, name, h.cereal, async (data: unknown, job: BossJob) => {
      attempts.push(job.retryCount);
      if (job.retryCount === 0) throw new TypeError('smtp down');
      return { sent: (data as { user: User }).user.email };
    }, FAST);
    const job = await settledJob(boss, name, id, 20_000);
    assert.is(job.state, 'completed');
    assert.equal(attempts, [0, 1]);
    assert.equal(job.output, { sent: 'u3@example.com' });
  });

  Work('a handler that throws on every attempt: the job fails with the last error as its output', async ({ h }) => {
    const boss = await h.boss();
    const name = await h.queue(boss, { retryLimit: 1, retryDelay: 0 });
    const id = (await send(boss, name, h.cereal, { user: ref('users', 3) }))!;
    await work(boss, name, h.cereal, async () => {
      throw new RangeError('always');
    }, FAST);
    const job = await settledJob(boss, name, id, 20_000);
    assert.is(job.state, 'failed');
    assert.is(job.retryCount, 1);
    assert.equal(job.output, { name: 'RangeError', message: 'always' });
  });

  Work('missingRetry: a young job whose row is not there yet is retried, and runs once the row is', async ({ h }) => {
    const boss = await h.boss();
    const name = await h.queue(boss, { retryLimit: 10, retryDelay: 1 });
    const id = (await send(boss, name, h.cereal, { user: ref('users', 500) }))!;
    const names: string[] = [];
    await work(boss, name, h.cereal, async (data) => void names.push((data as { user: User }).user.name), { ...FAST, missingRetry: { within: '1m' } });
    await until(async () => ((await boss.findJobs(name, { id }))[0]?.retryCount ?? 0) >= 1, 15_000, 'a first retry');
    const [retrying] = await boss.findJobs(name, { id });
    assert.match((retrying!.output as Output).message!, /^MISSING_ROW: \[pg-boss\] retrying: the job is \d+ms old, younger than missingRetry\.within \(1m\), and its rows may not be visible yet \(attempt \d+ of 11 failed\)/);
    await h.db(h.table).insert({ id: 500, name: 'late', email: 'late@example.com' });
    const job = await settledJob(boss, name, id, 20_000);
    assert.is(job.state, 'completed');
    assert.equal(names, ['late']);
  });

  Work('missingRetry on a job without retries: failed at once, the message says how to retry it', async ({ h }) => {
    const boss = await h.boss();
    const name = await h.queue(boss, { retryLimit: 0 });
    const id = (await send(boss, name, h.cereal, { user: ref('users', 500) }))!;
    await work(boss, name, h.cereal, async () => undefined, { ...FAST, missingRetry: { within: '1m' } });
    const job = await settledJob(boss, name, id);
    assert.is(job.state, 'failed');
    assert.match((job.output as Output).message!, /not retrying: .*attempt 1 of 1 was its last: give the queue or the job a `retryLimit`/);
  });

  Work("a handler that returns refs: the job fails once, MALFORMED, naming them (pg-boss stores the output as JSON)", async ({ h }) => {
    const boss = await h.boss();
    const name = await h.queue(boss, { retryLimit: 3 });
    const id = (await send(boss, name, h.cereal, { user: ref('users', 3) }))!;
    let runs = 0;
    await work(boss, name, h.cereal, async () => (runs++, { next: ref('users', 4) }), FAST);
    const job = await settledJob(boss, name, id);
    assert.is(job.state, 'failed');
    assert.is(runs, 1);
    assert.is((job.output as Output).code, 'MALFORMED');
    assert.match((job.output as Output).message!, /the handler returned 1 ref \(`users:4`\)/);
  });

  Work('send in the same Knex transaction as the row: the job commits with it, and vanishes on a rollback', async ({ h }) => {
    const boss = await h.boss();
    const name = await h.queue(boss);
    const committed = await h.db.transaction(async (trx) => {
      await trx(h.table).insert({ id: 700, name: 'new', email: 'new@example.com' });
      const id = await send(boss, name, h.cereal, { user: ref('users', 700) }, { db: trx });
      // Not visible outside the transaction before it commits: no worker can run it early.
      assert.equal(await boss.findJobs(name, { id: id! }), []);
      return id!;
    });
    let rolledBack: string | null = null;
    await h.db
      .transaction(async (trx) => {
        await trx(h.table).insert({ id: 701, name: 'never', email: 'never@example.com' });
        rolledBack = await send(boss, name, h.cereal, { user: ref('users', 701) }, { db: trx });
        throw new Error('rollback');
      })
      .catch(() => undefined);
    assert.type(rolledBack, 'string');
    assert.equal(await boss.findJobs(name, { id: rolledBack! }), [], 'the rolled-back job does not exist');
    const names: string[] = [];
    await work(boss, name, h.cereal, async (data) => void names.push((data as { user: User }).user.name), FAST);
    assert.is((await settledJob(boss, name, committed)).state, 'completed');
    await sleep(700); // a poll later, nothing else ran
    assert.equal(names, ['new']);
  });

  Work("pg-boss's send options pass through: a singletonKey taken gives null", async ({ h }) => {
    const boss = await h.boss();
    const name = await h.queue(boss);
    const first = await send(boss, name, h.cereal, { user: ref('users', 1) }, { singletonKey: 'one', singletonSeconds: 60 });
    const second = await send(boss, name, h.cereal, { user: ref('users', 2) }, { singletonKey: 'one', singletonSeconds: 60 });
    assert.type(first, 'string');
    assert.is(second, null);
  });

  Work('bad options are INVALID_OPTION where they are given, never a TypeError', async ({ h }) => {
    const boss = await h.boss();
    const name = await h.queue(boss);
    const invalid = async (run: () => Promise<unknown>, pattern: RegExp) => {
      try {
        await run();
      } catch (err) {
        assert.is((err as { code?: string }).code, 'INVALID_OPTION', String(err));
        assert.match((err as Error).message, pattern);
        return;
      }
      assert.unreachable('resolved');
    };
    await invalid(() => send(boss, name, h.cereal, { user: ref('users', 1) }, { db: {} as never }), /`db` must be a Knex transaction or a pg-boss Db/);
    const trx = await h.db.transaction();
    await trx.commit();
    await invalid(() => send(boss, name, h.cereal, { user: ref('users', 1) }, { db: trx }), /a Knex transaction that has ended/);
    await invalid(() => work(boss, name, h.cereal, async () => undefined, { perJobResults: true } as never), /`perJobResults` is set by cereal/);
    await invalid(() => work(boss, name, h.cereal, async () => undefined, { onMissingRow: 'skip' as never }), /`onMissingRow` must be 'fail' or 'discard'/);
    await invalid(() => work(boss, name, h.cereal, async () => undefined, { missingRetry: { within: 'soon' as never } }), /missingRetry\.within/);
    await invalid(() => work(boss, name, { json: h.cereal } as never, async () => undefined), /reads `msgpack`; put each serializer under its format's name/);
    await invalid(() => work(boss, name, h.cereal, 'handler' as never), /the handler must be a function/);
    await invalid(() => send(boss, name, h.cereal, { user: ref('users', 1) }, { db: h.db }), /`db` is a Knex instance, not a transaction: the job would be inserted at once, outside your transaction/);
    await invalid(() => work(boss, name, h.cereal, async () => undefined, { batchSize: 0 }), /^\[cereal\] \[pg-boss\] batchSize must be an integer > 0/);
    await invalid(() => work(boss, name, h.cereal, async () => undefined, { maxRefs: 'x' as never }), /`maxRefs` must be a positive integer/);
    await invalid(() => work(boss, name, h.cereal, async () => undefined, { consistency: 'bogus' as never }), /`consistency` must be 'latest' or 'at-least'/);
    await invalid(() => work(boss, name, h.cereal, async () => undefined, { transactionTimeoutSeconds: 5 } as never), /`transactionTimeoutSeconds` is set by cereal/);
    await invalid(() => work(boss, name, h.cereal, async () => undefined, 5 as never), /options must be an object, got 5/);
    await invalid(() => work(null as never, name, h.cereal, async () => undefined), /`boss` must be a started PgBoss instance/);
    await invalid(() => send(boss, name, null as never, { user: ref('users', 1) }), /`serializer` must be a serializer/);
    await invalid(() => send(boss, name, h.cereal, { user: ref('users', 1) }, 'abc' as never), /options must be an object/);
    await invalid(() => send(boss, name, h.cereal, { user: ref('users', 1) }, { retryLimit: 'x' as never }), /^\[cereal\] \[pg-boss\] .*retryLimit/);
    assert.equal(await boss.findJobs(name), [], 'nothing was sent');
  });

  Work('megabyte-scale crafted job data fails its own job with a CerealError, without retries, and the worker keeps going', async ({ h }) => {
    const boss = await h.boss();
    const name = await h.queue(boss, { retryLimit: 2 });
    const garbage = Buffer.alloc(4 << 20, 0xc1).toString('base64'); // 4 MiB of a byte msgpack never uses
    // 200 000 refs (over the worker's default maxRefs of 100 000), written by a producer allowed more
    const lenient = createSerializer({ format: msgpackFormat(), loaders: knexLoaders(h.db, { users: h.table }), maxRefs: 1_000_000 });
    const refs = Buffer.from(lenient.encode(Array.from({ length: 200_000 }, (_, i) => ref('users', (i % 100) + 1)))).toString('base64');
    const crafted = [
      { $cereal: 1, format: 'msgpack', encoding: 'base64', payload: garbage },
      { $cereal: 1, format: 'msgpack', encoding: 'base64', payload: Buffer.alloc(9 << 20, 0x90).toString('base64') }, // over msgpack's 8 MiB
      { $cereal: 1, format: 'msgpack', encoding: 'base64', payload: refs },
      { $cereal: 1, format: 'msgpack', encoding: 'json', payload: 'x'.repeat(1 << 20) },
      { $cereal: 1, format: 'msgpack', encoding: 'base64', payload: 'A'.repeat((1 << 20) + 1) },
    ];
    const ids: string[] = [];
    for (const data of crafted) ids.push((await boss.send(name, data))!);
    const good = (await send(boss, name, h.cereal, { user: ref('users', 1) }))!;
    const handled: string[] = [];
    await work(boss, name, h.cereal, async (_data, job) => void handled.push(job.id), { ...FAST, batchSize: 10 });
    const outputs = await Promise.all(ids.map(async (id) => settledJob(boss, name, id, 30_000)));
    for (const job of outputs) {
      assert.is(job.state, 'failed');
      assert.is(job.retryCount, 0, 'never retried');
      assert.ok(['MALFORMED', 'LIMIT'].includes((job.output as Output).code!), JSON.stringify(job.output).slice(0, 200));
      assert.ok((job.output as Output).message!.length <= 1000);
    }
    assert.equal(outputs.map((job) => (job.output as Output).code), ['MALFORMED', 'LIMIT', 'LIMIT', 'MALFORMED', 'MALFORMED']);
    assert.is((await settledJob(boss, name, good)).state, 'completed');
    assert.equal(handled, [good]);
  });

  Work("what the database cannot store fails only its own job: NUL, half an emoji, circular output, a throwing getter", async ({ h }) => {
    const boss = await h.boss();
    const name = await h.queue(boss, { retryLimit: 1, retryDelay: 0 });
    const kinds = ['good', 'nul', 'circular', 'emoji', 'getter', 'good'] as const;
    const ids = new Map<string, (typeof kinds)[number]>();
    for (const [i, kind] of kinds.entries()) ids.set((await send(boss, name, h.cereal, { user: ref('users', i + 1), kind }))!, kind);
    const runs = new Map<string, number>();
    await work(boss, name, h.cereal, async (data, job) => {
      runs.set(job.id, (runs.get(job.id) ?? 0) + 1);
      const { kind } = data as { kind: string };
      if (kind === 'nul') return { s: 'a\u0000b', ['k\u0000']: '\ud800' };
      if (kind === 'circular') {
        const loop: { self?: unknown } = {};
        loop.self = loop;
        return loop;
      }
      if (kind === 'emoji') throw new Error(`x${'😀'.repeat(600)}`);
      if (kind === 'getter') {
        const err = new Error('odd');
        Object.defineProperty(err, 'name', { get: () => { throw new Error('no name'); } });
        throw err;
      }
      return { ok: true };
    }, { ...FAST, batchSize: 10 });
    const jobs = new Map<string, Awaited<ReturnType<typeof settledJob>>>();
    for (const id of ids.keys()) jobs.set(id, await settledJob(boss, name, id, 20_000));
    for (const [id, kind] of ids) {
      const job = jobs.get(id)!;
      if (kind === 'good') {
        assert.is(job.state, 'completed');
        assert.is(runs.get(id), 1, 'a good job of the batch ran once');
      }
      if (kind === 'nul') {
        assert.is(job.state, 'completed');
        assert.equal(job.output, { s: 'a\ufffdb', ['k\ufffd']: '\ufffd' }, 'NUL and lone surrogates stored as U+FFFD');
      }
      if (kind === 'circular') {
        assert.is(job.state, 'failed');
        assert.is(job.retryCount, 0);
        assert.match((job.output as Output).message!, /^MALFORMED: \[pg-boss\] what the handler returned cannot be stored as the job's output: it is not JSON \(Converting circular structure/);
      }
      if (kind === 'emoji' || kind === 'getter') {
        assert.is(job.state, 'failed');
        assert.is(job.retryCount, 1, 'retried as a handler error');
        assert.is(runs.get(id), 2);
      }
    }
    const emoji = jobs.get([...ids].find(([, k]) => k === 'emoji')![0])!.output as Output;
    assert.ok(emoji.message!.length <= 1000, `${emoji.message!.length} characters`);
  });

  Work('a handler that never settles is let go when pg-boss expires the job: the worker goes on to the next', async ({ h }) => {
    const boss = await h.boss();
    const name = await h.queue(boss, { retryLimit: 0, expireInSeconds: 1 });
    const stuck = (await send(boss, name, h.cereal, { user: ref('users', 1), stuck: true }))!;
    const handled: string[] = [];
    await work(boss, name, h.cereal, async (data, job) => {
      if ((data as { stuck?: boolean }).stuck) return new Promise(() => undefined);
      handled.push(job.id);
      return undefined;
    }, FAST);
    const failed = await settledJob(boss, name, stuck, 20_000);
    assert.is(failed.state, 'failed');
    const next = (await send(boss, name, h.cereal, { user: ref('users', 2) }))!;
    assert.is((await settledJob(boss, name, next, 20_000)).state, 'completed', 'the worker was not held by the stuck handler');
    assert.equal(handled, [next]);
  });

  Work.run();
}
