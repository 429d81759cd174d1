import { CerealError, type DecodeOptions, type Hydrated, type Loaders, type MissingMode, type MissingOf, type ModelRef } from '@cereal/core';
import { MAX_MESSAGE, listRefs, walk } from '@cereal/core/format';
import { UnrecoverableError, type Job } from 'bullmq';
import { accepting, type Serializers } from './accept.js';
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
}

/** Your processor: the decoded, hydrated job data first, then what BullMQ passes. */
export type RefProcessor<Data, R, T = unknown> = (data: Data, job: Job<JobData<T>>, token?: string, signal?: AbortSignal) => Promise<R>;

/** What withRefs returns: a processor for BullMQ's `new Worker(name, processor)`. */
export type Processor<R, T = unknown> = (job: Job<JobData<T>>, token?: string, signal?: AbortSignal) => Promise<R | undefined>;

/**
 * Wraps a processor so that it receives fresh rows: job data is decoded and hydrated inside the
 * job, so failures go through BullMQ's own retry machinery, each with a `failedReason` that
 * starts with its code (`LOAD_FAILED: …`, `MISSING_ROW: …`). `LOAD_FAILED` (database down,
 * timeout) fails the attempt: the job's `attempts` and `backoff` retry it. `MISSING_ROW` fails
 * the job without retries (or discards it). Any other CerealError (malformed data, a format not
 * accepted, an unknown model) can never succeed either and fails without retries.
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
  const { onMissingRow = 'fail', ...hydrateOptions } = options;
  if (onMissingRow !== 'fail' && onMissingRow !== 'discard') {
    throw new CerealError('INVALID_OPTION', `[bullmq] \`onMissingRow\` must be 'fail' or 'discard', got ${JSON.stringify(onMissingRow)}`);
  }
  const accepted = accepting(serializers); // a bad map fails where the worker is built, not per job
  return async (job, token, signal) => {
    let data: Hydrated<T, Loaders, MissingOf<MissingMode>>;
    try {
      data = (await readJobData(accepted, job.data, hydrateOptions)) as Hydrated<T, Loaders, MissingOf<MissingMode>>;
    } catch (err) {
      if (!(err instanceof CerealError)) throw err;
      if (err.code === 'MISSING_ROW' && onMissingRow === 'discard') {
        const gone = err.refs ?? [];
        await job.log(`discarded by cereal: ${gone.length} referenced row${gone.length === 1 ? ' is' : 's are'} gone: ${listRefs(gone, 20)}`.slice(0, MAX_MESSAGE));
        return undefined;
      }
      throw attemptFailure(err);
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

/**
 * What fails the attempt for a CerealError. BullMQ keeps the message as the job's
 * failedReason, so it starts with the code (and carries the refs) for every code. A retryable
 * one is an ordinary Error, which BullMQ retries with the job's attempts and backoff; any other
 * can never succeed and is an UnrecoverableError, which BullMQ fails at once.
 */
function attemptFailure(err: CerealError): Error {
  const message = `${err.code}: ${err.message}`.slice(0, MAX_MESSAGE); // a failedReason within the messages' bound
  if (err.retryable) return new Error(message, { cause: err });
  const failure = new UnrecoverableError(message);
  // not enumerable, as `new Error(message, { cause })` makes it
  Object.defineProperty(failure, 'cause', { value: err, writable: true, configurable: true, enumerable: false });
  return failure;
}
