import type { DecodeOptions, Hydrated, Loaders, MissingMode, MissingOf } from '@cereal/core';
import { accepting, readJobData, type JobData, type Serializers } from '@cereal/queue';
import { PG_BOSS } from './wording.js';

export { toJobData } from '@cereal/queue';

/**
 * Decodes the data of a job `send` wrote and hydrates it, outside a worker: a job read with
 * `boss.findJobs(name, { id })` or `boss.fetch(name)`.
 *
 * @param serializers - the producer's serializer, or serializers by format name
 * @param data - `job.data`
 * @param options - decode options for this call
 * @throws CerealError `MALFORMED` when `data` is not cereal job data or is of a format not
 *   accepted, or any error of `serializer.decode`
 */
export function fromJobData<T = unknown>(serializers: Serializers, data: JobData<T>, options?: Omit<DecodeOptions, 'missing'>): Promise<Hydrated<T, Loaders, MissingOf<MissingMode>>>;
export function fromJobData<T = unknown>(serializers: Serializers, data: unknown, options?: Omit<DecodeOptions, 'missing'>): Promise<Hydrated<T, Loaders, MissingOf<MissingMode>>>;
export async function fromJobData(serializers: Serializers, data: unknown, options?: Omit<DecodeOptions, 'missing'>): Promise<unknown> {
  return readJobData(accepting(serializers, PG_BOSS), data, options, PG_BOSS);
}
