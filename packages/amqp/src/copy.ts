import type { Channel, ConfirmChannel, Options } from 'amqplib';

const confirming = (channel: Channel): channel is ConfirmChannel => typeof (channel as Partial<ConfirmChannel>).waitForConfirms === 'function';

/**
 * Publishes a copy of a message (a retry or a dead letter), resolving when the original may be
 * acked:
 * - on a ConfirmChannel, once the broker has confirmed the copy (rejecting if it nacks it or the
 *   channel closes first): the copy is safe before the original is let go;
 * - on a plain channel, at once: the broker handles a channel's frames in order, so the copy is
 *   routed before the ack that follows it, and if routing fails for want of the exchange the
 *   channel is closed and the ack never counts (the original is redelivered). The copy is
 *   then as safe as any publish without confirms.
 */
export function publishCopy(channel: Channel, exchange: string, routingKey: string, body: Buffer, properties: Options.Publish): Promise<void> {
  if (!confirming(channel)) {
    channel.publish(exchange, routingKey, body, properties); // throws at once on a closed channel
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    channel.publish(exchange, routingKey, body, properties, (err: unknown) => (err === null || err === undefined ? resolve() : reject(err)));
  });
}
