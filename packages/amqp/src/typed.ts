import type { Encodable, Hydrated, Loaders, MissingMode, MissingOf, Serializer } from '@cereal/core';
import type { Serializers } from '@cereal/queue';
import type { Channel } from 'amqplib';
import { consume, type Consumer, type MessageHandler } from './consume.js';
import type { ConsumeOptions } from './options.js';
import { publish, type PublishOptions } from './publish.js';

/**
 * publish and consume bound to one serializer, so that a message's type is named once and the
 * rows are typed by the serializer's loader map. (TypeScript infers no type argument once one is
 * named: `consume<Welcome>(channel, queue, cereal, …)` could not also infer the loader map.)
 */
export interface Amqp<L extends Loaders, D extends MissingMode> {
  /** publish, checked like `encode`: a row of another model where a ref belongs does not compile. */
  publish<T = unknown>(channel: Channel, exchange: string, routingKey: string, value: Encodable<T, L>, options?: PublishOptions): boolean;
  /** consume, the handler's data typed by the loader map (`missing` is the serializer's own). */
  consume<T = unknown>(channel: Channel, queue: string, handler: MessageHandler<Hydrated<T, L, MissingOf<D>>>, options?: ConsumeOptions): Promise<Consumer>;
}

/** Options of {@link amqpFor}. */
export interface AmqpForOptions {
  /**
   * Serializers of other formats consumers also accept, by format name: during a rolling
   * migration, the format producers are leaving (`{ msgpack: old }`). They must load the same
   * models (same loader map) for the typed rows to hold.
   */
  accept?: Readonly<Record<string, Serializer<Uint8Array | string>>>;
}

/**
 * publish and consume for one serializer, typed by its loader map.
 *
 * @param serializer - the serializer producers and consumers share
 * @param options - see {@link AmqpForOptions}
 * @returns publish and consume bound to it
 * @example
 * const mail = amqpFor(cereal)
 * mail.publish<Welcome>(channel, 'mail', 'welcome', { user })
 * await mail.consume<Welcome>(channel, 'mail', async ({ user }) => sendWelcome(user.email))
 */
export function amqpFor<W extends Uint8Array | string, L extends Loaders, D extends MissingMode>(serializer: Serializer<W, L, D>, options: AmqpForOptions = {}): Amqp<L, D> {
  const reading: Serializers = options.accept === undefined ? serializer : { ...options.accept, [serializer.format]: serializer };
  // The typed surface is a view of the free functions, which check everything at run time.
  return {
    publish: (channel, exchange, routingKey, value, publishOptions) => publish(channel, exchange, routingKey, serializer as Serializer<Uint8Array | string, L>, value, publishOptions),
    consume: (channel, queue, handler, consumeOptions) => consume(channel, queue, reading, handler as never, consumeOptions),
  };
}
