import { CerealError, type DecodeOptions } from '@cereal/core';
import { describe } from '@cereal/core/format';
import { failurePolicy, type FailurePolicy, type Outcome, type RefOptions } from '@cereal/queue';
import type { ConsumeMessage, Options } from 'amqplib';
import { DEFAULT_MAX_ATTEMPTS, checkMaxAttempts, retryPlan, type RetryOptions, type RetryPlan } from './topology.js';
import { AMQP } from './wording.js';

/** Where a message that can never succeed goes: a copy is published there, with why in its headers. */
export interface DeadLetter {
  /** The exchange (it must exist: consume checks it); `''` is the default exchange, the routing key a queue's name. */
  exchange: string;
  /** @default the routing key the message was first published with */
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
   * Called when a message could not be settled: publishing its retry or dead-letter copy failed
   * (it was then requeued, never acked), or the channel closed under it (the broker redelivers
   * it). @default logs to console.error
   */
  onError?: (error: unknown, message: ConsumeMessage) => void;
  /** amqplib's consume options, passed through (`consumerTag`, `exclusive`, `priority`, `arguments`); acks are always manual. */
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
  readonly consumer: Omit<Options.Consume, 'noAck'>;
}

const fnOrUndefined = <F>(name: string, value: unknown): F | undefined => {
  if (value === undefined || typeof value === 'function') return value as F | undefined;
  throw new CerealError('INVALID_OPTION', `[${AMQP.label}] \`${name}\` must be a function, got ${describe(value, 40)}`);
};

const logError = (error: unknown, message: ConsumeMessage): void => {
  console.error(`[cereal] [amqp] message ${String(message.properties.messageId ?? message.fields.deliveryTag)} could not be settled: ${describe(error)}`);
};

/**
 * Checks every option of consume.
 *
 * @throws CerealError `INVALID_OPTION` for anything that is not as {@link ConsumeOptions} says
 */
export function settingsOf(options: ConsumeOptions): Settings {
  const { maxAttempts = DEFAULT_MAX_ATTEMPTS, retry, deadLetter, onDiscard, onFailure, onError, consumer = {}, ...refOptions } = failurePolicyInput(options);
  const { policy, decodeOptions } = failurePolicy(refOptions, AMQP);
  const attempts = checkMaxAttempts(maxAttempts);
  if (consumer === null || typeof consumer !== 'object' || Array.isArray(consumer)) {
    throw new CerealError('INVALID_OPTION', `[${AMQP.label}] \`consumer\` must be an object of amqplib consume options, got ${describe(consumer, 40)}`);
  }
  if ((consumer as Options.Consume).noAck !== undefined) {
    throw new CerealError('INVALID_OPTION', `[${AMQP.label}] \`consumer.noAck\` cannot be set: cereal acks each message once it is handled, retried or dead-lettered`);
  }
  return {
    policy,
    decodeOptions,
    maxAttempts: attempts,
    plan: retryPlan(retry, attempts),
    deadLetter: checkDeadLetter(deadLetter),
    onDiscard: fnOrUndefined('onDiscard', onDiscard),
    onFailure: fnOrUndefined('onFailure', onFailure),
    onError: fnOrUndefined('onError', onError) ?? logError,
    consumer,
  };
}

function failurePolicyInput(options: unknown): ConsumeOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new CerealError('INVALID_OPTION', `[${AMQP.label}] options must be an object, got ${describe(options, 40)}`);
  }
  return options as ConsumeOptions;
}

function checkDeadLetter(deadLetter: unknown): DeadLetter | undefined {
  if (deadLetter === undefined) return undefined;
  const d = deadLetter as Partial<DeadLetter> | null;
  if (d === null || typeof d !== 'object' || Array.isArray(d) || typeof d.exchange !== 'string' || (d.routingKey !== undefined && typeof d.routingKey !== 'string')) {
    throw new CerealError('INVALID_OPTION', `[${AMQP.label}] \`deadLetter\` must be { exchange: string, routingKey?: string }, got ${describe(deadLetter, 40)}`);
  }
  return d.routingKey === undefined ? { exchange: d.exchange } : { exchange: d.exchange, routingKey: d.routingKey };
}
