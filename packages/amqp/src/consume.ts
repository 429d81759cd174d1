import { CerealError, type Hydrated, type Loaders, type MissingMode, type MissingOf } from '@cereal/core';
import { describe } from '@cereal/core/format';
import { accepting, asCerealError, durationMs, type Attempt, type Duration, type Serializers } from '@cereal/queue';
import type { Channel, ConsumeMessage } from 'amqplib';
import { copier } from './copy.js';
import { attemptOf, createdAtOf } from './headers.js';
import { settingsOf, type ConsumeOptions, type Settings } from './options.js';
import { readMessage } from './read.js';
import { handlerOutcome, outcomeOf, settled, settler } from './settle.js';
import { assertPlan, checkQueueName } from './topology.js';
import { wireTypeOf } from './wire.js';
import { AMQP } from './wording.js';

export { HANDLER_ERROR } from './settle.js';

/** Your handler: the decoded, hydrated message first, then the message as amqplib delivered it. */
export type MessageHandler<Data> = (data: Data, message: ConsumeMessage) => unknown;

/** What consume returns: the consumer, to stop it. */
export interface Consumer {
  /** The consumer tag the broker gave (or the one you chose in `consumer.consumerTag`). */
  readonly consumerTag: string;
  /**
   * Stops deliveries to this consumer and waits for the messages in hand to be settled (handled
   * and acked, retried or dead-lettered); a message waiting out the back-off of a failed copy is
   * requeued at once. Messages prefetched but not started stay unacked and go back to the queue
   * when the channel closes.
   *
   * It waits at most `timeout` (default `'30s'`; `Infinity` waits as long as it takes), the
   * broker's answer to the cancel included: a handler that never settles, or a broker that does
   * not answer, does not hold the caller forever. Deliveries that arrive before the broker
   * confirmed the cancel are not handled: they are requeued once it did. What is still in hand
   * then stays unacked: close the channel, and the broker puts those messages back on the queue.
   *
   * @throws CerealError `INVALID_OPTION` for a timeout that is not a duration
   */
  cancel(options?: CancelOptions): Promise<void>;
}

/** Options of {@link Consumer.cancel}. */
export interface CancelOptions {
  /** The longest wait for the handlers in hand: ms, `'30s'`, or `Infinity`. @default '30s' */
  timeout?: Duration;
}

/** How long cancel waits for the handlers in hand unless told. */
const CANCEL_TIMEOUT_MS = 30_000;

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
 * A copy is always published (`mandatory`) and in a queue before the original is acked: on a
 * ConfirmChannel the broker confirmed it and did not return it as unroutable. When it did not
 * land (returned, nacked, the channel closed), the original is requeued, never acked, after a
 * back-off that doubles with each failure of the same message (250 ms to 30 s), and `onError`
 * is told; a copy amqplib cannot encode even with cereal's own headers cut is rejected without
 * requeueing (the queue's own dead-letter exchange takes it) and `onError` told. Delivery is at least once:
 * a consumer that dies with messages unacked has them redelivered, so handlers must be
 * idempotent. How many handlers run at once is the channel's prefetch: call
 * `channel.prefetch(n)` first.
 *
 * Before consuming, the work queue and the dead-letter exchange are checked (passively: a check
 * that fails makes the broker close the channel, so nothing is declared after it), then the
 * retry queues are asserted (see assertRetryQueues).
 *
 * @param channel - an amqplib ConfirmChannel (`connection.createConfirmChannel()`): each retry
 *   and dead letter waits for the broker's confirm before the original is acked. A plain
 *   channel works, a round trip taking the confirm's place, but a copy a full queue refuses
 *   (`x-overflow: reject-publish`) is then dropped unseen: use a ConfirmChannel
 * @param queue - the queue to consume (it must exist: declare it first)
 * @param serializers - the producer's serializer, or serializers by format name
 *   (`{ msgpack: cerealA, json: cerealB }`) to accept messages of each
 * @param handler - your handler, given the hydrated data (rows typed from the loader map with
 *   `amqpFor(cereal).consume<T>`; here each row is an `object`)
 * @param options - see {@link ConsumeOptions}
 * @returns the consumer, to cancel it
 * @throws CerealError `INVALID_OPTION` for a bad or unknown option, queue, handler or serializers
 *   map, or a work queue or dead-letter exchange that does not exist (the broker then closes
 *   the channel: open another)
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
  const settings = settingsOf(options, queue);
  const accepted = accepting(serializers, AMQP);
  for (const format of accepted.formats) {
    const serializer = accepted.get(format)!;
    wireTypeOf(serializer);
    await serializer.decodeMany([], settings.decodeOptions); // the decode options, checked by the serializer now rather than failing every message
  }
  await checkTopology(channel, queue, settings);
  const retryQueues = await assertPlan(channel, queue, settings.plan);

  const inFlight = new Set<Promise<void>>();
  let stopped!: () => void;
  const stop = new Promise<void>((resolve) => (stopped = resolve));
  // A closed channel puts every unacked message back on the queue: a back-off wait has nothing
  // left to hold, so it ends at once.
  const onClose = (): void => stopped();
  channel.once('close', onClose);
  const copies = copier(channel);
  /** Resolves once no handler or copy is in flight (none starts after the consumer is cancelled). */
  const drained = async (deadline = Infinity): Promise<void> => {
    while (inFlight.size > 0 && Date.now() < deadline) await beforeDeadline(Promise.allSettled([...inFlight]), deadline);
  };
  const settle = settler({ channel, queue, settings, retryQueues, copies, stop });
  // Deliveries that come once cancel was called (before the broker's cancel-ok) are not started:
  // a message requeued at the end of its back-off would otherwise come straight back, in a loop.
  // They are requeued once the broker confirmed the cancel (or go back when the channel closes).
  let cancelling = false;
  const held: ConsumeMessage[] = [];
  const handle = async (message: ConsumeMessage): Promise<void> => {
    const attempt: Attempt = { createdAt: createdAtOf(message), attempt: attemptOf(message), attempts: settings.maxAttempts };
    let data: unknown;
    try {
      data = await readMessage(accepted, message, settings.decodeOptions);
    } catch (err) {
      return settle(message, outcomeOf(asCerealError(err, AMQP), settings, attempt), attempt);
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
      if (message === null) {
        // The handlers in hand may still publish copies: a copy the broker returns must still be
        // seen as returned (else its original would be acked, the copy lost), so the returns
        // are listened to until they are done.
        void drained().then(() => copies.close());
        settings.onCancel(new Error(`[${AMQP.label}] the broker cancelled the consumer of \`${queue.slice(0, 64)}\` (the queue was deleted, or its node went down): no more messages come; consume again to go on`));
        return;
      }
      if (cancelling) {
        held.push(message);
        return;
      }
      const work = handle(message).catch((err: unknown) => settings.onError(err, message));
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
    },
    { ...settings.consumer, noAck: false },
  );
  return {
    consumerTag,
    async cancel(cancelOptions: CancelOptions = {}) {
      const timeout = cancelTimeout(cancelOptions);
      const deadline = Date.now() + timeout;
      stopped(); // the back-off waits end first: their messages are requeued now
      channel.removeListener('close', onClose);
      // the broker's answer is waited for until the deadline only: a broker that does not answer
      // does not hold the caller past its timeout
      cancelling = true;
      const cancelled = Promise.resolve()
        .then(() => channel.cancel(consumerTag))
        .then(
          () => {
            for (const message of held.splice(0)) settled(message, settings, () => channel.nack(message, false, true));
          },
          () => undefined, // the channel is closed: nothing more is delivered, and what is unacked goes back to the queue
        );
      await beforeDeadline(cancelled, deadline);
      await drained(deadline);
      if (inFlight.size === 0) copies.close(); // a handler still running may yet publish a copy: its returns must still be seen
    },
  };
}

