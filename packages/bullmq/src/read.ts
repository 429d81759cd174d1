import { CerealError, type DecodeOptions, type Hydrated, type Loaders, type MissingMode, type MissingOf } from '@cereal/core';
import { wireError } from '@cereal/core/format';
import { accepting, serializerFor, type Accepted, type Serializers } from './accept.js';
import type { JobData, JobEnvelope, PayloadEncoding } from './envelope.js';

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
  return readJobData(accepting(serializers), data, options);
}

/** fromJobData with the serializers already checked (withRefs checks them once). */
export async function readJobData(accepted: Accepted, data: unknown, options?: Omit<DecodeOptions, 'missing'>): Promise<unknown> {
  const envelope = envelopeOf(data);
  const serializer = serializerFor(accepted, envelope.format);
  return serializer.decode(wireOf(envelope), options);
}

const ENCODINGS: readonly string[] = ['base64', 'text', 'json'] satisfies PayloadEncoding[];

/**
 * `data` as an envelope, its shape checked (not its payload).
 *
 * @throws CerealError `MALFORMED` for anything that is not one
 */
export function envelopeOf(data: unknown): JobEnvelope {
  const envelope = data as Partial<JobEnvelope> | null;
  if (envelope === null || typeof envelope !== 'object' || envelope.$cereal !== 1 || typeof envelope.format !== 'string' || !('payload' in envelope)) {
    throw new CerealError('MALFORMED', '[bullmq] job data is not a cereal envelope {"$cereal": 1, "format", "encoding", "payload"}; enqueue it with toJobData(serializer, value)');
  }
  const { encoding } = envelope;
  if (encoding !== undefined && !ENCODINGS.includes(encoding)) {
    const shown = typeof encoding === 'string' ? `\`${encoding.slice(0, 32)}\`` : typeof encoding;
    throw new CerealError('MALFORMED', `[bullmq] the envelope's encoding is ${shown}; this version reads \`base64\`, \`text\` and \`json\``);
  }
  return envelope as JobEnvelope;
}

/**
 * An envelope written without `encoding` (@cereal/bullmq 0.1, whose jobs may still be queued)
 * encoded its payload by its format's name.
 */
const legacyEncoding = (format: string): PayloadEncoding => (format === 'msgpack' ? 'base64' : format === 'json' ? 'json' : 'text');

/** base64 as Buffer writes it: whole groups of four, padded. Buffer.from would skip anything else. */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The wire inside an envelope, by its encoding: the format's decode then checks it is the wire
 * type it reads (bytes for base64, text otherwise).
 *
 * @throws CerealError `MALFORMED` for a payload its encoding cannot hold, `LIMIT` for an
 *   embedded value nested too deeply to stringify
 */
export function wireOf(envelope: JobEnvelope): Uint8Array | string {
  const { payload } = envelope;
  const encoding = envelope.encoding ?? legacyEncoding(envelope.format);
  if (encoding === 'json') {
    let text: string | undefined;
    try {
      text = JSON.stringify(payload);
    } catch (cause) {
      throw wireError('bullmq', cause); // nested past the stack: LIMIT; a bigint: MALFORMED
    }
    // undefined and functions stringify to nothing
    if (typeof text !== 'string') throw new CerealError('MALFORMED', `[bullmq] a json payload must be a JSON value, got ${typeof payload}`);
    return text;
  }
  if (typeof payload !== 'string') {
    throw new CerealError('MALFORMED', `[bullmq] a ${encoding} payload must be a string, got ${payload === null ? 'null' : typeof payload}`);
  }
  if (encoding === 'text') return payload;
  if (payload.length % 4 !== 0 || !BASE64.test(payload)) throw new CerealError('MALFORMED', '[bullmq] the payload is not base64');
  return new Uint8Array(Buffer.from(payload, 'base64'));
}
