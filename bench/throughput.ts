/**
 * BullMQ throughput on PostgreSQL and Redis (`pnpm bench:throughput`, with CEREAL_PG_URL and
 * CEREAL_REDIS_URL): 5000 jobs, each referencing 1 user and 5 order lines, a worker at
 * concurrency 50, three ways side by side in one run:
 * - cereal with `coalesce: true`: the loads of the jobs running at once are merged;
 * - cereal without coalescing: each job's decode loads on its own (2 statements a job);
 * - hand-written: job data of bare ids, one `whereIn` per model per job.
 * Every job's rows are checked (ids and the lines' user) before the run counts. WINDOW=<ms> sets
 * the coalescing window (default: coalesce: true, 2 ms); JOBS and ROUNDS the size; MODES=coalesce,…
 * runs some contenders only (for a profile: no table).
 */
import { cpus } from 'node:os';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import knex from 'knex';
import { createSerializer, ref, type Serializer } from '@cereal/core';
import { knexLoaders } from '@cereal/knex';
import { msgpackFormat } from '@cereal/msgpack';
import { toJobData, withRefs } from '@cereal/bullmq';
import { ratio, renderTable, verdict } from './_table.js';

const JOBS = Number(process.env.JOBS ?? 5000);
const CONCURRENCY = 50;
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const pgUrl = process.env.CEREAL_PG_URL;
const redisUrl = process.env.CEREAL_REDIS_URL;

interface User { id: number; name: string; email: string }
interface Line { id: number; user_id: number; sku: string; qty: number; price: number }
interface Ids { user: number; lines: number[] }

if (!pgUrl || !redisUrl) {
  console.log('bench:throughput needs CEREAL_PG_URL and CEREAL_REDIS_URL (PostgreSQL and Redis); nothing measured.');
  process.exit(0);
}

const tag = `${process.pid}_${Date.now().toString(36)}`;
const t = { users: `bench_tp_users_${tag}`, lines: `bench_tp_lines_${tag}` };
const db = knex({ client: 'pg', connection: pgUrl, pool: { min: 0, max: 10 } });
let statements = 0;
db.on('query', () => void statements++);
const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });

const idsOf = (i: number): Ids => ({ user: i + 1, lines: [0, 1, 2, 3, 4].map((k) => i * 5 + k + 1) });

/** Checks one job's rows: the user, and its 5 lines, each the user's. Returns 1 when right. */
function check(i: Ids, user: User | undefined, lines: readonly Line[]): number {
  if (user?.id !== i.user || lines.length !== 5) throw new Error(`job of user ${i.user}: wrong rows`);
  for (const line of lines) if (line.user_id !== i.user) throw new Error(`job of user ${i.user}: a line of user ${line.user_id}`);
  return 1;
}

type Mode = 'coalesce' | 'plain' | 'hand' | 'none';
interface Run { mode: Mode; seconds: number; statements: number }

async function run(mode: Mode, cereal: { coalesce: Serializer<Uint8Array>; plain: Serializer<Uint8Array> }): Promise<Run> {
  const name = `bench-tp-${tag}-${mode}-${Math.random().toString(36).slice(2, 6)}`;
  const queue = new Queue(name, { connection });
  const serializer = mode === 'coalesce' ? cereal.coalesce : cereal.plain;
  const data = Array.from({ length: JOBS }, (_, i) => {
    const ids = idsOf(i);
    return mode === 'hand' || mode === 'none' ? ids : toJobData(serializer, { user: ref('users', ids.user), lines: ids.lines.map((id) => ref('lines', id)), ids });
  });
  for (let i = 0; i < data.length; i += 1000) await queue.addBulk(data.slice(i, i + 1000).map((d) => ({ name: 'job', data: d as object })));
  let done = 0;
  let failed: Error | undefined;
  const processor =
    mode === 'none'
      ? async () => 1 // BullMQ alone: the ceiling any worker reading rows stays under
      : mode === 'hand'
      ? async (job: { data: Ids }) => {
          const [users, lines] = await Promise.all([db<User>(t.users).whereIn('id', [job.data.user]), db<Line>(t.lines).whereIn('id', job.data.lines)]);
          return check(job.data, users[0], lines);
        }
      : withRefs(serializer, async (value) => {
          const { user, lines, ids } = value as { user: User; lines: Line[]; ids: Ids };
          return check(ids, user, lines);
        });
  const finished = new Promise<void>((resolve) => {
    const worker = new Worker(name, processor as never, { connection, concurrency: CONCURRENCY, autorun: false });
    worker.on('completed', () => {
      if (++done === JOBS) resolve();
    });
    worker.on('failed', (_job, err) => {
      failed ??= err;
      resolve();
    });
    (run as { worker?: Worker }).worker = worker;
  });
  const worker = (run as { worker?: Worker }).worker!;
  const before = statements;
  const started = performance.now();
  void worker.run();
  await finished;
  const seconds = (performance.now() - started) / 1000;
  const used = statements - before;
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  if (failed !== undefined) throw failed;
  return { mode, seconds, statements: used };
}

