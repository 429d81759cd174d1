import { type Hydrated, type Loaders, type MissingMode, type MissingOf, type Settled } from '@cereal/core';
import { cut, describe } from '@cereal/core/format';
import { accepting, classify, failurePolicy, readJobDataMany, refsInResult, refsOf, type FailurePolicy, type JobData, type Outcome, type RefOptions, type Serializers } from '@cereal/queue';
import type { JobResult, JobWithMetadata, PgBoss, WorkOptions as BossWorkOptions } from 'pg-boss';
import { CerealError } from '@cereal/core';
import { storable } from './output.js';
import { PG_BOSS } from './wording.js';
import { checkBoss, checkOptions, refused } from './checks.js';

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
  checkBoss(boss, 'work');
  checkOptions(options);
  const { onMissingRow, missingRetry, maxRefs, maxDepth, maxBytes, consistency, ...bossOptions } = options ?? {};
  const { policy, decodeOptions } = failurePolicy(definedOnly({ onMissingRow, missingRetry, maxRefs, maxDepth, maxBytes, consistency }), PG_BOSS);
  const accepted = accepting(serializers, PG_BOSS);
  if (typeof handler !== 'function') throw new CerealError('INVALID_OPTION', `[pg-boss] the handler must be a function, got ${describe(handler, 40)}`);
  for (const key of ['perJobResults', 'includeMetadata', 'transactional', 'transactionTimeoutSeconds'] as const) {
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
    throw refused(err);
  }
}

/** Options with the undefined ones left out, so failurePolicy sees only what was given. */
function definedOnly<O extends object>(options: O): O {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as O;
}

/**
 * One job's result: its read outcome, then the handler's, with an output the database can store.
 * Never rejects: pg-boss fails (and retries) a whole batch when its handler throws, the jobs that
 * succeeded too, so whatever goes wrong with one job is that job's own result.
 */
async function settle<T, R>(job: BossJob<T>, read: Settled<unknown>, handler: RefHandler<Hydrated<T, Loaders, MissingOf<MissingMode>>, R, T>, policy: FailurePolicy): Promise<JobResult> {
  try {
    if (read.status === 'rejected') return settled(job, classify(read.reason, policy, attemptOf(job)));
    let result: R;
    try {
      result = await untilAborted(handler(read.value as Hydrated<T, Loaders, MissingOf<MissingMode>>, job), job.signal);
    } catch (err) {
      return stored(job, 'failed', thrown(err));
    }
    const refs = refsInResult(result, PG_BOSS, 'the handler', "pg-boss cannot store as the job's output");
    if (refs !== undefined) return settled(job, classify(refs, policy, attemptOf(job)));
    return stored(job, 'completed', result);
  } catch (err) {
    // a value that throws when looked at (a Proxy, a getter): failed, retried, with what can be said
    return { id: job.id, status: 'failed', output: { name: 'Error', message: cut(`[pg-boss] settling the job failed: ${describe(err, 300)}`, 1000) } };
  }
}

/**
 * The handler's promise, or a rejection once pg-boss aborts the job (`expireInSeconds` passed, the
 * worker stopped): a handler that never settles must not hold the batch, and the worker, forever.
 */
function untilAborted<R>(work: Promise<R>, signal: AbortSignal | undefined): Promise<R> {
  if (signal === undefined || typeof signal.addEventListener !== 'function') return Promise.resolve(work);
  if (signal.aborted) return Promise.reject(new Error('pg-boss aborted the job before its handler settled'));
  return new Promise<R>((resolve, reject) => {
    const abort = () => reject(new Error('pg-boss aborted the job before its handler settled (it expired, or the worker stopped)'));
    signal.addEventListener('abort', abort, { once: true });
    Promise.resolve(work).then(
      (value) => (signal.removeEventListener('abort', abort), resolve(value)),
      (err: unknown) => (signal.removeEventListener('abort', abort), reject(err)),
    );
  });
}

/** A result whose output is stored as JSON, or, when it cannot be, the job failed without retries, saying why. */
function stored(job: BossJob, status: 'completed' | 'failed' | 'deadletter', output: unknown): JobResult {
  const checked = storable(output);
  if (checked.ok) return { id: job.id, status, output: checked.value };
  const what = status === 'completed' ? 'what the handler returned' : 'the failure';
  const message = `MALFORMED: [pg-boss] ${what} cannot be stored as the job's output: ${checked.why}; return (or throw) plain JSON data`;
  return { id: job.id, status: status === 'completed' ? 'deadletter' : status, output: { code: 'MALFORMED', message: cut(message, 1000) } };
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
  const named = outcome.cause instanceof CerealError ? refsOf(outcome.cause) : [];
  const refs = named.length === 0 ? undefined : named.slice(0, 100).map((r) => r.key);
  if (outcome.action === 'discard') return stored(job, 'completed', { discarded: outcome.message, code: outcome.code, refs });
  return stored(job, outcome.action === 'retry' ? 'failed' : 'deadletter', { code: outcome.code, message: outcome.message, refs });
}

/** What the handler threw, as a job's output (pg-boss stores JSON: an Error would be `{}`). Never throws. */
function thrown(err: unknown): { name: string; message: string; code?: string } {
  try {
    if (err instanceof CerealError) return { name: 'CerealError', message: cut(`${err.code}: ${err.message}`, 1000), code: err.code };
    if (err instanceof Error) return { name: typeof err.name === 'string' ? cut(err.name, 100) : 'Error', message: cut(describe(err, 960), 1000) };
  } catch {
    // an Error whose name or message is a getter that throws, a Proxy
  }
  return { name: 'Error', message: cut(describe(err, 960), 1000) };
}
