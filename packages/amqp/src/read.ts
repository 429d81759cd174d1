import { CerealError, type DecodeOptions, type Hydrated, type Loaders, type MissingMode, type MissingOf } from '@cereal/core';
import { describe } from '@cereal/core/format';
import { accepting, formatOfContentType, serializerFor, type Accepted, type Serializers } from '@cereal/queue';
import type { Message } from 'amqplib';
import { HEADER, WIRE_VERSION } from './headers.js';
import { wireOfBody, wireTypeOf } from './wire.js';
import { AMQP } from './wording.js';

/**
 * Decodes a message that publish wrote and hydrates it: the rows as they are now. The content
 * type picks the serializer; the body is its wire as it is.
 *
 * @param accepted - the serializers accepted
 * @param message - the message as amqplib delivers it
 * @param options - decode options for this message
 * @throws CerealError `MALFORMED` for a content type that is not cereal's, a format not
 *   accepted, a wire version other than 1, an `x-cereal-format` header that contradicts the
 *   content type, text that is not UTF-8; `LIMIT` for a body over `maxBytes`; any error of
 *   `serializer.decode`
 */
export async function readMessage(accepted: Accepted, message: Message, options: DecodeOptions): Promise<unknown> {
  const m = message as Partial<Message> | null;
  if (m === null || typeof m !== 'object' || m.properties === null || typeof m.properties !== 'object' || !Buffer.isBuffer(m.content)) {
    throw new CerealError('MALFORMED', `[${AMQP.label}] not a message as amqplib gives it ({ content: Buffer, properties, fields }), got ${describe(message, 40)}`);
  }
  const format = formatOfContentType(message.properties.contentType, AMQP);
  const rawHeaders: unknown = message.properties.headers;
  const headers = (rawHeaders !== null && typeof rawHeaders === 'object' ? rawHeaders : {}) as Record<string, unknown>;
  const version: unknown = headers[HEADER.version];
  // A producer in another language may leave the header out: the content type says enough.
  if (version !== undefined && version !== WIRE_VERSION) {
    const shown = typeof version === 'string' ? `the text ${describe(version, 20)}` : describe(version, 20);
    throw new CerealError('MALFORMED', `[${AMQP.label}] ${AMQP.what} has wire version ${shown} (\`${HEADER.version}\`); this version of @cereal/amqp reads the number ${WIRE_VERSION}`);
  }
  const named: unknown = Buffer.isBuffer(headers[HEADER.format]) ? (headers[HEADER.format] as Buffer).toString('latin1') : headers[HEADER.format];
  if (named !== undefined && named !== format) {
    throw new CerealError('MALFORMED', `[${AMQP.label}] ${AMQP.what}'s \`${HEADER.format}\` header (${describe(named, 32)}) contradicts its content type (\`${format}\`)`);
  }
  if (accepted.get(format) === undefined) {
    const reads = accepted.formats.length === 1 ? 'reads' : 'reads only';
    throw new CerealError('MALFORMED', `[${AMQP.label}] ${AMQP.what} was written in \`${format.slice(0, 32)}\`; this consumer ${reads} ${accepted.formats.map((f) => `\`${f}\``).join(', ')}; to read it too, give consume serializers by format name ({ msgpack, ${format.slice(0, 32)} }) or amqpFor(cereal, { accept: { ${format.slice(0, 32)} } })`);
  }
  const serializer = serializerFor(accepted, format, AMQP);
  return serializer.decode(wireOfBody(message.content, wireTypeOf(serializer), format, options.maxBytes), options);
}

/**
 * Decodes a message that publish wrote, outside a consumer (a message got with `channel.get`,
 * a dead letter being inspected or re-published): the rows as they are now.
 *
 * @param serializers - the producer's serializer, or serializers by format name: the content
 *   type's format picks one
 * @param message - the message as amqplib gives it
 * @param options - decode options for this call; `missing: 'null'` or `'keep'` to read a
 *   `MISSING_ROW` dead letter with what is still there
 * @returns the value with fresh rows in place of refs (each row an `object`)
 * @throws CerealError as the consumer would fail the message: `MALFORMED` (also for what is not
 *   a message: null, no properties, a body that is not a Buffer), `LIMIT`,
 *   `MISSING_ROW`, `LOAD_FAILED`, …; `INVALID_OPTION` for serializers that are not a serializer
 *   or a map of them by format name, or options that are not an object (null)
 */
export async function fromMessage<T = unknown>(serializers: Serializers, message: Message, options: FromMessageOptions = {}): Promise<Hydrated<T, Loaders, MissingOf<MissingMode>>> {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new CerealError('INVALID_OPTION', `[${AMQP.label}] fromMessage options must be an object of decode options ({ missing: 'null' }), got ${describe(options, 40)}`);
  }
  return readMessage(accepting(serializers, AMQP), message, options) as Promise<Hydrated<T, Loaders, MissingOf<MissingMode>>>;
}

/**
 * Options of {@link fromMessage}: decode options, `missing` among them, so a `MISSING_ROW` dead
 * letter can be read with what is still there (`missing: 'null'` or `'keep'`).
 */
export type FromMessageOptions = Omit<DecodeOptions, 'missing'> & { missing?: 'throw' | 'null' | 'keep' };
