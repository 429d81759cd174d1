import { CerealError, type DecodeOptions } from '@cereal/core';
import { describe } from '@cereal/core/format';
import { failurePolicy, type FailurePolicy, type Outcome, type RefOptions } from '@cereal/queue';
import type { ConsumeMessage, Options } from 'amqplib';
import { DEFAULT_MAX_ATTEMPTS, checkMaxAttempts, retryPlan, type RetryOptions, type RetryPlan } from './topology.js';
import { jsonLike, onlyKeys } from './checks.js';
import { AMQP } from './wording.js';

/** Where a message that can never succeed goes: a copy is published there, with why in its headers. */
export interface DeadLetter {
  /** The exchange (it must exist: consume checks it); `''` is the default exchange, the routing key a queue's name. */
  exchange: string;
  /**
   * @default the routing key the message was delivered with: for a message that was retried,
   * the work queue's name (a retry comes back through the default exchange). Set it, or use a
   * fanout exchange. (`x-cereal-routing-key` is never read: a producer could forge it.)
   */
  routingKey?: string;
}

/**
 * Options of {@link consume}: decode options for every message (`maxRefs`, `maxDepth`,
 * `maxBytes`; `missing` is the serializer's own), what a missing row does (`onMissingRow`,
 * `missingRetry`), and where failures go.
 */
export interface ConsumeOptions extends RefOptions {
  /**
   * How many times a message is tried in all before a retryable failure dead-letters it
   * (1: never retried). Counted in the `x-cereal-attempt` header.
   * @default 5
   */
  maxAttempts?: number;
  /** How long a retry waits, through retry queues; see {@link RetryOptions}. @default { delay: '5s', backoff: 'fixed' } */
  retry?: RetryOptions;
  /**
   * Where a message that can never succeed goes (`MISSING_ROW`, `MALFORMED`, `UNKNOWN_MODEL`,
   * `LIMIT`, retries used up). Without it, such a message is rejected without requeueing
   * (`nack(message, false, false)`): the queue's own `x-dead-letter-exchange` takes it if it
   * has one, else RabbitMQ drops it.
   */
  deadLetter?: DeadLetter;
  /** Called after a message was discarded (`onMissingRow: 'discard'`) and acked; `outcome.message` says why. */
  onDiscard?: (outcome: Outcome, message: ConsumeMessage) => void;
  /**
   * Called after each failure was dealt with: `outcome.action` is `retry` (a copy is in a retry
   * queue) or `fail` (dead-lettered, or rejected without a `deadLetter`).
   */
  onFailure?: (outcome: Outcome, message: ConsumeMessage) => void;
  /**
   * Called when a message could not be settled: its retry or dead-letter copy did not land (a
   * `CopyError`: returned unroutable, nacked, the channel closed), so it was requeued, never
   * acked, after a back-off; or no copy of it can be encoded, so it was rejected without
   * requeueing; or the channel closed under it (the broker redelivers it).
   * @default logs to console.error
   */
  onError?: (error: unknown, message: ConsumeMessage) => void;
  /**
   * Called when the broker cancelled the consumer (its queue was deleted, or it failed over):
   * no more messages come. Consume again to go on.
   * @default logs to console.error
   */
  onCancel?: (error: Error) => void;
  /** amqplib's consume options, passed through (`consumerTag`, `exclusive`, `priority`, `arguments`, `noLocal`); acks are always manual. */
  consumer?: Omit<Options.Consume, 'noAck'>;
}

/** {@link ConsumeOptions}, checked once where consume is called. */
export interface Settings {
  readonly policy: FailurePolicy;
  readonly decodeOptions: Omit<DecodeOptions, 'missing'>;
  readonly maxAttempts: number;
  readonly plan: RetryPlan;
  readonly deadLetter: DeadLetter | undefined;
  readonly onDiscard: ((outcome: Outcome, message: ConsumeMessage) => void) | undefined;
  readonly onFailure: ((outcome: Outcome, message: ConsumeMessage) => void) | undefined;
  readonly onError: (error: unknown, message: ConsumeMessage) => void;
  readonly onCancel: (error: Error) => void;
  readonly consumer: Omit<Options.Consume, 'noAck'>;
}

const fnOrUndefined = <F>(name: string, value: unknown): F | undefined => {
  if (value === undefined || typeof value === 'function') return value as F | undefined;
  throw new CerealError('INVALID_OPTION', `[${AMQP.label}] \`${name}\` must be a function, got ${describe(value, 40)}`);
};

const logError = (error: unknown, message: ConsumeMessage): void => {
  console.error(`[cereal] [amqp] message ${String(message.properties.messageId ?? message.fields.deliveryTag)} could not be settled: ${describe(error)}`);
};

const logCancel = (error: Error): void => {
  console.error(`[cereal] ${error.message}`);
};

/** Every key of {@link ConsumeOptions}: any other is a typo, refused rather than ignored. */
const KEYS = ['maxAttempts', 'retry', 'deadLetter', 'onDiscard', 'onFailure', 'onError', 'onCancel', 'consumer', 'onMissingRow', 'missingRetry', 'consistency', 'maxRefs', 'maxDepth', 'maxBytes'];

