import { CerealError, type DecodeOptions, type Hydrated, type Loaders, type MissingMode, type MissingOf, type ModelRef } from '@cereal/core';
import { MAX_MESSAGE, describe, listRefs, walk } from '@cereal/core/format';
import { UnrecoverableError, type Job } from 'bullmq';
import { accepting, type Serializers } from './accept.js';
import { durationMs, type Duration } from './duration.js';
import type { JobData } from './envelope.js';
import { readJobData } from './read.js';

/**
 * Options of {@link withRefs}: decode options for every job (`maxRefs`, `maxDepth`, `maxBytes`;
 * `missing` is the serializer's own), and what a missing row does.
 */
export interface WithRefsOptions extends Omit<DecodeOptions, 'missing'> {
  /**
   * A job whose referenced rows are gone (`MISSING_ROW`): `fail` it at once, without retries
   * (BullMQ's UnrecoverableError, the missing refs in its reason), or `discard` it: the job
   * completes without running the processor, with a line in its log.
   * @default 'fail'
   */
  onMissingRow?: 'fail' | 'discard';
  /**
   * A grace period for rows not visible yet: a job enqueued inside a transaction that has not
   * committed, or right after a write to a primary whose replica lags, can run before its rows
   * are there. A `MISSING_ROW` on a job younger than `within` (its age: now − `job.timestamp`,
   * when the job was created) fails the attempt with an ordinary Error, so BullMQ retries it with
   * the job's own `attempts` and `backoff`. Once the job is older than `within`, or on its last
   * attempt, `MISSING_ROW` fails the job or discards it as `onMissingRow` says.
   */
  missingRetry?: MissingRetry;
}

/** The grace period of {@link WithRefsOptions.missingRetry}. */
export interface MissingRetry {
  /**
   * How long after the job was created a missing row is taken for one not visible yet: a number
   * of milliseconds or `'500ms'`, `'30s'`, `'5m'`, `'1h'`.
   */
  within: Duration;
}

/** Your processor: the decoded, hydrated job data first, then what BullMQ passes. */
export type RefProcessor<Data, R, T = unknown> = (data: Data, job: Job<JobData<T>>, token?: string, signal?: AbortSignal) => Promise<R>;

/** What withRefs returns: a processor for BullMQ's `new Worker(name, processor)`. */
export type Processor<R, T = unknown> = (job: Job<JobData<T>>, token?: string, signal?: AbortSignal) => Promise<R | undefined>;

/**
 * Wraps a processor so that it receives fresh rows: job data is decoded and hydrated inside the
 * job, so failures go through BullMQ's own retry machinery, each with a `failedReason` that
 * starts with its code (`LOAD_FAILED: …`, `MISSING_ROW: …`). A retryable CerealError
 * (`LOAD_FAILED`: database down, timeout; any code whose `retryable` is true) fails the attempt:
 * the job's `attempts` and `backoff` retry it. `MISSING_ROW` fails the job without retries (or
 * discards it), unless the job is younger than `missingRetry.within`: then the attempt fails and
 * is retried. Any other CerealError (malformed data, a format not accepted, an unknown model)
 * can never succeed and fails without retries.
 *
 * @param serializers - the producer's serializer (same format and model names), or serializers
 *   by format name (`{ msgpack: cerealA, json: cerealB }`) to accept jobs of each
 * @param processor - your processor, given the hydrated data (typed from the loader map with
 *   `jobsFor(cereal).withRefs<T>`; here each row is an `object`)
 * @param options - see {@link WithRefsOptions}
 * @returns a BullMQ processor for `new Worker(name, processor, options)`
 * @throws CerealError `INVALID_OPTION` at once for a bad option or serializers map
 * @example new Worker('mail', withRefs(cereal, async ({ user }) => sendWelcome(user)), { connection })
 */
export function withRefs<T = unknown, R = unknown>(
  serializers: Serializers,
  processor: RefProcessor<Hydrated<T, Loaders, MissingOf<MissingMode>>, R, T>,
  options: WithRefsOptions = {},
): Processor<R, T> {
  const { onMissingRow = 'fail', missingRetry, ...hydrateOptions } = options;
  if (onMissingRow !== 'fail' && onMissingRow !== 'discard') {
    throw new CerealError('INVALID_OPTION', `[bullmq] \`onMissingRow\` must be 'fail' or 'discard', got ${JSON.stringify(onMissingRow)}`);
  }
  const grace = gracePeriod(missingRetry);
  const accepted = accepting(serializers); // a bad map fails where the worker is built, not per job
  return async (job, token, signal) => {
    let data: Hydrated<T, Loaders, MissingOf<MissingMode>>;
    try {
      data = (await readJobData(accepted, job.data, hydrateOptions)) as Hydrated<T, Loaders, MissingOf<MissingMode>>;
    } catch (err) {
      if (!(err instanceof CerealError)) throw err;
      if (err.code !== 'MISSING_ROW') throw attemptFailure(err);
      const young = grace === undefined ? undefined : youngJob(job, grace);
      if (young?.attemptsLeft === true) throw attemptFailure(err, { retry: true, note: young.note });
      // past the grace period, or on the last attempt: as onMissingRow says
      if (onMissingRow === 'discard') {
        const gone = err.refs ?? [];
        const why = young === undefined ? '' : ` (${young.note})`;
        await job.log(`discarded by cereal: ${gone.length} referenced row${gone.length === 1 ? ' is' : 's are'} gone${why}: ${listRefs(gone, 20)}`.slice(0, MAX_MESSAGE));
        return undefined;
      }
      throw attemptFailure(err, young === undefined ? {} : { note: young.note });
    }
    return checkResult(await processor(data, job, token, signal));
  };
}

