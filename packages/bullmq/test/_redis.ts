/**
 * What the Redis suites share. Each test builds its own harness (its own table, queues,
 * workers and connections) and closes it, so no test depends on what another did; every wait
 * on an event has a timeout, so a broken run fails instead of hanging.
 */
import type { EventEmitter } from 'node:events';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import knex, { type Knex } from 'knex';
import { createSerializer, type Loader, type Serializer } from '@cereal/core';
import { knexLoader } from '@cereal/knex';
import { msgpackFormat } from '@cereal/msgpack';
import type { JobEnvelope } from '../src/index.js';

export type User = { id: number; name: string; email: string };

/** A test's own table, serializer, queues and workers. */
export interface Harness {
  /** An in-memory SQLite database with `users` 1 to 1000 (`user 7`, `u7@example.com`). */
  readonly db: Knex;
  /** The loader of `users`, for serializers of other formats. */
  readonly users: Loader;
  /** A msgpack serializer over `users`. */
  readonly cereal: Serializer<Uint8Array>;
  /** A new queue with a name of its own. */
  queue(): Queue<JobEnvelope>;
  /** A worker on `queue`, not yet running (call `run()`). */
  worker<R>(queue: Queue, processor: (job: Job<JobEnvelope>) => Promise<R>, concurrency?: number): Worker<JobEnvelope, R | undefined>;
  /** Closes the workers (without waiting for stuck jobs), empties the queues, drops the database. */
  close(): Promise<void>;
}

let harnesses = 0;

/** A harness on Redis at `url`. */
export async function harness(url: string): Promise<Harness> {
  const prefix = `cereal-${process.pid}-${++harnesses}-${Math.random().toString(36).slice(2, 8)}`;
  const redis: Redis[] = [];
  const queues: Queue[] = [];
  const workers: Worker[] = [];
  const connect = (): Redis => {
    const connection = new Redis(url, { maxRetriesPerRequest: null });
    redis.push(connection);
    return connection;
  };
  const db = knex({ client: 'better-sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
  await db.schema.createTable('users', (t) => {
    t.integer('id').primary();
    t.string('name');
    t.string('email');
  });
  await db.batchInsert('users', Array.from({ length: 1000 }, (_, i) => ({ id: i + 1, name: `user ${i + 1}`, email: `u${i + 1}@example.com` })), 400);
  const users = knexLoader(db, { table: 'users' });
  return {
    db,
    users,
    cereal: createSerializer({ format: msgpackFormat(), loaders: { users } }),
    queue() {
      const q = new Queue<JobEnvelope>(`${prefix}-${queues.length + 1}`, { connection: connect() });
      queues.push(q);
      return q;
    },
    worker<R>(queue: Queue, processor: (job: Job<JobEnvelope>) => Promise<R>, concurrency = 1) {
      const w = new Worker<JobEnvelope, R | undefined>(queue.name, processor, { connection: connect(), concurrency, autorun: false });
      workers.push(w);
      return w;
    },
    async close() {
      // force: a test that failed may leave a job stuck in its processor; closing must not wait for it
      for (const w of workers) await w.close(true);
      for (const q of queues) {
        await q.obliterate({ force: true });
        await q.close();
      }
      for (const r of redis) r.disconnect();
      await db.destroy();
    },
  };
}

/**
 * Resolves once `count` jobs have settled on these workers: completed, or failed for good (a
 * failed attempt that BullMQ will retry has not settled). Rejects after `ms`.
 */
export function settled(workers: Worker[], count: number, ms = 60_000): Promise<void> {
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
        if (job === undefined || job.attemptsMade >= (job.opts.attempts ?? 1) || job.finishedOn !== undefined) done();
      });
    }
  });
}

/** The arguments of the next `event` on `emitter`; rejects after `ms`. */
export function next<A extends unknown[]>(emitter: EventEmitter, event: string, ms = 30_000): Promise<A> {
  return new Promise((resolve, reject) => {
    const on = (...args: unknown[]): void => {
      clearTimeout(timer);
      resolve(args as A);
    };
    const timer = setTimeout(() => {
      emitter.off(event, on);
      reject(new Error(`no \`${event}\` event within ${ms} ms`));
    }, ms);
    emitter.once(event, on);
  });
}
