import { CerealError, type Hydrated, type Loaders, type MissingMode, type MissingOf } from '@cereal/core';
import { MAX_MESSAGE, cut, describe } from '@cereal/core/format';
import { accepting, classify, type Attempt, type Outcome, type Serializers } from '@cereal/queue';
import type { Channel, ConsumeMessage } from 'amqplib';
import { publishCopy } from './copy.js';
import { HEADER, attemptOf, copiedProperties, createdAtOf, refKeys } from './headers.js';
import { settingsOf, type ConsumeOptions, type Settings } from './options.js';
import { readMessage } from './read.js';
import { assertPlan, checkQueueName } from './topology.js';
import { wireTypeOf } from './wire.js';
import { AMQP } from './wording.js';

/** Your handler: the decoded, hydrated message first, then the message as amqplib delivered it. */
export type MessageHandler<Data> = (data: Data, message: ConsumeMessage) => unknown;

/** What consume returns: the consumer, to stop it. */
export interface Consumer {
  /** The consumer tag the broker gave (or the one you chose in `consumer.consumerTag`). */
  readonly consumerTag: string;
  /**
   * Stops deliveries to this consumer and waits for the messages in hand to be settled (handled
   * and acked, retried or dead-lettered). Messages prefetched but not started stay unacked and
   * go back to the queue when the channel closes.
   */
  cancel(): Promise<void>;
}

/** The code written to `x-cereal-error` for what the handler threw that is not a CerealError. */
export const HANDLER_ERROR = 'HANDLER_ERROR';

/**
 * Consumes `queue` with manual acks: each message is decoded and hydrated (the rows as they are
 * now), handed to `handler`, and acked once the handler resolves. A failure is classified as in
 * every cereal queue package (@cereal/queue's `classify`):
 * - `retry` (`LOAD_FAILED`, `STALE`, a young message's `MISSING_ROW` under `missingRetry`, and
 *   anything the handler throws that is not a CerealError): a copy with `x-cereal-attempt` + 1
 *   goes to a retry queue whose TTL brings it back after the delay, then the original is acked;
 *   on its last attempt (`maxAttempts`) it is dead-lettered instead;
 * - `fail` (`MISSING_ROW`, `MALFORMED`, `UNKNOWN_MODEL`, `LIMIT`): a copy goes to `deadLetter`
 *   with the code, reason, refs and source queue in its headers, then the original is acked; or,
 *   without `deadLetter`, it is rejected without requeueing;
 * - `discard` (`onMissingRow: 'discard'`): acked without running the handler, `onDiscard` told.
 *
 * A copy is always published before the original is acked, and the original is requeued, never
 * acked, when the copy cannot be published: a message is never lost. Delivery is at least once:
 * a consumer that dies with messages unacked has them redelivered, so handlers must be
 * idempotent. How many handlers run at once is the channel's prefetch: call
 * `channel.prefetch(n)` first.
 *
 * Before consuming, the retry queues are asserted (see assertRetryQueues) and the dead-letter
 * exchange is checked.
 *
 * @param channel - an amqplib channel (a ConfirmChannel makes each retry and dead letter wait
 *   for the broker's confirm before the original is acked)
 * @param queue - the queue to consume (it must exist)
 * @param serializers - the producer's serializer, or serializers by format name
 *   (`{ msgpack: cerealA, json: cerealB }`) to accept messages of each
 * @param handler - your handler, given the hydrated data (rows typed from the loader map with
 *   `amqpFor(cereal).consume<T>`; here each row is an `object`)
 * @param options - see {@link ConsumeOptions}
 * @returns the consumer, to cancel it
 * @throws CerealError `INVALID_OPTION` for a bad option, queue, handler or serializers map, or a
 *   dead-letter exchange that does not exist (the broker closes the channel)
 * @example await consume(channel, 'mail', cereal, async ({ user }) => sendWelcome(user.email), { deadLetter: { exchange: 'mail.dead' } })
 */
