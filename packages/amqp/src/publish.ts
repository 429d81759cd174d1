import { randomUUID } from 'node:crypto';
import { CerealError, type Encodable, type Loaders, type Serializer } from '@cereal/core';
import { describe } from '@cereal/core/format';
import { checkSerializer, contentTypeOf } from '@cereal/queue';
import type { Channel, Options } from 'amqplib';
import { HEADER, WIRE_VERSION } from './headers.js';
import { checkPublish, publishError } from './publishChecks.js';
import { bodyOf } from './wire.js';
import { AMQP } from './wording.js';

/**
 * amqplib's publish options, passed through: `persistent`, `messageId`, `headers`, `expiration`,
 * `priority`, `correlationId`, `mandatory`, …. `contentType` is cereal's and cannot be set.
 */
export type PublishOptions = Omit<Options.Publish, 'contentType'>;

/**
 * Publishes `value` as a message whose body is the serializer's wire as it is (a text format's
 * text as UTF-8 bytes), with:
 * - `contentType`: `application/x-cereal+<format>` (`application/x-cereal+msgpack`, `+json`, `+yaml`);
 * - headers `x-cereal: 1` (the wire version) and `x-cereal-format: <format>`, merged into yours;
 * - `persistent: true` unless you say otherwise (`persistent` or `deliveryMode`);
 * - `timestamp`: now, in seconds (AMQP's unit), unless you set one; `missingRetry` measures a
 *   message's age from it;
 * - `messageId`: a random UUID unless you set one; retries and dead letters keep it, so a
 *   handler can tell a redelivery from a new message.
 *
 * @param channel - an amqplib channel; with a ConfirmChannel, `await channel.waitForConfirms()`
 *   to know the broker has the message
 * @param exchange - the exchange to publish to (`''`: the default exchange, the routing key a queue's name)
 * @param routingKey - the routing key
 * @param serializer - the serializer of the format to write (the consumer must accept it)
 * @param value - anything the serializer can encode: refs, and rows hydrate returned
 * @param options - see {@link PublishOptions}
 * @returns what `channel.publish` returns: false when the channel's write buffer is full (wait
 *   for its `drain` event before publishing more)
 * @throws CerealError any error of `serializer.encode`; `INVALID_OPTION` for a channel or
 *   serializer that is not one, an exchange or routing key that is not a string of at most 255
 *   bytes, options that are not an object, a `contentType`, a property of the wrong type or
 *   range (`messageId` not a string, `timestamp` negative, `priority` past 255, `expiration` not
 *   whole ms, `deliveryMode` not 1 or 2, `persistent` or `mandatory` not a boolean, `CC` or
 *   `BCC` not routing keys), an unknown option, headers amqplib cannot encode or would send
 *   wrong (BigInt, symbol, function, `Date` or other class instance, cycle, nesting deeper than
 *   100, over 64 KiB);
 *   `LOAD_FAILED` for a closed channel (publish again on a new one)
 * @example publish(channel, 'mail', 'welcome', cereal, { user: ref('users', 42) })
 */
export function publish<T = unknown, L extends Loaders = Loaders>(
  channel: Channel,
  exchange: string,
  routingKey: string,
  serializer: Serializer<Uint8Array | string, L>,
  value: Encodable<T, L>,
  options: PublishOptions = {},
): boolean {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new CerealError('INVALID_OPTION', `[${AMQP.label}] publish options must be an object, got ${describe(options, 40)}`);
  }
  checkPublish(channel, exchange, routingKey, options as Record<string, unknown>);
  checkSerializer(serializer, AMQP);
  if ('contentType' in options && (options as Options.Publish).contentType !== undefined) {
    throw new CerealError('INVALID_OPTION', `[${AMQP.label}] the content type of a cereal message is its format's (${contentTypeOf(serializer.format, AMQP)}); do not set \`contentType\``);
  }
  const contentType = contentTypeOf(serializer.format, AMQP);
  const body = bodyOf(serializer.encode<T>(value));
  const { headers, persistent, deliveryMode, timestamp, messageId, ...rest } = options;
  const userHeaders: unknown = headers;
  const properties: Options.Publish = {
    ...rest,
    contentType,
    headers: { ...(userHeaders as Record<string, unknown> | undefined), [HEADER.version]: WIRE_VERSION, [HEADER.format]: serializer.format },
    timestamp: timestamp ?? Math.floor(Date.now() / 1000),
    messageId: messageId ?? randomUUID(),
  };
  // amqplib reads `persistent` before `deliveryMode`: persistent by default only when neither is set
  if (persistent === undefined && deliveryMode === undefined) properties.persistent = true;
  if (persistent !== undefined) properties.persistent = persistent;
  if (deliveryMode !== undefined) properties.deliveryMode = deliveryMode;
  try {
    return channel.publish(exchange, routingKey, body, properties);
  } catch (err) {
    throw publishError(err);
  }
}
