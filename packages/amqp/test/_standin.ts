/**
 * A stand-in for an amqplib channel, for the suites that need no broker: it records every call
 * consume and publish make, in order, and answers as amqplib does. A ConfirmChannel's publish
 * calls its callback (null: confirmed; an Error: nacked) on a later turn, after the channel's
 * `return` event for a copy the broker sends back, as RabbitMQ sends basic.return before the
 * confirm. A plain channel has no confirms: its `checkExchange` answers after the return.
 * What RabbitMQ itself does with a copy (a TTL queue bringing it back) is run by the server suites.
 */
import { EventEmitter } from 'node:events';
import type { Channel, ConsumeMessage, Message, MessageProperties, Options } from 'amqplib';
import { createSerializer, type Serializer } from '@cereal/core';
import { jsonFormat } from '@cereal/json';
import { msgpackFormat } from '@cereal/msgpack';
import { memoryLoader } from '@cereal/testkit';

/** Users 1 to 50 (`user 7`); no row for any other id. */
export const users = memoryLoader(Array.from({ length: 50 }, (_, i) => ({ id: i + 1, name: `user ${i + 1}` })));
export const cereal = createSerializer({ format: msgpackFormat(), loaders: { users } });
export const json = createSerializer({ format: jsonFormat(), loaders: { users } });

/** One publish the channel was given. */
export interface Published {
  readonly exchange: string;
  readonly routingKey: string;
  readonly content: Buffer;
  readonly options: Options.Publish;
  /** Its headers (an object even when none were given). */
  readonly headers: Record<string, unknown>;
}

/**
 * How the broker answers a publish: confirmed (`ack`), refused (`nack`), routed to no queue and
 * sent back (`return`, then confirmed), thrown at once by amqplib (`{ throws }`), or never
 * answered (`silent`).
 */
export type Reply = 'ack' | 'nack' | 'return' | 'silent' | { throws: unknown };

