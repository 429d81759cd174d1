import type { DecodeOptions, Hydrated, Loaders, MissingMode, MissingOf } from '@cereal/core';
import { accepting, readJobData, type JobData, type Serializers } from '@cereal/queue';
import { BULLMQ } from './wording.js';

/**
 * Decodes job data that toJobData wrote and hydrates it: the rows as they are now.
 *
 * @param serializers - the producer's serializer, or serializers by format name
 *   (`{ msgpack: cerealA, json: cerealB }`): the envelope's `format` picks one
 * @param data - `job.data`
 * @param options - hydrate options for this call
 * @returns the value with fresh rows in place of refs (rows typed by `jobsFor(cereal).fromJobData<T>`,
 *   which knows the loader map; here each row is an `object`)
 * @throws CerealError `MALFORMED` when `data` is not a cereal envelope or is of a format not
 *   accepted, `INVALID_OPTION` for serializers that are not a serializer or a map of them by
 *   format name, or any error of `serializer.decode`
 */
export function fromJobData<T = unknown>(serializers: Serializers, data: JobData<T>, options?: Omit<DecodeOptions, 'missing'>): Promise<Hydrated<T, Loaders, MissingOf<MissingMode>>>;
export function fromJobData<T = unknown>(serializers: Serializers, data: unknown, options?: Omit<DecodeOptions, 'missing'>): Promise<Hydrated<T, Loaders, MissingOf<MissingMode>>>;
export async function fromJobData(serializers: Serializers, data: unknown, options?: Omit<DecodeOptions, 'missing'>): Promise<unknown> {
  return readJobData(accepting(serializers, BULLMQ), data, options, BULLMQ);
}