try {
  await db.schema.createTable(t.users, (tb) => {
    tb.integer('id').primary();
    tb.string('name');
    tb.string('email');
  });
  await db.schema.createTable(t.lines, (tb) => {
    tb.integer('id').primary();
    tb.integer('user_id');
    tb.string('sku');
    tb.integer('qty');
    tb.decimal('price', 10, 2);
  });
  for (let i = 0; i < JOBS; i += 1000) {
    const users = Array.from({ length: Math.min(1000, JOBS - i) }, (_, k) => ({ id: i + k + 1, name: `user ${i + k + 1}`, email: `u${i + k + 1}@example.com` }));
    await db(t.users).insert(users);
    await db(t.lines).insert(users.flatMap((u) => idsOf(u.id - 1).lines.map((id) => ({ id, user_id: u.id, sku: `sku-${id}`, qty: 1 + (id % 3), price: 9.99 }))));
  }
  // Statistics, as a table in production has them (autovacuum analyzes a table only a while after
  // it changed): without them PostgreSQL scans the whole table for a list of more than a few ids,
  // and a coalesced batch of 30 jobs' ids took 6 ms instead of 0.5 ms.
  await db.raw(`analyze ${t.users}, ${t.lines}`);
  const loaders = knexLoaders<{ users: User; lines: Line }>(db, { users: t.users, lines: t.lines });
  const cereal = {
    coalesce: createSerializer({ format: msgpackFormat(), loaders, coalesce: process.env.WINDOW === undefined ? true : { window: Number(process.env.WINDOW) } }),
    plain: createSerializer({ format: msgpackFormat(), loaders }),
  };
  const runs: Run[] = [];
  const modes = (process.env.MODES?.split(',') ?? ['plain', 'coalesce', 'hand', 'none']) as Mode[];
  for (let round = 0; round < ROUNDS; round++) for (const mode of modes) runs.push(await run(mode, cereal));
  if (modes.length < 4) {
    // a subset (MODES=…), for a profile: the runs only, no table of ratios
    for (const r of runs) console.log(`${r.mode}: ${(JOBS / r.seconds).toFixed(0)} jobs/s, ${r.statements} statements`);
  }
  const best = (mode: Mode): Run => runs.filter((r) => r.mode === mode).sort((a, b) => a.seconds - b.seconds)[0]!;
  const [co, plain, hand, none] = modes.length < 4 ? [] : [best('coalesce'), best('plain'), best('hand'), best('none')];
  if (co !== undefined && plain !== undefined && hand !== undefined && none !== undefined) {
  const rate = (r: Run): number => JOBS / r.seconds;
  const machine = `${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, Node ${process.version}`;
  console.log(`\ncereal throughput benchmark (${machine}; best of ${ROUNDS} rounds)\n`);
  console.log(
    renderTable({
      title: `BullMQ on Redis, rows on PostgreSQL: ${JOBS} jobs (1 user + 5 order lines each), worker concurrency ${CONCURRENCY}`,
      header: ['contender', 'jobs/s', 'seconds', 'statements', 'statements/job', 'jobs/s vs no coalescing'],
      rows: [co, plain, hand, none].map((r) => [
        r.mode === 'coalesce' ? 'cereal, coalesce: true' : r.mode === 'plain' ? 'cereal, no coalescing' : r.mode === 'hand' ? 'hand-written (ids, whereIn per model)' : 'BullMQ alone (reads no rows: the ceiling)',
        rate(r).toFixed(0),
        r.seconds.toFixed(2),
        String(r.statements),
        (r.statements / JOBS).toFixed(3),
        ratio(rate(r), rate(plain)),
      ]),
      notes: [
        `- target: coalescing ≥ 3× the jobs/s of no coalescing: ${ratio(rate(co), rate(plain))}, ${verdict(rate(co) >= 3 * rate(plain))}`,
        `- target: statements ≤ 1/20 of no coalescing: ${co.statements} vs ${plain.statements} (1/${(plain.statements / Math.max(co.statements, 1)).toFixed(1)}), ${verdict(co.statements * 20 <= plain.statements)}`,
        `- target: ahead of hand-written: ${ratio(rate(co), rate(hand))} its jobs/s, ${verdict(rate(co) > rate(hand))}`,
        `- BullMQ alone, reading no rows, runs ${rate(none).toFixed(0)} jobs/s here: no coalescing can pass ${ratio(rate(none), rate(plain))} the jobs/s of no coalescing on this machine; coalescing reaches ${((100 * rate(co)) / rate(none)).toFixed(0)} % of that ceiling.`,
        `- every run: ${runs.map((r) => `${r.mode} ${rate(r).toFixed(0)}/s`).join(', ')}`,
      ],
    }),
  );
  }
} finally {
  await db.schema.dropTableIfExists(t.users).catch(() => undefined);
  await db.schema.dropTableIfExists(t.lines).catch(() => undefined);
  await db.destroy();
  connection.disconnect();
}
