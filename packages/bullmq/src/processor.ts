import { CerealError, type Hydrated, type Loaders, type MissingMode, type MissingOf } from '@cereal/core';
import { accepting, classify, failurePolicy, readJobData, refsInResult, type JobData, type Outcome, type RefOptions, type Serializers } from '@cereal/queue';
import { UnrecoverableError, type Job } from 'bullmq';
import { BULLMQ } from './wording.js';

/**
 * Options of {@link withRefs}: decode options for every job (`maxRefs`, `maxDepth`, `maxBytes`;
 * `missing` is the serializer's own), and what a missing row does: `onMissingRow: 'discard'`
 * completes the job without running the processor, with a line in its log; `missingRetry` retries
 * a young job with the job's own `attempts` and `backoff`.
 */
export type WithRefsOptions = RefOptions;

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
 * can never succeed and fails without retries. (The classification is @cereal/queue's, the same
 * in every cereal queue package.)
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
  const { policy, decodeOptions } = failurePolicy(options, BULLMQ);
  const accepted = accepting(serializers, BULLMQ); // a bad map fails where the worker is built, not per job
  return async (job, token, signal) => {
    let data: Hydrated<T, Loaders, MissingOf<MissingMode>>;
    try {
      data = (await readJobData(accepted, job.data, decodeOptions, BULLMQ)) as Hydrated<T, Loaders, MissingOf<MissingMode>>;
    } catch (err) {
      if (!(err instanceof CerealError)) throw err; // BullMQ retries it, as any error of the processor
      const outcome = classify(err, policy, {
        createdAt: job.timestamp,
        attempt: (Number.isInteger(job.attemptsMade) ? job.attemptsMade : 0) + 1, // BullMQ retries while attemptsMade + 1 < attempts
        attempts: typeof job.opts?.attempts === 'number' ? job.opts.attempts : 1,
      });
      if (outcome.action !== 'discard') throw attemptFailure(outcome);
      await job.log(outcome.message);
      return undefined;
    }
    const result = await processor(data, job, token, signal);
    const refs = refsInResult(result, BULLMQ, 'the processor', "BullMQ cannot store as the job's return value");
    if (refs !== undefined) throw attemptFailure(classify(refs, policy, { createdAt: undefined, attempt: 1, attempts: 1 }));
    return result;
  };
}

/**
 * What fails the attempt. BullMQ keeps the message as the job's failedReason, so it is the
 * outcome's message: the code, why retried or not, the CerealError's message. `retry` is an
 * ordinary Error, which BullMQ retries with the job's attempts and backoff; `fail` can never
 * succeed and is an UnrecoverableError, which BullMQ fails at once.
 */
function attemptFailure(outcome: Outcome): Error {
  if (outcome.action === 'retry') return new Error(outcome.message, { cause: outcome.cause });
  const failure = new UnrecoverableError(outcome.message);
  // not enumerable, as `new Error(message, { cause })` makes it
  Object.defineProperty(failure, 'cause', { value: outcome.cause, writable: true, configurable: true, enumerable: false });
  return failure;
}
