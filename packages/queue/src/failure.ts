import { CerealError, type DecodeOptions, type ModelRef } from '@cereal/core';
import { MAX_MESSAGE, checkDecodeOptions, cut, describe, listRefs } from '@cereal/core/format';
import { durationMs, type Duration } from './duration.js';
import type { Via } from './via.js';

/**
 * What a queue package's worker takes beside its handler: decode options for every job
 * (`maxRefs`, `maxDepth`, `maxBytes`; `missing` is the serializer's own), and what a missing row
 * does. The same options, meaning the same, in @cereal/bullmq, @cereal/pg-boss and @cereal/amqp.
 */
export interface RefOptions extends Omit<DecodeOptions, 'missing'> {
  /**
   * A job whose referenced rows are gone (`MISSING_ROW`): `fail` it at once, without retries
   * (dead-lettered where the queue has dead letters, the missing refs in its reason), or
   * `discard` it: the job completes without running the handler, and the queue records why.
   * @default 'fail'
   */
  onMissingRow?: 'fail' | 'discard';
  /**
   * A grace period for rows not visible yet: a job enqueued inside a transaction that has not
   * committed, or right after a write to a primary whose replica lags, can run before its rows
   * are there. A `MISSING_ROW` on a job younger than `within` (its age: now − when the job was
   * created) fails the attempt so the queue retries it with the job's own retry settings. Once the
   * job is older than `within`, or on its last attempt, `MISSING_ROW` fails the job or discards it
   * as `onMissingRow` says.
   */
  missingRetry?: MissingRetry;
}

/** The grace period of {@link RefOptions.missingRetry}. */
export interface MissingRetry {
  /**
   * How long after the job was created a missing row is taken for one not visible yet: a number
   * of milliseconds or `'500ms'`, `'30s'`, `'5m'`, `'1h'`.
   */
  within: Duration;
}

/** How a queue package words its retry settings, for the hint on a job that had no retry left. */
export interface QueueWording extends Via {
  /** What one unit of work is called in messages about its age and attempts: `job` (the default), `message`. */
  readonly item?: string;
  /** What gives a job more attempts, e.g. ``give the job `attempts` and a `backoff` to retry it``. */
  readonly retryHint: string;
}

/** {@link RefOptions}' failure options, checked once where the worker is built. */
export interface FailurePolicy {
  readonly onMissingRow: 'fail' | 'discard';
  readonly grace: { readonly ms: number; readonly shown: string } | undefined;
  readonly wording: QueueWording;
}

/** The options failurePolicy takes: the failure options and the decode options. */
const KNOWN = new Set(['onMissingRow', 'missingRetry', 'maxRefs', 'maxDepth', 'maxBytes', 'consistency']);

/**
 * Checks the failure options of `options` and splits them from the decode options.
 *
 * @throws CerealError `INVALID_OPTION` for an `onMissingRow` other than `fail` or `discard`, a
 *   `missingRetry` that is not `{ within: <duration> }`, or a decode option `decode` would refuse
 */
export function failurePolicy(options: RefOptions, wording: QueueWording): { policy: FailurePolicy; decodeOptions: Omit<DecodeOptions, 'missing'> } {
  if (options === null || typeof options !== 'object') {
    throw new CerealError('INVALID_OPTION', `[${wording.label}] options must be an object, got ${describe(options, 40)}`);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) {
      const hint = key === 'missing' ? ': `missing` belongs to the serializer (createSerializer({ …, missing }))' : `; known: ${[...KNOWN].join(', ')}`;
      throw new CerealError('INVALID_OPTION', `[${wording.label}] unknown option \`${key.slice(0, 64)}\`${hint}`);
    }
  }
  const { onMissingRow = 'fail', missingRetry, ...decodeOptions } = options;
  checkDecodeOptions(decodeOptions); // a typo fails here, where the worker is built, not every job
  if (onMissingRow !== 'fail' && onMissingRow !== 'discard') {
    throw new CerealError('INVALID_OPTION', `[${wording.label}] \`onMissingRow\` must be 'fail' or 'discard', got ${JSON.stringify(onMissingRow) ?? describe(onMissingRow, 40)}`);
  }
  return { policy: { onMissingRow, grace: gracePeriod(missingRetry, wording.label), wording }, decodeOptions };
}

function gracePeriod(missingRetry: unknown, label: string): FailurePolicy['grace'] {
  if (missingRetry === undefined) return undefined;
  if (missingRetry === null || typeof missingRetry !== 'object' || Array.isArray(missingRetry)) {
    throw new CerealError('INVALID_OPTION', `[${label}] \`missingRetry\` must be an object, \`{ within: '30s' }\`, got ${describe(missingRetry, 40)}`);
  }
  const { within } = missingRetry as { within?: unknown };
  const ms = durationMs('missingRetry.within', within, label);
  return { ms, shown: typeof within === 'string' ? within : `${ms}ms` };
}

/** Where a job is in its life, as its queue tells it. */
export interface Attempt {
  /** When the job was created, in ms since the epoch; undefined when the queue does not say. */
  readonly createdAt: number | undefined;
  /** This attempt, counted from 1. */
  readonly attempt: number;
  /** How many attempts the job has in all (1 when it has no retries). */
  readonly attempts: number;
}