/** How deep checkResult looks for refs; a deeper return value is left to BullMQ as it is. */
const RESULT_DEPTH = 64;

/**
 * The processor's return value, which BullMQ stores as JSON: a ref in it (a row kept as a ref by
 * `missing: 'keep'`, passed back) refuses JSON, and BullMQ would fail the attempt only after the
 * processor ran, then run it again with each retry. It fails the job once instead, naming the refs.
 */
function checkResult<R>(result: R): R {
  if (result === null || typeof result !== 'object') return result;
  const refs: ModelRef[] = [];
  try {
    walk(result, { ref: (r) => (refs.push(r), r) }, RESULT_DEPTH);
  } catch {
    return result; // deeper than we look, or circular: JSON.stringify in BullMQ says so
  }
  if (refs.length === 0) return result;
  throw attemptFailure(
    new CerealError('MALFORMED', `[bullmq] the processor returned ${refs.length} ref${refs.length === 1 ? '' : 's'} (${listRefs(refs, 5)}), which BullMQ cannot store as the job's return value; return their keys (\`ref.key\`) or the rows`, { refs }),
  );
}

/** The grace period of `missingRetry`, checked: its length in ms and as the user wrote it. */
interface Grace {
  readonly ms: number;
  readonly shown: string;
}

/**
 * `missingRetry`, checked where the worker is built.
 * @throws CerealError `INVALID_OPTION` for anything but `{ within: <duration> }`
 */
function gracePeriod(missingRetry: unknown): Grace | undefined {
  if (missingRetry === undefined) return undefined;
  if (missingRetry === null || typeof missingRetry !== 'object' || Array.isArray(missingRetry)) {
    throw new CerealError('INVALID_OPTION', `[bullmq] \`missingRetry\` must be an object, \`{ within: '30s' }\`, got ${describe(missingRetry, 40)}`);
  }
  const { within } = missingRetry as { within?: unknown };
  const ms = durationMs('missingRetry.within', within);
  return { ms, shown: typeof within === 'string' ? within : `${ms}ms` };
}

/**
 * Whether `job` is within the grace period, and if so whether BullMQ will give it another
 * attempt (as BullMQ decides: `attemptsMade + 1 < opts.attempts`), with a note for the message.
 * A job without a creation time is taken as past it: it fails as it would without the option.
 */
function youngJob(job: Job, grace: Grace): { attemptsLeft: boolean; note: string } | undefined {
  const created = job.timestamp as unknown;
  if (typeof created !== 'number' || !Number.isFinite(created)) return undefined;
  const age = Date.now() - created; // negative when the producer's clock is ahead: young
  if (age >= grace.ms) return undefined;
  const attempt = (Number.isInteger(job.attemptsMade) ? job.attemptsMade : 0) + 1;
  const attempts = typeof job.opts?.attempts === 'number' ? job.opts.attempts : 1;
  const young = `the job is ${Math.max(0, Math.round(age))}ms old, younger than missingRetry.within (${grace.shown})`;
  if (attempt < attempts) {
    return { attemptsLeft: true, note: `[bullmq] retrying: ${young}, and its rows may not be visible yet (attempt ${attempt} of ${attempts} failed)` };
  }
  const hint = attempts <= 1 ? ': give the job `attempts` and a `backoff` to retry it' : '';
  return { attemptsLeft: false, note: `[bullmq] not retrying: ${young}, but attempt ${attempt} of ${Math.max(attempts, 1)} was its last${hint}` };
}

/**
 * What fails the attempt for a CerealError. BullMQ keeps the message as the job's
 * failedReason, so it starts with the code (and carries the refs) for every code, then `note`
 * if any, then the CerealError's message. A retryable one (or one `retry` says to retry) is an
 * ordinary Error, which BullMQ retries with the job's attempts and backoff; any other can never
 * succeed and is an UnrecoverableError, which BullMQ fails at once.
 */
function attemptFailure(err: CerealError, how: { retry?: boolean; note?: string } = {}): Error {
  const text = how.note === undefined ? err.message : `${how.note}. ${err.message}`;
  const message = `${err.code}: ${text}`.slice(0, MAX_MESSAGE); // a failedReason within the messages' bound
  if (how.retry ?? err.retryable) return new Error(message, { cause: err });
  const failure = new UnrecoverableError(message);
  // not enumerable, as `new Error(message, { cause })` makes it
  Object.defineProperty(failure, 'cause', { value: err, writable: true, configurable: true, enumerable: false });
  return failure;
}
