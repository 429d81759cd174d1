/**
 * What the pg-boss suites share (CEREAL_PG_URL). Each harness has its own pg-boss schema, its own
 * users table and its own PgBoss instances, and close() drops them all, so no test depends on
 * what another did. Every wait has a timeout: a broken run fails instead of hanging.
 */
import knex, { type Knex } from 'knex';
import { PgBoss, type JobWithMetadata, type Queue } from 'pg-boss';
import { createSerializer, type Serializer } from '@cereal/core';
import { knexLoaders } from '@cereal/knex';
import { msgpackFormat } from '@cereal/msgpack';
import type { JobData } from '../src/index.js';

export type User = { id: number; name: string; email: string };

export const pgUrl = process.env.CEREAL_PG_URL;

/** A test's own schema, table, serializer and PgBoss instances. */
export interface Harness {
  /** PostgreSQL through Knex, with `users` 1 to `rows` in `table` (`user 7`, `u7@example.com`). */
  readonly db: Knex;
  /** The users table's name. */
  readonly table: string;
  /** A msgpack serializer over `users` (the table, through `db`). */
  readonly cereal: Serializer<Uint8Array, { users: import('@cereal/knex').KnexLoader<User> }, 'throw'>;
  /** The statements that read `users` since the harness was made (hydrate's loads). */
  statements(): number;
  /** A new PgBoss instance on the harness's schema, started. */
  boss(): Promise<PgBoss>;
  /** Creates a queue with a name of its own (and its dead letter queue, `<name>_dead`); resolves to its name. */
  queue(boss: PgBoss, options?: Omit<Queue, 'name'>): Promise<string>;
  /** Stops every PgBoss, drops the schema and the table. */
  close(): Promise<void>;
}

let harnesses = 0;

/** A harness on the PostgreSQL at CEREAL_PG_URL, with `rows` users. */
export async function harness(rows = 1000): Promise<Harness> {
  const id = `${process.pid}_${++harnesses}_${Math.random().toString(36).slice(2, 8)}`;
  const schema = `cereal_boss_${id}`;
  const table = `cereal_boss_users_${id}`;
  const db = knex({ client: 'pg', connection: pgUrl, pool: { min: 0, max: 8 } });
  await db.schema.createTable(table, (t) => {
    t.integer('id').primary();
    t.string('name');
    t.string('email');
  });
  const users: User[] = Array.from({ length: rows }, (_, i) => ({ id: i + 1, name: `user ${i + 1}`, email: `u${i + 1}@example.com` }));
  for (let i = 0; i < users.length; i += 1000) await db(table).insert(users.slice(i, i + 1000));
  let statements = 0;
  db.on('query', (q: { sql: string }) => {
    if (q.sql.startsWith('select') && q.sql.includes(table)) statements++;
  });
  const cereal = createSerializer({ format: msgpackFormat(), loaders: knexLoaders<{ users: User }>(db, { users: table }) });
  const bosses: PgBoss[] = [];
  let queues = 0;
  return {
    db,
    table,
    cereal,
    statements: () => statements,
    async boss() {
      const boss = new PgBoss({ connectionString: pgUrl!, schema, max: 4 });
      boss.on('error', (err) => console.error(`pg-boss (${schema}): ${err.message}`));
      bosses.push(boss);
      await boss.start();
      return boss;
    },
    async queue(boss, options = {}) {
      const name = `q${++queues}`;
      await boss.createQueue(`${name}_dead`);
      await boss.createQueue(name, { deadLetter: `${name}_dead`, retryLimit: 0, ...options });
      return name;
    },
    async close() {
      try {
        await Promise.all(bosses.map((boss) => boss.stop({ graceful: false, close: true }).catch(() => undefined)));
        await db.raw('drop schema if exists ?? cascade', [schema]);
        await db.schema.dropTableIfExists(table);
      } finally {
        await db.destroy();
      }
    },
  };
}

/** The job `id` of queue `name` once it has settled (completed or failed), within `ms`. */
export async function settledJob<T = unknown>(boss: PgBoss, name: string, id: string, ms = 15_000): Promise<JobWithMetadata<JobData<T>>> {
  const end = Date.now() + ms;
  for (;;) {
    const [job] = await boss.findJobs<JobData<T>>(name, { id });
    if (job !== undefined && (job.state === 'completed' || job.state === 'failed')) return job;
    if (Date.now() > end) throw new Error(`job ${id} of ${name} did not settle within ${ms} ms (state: ${job?.state ?? 'none'})`);
    await sleep(50);
  }
}

/** Resolves once `done()` is true, checked every 20 ms; rejects after `ms`. */
export async function until(done: () => boolean | Promise<boolean>, ms = 20_000, what = 'the condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > end) throw new Error(`${what} did not hold within ${ms} ms`);
    await sleep(20);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Work options for tests: poll fast. */
export const FAST = { pollingIntervalSeconds: 0.5 } as const;
