import type { Encodable, Loaders, Serializer } from '@cereal/core';

/**
 * How an envelope's payload holds the wire inside JSON job data:
 * - `base64`: the bytes of a bytes format, as base64 text;
 * - `json`: the text of a text format that is JSON, embedded as the value it parses to
 *   (readable in queue dashboards); the wire is that value stringified again;
 * - `text`: any other text, as it is.
 */
export type PayloadEncoding = 'base64' | 'text' | 'json';

/**
 * Job data as cereal writes it: JSON-safe, naming its format so a worker can pick the
 * serializer, and its encoding so the payload can be turned back into the wire whatever the
 * format: `{"$cereal":1,"format":"msgpack","encoding":"base64","payload":"gaR1…"}`.
 */
export interface JobEnvelope {
  /** Marks cereal job data; the version of this envelope. */
  readonly $cereal: 1;
  /** The name of the format that wrote the payload, e.g. `msgpack`, `json`, `yaml`. */
  readonly format: string;
  /**
   * How `payload` holds the wire. toJobData always writes it; job data queued by
   * @cereal/bullmq 0.1 has none and is read by its format's name (msgpack `base64`, json
   * `json`, anything else `text`).
   */
  readonly encoding?: PayloadEncoding;
  /** base64 text, the embedded JSON value, or the text itself: see `encoding`. */
  readonly payload: unknown;
}

declare const carries: unique symbol;

/** Job data of a job of type `T`: the envelope, with `T` carried in its type only. */
export type JobData<T = unknown> = JobEnvelope & { readonly [carries]?: T };

/**
 * Encodes `value` as job data: refs and hydrated rows travel as references. @cereal/bullmq and
 * @cereal/pg-boss write it; it is JSON-safe for any queue that stores JSON.
 *
 * @param serializer - the serializer of the format to write (a worker must accept it)
 * @param value - anything the serializer can encode
 * @returns JSON-safe job data, e.g. for BullMQ's `queue.add(name, data)`
 * @throws CerealError any error of `serializer.encode`
 * @example await queue.add('welcome', toJobData(cereal, { user }))
 */
export function toJobData<T = unknown, L extends Loaders = Loaders>(serializer: Serializer<Uint8Array | string, L>, value: Encodable<T, L>): JobData<T> {
  const wire: Uint8Array | string = serializer.encode<T>(value);
  const { format } = serializer;
  if (wire instanceof Uint8Array) {
    return { $cereal: 1, format, encoding: 'base64', payload: Buffer.from(wire.buffer, wire.byteOffset, wire.byteLength).toString('base64') };
  }
  const json = embeddable(wire);
  return json === undefined ? { $cereal: 1, format, encoding: 'text', payload: wire } : { $cereal: 1, format, encoding: 'json', payload: json.value };
}

/**
 * The value `text` parses to as JSON, when embedding it loses nothing: only when stringifying
 * that value gives back `text` exactly, since the reader gets the wire back that way. Indented
 * JSON, numbers JSON.parse rounds (`12345678901234567890`) or respells (`1e2`, `-0`), escapes
 * written differently and lone surrogates all fail that test and travel as text, unchanged.
 */
function embeddable(text: string): { value: unknown } | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return JSON.stringify(value) === text ? { value } : undefined;
  } catch {
    return undefined; // not JSON, or nested too deeply to stringify again: text it is
  }
}
