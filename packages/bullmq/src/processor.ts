import { CerealError, type HydrateOptions, type Serializer } from '@cereal/core';
import { listRefs } from '@cereal/core/format';
import { UnrecoverableError, type Job } from 'bullmq';
import { fromJobData, type JobEnvelope } from './envelope.js';

/** Options of {@link withRefs}: hydrate options for every job, and what a missing row does. */
export interface WithRefsOptions extends HydrateOptions {
  /**
   * A job whose referenced rows are gone (`MISSING_ROW`): `fail` it at once, without retries
   * (BullMQ's UnrecoverableError, the missing refs in its reason), or `discard` it: the job
   * completes without running the processor, with a line in its log.
   * @default 'fail'
   */
  onMissingRow?: 'fail' | 'discard';
}

/** Your processor: the decoded, hydrated job data first, then what BullMQ passes. */
export type RefProcessor<T, R> = (data: T, job: Job<JobEnvelope>, token?: string, signal?: AbortSignal) => Promise<R>;

/**
 * Wraps a processor so that it receives fresh rows: job data is decoded and hydrated inside the
 * job, so failures go through BullMQ's own retry machinery. `LOAD_FAILED` (database down,
 * timeout) is thrown as it is: the job's `attempts` and `backoff` retry it. `MISSING_ROW` fails
 * the job without retries (or discards it). Any other CerealError (malformed data, an unknown
 * model) can never succeed either and fails without retries.
 *
 * @param serializer - the serializer the producer encoded with (same format and model names)
 * @param processor - your processor, given the hydrated data
 * @param options - see {@link WithRefsOptions}
 * @returns a BullMQ processor for `new Worker(name, processor, options)`
 * @example new Worker('mail', withRefs(cereal, async ({ user }) => sendWelcome(user)), { connection })
 */
export function withRefs<T = unknown, R = unknown>(
  serializer: Serializer<Uint8Array | string>,
  processor: RefProcessor<T, R>,
  options: WithRefsOptions = {},
): (job: Job<JobEnvelope>, token?: string, signal?: AbortSignal) => Promise<R | undefined> {
  const { onMissingRow = 'fail', ...hydrateOptions } = options;
  if (onMissingRow !== 'fail' && onMissingRow !== 'discard') {
    throw new CerealError('INVALID_OPTION', `[bullmq] \`onMissingRow\` must be 'fail' or 'discard', got ${JSON.stringify(onMissingRow)}`);
  }
  return async (job, token, signal) => {
    let data: T;
    try {
      data = (await fromJobData(serializer, job.data, hydrateOptions)) as T;
    } catch (err) {
      if (!(err instanceof CerealError) || err.retryable) throw err;
      if (err.code === 'MISSING_ROW' && onMissingRow === 'discard') {
        const gone = err.refs ?? [];
        await job.log(`discarded by cereal: ${gone.length} referenced row${gone.length === 1 ? ' is' : 's are'} gone: ${listRefs(gone, 20)}`);
        return undefined;
      }
      // The message carries the refs; BullMQ keeps it as the job's failedReason.
      const failure = new UnrecoverableError(`${err.code}: ${err.message}`);
      failure.cause = err;
      throw failure;
    }
    return processor(data, job, token, signal);
  };
}