/** An error amqplib throws for an operation on a closed channel. */
export function illegal(message = 'Channel closed'): Error {
  const err = new Error(message);
  err.name = 'IllegalOperationError';
  return err;
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class StandIn extends EventEmitter {
  /** Every call, in order: `checkQueue mail`, `consume mail`, `ack 1`, `nack 2 false true`, `publish  mail.retry.5s`, `cancel tag-1`. */
  readonly log: string[] = [];
  readonly published: Published[] = [];
  readonly asserted: { queue: string; options: Options.AssertQueue | undefined }[] = [];
  consumeOptions: Options.Consume | undefined;
  /** What consume registered: hands it a delivery, as the broker would. */
  private onMessage: ((message: ConsumeMessage | null) => void) | undefined;
  /** How the broker answers each publish. */
  reply: (p: Published) => Reply = () => 'ack';
  /** Errors checkQueue and checkExchange reject with (the broker's 404), when set. */
  checkQueueError: unknown;
  checkExchangeError: unknown;
  /** What channel.cancel does: resolves at once unless told. */
  cancelled: () => Promise<unknown> = async () => ({ consumerTag: 'tag-1' });
  /** Set: ack and nack throw it (a closed channel). */
  settleError: unknown;
  consumerTag = 'tag-1';
  /** What publish returns (false: the write buffer is full). */
  returns = true;

  constructor(readonly confirm = true) {
    super();
    if (confirm) (this as unknown as { waitForConfirms: () => Promise<void> }).waitForConfirms = async () => undefined;
  }

  /** The channel as amqplib's type, to hand to consume and publish. */
  get channel(): Channel {
    return this as unknown as Channel;
  }

  async checkQueue(queue: string): Promise<object> {
    this.log.push(`checkQueue ${queue}`);
    if (this.checkQueueError !== undefined) throw this.checkQueueError;
    return { queue, messageCount: 0, consumerCount: 0 };
  }

  async checkExchange(exchange: string): Promise<object> {
    this.log.push(`checkExchange ${exchange}`);
    await turn(); // the answer comes after what the broker sent before it (a return)
    if (this.checkExchangeError !== undefined) throw this.checkExchangeError;
    return {};
  }

  async assertQueue(queue: string, options?: Options.AssertQueue): Promise<object> {
    this.log.push(`assertQueue ${queue}`);
    this.asserted.push({ queue, options });
    return { queue, messageCount: 0, consumerCount: 0 };
  }

  async consume(queue: string, onMessage: (message: ConsumeMessage | null) => void, options?: Options.Consume): Promise<{ consumerTag: string }> {
    this.log.push(`consume ${queue}`);
    this.consumeOptions = options;
    this.onMessage = onMessage;
    return { consumerTag: options?.consumerTag ?? this.consumerTag };
  }

  async cancel(consumerTag: string): Promise<unknown> {
    this.log.push(`cancel ${consumerTag}`);
    return this.cancelled();
  }

  async prefetch(): Promise<void> {
    this.log.push('prefetch');
  }

  ack(message: Message, allUpTo?: boolean): void {
    this.log.push(`ack ${message.fields.deliveryTag}${allUpTo === undefined ? '' : ` ${allUpTo}`}`);
    if (this.settleError !== undefined) throw this.settleError;
  }

  nack(message: Message, allUpTo?: boolean, requeue?: boolean): void {
    this.log.push(`nack ${message.fields.deliveryTag} ${allUpTo} ${requeue}`);
    if (this.settleError !== undefined) throw this.settleError;
  }

  publish(exchange: string, routingKey: string, content: Buffer, options: Options.Publish = {}, confirmed?: (err: unknown, ok?: unknown) => void): boolean {
    const p: Published = { exchange, routingKey, content, options, headers: { ...(options.headers as Record<string, unknown> | undefined) } };
    this.log.push(`publish ${exchange} ${routingKey}`);
    const reply = this.reply(p);
    if (typeof reply === 'object') throw reply.throws;
    this.published.push(p);
    if (reply === 'silent') return this.returns;
    setImmediate(() => {
      if (reply === 'return') {
        const returned = { content, fields: { replyCode: 312, replyText: 'NO_ROUTE', exchange, routingKey }, properties: { ...options, headers: options.headers } };
        this.emit('return', returned);
      }
      confirmed?.(reply === 'nack' ? new Error('message nacked') : null, {});
    });
    return this.returns;
  }

  /** Hands consume's callback a delivery (null: the broker cancelled the consumer). */
  deliver(message: ConsumeMessage | null): void {
    if (this.onMessage === undefined) throw new Error('nothing is consuming');
    this.onMessage(message);
  }

  /** The ack and nack calls of the log. */
  get settlements(): string[] {
    return this.log.filter((l) => l.startsWith('ack ') || l.startsWith('nack '));
  }
}

/** Resolves once `check()` holds; rejects after `ms` naming `what`, so a broken run fails instead of hanging. */
export async function until(check: () => boolean, what: string, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Lets every pending turn run: what would have happened by now has. */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await turn();
}

let tags = 0;

/** What publish writes for `serializer`: its content type and headers. */
export const cerealProperties = (serializer: Serializer<Uint8Array | string> = cereal): Partial<MessageProperties> => ({
  contentType: `application/x-cereal+${serializer.format}`,
  headers: { 'x-cereal': 1, 'x-cereal-format': serializer.format },
});

/**
 * A delivery as amqplib hands it to a consumer: `value` encoded by `serializer` (msgpack unless
 * told) as publish writes it, with properties and fields over the defaults.
 */
export function delivery(
  value: unknown,
  { serializer = cereal, properties = {}, fields = {}, content }: { serializer?: Serializer<Uint8Array | string>; properties?: Partial<MessageProperties>; fields?: Partial<ConsumeMessage['fields']>; content?: Buffer } = {},
): ConsumeMessage {
  const wire = serializer.encode(value as never);
  const body = content ?? (typeof wire === 'string' ? Buffer.from(wire, 'utf8') : Buffer.from(wire));
  const base = cerealProperties(serializer);
  const props: Partial<MessageProperties> = { ...base, ...properties, headers: { ...(base.headers as object), ...(properties.headers as object | undefined) } };
  if ('headers' in properties && properties.headers === undefined) props.headers = undefined;
  return {
    content: body,
    fields: { deliveryTag: ++tags, redelivered: false, exchange: '', routingKey: 'mail', consumerTag: 'tag-1', ...fields },
    properties: { contentEncoding: undefined, deliveryMode: 2, priority: undefined, correlationId: undefined, replyTo: undefined, expiration: undefined, messageId: undefined, timestamp: undefined, type: undefined, userId: undefined, appId: undefined, clusterId: undefined, ...props } as MessageProperties,
  };
}
