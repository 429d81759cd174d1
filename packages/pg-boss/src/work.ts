import { type Hydrated, type Loaders, type MissingMode, type MissingOf, type Settled } from '@cereal/core';
import { describe } from '@cereal/core/format';
import { accepting, classify, failurePolicy, readJobDataMany, refsInResult, type FailurePolicy, type JobData, type Outcome, type RefOptions, type Serializers } from '@cereal/queue';
import type { JobResult, JobWithMetadata, PgBoss, WorkOptions as BossWorkOptions } from 'pg-boss';
import { CerealError } from '@cereal/core';
import { PG_BOSS } from './wording.js';

/**
 * Options of {@link work}: pg-boss's own work options (`batchSize`, `pollingIntervalSeconds`,
 * `localConcurrency`, …), and cereal's: decode options for every job (`maxRefs`, `maxDepth`,
 * `maxBytes`), `onMissingRow` and `missingRetry`. `perJobResults` and `includeMetadata` are
 * cereal's to set (each job of a batch is settled on its own, and a job's age and retries are read
 * from its metadata); `transactional` cannot be combined with per-job results.
 */
export interface WorkOptions extends Omit<BossWorkOptions, 'perJobResults' | 'includeMetadata' | 'transactional' | 'transactionTimeoutSeconds'>, RefOptions {}

/** A job as your handler sees it: pg-boss's job with its metadata (`retryCount`, `createdOn`, `signal`, …). */
export type BossJob<T = unknown> = JobWithMetadata<JobData<T>>;

/** Your handler: one job's decoded, hydrated data, then the job. What it returns is stored as the job's output. */
export type RefHandler<Data, R, T = unknown> = (data: Data, job: BossJob<T>) => Promise<R>;

/** The part of a PgBoss instance `work` uses. */
export type WorkingBoss = Pick<PgBoss, 'work'>;

/**
 * Registers a worker whose handler receives fresh rows. pg-boss hands the worker batches of jobs
 * (`batchSize`, default 1); cereal decodes a batch together, one load per model for all of its
 * jobs, then runs your handler for each job at once, each with its own rows. Each job is settled
 * on its own (pg-boss's `perJobResults`):
 *
 * - the handler resolves: the job completes, its output what the handler returned;
 * - the handler throws: the job fails and pg-boss retries it (`retryLimit`, `retryDelay`,
 *   `retryBackoff`), its output `{ name, message }`;
 * - a retryable CerealError reading the job (`LOAD_FAILED`: the database down; `STALE`) fails the
 *   job, retried the same way;
 * - `MISSING_ROW`, or job data that can never be read (malformed, a format not accepted, an
 *   unknown model, a limit), fails the job without retries: pg-boss's `deadletter`, which moves
 *   it to the queue's dead letter queue when it has one; the job's output says why
 *   (`{ code, message, refs }`). With `onMissingRow: 'discard'`, a job whose rows are gone
 *   completes without running the handler, its output `{ discarded, code, refs }`. With
 *   `missingRetry: { within }`, a young job whose rows are missing is retried instead.
 *
 * @param boss - a started PgBoss instance
 * @param name - the queue
 * @param serializers - the producer's serializer, or serializers by format name
 * @param handler - your handler, given each job's hydrated data (typed from the loader map with
 *   `jobsFor(cereal).work<T>`; here each row is an `object`)
 * @param options - see {@link WorkOptions}
 * @returns the worker's id, as `boss.work` returns it (for `boss.offWork`)
 * @throws CerealError `INVALID_OPTION` at once for a bad option or serializers map
 */
