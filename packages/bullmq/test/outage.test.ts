/**
 * A real database outage during processing (CEREAL_REDIS_URL and CEREAL_PG_URL): the worker
 * reaches PostgreSQL through a TCP proxy that the test takes down and brings back up.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import knex from 'knex';
import { createSerializer, ref } from '@cereal/core';
import { knexLoaders } from '@cereal/knex';
import { msgpackFormat } from '@cereal/msgpack';
import { toJobData, withRefs, type JobEnvelope } from '../src/index.js';
import { tcpProxy } from '@cereal/testkit';
import { next } from './_redis.js';

const redisUrl = process.env.CEREAL_REDIS_URL;
const pgUrl = process.env.CEREAL_PG_URL;

if (!redisUrl || !pgUrl) {
  console.log('\n  !! SKIPPED: the database-outage suite did not run. Set both CEREAL_REDIS_URL and CEREAL_PG_URL to run it.\n');
} else {
  const Outage = suite('bullmq: a PostgreSQL outage during processing');

  Outage('jobs fail with LOAD_FAILED while the database is down, are retried, and succeed once it is back', async () => {
    const table = `cereal_${process.pid}_${Math.random().toString(36).slice(2, 8)}_outage`;
    const admin = knex({ client: 'pg', connection: pgUrl });
    await admin.schema.createTable(table, (t) => {
      t.integer('id').primary();
      t.string('name');
    });
    await admin(table).insert([{ id: 1, name: 'Ada' }, { id: 2, name: 'Grace' }]);

    const gate = tcpProxy(new URL(pgUrl));
    const port = await gate.up();
    const viaProxy = new URL(pgUrl);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(port);
    // Knex warns of each refused connection with a stack trace: the outage is on purpose, so its log is kept, not printed.
    const log: string[] = [];
    const keep = (message: unknown): void => void log.push(String(message));
    const db = knex({ client: 'pg', connection: viaProxy.toString(), pool: { min: 0, max: 2 }, acquireConnectionTimeout: 2000, log: { warn: keep, error: keep, deprecate: keep, debug: keep } });
    const cereal = createSerializer({ format: msgpackFormat(), loaders: knexLoaders(db, { users: table }) });
    const connections = [new Redis(redisUrl, { maxRetriesPerRequest: null }), new Redis(redisUrl, { maxRetriesPerRequest: null })];
    const queue = new Queue<JobEnvelope>(`cereal-outage-${process.pid}`, { connection: connections[0]! });
    const reasons: string[] = [];
    const worker = new Worker<JobEnvelope, string | undefined>(
      queue.name,
      withRefs<{ user: { name: string } }, string>(cereal, async ({ user }) => user.name),
      { connection: connections[1]!, autorun: false },
    );
    try {
      assert.is(((await cereal.decode(cereal.encode({ u: ref('users', 1) }))) as { u: { name: string } }).u.name, 'Ada');
      await gate.down();
      worker.on('failed', (job, err) => {
        reasons.push(err.message);
        if (job !== undefined && job.attemptsMade >= 2) void gate.up();
      });
      const completed = next<[Job]>(worker, 'completed', 60_000);
      const job = await queue.add('greet', toJobData(cereal, { user: ref('users', 2) }), { attempts: 6, backoff: { type: 'fixed', delay: 200 } });
      await admin(table).where({ id: 2 }).update({ name: 'Grace Hopper' });
      void worker.run();
      const [done] = await completed;
      assert.is(done.id, job.id);
      assert.is(done.returnvalue, 'Grace Hopper');
      assert.ok(done.attemptsMade >= 3, `attempts: ${done.attemptsMade}`);
      assert.ok(reasons.length >= 2 && reasons.every((r) => /^LOAD_FAILED: \[cereal\] loading 1 row of model `users` failed/.test(r)), reasons.join(' | '));
    } finally {
      await worker.close();
      await queue.obliterate({ force: true });
      await queue.close();
      for (const c of connections) c.disconnect();
      await db.destroy();
      await gate.down();
      await admin.schema.dropTableIfExists(table);
      await admin.destroy();
    }
  });

  Outage.run();
}
