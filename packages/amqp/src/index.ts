// cereal for RabbitMQ (amqplib): a message's body is a format's wire under cereal's own content
// type; consumers get fresh rows, with retries through TTL queues and dead letters that say why.
export type { Serializers, Duration, MissingRetry, Outcome } from '@cereal/queue';
export { publish } from './publish.js';
export type { PublishOptions } from './publish.js';
export { consume, HANDLER_ERROR } from './consume.js';
export type { CancelOptions, Consumer, MessageHandler } from './consume.js';
export { CopyError } from './copy.js';
export type { CopyFailure } from './copy.js';
export type { ConsumeOptions, DeadLetter } from './options.js';
export { assertRetryQueues, retryQueueName } from './topology.js';
export type { RetryOptions } from './topology.js';
export { fromMessage } from './read.js';
export type { FromMessageOptions } from './read.js';
export { HEADER } from './headers.js';
export { republish } from './republish.js';
export { amqpFor } from './typed.js';
export type { Amqp, AmqpForOptions } from './typed.js';
