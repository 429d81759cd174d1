import type { DecodeOptions, Encodable, Hydrated, Loaders, MissingMode, MissingOf, Serializer } from '@cereal/core';
import { toJobData, type JobData, type Serializers } from '@cereal/queue';
import { fromJobData } from './read.js';
import { withRefs, type Processor, type RefProcessor, type WithRefsOptions } from './processor.js';

/**
 * The BullMQ functions bound to one serializer, so that a job's type is named once and the rows
 * are typed by the serializer's loader map. (TypeScript infers no type argument once one is
 * named: `withRefs<Job>(cereal, …)` could not also infer the loader map.)
 */
export interface Jobs<L extends Loaders, D extends MissingMode> {
  /** toJobData, checked like `encode`: a row of another model where a ref belongs does not compile. */
  toJobData<T = unknown>(value: Encodable<T, L>): JobData<T>;
  /** fromJobData, the rows typed by the loader map; the job type from `data` (JobData<T>) or named. */
  fromJobData<T = unknown>(data: JobData<T>, options?: Omit<DecodeOptions, 'missing'>): Promise<Hydrated<T, L, MissingOf<D>>>;
  fromJobData<T = unknown>(data: unknown, options?: Omit<DecodeOptions, 'missing'>): Promise<Hydrated<T, L, MissingOf<D>>>;
  /** withRefs, the processor's data typed by the loader map. */
  /** withRefs, the processor's data typed by the loader map (`missing` is the serializer's own). */
  withRefs<T = unknown, R = unknown>(processor: RefProcessor<Hydrated<T, L, MissingOf<D>>, R, T>, options?: WithRefsOptions): Processor<R, T>;
}

/** Options of {@link jobsFor}. */
export interface JobsOptions {
  /**
   * Serializers of other formats the reading side also accepts, by format name: during a
   * rolling migration, the format producers are leaving (`{ msgpack: old }`). They must load the
   * same models (same loader map) for the typed rows to hold.
   */
  accept?: Readonly<Record<string, Serializer<Uint8Array | string>>>;
}

/**
 * The BullMQ functions for one serializer, typed by its loader map.
 *
 * @param serializer - the serializer producers and workers share
 * @param options - see {@link JobsOptions}
 * @returns toJobData, fromJobData and withRefs bound to it
 * @example
 * const jobs = jobsFor(cereal)
 * await queue.add('confirm', jobs.toJobData<Confirm>({ order }))
 * new Worker('mail', jobs.withRefs<Confirm>(async ({ order }) => send(order.email)), { connection })
 */
export function jobsFor<W extends Uint8Array | string, L extends Loaders, D extends MissingMode>(serializer: Serializer<W, L, D>, options: JobsOptions = {}): Jobs<L, D> {
  const reading: Serializers = options.accept === undefined ? serializer : { ...options.accept, [serializer.format]: serializer };
  // The typed surface is a view of the free functions, which check everything at run time.
  return {
    toJobData: (value) => toJobData(serializer as Serializer<Uint8Array | string, L>, value),
    fromJobData: ((data: unknown, readOptions?: Omit<DecodeOptions, 'missing'>) => fromJobData(reading, data, readOptions)) as Jobs<L, D>['fromJobData'],
    withRefs: (processor, withOptions) => withRefs(reading, processor as never, withOptions),
  };
}