/**
 * What to do with a job whose data could not be read:
 * - `retry`: fail this attempt; the queue retries it with the job's own retry settings (and
 *   fails it for good when they are used up);
 * - `fail`: fail the job now, without retries (dead-letter it where the queue has dead letters);
 * - `discard`: complete the job without running the handler, recording `message`.
 */
export interface Outcome {
  readonly action: 'retry' | 'fail' | 'discard';
  /** The error code (`LOAD_FAILED`, `MISSING_ROW`, …), or undefined for an error that is not a CerealError. */
  readonly code: string | undefined;
  /**
   * For `retry` and `fail`: the reason, starting with the code, then why retried or not, then the
   * CerealError's message (`MISSING_ROW: [bullmq] retrying: … [cereal] 1 referenced row is
   * missing: \`users:9\``). For `discard`: the line to record (`discarded by cereal: …`).
   * Within the messages' bound (1000 characters).
   */
  readonly message: string;
  /** What was thrown: the CerealError, or anything else as it is. */
  readonly cause: unknown;
}

/**
 * The one classification of read failures every queue package applies:
 * - a retryable CerealError (`LOAD_FAILED`, `STALE`: database down, a replica behind) → `retry`;
 * - `MISSING_ROW` on a job younger than `missingRetry.within` with an attempt left → `retry`;
 *   otherwise → `fail`, or `discard` when `onMissingRow` is `discard`;
 * - any other CerealError (malformed data, a format not accepted, an unknown model, a limit)
 *   can never succeed → `fail`;
 * - anything else (a bug in a loader of your own) → `retry`, as the queue would treat a throw.
 *
 * @param err - what reading the job threw
 * @param policy - the worker's checked options
 * @param attempt - the job's creation time and attempts
 * @param now - the time now, in ms since the epoch
 */
export function classify(err: unknown, policy: FailurePolicy, attempt: Attempt, now = Date.now()): Outcome {
  if (!(err instanceof CerealError)) return { action: 'retry', code: undefined, message: describe(err, MAX_MESSAGE), cause: err };
  if (err.code !== 'MISSING_ROW') return failure(err.retryable ? 'retry' : 'fail', err);
  const young = youngJob(policy, attempt, now);
  if (young?.attemptsLeft === true) return failure('retry', err, young.note);
  if (policy.onMissingRow === 'discard') {
    const gone = refsOf(err);
    const why = young === undefined ? '' : ` (${young.note})`;
    // an error that names no ref (a CerealError a handler built) says what it says instead
    const message = gone.length === 0 ? `discarded by cereal: referenced rows are gone${why}: ${err.message}` : `discarded by cereal: ${gone.length} referenced row${gone.length === 1 ? ' is' : 's are'} gone${why}: ${listRefs(gone, 20)}`;
    return { action: 'discard', code: err.code, message: cut(message, MAX_MESSAGE), cause: err };
  }
  return failure('fail', err, young?.note);
}

/**
 * The refs an error names, only those that are refs: a CerealError a handler built itself may
 * carry anything in `refs` (`[null]`), and a message about it must not throw.
 */
export function refsOf(err: CerealError): ModelRef[] {
  const refs: unknown = err.refs;
  // duck-typed: a ref made by another copy of @cereal/core is a ref too
  return Array.isArray(refs) ? refs.filter((r): r is ModelRef => r !== null && typeof r === 'object' && typeof (r as ModelRef).key === 'string' && typeof (r as ModelRef).model === 'string') : [];
}

function failure(action: 'retry' | 'fail', err: CerealError, note?: string): Outcome {
  const text = note === undefined ? err.message : `${note}. ${err.message}`;
  return { action, code: err.code, message: cut(`${err.code}: ${text}`, MAX_MESSAGE), cause: err };
}

/**
 * Whether the job is within the grace period, and if so whether its queue will give it another
 * attempt, with a note for the message (and a note that it is past it, when it is). A job
 * without a creation time fails as it would without the option, with no note.
 */
function youngJob(policy: FailurePolicy, job: Attempt, now: number): { attemptsLeft: boolean; note: string } | undefined {
  const { grace, wording } = policy;
  if (grace === undefined) return undefined;
  const created = job.createdAt;
  if (typeof created !== 'number' || !Number.isFinite(created)) return undefined;
  const age = now - created; // negative when the producer's clock is ahead: young
  const item = wording.item ?? 'job';
  if (age >= grace.ms) {
    // past the grace period: failed (or discarded) as without the option, saying why it was not retried
    return { attemptsLeft: false, note: `[${wording.label}] not retrying: the ${item} is ${Math.round(age)}ms old, past missingRetry.within (${grace.shown})` };
  }
  const attempt = Number.isInteger(job.attempt) && job.attempt > 0 ? job.attempt : 1;
  const attempts = Number.isInteger(job.attempts) && job.attempts > 0 ? job.attempts : 1;
  const young = `the ${item} is ${Math.max(0, Math.round(age))}ms old, younger than missingRetry.within (${grace.shown})`;
  if (attempt < attempts) {
    return { attemptsLeft: true, note: `[${wording.label}] retrying: ${young}, and its rows may not be visible yet (attempt ${attempt} of ${attempts} failed)` };
  }
  const hint = attempts <= 1 ? `: ${wording.retryHint}` : '';
  return { attemptsLeft: false, note: `[${wording.label}] not retrying: ${young}, but attempt ${attempt} of ${Math.max(attempts, attempt)} was its last${hint}` };
}
