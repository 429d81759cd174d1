import { CerealError, type Serializer } from '@cereal/core';
import { listNames } from '@cereal/core/format';
import { QUEUE, type Via } from './via.js';

/**
 * What a worker decodes with: one serializer, or several by format name
 * (`{ msgpack: cerealA, json: cerealB }`), each job's envelope picking one by its `format`.
 * Several serve a rolling migration from one format to another: while producers switch, the
 * queue holds jobs of both.
 */
export type Serializers = Serializer<Uint8Array | string> | Readonly<Record<string, Serializer<Uint8Array | string>>>;

/** The serializers a reader accepts, checked: each under its format's name. */
export interface Accepted {
  /** The format names accepted, for messages. */
  readonly formats: readonly string[];
  /** The serializer of `format`, or undefined when it is not accepted. */
  get(format: string): Serializer<Uint8Array | string> | undefined;
}

const isSerializer = (value: unknown): value is Serializer<Uint8Array | string> => {
  const s = value as Partial<Serializer<Uint8Array | string>> | null;
  return s !== null && typeof s === 'object' && typeof s.format === 'string' && typeof s.decode === 'function' && typeof s.encode === 'function';
};

const EXAMPLE = 'pass a serializer, or serializers by format name, e.g. { msgpack: cerealA, json: cerealB }';

/**
 * Checks `serializers` once: a serializer, or a non-empty map where each serializer sits under
 * its own format's name (a job is routed by the name its envelope carries, so a serializer
 * under another name would be handed payloads it cannot read).
 *
 * @throws CerealError `INVALID_OPTION` for anything else
 */
export function accepting(serializers: Serializers, via: Via = QUEUE): Accepted {
  const { label } = via;
  if (isSerializer(serializers)) {
    const only = serializers;
    return { formats: [only.format], get: (format) => (format === only.format ? only : undefined) };
  }
  if (serializers === null || typeof serializers !== 'object' || Array.isArray(serializers)) {
    throw new CerealError('INVALID_OPTION', `[${label}] ${EXAMPLE}`);
  }
  // A copy without a prototype: a format named `constructor` in an envelope finds nothing.
  const byFormat = new Map<string, Serializer<Uint8Array | string>>();
  for (const [name, serializer] of Object.entries(serializers)) {
    if (!isSerializer(serializer)) {
      throw new CerealError('INVALID_OPTION', `[${label}] \`${name.slice(0, 64)}\` is not a serializer; ${EXAMPLE}`);
    }
    if (serializer.format !== name) {
      throw new CerealError('INVALID_OPTION', `[${label}] the serializer under \`${name.slice(0, 64)}\` reads \`${serializer.format}\`; put each serializer under its format's name: { ${serializer.format}: … }`);
    }
    byFormat.set(name, serializer);
  }
  if (byFormat.size === 0) throw new CerealError('INVALID_OPTION', `[${label}] no serializer given; ${EXAMPLE}`);
  return { formats: [...byFormat.keys()], get: (format) => byFormat.get(format) };
}

/**
 * The serializer for an envelope's format.
 *
 * @throws CerealError `MALFORMED` naming the formats accepted, when `format` is not one of them
 */
export function serializerFor(accepted: Accepted, format: string, via: Via = QUEUE): Serializer<Uint8Array | string> {
  const { label, what } = via;
  const serializer = accepted.get(format);
  if (serializer === undefined) {
    const reads = accepted.formats.length === 1 ? 'reads' : 'reads only';
    throw new CerealError('MALFORMED', `[${label}] ${what} was written in \`${format.slice(0, 32)}\`; this worker ${reads} ${listNames(accepted.formats, 10)}; a worker accepts several formats when given serializers by format name`);
  }
  return serializer;
}