export async function consume<T = unknown>(
  channel: Channel,
  queue: string,
  serializers: Serializers,
  handler: MessageHandler<Hydrated<T, Loaders, MissingOf<MissingMode>>>,
  options: ConsumeOptions = {},
): Promise<Consumer> {
  checkChannel(channel);
  checkQueueName(queue);
  if (typeof handler !== 'function') throw new CerealError('INVALID_OPTION', `[${AMQP.label}] the handler must be a function, got ${describe(handler, 40)}`);
  const settings = settingsOf(options);
  const accepted = accepting(serializers, AMQP);
  for (const format of accepted.formats) {
    const serializer = accepted.get(format)!;
    wireTypeOf(serializer);
    await serializer.decodeMany([], settings.decodeOptions); // the decode options, checked by the serializer now rather than failing every message
  }
  const retryQueues = await assertPlan(channel, queue, settings.plan);
  const { deadLetter } = settings;
  if (deadLetter !== undefined && deadLetter.exchange !== '') {
    try {
      await channel.checkExchange(deadLetter.exchange);
    } catch (cause) {
      throw new CerealError('INVALID_OPTION', `[${AMQP.label}] the dead-letter exchange \`${deadLetter.exchange.slice(0, 64)}\` cannot be used (${describe(cause, 200)}); assert it before consuming (the broker has closed this channel)`, { cause });
    }
  }

  const inFlight = new Set<Promise<void>>();
  const settle = settler(channel, queue, settings, retryQueues);
  const handle = async (message: ConsumeMessage): Promise<void> => {
    const attempt: Attempt = { createdAt: createdAtOf(message), attempt: attemptOf(message), attempts: settings.maxAttempts };
    let data: unknown;
    try {
      data = await readMessage(accepted, message, settings.decodeOptions);
    } catch (err) {
      return settle(message, classify(asCerealError(err), settings.policy, attempt), attempt);
    }
    try {
      await handler(data as Hydrated<T, Loaders, MissingOf<MissingMode>>, message);
    } catch (err) {
      return settle(message, handlerOutcome(err, settings, attempt), attempt);
    }
    settled(message, settings, () => channel.ack(message));
  };
  const { consumerTag } = await channel.consume(
    queue,
    (message) => {
      if (message === null) return; // the broker cancelled the consumer (the queue was deleted)
      const work = handle(message).catch((err: unknown) => settings.onError(err, message));
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
    },
    { ...settings.consumer, noAck: false },
  );
  return {
    consumerTag,
    async cancel() {
      try {
        await channel.cancel(consumerTag);
      } catch {
        // the channel is closed: nothing more is delivered, and what is unacked goes back to the queue
      }
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}

function checkChannel(channel: unknown): asserts channel is Channel {
  const c = channel as Partial<Channel> | null;
  if (c === null || typeof c !== 'object' || typeof c.consume !== 'function' || typeof c.publish !== 'function' || typeof c.ack !== 'function' || typeof c.nack !== 'function' || typeof c.assertQueue !== 'function') {
    throw new CerealError('INVALID_OPTION', `[${AMQP.label}] \`channel\` must be an amqplib channel (connection.createChannel() or createConfirmChannel()), got ${describe(channel, 40)}`);
  }
}

/** What reading threw, as a CerealError: anything else (a serializer of your own that throws a TypeError) is LOAD_FAILED, retryable. */
function asCerealError(err: unknown): CerealError {
  if (err instanceof CerealError) return err;
  return new CerealError('LOAD_FAILED', `[${AMQP.label}] reading ${AMQP.what} failed: ${describe(err)}`, { cause: err });
}

/**
 * What the handler threw: a CerealError is classified by its code (a handler that decodes more
 * refs fails as reading would); anything else is retried, as a worker's throw is in every queue.
 */
function handlerOutcome(err: unknown, settings: Settings, attempt: Attempt): Outcome {
  if (err instanceof CerealError) return classify(err, settings.policy, attempt);
  return { action: 'retry', code: undefined, message: cut(`${HANDLER_ERROR}: [${AMQP.label}] the handler threw: ${describe(err)}`, MAX_MESSAGE), cause: err };
}

/** A `retry` on the last attempt, as the `fail` it becomes, saying so. */
function lastAttempt(outcome: Outcome, attempt: Attempt): Outcome {
  const code = outcome.code ?? HANDLER_ERROR;
  const reason = outcome.message.startsWith(`${code}: `) ? outcome.message.slice(code.length + 2) : outcome.message;
  const hint = attempt.attempts <= 1 ? `: ${AMQP.retryHint}` : '';
  const note = `[${AMQP.label}] not retrying: attempt ${attempt.attempt} of ${Math.max(attempt.attempts, attempt.attempt)} was its last${hint}`;
  return { ...outcome, action: 'fail', message: cut(`${code}: ${note}. ${reason}`, MAX_MESSAGE) };
}

/** Runs an ack or nack; on a closed channel it cannot, and the broker redelivers the message: told to onError. */
function settled(message: ConsumeMessage, settings: Settings, act: () => void): void {
  try {
    act();
  } catch (err) {
    settings.onError(err, message);
  }
}

/** Settles a message whose outcome is not success: retried, dead-lettered, rejected or discarded. */
function settler(channel: Channel, queue: string, settings: Settings, retryQueues: Map<number, string>) {
  const { deadLetter, maxAttempts, plan } = settings;
  return async (message: ConsumeMessage, outcome: Outcome, attempt: Attempt): Promise<void> => {
    if (outcome.action === 'discard') {
      settled(message, settings, () => channel.ack(message));
      settings.onDiscard?.(outcome, message);
      return;
    }
    if (outcome.action === 'retry' && attempt.attempt >= maxAttempts) outcome = lastAttempt(outcome, attempt);
    const firstRoutingKey: unknown = message.properties.headers?.[HEADER.routingKey];
    const routingKey = typeof firstRoutingKey === 'string' ? firstRoutingKey : message.fields.routingKey;
    const why: Record<string, unknown> = {
      [HEADER.error]: outcome.code ?? HANDLER_ERROR,
      [HEADER.reason]: outcome.message,
      [HEADER.routingKey]: routingKey,
    };
    // undefined drops the header: the refs of an earlier attempt's reason must not stay
    why[HEADER.refs] = refKeys(outcome.cause);

    if (outcome.action === 'fail' && deadLetter === undefined) {
      // No dead-letter exchange of ours: reject without requeueing, so the queue's own
      // x-dead-letter-exchange (if it has one) takes it, as RabbitMQ dead-letters.
      settled(message, settings, () => channel.nack(message, false, false));
      settings.onFailure?.(outcome, message);
      return;
    }
    // A copy, not nack: a nack cannot add headers, and the reason, the code and the refs must
    // travel with the message. The copy goes first; the original is acked only once it is out.
    let exchange: string;
    let key: string;
    const headers: Record<string, unknown> = { ...why };
    let expiration: string | undefined;
    if (outcome.action === 'retry') {
      const delay = plan.delayAfter(attempt.attempt);
      exchange = '';
      key = retryQueues.get(delay)!;
      headers[HEADER.attempt] = attempt.attempt + 1;
      expiration = String(delay);
    } else {
      exchange = deadLetter!.exchange;
      key = deadLetter!.routingKey ?? routingKey;
      headers[HEADER.queue] = queue;
    }
    const properties = copiedProperties(message, headers);
    if (expiration !== undefined) properties.expiration = expiration;
    try {
      await publishCopy(channel, exchange, key, message.content, properties);
    } catch (err) {
      settings.onError(err, message);
      settled(message, settings, () => channel.nack(message, false, true)); // never acked without its copy out
      return;
    }
    settled(message, settings, () => channel.ack(message));
    settings.onFailure?.(outcome, message);
  };
}
