import { CerealError, type HydrateOptions, type Serializer } from '@cereal/core';
import { wireError } from '@cereal/core/format';

/**
 * Job data as cereal writes it: JSON-safe, and naming its format so a worker can tell what it
 * got. msgpack travels as base64 text, JSON embedded as an object (readable in queue
 * dashboards), YAML as text.
 */
export interface JobEnvelope {
  /** Marks cereal job data; the version of this envelope. */
  readonly $cereal: 1;
  /** The format that wrote the payload: `msgpack`, `json` or `yaml`. */
  readonly format: string;
  /** base64 of the msgpack bytes, the JSON payload itself, or the YAML text. */
  readonly payload: unknown;
}

/**
 * Encodes `value` for BullMQ's job data: refs and hydrated rows travel as references.
 *
 * @param serializer - the serializer the workers decode with
 * @param value - anything the serializer can encode
 * @returns JSON-safe job data for `queue.add(name, data)`
 * @example await queue.add('welcome', toJobData(cereal, { user }))
 */
export function toJobData(serializer: Serializer<Uint8Array | string>, value: unknown): JobEnvelope {
  const wire = serializer.encode(value);
  if (wire instanceof Uint8Array) return { $cereal: 1, format: serializer.format, payload: Buffer.from(wire.buffer, wire.byteOffset, wire.byteLength).toString('base64') };
  return { $cereal: 1, format: serializer.format, payload: serializer.format === 'json' ? (JSON.parse(wire) as unknown) : wire };
}

/**
 * Decodes job data that toJobData wrote and hydrates it: the rows as they are now.
 *
 * @param serializer - a serializer of the same format as the producer's
 * @param data - `job.data`
 * @param options - hydrate options for this call
 * @returns the value with fresh rows in place of refs
 * @throws CerealError `MALFORMED` when `data` is not a cereal envelope of this format, or any
 *   error of `serializer.decode`
 */
export function fromJobData(serializer: Serializer<Uint8Array | string>, data: unknown, options?: HydrateOptions): Promise<unknown> {
  return serializer.decode(wireOf(serializer, data), options);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The wire form inside job data, checked: it must be a cereal envelope written in the
 * serializer's format.
 *
 * @throws CerealError `MALFORMED` for anything else
 */
export function wireOf(serializer: Serializer<Uint8Array | string>, data: unknown): Uint8Array | string {
  const envelope = data as Partial<JobEnvelope> | null;
  if (envelope === null || typeof envelope !== 'object' || envelope.$cereal !== 1 || typeof envelope.format !== 'string' || !('payload' in envelope)) {
    throw new CerealError('MALFORMED', '[bullmq] job data is not a cereal envelope {"$cereal": 1, "format", "payload"}; enqueue it with toJobData(serializer, value)');
  }
  if (envelope.format !== serializer.format) {
    throw new CerealError('MALFORMED', `[bullmq] job data was written in \`${envelope.format.slice(0, 32)}\`; this worker's serializer reads \`${serializer.format}\``);
  }
  const { payload } = envelope;
  if (serializer.format === 'json') {
    try {
      return JSON.stringify(payload);
    } catch (cause) {
      throw wireError('json', cause); // a payload nested past the stack: LIMIT
    }
  }
  if (typeof payload !== 'string') throw new CerealError('MALFORMED', `[bullmq] the ${serializer.format} payload must be text`);
  if (serializer.format !== 'msgpack') return payload;
  if (!BASE64.test(payload)) throw new CerealError('MALFORMED', '[bullmq] the msgpack payload must be base64');
  return new Uint8Array(Buffer.from(payload, 'base64'));
}