/** Waits for `work`, or until `deadline` (ms since the epoch; Infinity: as long as it takes). */
async function beforeDeadline(work: Promise<unknown>, deadline: number): Promise<void> {
  if (deadline === Infinity) {
    await work;
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, Math.min(deadline - Date.now(), 2 ** 31 - 1)));
  });
  await Promise.race([work, late]).finally(() => clearTimeout(timer));
}

function cancelTimeout(options: unknown): number {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new CerealError('INVALID_OPTION', `[${AMQP.label}] cancel options must be an object, { timeout: '30s' }, got ${describe(options, 40)}`);
  }
  const { timeout } = options as CancelOptions;
  if (timeout === undefined) return CANCEL_TIMEOUT_MS;
  if (timeout === Infinity) return Infinity;
  return durationMs('timeout', timeout, AMQP.label);
}

/**
 * Checks, before anything is declared, that the work queue and the dead-letter exchange exist:
 * a typo fails here, not on every message, and leaves no stray `<typo>.retry.5s` queue.
 * A passive check of what does not exist makes the broker close the channel (404): the
 * consumer could not go on over it anyway, and the error says so.
 */
async function checkTopology(channel: Channel, queue: string, settings: Settings): Promise<void> {
  try {
    await channel.checkQueue(queue);
  } catch (cause) {
    throw new CerealError('INVALID_OPTION', `[${AMQP.label}] the queue \`${queue.slice(0, 64)}\` cannot be consumed (${describe(cause, 200)}); declare it before consuming (the broker has closed this channel)`, { cause });
  }
  const { deadLetter } = settings;
  if (deadLetter !== undefined && deadLetter.exchange !== '') {
    try {
      await channel.checkExchange(deadLetter.exchange);
    } catch (cause) {
      throw new CerealError('INVALID_OPTION', `[${AMQP.label}] the dead-letter exchange \`${deadLetter.exchange.slice(0, 64)}\` cannot be used (${describe(cause, 200)}); assert it before consuming (the broker has closed this channel)`, { cause });
    }
  }
}

function checkChannel(channel: unknown): asserts channel is Channel {
  const c = channel as Partial<Channel> | null;
  if (c === null || typeof c !== 'object' || typeof c.consume !== 'function' || typeof c.publish !== 'function' || typeof c.ack !== 'function' || typeof c.nack !== 'function' || typeof c.assertQueue !== 'function' || typeof c.on !== 'function') {
    throw new CerealError('INVALID_OPTION', `[${AMQP.label}] \`channel\` must be an amqplib channel (connection.createConfirmChannel(), or createChannel()), got ${describe(channel, 40)}`);
  }
}
