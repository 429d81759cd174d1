import { CerealError } from '@cereal/core';
import { describe } from '@cereal/core/format';
import type { Channel } from 'amqplib';
import { MAX_TABLE_DEPTH, onlyKeys, tableProblem } from './checks.js';
import { AMQP } from './wording.js';

/** The most bytes amqplib encodes a message's properties (headers included) into. */
export const MAX_PROPERTIES = 65_536;

/** A header frame's bytes besides the properties: the frame's 8, the content header's 14. */
const FRAME_OVERHEAD = 22;

/** Room kept for the properties besides the headers, within a small frameMax: 13 shortstrs and numbers. */
const OTHER_PROPERTIES = 13 * 256;

/** Room kept in the headers for cereal's own (`x-cereal: 1`, `x-cereal-format: msgpack`: 39 bytes). */
const CEREAL_HEADERS = 64;

const bad = (what: string, value: unknown): never => {
  throw new CerealError('INVALID_OPTION', `[${AMQP.label}] ${what}, got ${describe(value, 40)}`);
};

const shortstr = (name: string, value: unknown): void => {
  if (typeof value !== 'string' || Buffer.byteLength(value) > 255) bad(`\`${name}\` must be a string of at most 255 bytes`, value);
};

/** amqplib's publish options: any other key is a typo (or `immediate`, which RabbitMQ refuses by closing the connection). */
const PUBLISH_KEYS = ['expiration', 'userId', 'CC', 'BCC', 'priority', 'persistent', 'deliveryMode', 'mandatory', 'contentType', 'contentEncoding', 'headers', 'correlationId', 'replyTo', 'messageId', 'timestamp', 'type', 'appId'];

const routingKeys = (name: string, value: unknown): void => {
  const ok = typeof value === 'string' || (Array.isArray(value) && value.length <= 1000 && value.every((k) => typeof k === 'string'));
  if (!ok) bad(`\`${name}\` must be a routing key (a string) or an array of them`, value);
};

/**
 * Checks what publish is given before anything is encoded, so a bad argument is a clear
 * `INVALID_OPTION` naming it, never a TypeError or RangeError of amqplib's encoder.
 *
 * @throws CerealError `INVALID_OPTION` for a channel that is not one, an exchange or routing key
 *   that is not a string of at most 255 bytes, an unknown option, a property of the wrong type
 *   or range (`deliveryMode` not 1, 2 or a boolean, `persistent` or `mandatory` not a boolean,
 *   `CC` or `BCC` not a string or an array of strings, a `CC` or `BCC` header not an array of
 *   strings), or headers amqplib cannot encode or would send wrong (a BigInt, symbol, function,
 *   `Date` or other class instance, a cycle, nesting deeper than 100, or over its 64 KiB)
 */
