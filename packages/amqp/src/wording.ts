import type { QueueWording } from '@cereal/queue';

/** How @cereal/amqp's messages name it, what it reads, the call that writes it, and what retries a message. */
export const AMQP: QueueWording = {
  label: 'amqp',
  what: 'the message',
  item: 'message',
  writer: 'publish(channel, exchange, routingKey, serializer, value)',
  retryHint: 'raise `maxAttempts` to retry it',
};