export async function work<T = unknown, R = unknown>(
  boss: WorkingBoss,
  name: string,
  serializers: Serializers,
  handler: RefHandler<Hydrated<T, Loaders, MissingOf<MissingMode>>, R, T>,
  options: WorkOptions = {},
): Promise<string> {
  const { onMissingRow, missingRetry, maxRefs, maxDepth, maxBytes, consistency, ...bossOptions } = options ?? {};
  const { policy, decodeOptions } = failurePolicy(definedOnly({ onMissingRow, missingRetry, maxRefs, maxDepth, maxBytes, consistency }), PG_BOSS);
  const accepted = accepting(serializers, PG_BOSS);
  if (typeof handler !== 'function') throw new CerealError('INVALID_OPTION', `[pg-boss] the handler must be a function, got ${describe(handler, 40)}`);
  for (const key of ['perJobResults', 'includeMetadata', 'transactional'] as const) {
    if (key in bossOptions) throw new CerealError('INVALID_OPTION', `[pg-boss] \`${key}\` is set by cereal's work(); leave it out`);
  }
  try {
    return await boss.work<JobData<T>, unknown, BossWorkOptions & { perJobResults: true; includeMetadata: true }>(
      name,
      { ...bossOptions, perJobResults: true, includeMetadata: true },
      async (jobs) => {
        const read = await readJobDataMany(accepted, jobs.map((job) => job.data), decodeOptions, PG_BOSS);
        return Promise.all(jobs.map((job, i) => settle(job as BossJob<T>, read[i]!, handler, policy)));
      },
    );
  } catch (err) {
    // pg-boss checks its own options with node:assert (`batchSize must be an integer > 0`)
    if ((err as { code?: unknown } | null)?.code === 'ERR_ASSERTION') {
      throw new CerealError('INVALID_OPTION', `[pg-boss] ${describe(err, 300)}`, { cause: err });
    }
    throw err;
  }
}

/** Options with the undefined ones left out, so failurePolicy sees only what was given. */
function definedOnly<O extends object>(options: O): O {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as O;
}

/** One job's result: its read outcome, then the handler's. Never throws (one job never fails the batch). */
async function settle<T, R>(job: BossJob<T>, read: Settled<unknown>, handler: RefHandler<Hydrated<T, Loaders, MissingOf<MissingMode>>, R, T>, policy: FailurePolicy): Promise<JobResult> {
  if (read.status === 'rejected') {
    return settled(job, classify(read.reason, policy, attemptOf(job)));
  }
  let result: R;
  try {
    result = await handler(read.value as Hydrated<T, Loaders, MissingOf<MissingMode>>, job);
  } catch (err) {
    return { id: job.id, status: 'failed', output: thrown(err) };
  }
  const refs = refsInResult(result, PG_BOSS, 'the handler', "pg-boss cannot store as the job's output");
  if (refs !== undefined) return settled(job, classify(refs, policy, attemptOf(job)));
  return { id: job.id, status: 'completed', output: result };
}

/** Where the job is in its life: pg-boss counts retries from 0, and allows retryLimit of them. */
function attemptOf(job: BossJob): { createdAt: number | undefined; attempt: number; attempts: number } {
  const created = job.createdOn instanceof Date ? job.createdOn.getTime() : undefined;
  const retryCount = Number.isInteger(job.retryCount) ? job.retryCount : 0;
  const retryLimit = Number.isInteger(job.retryLimit) ? job.retryLimit : 0;
  return { createdAt: created, attempt: retryCount + 1, attempts: retryLimit + 1 };
}

/** A read outcome as pg-boss's per-job result, with an output that says why. */
function settled(job: BossJob, outcome: Outcome): JobResult {
  const refs = outcome.cause instanceof CerealError && outcome.cause.refs !== undefined ? outcome.cause.refs.slice(0, 100).map((r) => r.key) : undefined;
  if (outcome.action === 'discard') return { id: job.id, status: 'completed', output: { discarded: outcome.message, code: outcome.code, refs } };
  return { id: job.id, status: outcome.action === 'retry' ? 'failed' : 'deadletter', output: { code: outcome.code, message: outcome.message, refs } };
}

/** What the handler threw, as a job's output (pg-boss stores JSON: an Error would be `{}`). */
function thrown(err: unknown): { name: string; message: string; code?: string } {
  if (err instanceof CerealError) return { name: err.name, message: `${err.code}: ${err.message}`, code: err.code };
  if (err instanceof Error) return { name: err.name, message: describe(err, 1000) };
  return { name: 'Error', message: describe(err, 1000) };
}