/**
 * Checks every option of consume.
 *
 * @param options - the options as given
 * @param queue - the work queue (checked): a dead-letter route back to it is refused
 * @throws CerealError `INVALID_OPTION` for anything that is not as {@link ConsumeOptions} says
 */
export function settingsOf(options: ConsumeOptions, queue: string): Settings {
  const input = failurePolicyInput(options);
  onlyKeys('options', input, KEYS, (key) => (key === 'missing' ? ': `missing` is the serializer\'s own (createSerializer({ missing }))' : ''));
  const { maxAttempts = DEFAULT_MAX_ATTEMPTS, retry, deadLetter, onDiscard, onFailure, onError, onCancel, consumer, ...refOptions } = input;
  const { policy, decodeOptions } = failurePolicy(refOptions, AMQP);
  const attempts = checkMaxAttempts(maxAttempts);
  return {
    policy,
    decodeOptions,
    maxAttempts: attempts,
    plan: retryPlan(retry, attempts),
    deadLetter: checkDeadLetter(deadLetter, queue),
    onDiscard: fnOrUndefined('onDiscard', onDiscard),
    onFailure: fnOrUndefined('onFailure', onFailure),
    onError: fnOrUndefined('onError', onError) ?? logError,
    onCancel: fnOrUndefined('onCancel', onCancel) ?? logCancel,
    consumer: checkConsumer(consumer),
  };
}

const CONSUMER_KEYS = ['consumerTag', 'exclusive', 'priority', 'arguments', 'noLocal', 'noAck'];

function checkConsumer(consumer: unknown): Omit<Options.Consume, 'noAck'> {
  if (consumer === undefined) return {};
  const bad = (what: string): never => {
    throw new CerealError('INVALID_OPTION', `[${AMQP.label}] \`consumer${what}, got ${describe(consumer, 60)}`);
  };
  if (consumer === null || typeof consumer !== 'object' || Array.isArray(consumer)) bad('` must be an object of amqplib consume options');
  const c = consumer as Options.Consume;
  onlyKeys('`consumer`', c, CONSUMER_KEYS);
  if (c.noAck !== undefined) {
    throw new CerealError('INVALID_OPTION', `[${AMQP.label}] \`consumer.noAck\` cannot be set: cereal acks each message once it is handled, retried or dead-lettered`);
  }
  if (c.consumerTag !== undefined && (typeof c.consumerTag !== 'string' || Buffer.byteLength(c.consumerTag) > 255)) bad('.consumerTag` must be a string of at most 255 bytes');
  if (c.priority !== undefined && (typeof c.priority !== 'number' || !Number.isInteger(c.priority) || Math.abs(c.priority) > 2 ** 31 - 1)) bad('.priority` must be a whole number');
  if (c.exclusive !== undefined && typeof c.exclusive !== 'boolean') bad('.exclusive` must be a boolean');
  if (c.noLocal !== undefined && typeof c.noLocal !== 'boolean') bad('.noLocal` must be a boolean');
  if (c.arguments !== undefined && (c.arguments === null || typeof c.arguments !== 'object' || Array.isArray(c.arguments) || !jsonLike(c.arguments))) {
    bad('.arguments` must be an object of JSON-like values, at most 100 deep (no BigInt, function, symbol, Date or other class instance, or cycle)');
  }
  return c;
}

function failurePolicyInput(options: unknown): ConsumeOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new CerealError('INVALID_OPTION', `[${AMQP.label}] options must be an object, got ${describe(options, 40)}`);
  }
  return options as ConsumeOptions;
}

function checkDeadLetter(deadLetter: unknown, queue: string): DeadLetter | undefined {
  if (deadLetter === undefined) return undefined;
  const d = deadLetter as Partial<DeadLetter> | null;
  const short = (s: unknown): boolean => typeof s === 'string' && Buffer.byteLength(s) <= 255;
  if (d === null || typeof d !== 'object' || Array.isArray(d) || !short(d.exchange) || (d.routingKey !== undefined && !short(d.routingKey))) {
    throw new CerealError('INVALID_OPTION', `[${AMQP.label}] \`deadLetter\` must be { exchange: string, routingKey?: string }, each at most 255 bytes, got ${describe(deadLetter, 60)}`);
  }
  onlyKeys('`deadLetter`', d, ['exchange', 'routingKey']);
  const { exchange, routingKey } = d as DeadLetter;
  if (exchange === '' && routingKey === undefined) {
    // through the default exchange the routing key is a queue's name: the message's own routing key would, for most, be the work queue
    throw new CerealError('INVALID_OPTION', `[${AMQP.label}] \`deadLetter: { exchange: '' }\` needs a \`routingKey\`: the name of the dead-letter queue`);
  }
  if (exchange === '' && routingKey === queue) {
    throw new CerealError('INVALID_OPTION', `[${AMQP.label}] \`deadLetter\` routes back to the work queue \`${queue.slice(0, 64)}\` itself: dead letters would be consumed again, forever; name a queue of their own`);
  }
  return routingKey === undefined ? { exchange } : { exchange, routingKey };
}
