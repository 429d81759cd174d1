import { randomUUID } from 'node:crypto';
import { describe } from '@cereal/core/format';
import type { Channel, ConfirmChannel, Message, Options } from 'amqplib';
import { HEADER } from './headers.js';

const confirming = (channel: Channel): channel is ConfirmChannel => typeof (channel as Partial<ConfirmChannel>).waitForConfirms === 'function';

/**
 * Why a retry or dead-letter copy did not land in a queue:
 * - `returned`: the broker routed it to no queue (a dead-letter exchange with nothing bound, a
 *   routing key no binding matches, a retry queue deleted) and sent it back (`mandatory`);
 * - `nacked`: the broker refused it (a queue full under `x-overflow: reject-publish`), or the
 *   channel closed before it confirmed it;
 * - `closed`: the channel was closed: nothing could be published;
 * - `unencodable`: amqplib could not encode it (headers over its 64 KiB buffer): retrying cannot help.
 */
export type CopyFailure = 'returned' | 'nacked' | 'closed' | 'unencodable';

/** A retry or dead-letter copy that did not land: the original is not acked (see consume). */
export class CopyError extends Error {
  override readonly name = 'CopyError';
  /** Why; see {@link CopyFailure}. */
  readonly reason: CopyFailure;

  /** @internal */
  constructor(reason: CopyFailure, message: string, cause?: unknown) {
    super(`[amqp] ${message}`, cause === undefined ? undefined : { cause });
    this.reason = reason;
  }
}

/** Publishes the copies of one consumer; `close` stops listening for returned copies. */
export interface Copier {
  /**
   * Publishes a copy of a message (a retry or a dead letter), `mandatory`, resolving once it is
   * in a queue, so the original may be acked; rejecting with a {@link CopyError} otherwise.
   */
  publish(what: string, exchange: string, routingKey: string, body: Buffer, properties: Options.Publish): Promise<void>;
  close(): void;
}

/** Any exchange to check as a barrier: `amq.*` exchanges always exist and cannot be deleted. */
const BARRIER_EXCHANGE = 'amq.direct';

/**
 * The copier of `channel`. Each copy is published `mandatory` with a header of its own
 * (`x-cereal-copy`, an id) by which a copy the broker returns (`basic.return`, the channel's
 * `return` event) is told from the others in flight:
 * - on a ConfirmChannel, a returned copy's `return` comes before its confirm, so the copy has
 *   landed when the broker confirmed it and did not return it; a nack fails it too;
 * - on a plain channel there is no confirm: after the publish, a round trip on the same channel
 *   (a passive check of `amq.direct`) is a barrier, since the broker answers a channel's frames in
 *   order and returns an unroutable publish before it answers the next method. A copy refused by
 *   a full queue (`x-overflow: reject-publish`) is dropped without a word on a plain channel:
 *   only a ConfirmChannel catches that.
 */
export function copier(channel: Channel): Copier {
  const inFlight = new Map<string, { returned?: Message }>();
  const onReturn = (message: Message): void => {
    const id: unknown = message.properties.headers?.[HEADER.copy];
    const entry = typeof id === 'string' ? inFlight.get(id) : undefined;
    if (entry !== undefined) entry.returned = message;
  };
  channel.on('return', onReturn);

  const send = (exchange: string, routingKey: string, body: Buffer, properties: Options.Publish): Promise<void> => {
    if (!confirming(channel)) {
      channel.publish(exchange, routingKey, body, properties); // throws at once on a closed channel or what amqplib cannot encode
      return channel.checkExchange(BARRIER_EXCHANGE).then(() => undefined);
    }
    // published outside a Promise executor: what amqplib throws at once (a closed channel, what it
    // cannot encode) must throw here, not turn into a rejection taken for a broker's nack
    let settle!: (err: unknown) => void;
    const confirmed = new Promise<void>((resolve, reject) => (settle = (err) => (err === null || err === undefined ? resolve() : reject(err))));
    channel.publish(exchange, routingKey, body, properties, (err: unknown) => settle(err));
    return confirmed;
  };

  return {
    async publish(what, exchange, routingKey, body, properties) {
      const id = randomUUID();
      const entry: { returned?: Message } = {};
      inFlight.set(id, entry);
      const where = `exchange \`${exchange.slice(0, 64)}\` with routing key \`${routingKey.slice(0, 64)}\``;
      try {
        let sent: Promise<void>;
        try {
          sent = send(exchange, routingKey, body, { ...properties, mandatory: true, headers: { ...properties.headers, [HEADER.copy]: id } });
        } catch (err) {
          const closed = (err as Error | null)?.name === 'IllegalOperationError';
          throw new CopyError(closed ? 'closed' : 'unencodable', `the ${what} could not be published to ${where}: ${describe(err, 200)}`, err);
        }
        try {
          await sent;
        } catch (err) {
          throw new CopyError('nacked', `the ${what} to ${where} was not confirmed by the broker (refused, or the channel closed): ${describe(err, 200)}`, err);
        }
        if (entry.returned !== undefined) {
          const { replyCode, replyText } = entry.returned.fields as unknown as { replyCode?: unknown; replyText?: unknown };
          throw new CopyError('returned', `the ${what} to ${where} reached no queue: the broker returned it (${String(replyCode)} ${String(replyText)}); bind a queue to the exchange for that routing key`);
        }
      } finally {
        inFlight.delete(id);
      }
    },
    close() {
      channel.removeListener('return', onReturn);
    },
  };
}
