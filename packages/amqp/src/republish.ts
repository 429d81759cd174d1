import { CerealError } from '@cereal/core';
import { describe } from '@cereal/core/format';
import type { Channel, Message } from 'amqplib';
import { HEADER, copiedProperties, firstRoutingKey } from './headers.js';
import { checkPublish, publishError } from './publishChecks.js';
import { AMQP } from './wording.js';

/** Headers of a message's failed life that a fresh start drops: cereal's (but the wire's own) and RabbitMQ's dead-lettering ones. */
function staleHeader(name: string): boolean {
  if (name === HEADER.version || name === HEADER.format) return false;
  return name.startsWith('x-cereal-') || name === 'x-death' || name.startsWith('x-first-death-') || name.startsWith('x-last-death-');
}

/**
 * Publishes a dead letter (or any message consume made a copy of) again as a new message: body
 * and properties as they are (its `messageId` kept), without what its failed life added: every
 * `x-cereal-*` header but the wire's own (`x-cereal`, `x-cereal-format`), so `x-cereal-attempt`,
 * `-error`, `-reason`, `-refs`, `-queue`, `-routing-key`, `-copy`, and RabbitMQ's `x-death`,
 * `x-first-death-*` and `x-last-death-*`; and without `CC` and `BCC`, so it goes where it is
 * sent and nowhere else. So it starts at attempt 1, and a failure makes a dead letter that
 * tells of that failure only.
 *
 * It is not `mandatory`: sent to a queue that no longer exists, it is dropped by the broker
 * without a word (a ConfirmChannel confirms it all the same). Check the queue first
 * (`checkQueue` on a channel you can lose: a failed check closes it).
 *
 * @param channel - an amqplib channel; with a ConfirmChannel, `await channel.waitForConfirms()`
 *   before you ack or delete the dead letter
 * @param message - the dead letter, as `channel.get` or a consumer gave it
 * @param exchange - where to publish it; default `''` (the default exchange), with the routing
 *   key the queue it was consumed from (`x-cereal-queue`): back to its work queue
 * @param routingKey - default: the queue it was consumed from when `exchange` is `''` and not
 *   given, else the routing key it was first published with (`x-cereal-routing-key`, as the
 *   message says: give one when you do not trust its producer)
 * @returns what `channel.publish` returns (false: wait for `drain`)
 * @throws CerealError `INVALID_OPTION` for what is not a message, or no routing key to be had;
 *   `LOAD_FAILED` for a closed channel
 * @example republish(channel, deadLetter)   // back to the queue it failed on, at attempt 1
 */
export function republish(channel: Channel, message: Message, exchange?: string, routingKey?: string): boolean {
  const m = message as Partial<Message> | null;
  if (m === null || typeof m !== 'object' || m.properties === null || typeof m.properties !== 'object' || !Buffer.isBuffer(m.content) || m.fields === null || typeof m.fields !== 'object') {
    throw new CerealError('INVALID_OPTION', `[${AMQP.label}] \`message\` must be a message as amqplib gives it ({ content: Buffer, properties, fields }), got ${describe(message, 40)}`);
  }
  const own: unknown = message.properties.headers?.[HEADER.queue];
  const to = exchange ?? '';
  const key = routingKey ?? (exchange === undefined ? (typeof own === 'string' ? own : undefined) : firstRoutingKey(message));
  if (key === undefined) {
    throw new CerealError('INVALID_OPTION', `[${AMQP.label}] the message has no \`${HEADER.queue}\` header to go back to: give republish an exchange and a routing key`);
  }
  const properties = copiedProperties(message, {});
  const headers = properties.headers as Record<string, unknown>;
  for (const name of Object.keys(headers)) if (staleHeader(name)) delete headers[name];
  checkPublish(channel, to, key, properties as Record<string, unknown>);
  try {
    return channel.publish(to, key, message.content, properties);
  } catch (err) {
    throw publishError(err);
  }
}
