import { CerealError } from '@cereal/core';
import { describe } from '@cereal/core/format';
import type { Channel } from 'amqplib';
import { MAX_TABLE_DEPTH, jsonLike, onlyKeys } from './checks.js';
import { AMQP } from './wording.js';

/** The most bytes amqplib encodes a message's properties (headers included) into. */
const MAX_PROPERTIES = 65_536;

/**
 * JSON.stringify's replacer for the size of headers: a Buffer counts as its bytes (amqplib sends
 * it as a byte array), not as its JSON (`{"type":"Buffer","data":[…]}`, about 3.5 times as long,
 * which would refuse a 20 KB binary header). The stand-in string is cut just past the limit.
 */
function bufferAsBytes(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  return Buffer.isBuffer(raw) ? ' '.repeat(Math.min(raw.length, MAX_PROPERTIES + 1)) : value;
}

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
    if (headers === null || typeof headers !== 'object' || Array.isArray(headers)) bad('`headers` must be an object', headers);
    if (!jsonLike(headers)) bad(`\`headers\` must hold what an AMQP table can: strings, finite numbers, booleans, null, Buffers, arrays and plain objects of them, at most ${MAX_TABLE_DEPTH} deep (no BigInt, symbol, function, Date or other class instance, or cycle)`, headers);
    // RabbitMQ closes the channel (406) on a CC or BCC header that is not an array of strings
    for (const name of ['CC', 'BCC']) {
      const keys = (headers as Record<string, unknown>)[name];
      if (keys !== undefined && !(Array.isArray(keys) && keys.every((k) => typeof k === 'string'))) bad(`\`headers.${name}\` must be an array of routing keys (strings); or give \`${name}\` as a publish option`, keys);
    }
    // a bound on what amqplib would refuse at its 64 KiB: the JSON text is about the encoded size
    if (Buffer.byteLength(JSON.stringify(headers, bufferAsBytes)) > MAX_PROPERTIES) bad(`\`headers\` must encode to at most ${MAX_PROPERTIES} bytes`, headers);
  }
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
