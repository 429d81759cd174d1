import { CerealError, type DecodeOptions, type Serializer, type Settled } from '@cereal/core';
import { describe, wireError } from '@cereal/core/format';
import { serializerFor, type Accepted } from './accept.js';
import { QUEUE, type Via } from './via.js';
import type { JobEnvelope, PayloadEncoding } from './envelope.js';

/**
 * Decodes job data that toJobData wrote and hydrates it: the rows as they are now.
 *
 * @param accepted - the serializers accepted (see {@link accepting}): the envelope's `format` picks one
 * @param data - the job data
 * @param options - decode options for this call
 * @param via - the queue package reading, for messages
 * @throws CerealError `MALFORMED` when `data` is not a cereal envelope or is of a format not
 *   accepted, or any error of `serializer.decode`
 */
export async function readJobData(accepted: Accepted, data: unknown, options?: Omit<DecodeOptions, 'missing'>, via: Via = QUEUE): Promise<unknown> {
  const envelope = envelopeOf(data, via);
  const serializer = serializerFor(accepted, envelope.format, via);
  return serializer.decode(wireOf(envelope, via), options);
}

const ENCODINGS: readonly string[] = ['base64', 'text', 'json'] satisfies PayloadEncoding[];

/**
 * `data` as an envelope, its shape checked (not its payload).
 *
 * @throws CerealError `MALFORMED` for anything that is not one
 */
export function envelopeOf(data: unknown, via: Via = QUEUE): JobEnvelope {
  const { label, what, writer } = via;
  const envelope = data as Partial<JobEnvelope> | null;
  if (envelope === null || typeof envelope !== 'object' || envelope.$cereal !== 1 || typeof envelope.format !== 'string' || !('payload' in envelope)) {
    throw new CerealError('MALFORMED', `[${label}] ${what} is not a cereal envelope {"$cereal": 1, "format", "encoding", "payload"}; write it with ${writer}`);
  }
  const { encoding } = envelope;
  if (encoding !== undefined && !ENCODINGS.includes(encoding)) {
    const shown = typeof encoding === 'string' ? `\`${encoding.slice(0, 32)}\`` : typeof encoding;
    throw new CerealError('MALFORMED', `[${label}] the envelope's encoding is ${shown}; this version reads \`base64\`, \`text\` and \`json\``);
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
export function wireOf(envelope: JobEnvelope, via: Via = QUEUE): Uint8Array | string {
  const { label } = via;
  const { payload } = envelope;
  const encoding = envelope.encoding ?? legacyEncoding(envelope.format);
  if (encoding === 'json') {
    let text: string | undefined;
    try {
      text = JSON.stringify(payload);
    } catch (cause) {
      throw wireError(label, cause); // nested past the stack: LIMIT; a bigint: MALFORMED
    }
    // undefined and functions stringify to nothing
    if (typeof text !== 'string') throw new CerealError('MALFORMED', `[${label}] a json payload must be a JSON value, got ${typeof payload}`);
    return text;
  }
  if (typeof payload !== 'string') {
    throw new CerealError('MALFORMED', `[${label}] a ${encoding} payload must be a string, got ${payload === null ? 'null' : typeof payload}`);
  }
  if (encoding === 'text') return payload;
  if (payload.length % 4 !== 0 || !BASE64.test(payload)) throw new CerealError('MALFORMED', `[${label}] the payload is not base64`);
  return new Uint8Array(Buffer.from(payload, 'base64'));
}

/**
 * Decodes a batch of job data together: the payloads of each format in one `decodeMany`, so
 * each model is loaded once for the whole batch (once per format when the batch mixes formats),
 * and a result per item. An item's own failure (not an envelope, a format not accepted, malformed,
 * its rows missing) is its result alone; the others still get theirs.
 *
 * @param accepted - the serializers accepted (see {@link accepting})
 * @param items - each job's data
 * @param options - decode options for every item
 * @param via - the queue package reading, for messages
 * @returns a result per item, in order, as Promise.allSettled gives it
 */
export async function readJobDataMany(accepted: Accepted, items: readonly unknown[], options?: Omit<DecodeOptions, 'missing'>, via: Via = QUEUE): Promise<Settled<unknown>[]> {
  const out: Settled<unknown>[] = new Array(items.length);
  const groups = new Map<Serializer<Uint8Array | string>, { wires: (Uint8Array | string)[]; at: number[] }>();
  let since = performance.now();
  for (let i = 0; i < items.length; i++) {
    // Turning a batch of large payloads back into wires is synchronous work: let the event loop
    // run (heartbeats, other workers' timers) between payloads once it has held it a while.
    if (performance.now() - since > YIELD_AFTER_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      since = performance.now();
    }
    try {
      const envelope = envelopeOf(items[i], via);
      const serializer = serializerFor(accepted, envelope.format, via);
      const wire = wireOf(envelope, via);
      let group = groups.get(serializer);
      if (group === undefined) groups.set(serializer, (group = { wires: [], at: [] }));
      group.wires.push(wire);
      group.at.push(i);
    } catch (err) {
      out[i] = { status: 'rejected', reason: asCerealError(err, via) };
    }
  }
  await Promise.all(
    Array.from(groups, async ([serializer, { wires, at }]) => {
      let settled: Settled<unknown>[];
      try {
        settled = await serializer.decodeMany(wires, options);
      } catch (err) {
        const reason = asCerealError(err, via); // bad options: every item of the group fails alike
        settled = wires.map(() => ({ status: 'rejected', reason }));
      }
      for (let j = 0; j < at.length; j++) out[at[j]!] = settled[j]!;
    }),
  );
  return out;
}

/** How long readJobDataMany holds the event loop before it lets it run, between payloads. */
const YIELD_AFTER_MS = 20;

/** `err` as a CerealError: anything else (a serializer of your own that throws a TypeError) is LOAD_FAILED, retryable, its message kept. */
export function asCerealError(err: unknown, via: Via): CerealError {
  if (err instanceof CerealError) return err;
  return new CerealError('LOAD_FAILED', `[${via.label}] reading ${via.what} failed: ${describe(err)}`, { cause: err });
}