export function checkPublish(channel: unknown, exchange: unknown, routingKey: unknown, options: Record<string, unknown>): void {
  const c = channel as Partial<Channel> | null;
  if (c === null || typeof c !== 'object' || typeof c.publish !== 'function') bad('`channel` must be an amqplib channel', channel);
  shortstr('exchange', exchange);
  shortstr('routingKey', routingKey);
  onlyKeys('publish options', options, PUBLISH_KEYS);
  const { headers, messageId, timestamp, priority, expiration, correlationId, replyTo, type, appId, userId, contentEncoding, deliveryMode, persistent, mandatory, CC, BCC } = options;
  for (const [name, value] of Object.entries({ messageId, correlationId, replyTo, type, appId, userId, contentEncoding })) {
    if (value !== undefined) shortstr(name, value);
  }
  if (timestamp !== undefined && (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp) || timestamp < 0)) bad('`timestamp` must be a whole number of seconds, at least 0', timestamp);
  if (priority !== undefined && (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 0 || priority > 255)) bad('`priority` must be a whole number from 0 to 255', priority);
  if (expiration !== undefined) {
    const ok = typeof expiration === 'number' ? Number.isSafeInteger(expiration) && expiration >= 0 : typeof expiration === 'string' && /^\d{1,15}$/.test(expiration);
    if (!ok) bad('`expiration` must be a whole number of milliseconds, at least 0 (a number, or digits as text)', expiration);
  }
  // amqplib still reads a boolean as its old 'persistent or not' (its types allow it)
  if (deliveryMode !== undefined && deliveryMode !== 1 && deliveryMode !== 2 && typeof deliveryMode !== 'boolean') bad('`deliveryMode` must be 1 (transient) or 2 (persistent)', deliveryMode);
  if (persistent !== undefined && typeof persistent !== 'boolean') bad('`persistent` must be a boolean', persistent);
  if (mandatory !== undefined && typeof mandatory !== 'boolean') bad('`mandatory` must be a boolean', mandatory);
  if (CC !== undefined) routingKeys('CC', CC);
  if (BCC !== undefined) routingKeys('BCC', BCC);
  if (headers !== undefined) {
    if (headers === null || typeof headers !== 'object' || Array.isArray(headers) || Buffer.isBuffer(headers)) bad('`headers` must be an object', headers);
    const limit = headersLimit(c as Channel);
    let problem: ReturnType<typeof tableProblem>;
    try {
      problem = tableProblem(headers, limit.bytes);
    } catch (err) {
      // a getter or Proxy that throws: the headers cannot be read, let alone sent
      throw new CerealError('INVALID_OPTION', `[${AMQP.label}] \`headers\` could not be read: ${describe(err, 200)}`, { cause: err });
    }
    if (problem === 'shape') bad(`\`headers\` must hold what an AMQP table can: strings, finite numbers, booleans, null, Buffers, arrays and plain objects of them, at most ${MAX_TABLE_DEPTH} deep, keys of at most 255 bytes (no BigInt, symbol, function, Date or other class instance, cycle, or object with a \`!\` of its own but a timestamp or decimal as amqplib reads them)`, headers);
    // RabbitMQ closes the channel (406) on a CC or BCC header that is not an array of strings
    for (const name of ['CC', 'BCC']) {
      const keys = (headers as Record<string, unknown>)[name];
      if (keys !== undefined && !(Array.isArray(keys) && keys.every((k) => typeof k === 'string'))) bad(`\`headers.${name}\` must be an array of routing keys (strings); or give \`${name}\` as a publish option`, keys);
    }
    if (problem === 'size') bad(`\`headers\` must encode to at most ${limit.bytes} bytes${limit.why}, with room for cereal's own: put large data in the message's body`, headers);
  }
}

/**
 * How many bytes the headers may encode to: amqplib's 64 KiB buffer, or less where the
 * connection's negotiated `frameMax` is smaller (the properties travel in one frame: RabbitMQ
 * closes the connection on a longer one), less the frame's own bytes and room for the other
 * properties (each at most a 255-byte shortstr).
 */
function headersLimit(channel: Channel): { bytes: number; why: string } {
  const frameMax: unknown = (channel as { connection?: { frameMax?: unknown } }).connection?.frameMax;
  const most = MAX_PROPERTIES - CEREAL_HEADERS;
  if (typeof frameMax !== 'number' || !Number.isFinite(frameMax) || frameMax <= 0) return { bytes: most, why: '' };
  const bytes = Math.max(0, Math.min(most, frameMax - FRAME_OVERHEAD - OTHER_PROPERTIES - CEREAL_HEADERS));
  return bytes === most ? { bytes, why: '' } : { bytes, why: ` (the connection's frameMax is ${frameMax} bytes)` };
}

/**
 * What `channel.publish` threw, as a CerealError: a closed channel is `LOAD_FAILED` (retryable:
 * publish again on a new channel), anything amqplib's encoder refused `INVALID_OPTION`.
 */
export function publishError(err: unknown): CerealError {
  if ((err as Error | null)?.name === 'IllegalOperationError') {
    return new CerealError('LOAD_FAILED', `[${AMQP.label}] the channel is closed: open a new one and publish again (${describe(err, 200)})`, { cause: err });
  }
  const field = /Field '(\w+)'/.exec(String((err as Error | null)?.message))?.[1];
  const what = field ?? (err instanceof RangeError ? 'headers' : 'an option');
  return new CerealError('INVALID_OPTION', `[${AMQP.label}] amqplib could not encode \`${what}\` of the message: ${describe(err, 200)}`, { cause: err });
}
