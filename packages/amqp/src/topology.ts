import { CerealError } from '@cereal/core';
import { describe } from '@cereal/core/format';
import { durationMs, type Duration } from '@cereal/queue';
import type { Channel } from 'amqplib';
import { jsonLike, onlyKeys } from './checks.js';
import { AMQP } from './wording.js';

/**
 * How a message that failed and may succeed later (`LOAD_FAILED`, `STALE`, a young message's
 * `MISSING_ROW`, a handler that threw) waits before it is delivered again.
 */
export interface RetryOptions {
  /**
   * The wait before the first retry: a number of milliseconds or `'500ms'`, `'5s'`, `'1m'`, `'1h'`.
   * @default '5s'
   */
  delay?: Duration;
  /**
   * `fixed`: every retry waits `delay`; `exponential`: retry n waits `delay` × 2^(n−1), at most `maxDelay`.
   * @default 'fixed'
   */
  backoff?: 'fixed' | 'exponential';
  /**
   * The longest wait, for `exponential`.
   * @default '1h'
   */
  maxDelay?: Duration;
  /**
   * More arguments for the retry queues cereal asserts, e.g. `{ 'x-queue-type': 'quorum' }`.
   * (The dead-letter arguments that bring a message back are cereal's.)
   */
  queueArguments?: Readonly<Record<string, unknown>>;
}

/** {@link RetryOptions} checked: the wait of each retry in ms. */
export interface RetryPlan {
  /** The wait before delivery `attempt + 1`, after attempt `attempt` (from 1) failed, in ms. */
  delayAfter(attempt: number): number;
  /** Every distinct wait of attempts 1 to `maxAttempts − 1`, ascending: one retry queue each. */
  readonly delays: readonly number[];
  readonly queueArguments: Readonly<Record<string, unknown>>;
}

/**
 * Checks `retry` and plans the waits of a message with `maxAttempts` attempts.
 *
 * @throws CerealError `INVALID_OPTION` for anything but the options above
 */
export function retryPlan(retry: unknown, maxAttempts: number): RetryPlan {
  if (retry === undefined) retry = {};
  if (retry === null || typeof retry !== 'object' || Array.isArray(retry)) {
    throw new CerealError('INVALID_OPTION', `[${AMQP.label}] \`retry\` must be an object, e.g. { delay: '5s', backoff: 'exponential' }, got ${describe(retry, 40)}`);
  }
  onlyKeys('`retry`', retry, ['delay', 'backoff', 'maxDelay', 'queueArguments']);
  const { delay = '5s', backoff = 'fixed', maxDelay = '1h', queueArguments = {} } = retry as RetryOptions;
  const first = retryWait('retry.delay', delay);
  const most = retryWait('retry.maxDelay', maxDelay);
  if (backoff !== 'fixed' && backoff !== 'exponential') {
    throw new CerealError('INVALID_OPTION', `[${AMQP.label}] \`retry.backoff\` must be 'fixed' or 'exponential', got ${describe(backoff, 40)}`);
  }
  if (queueArguments === null || typeof queueArguments !== 'object' || Array.isArray(queueArguments) || !jsonLike(queueArguments)) {
    throw new CerealError('INVALID_OPTION', `[${AMQP.label}] \`retry.queueArguments\` must be an object of JSON-like values, at most 100 deep (no BigInt, function, symbol, Date or other class instance, or cycle), got ${describe(queueArguments, 40)}`);
  }
  // A TTL is a whole number of ms; RabbitMQ reads the expiration property as an integer.
  const delayAfter = (attempt: number): number =>
    Math.round(backoff === 'fixed' ? first : Math.min(Math.max(most, first), first * 2 ** Math.min(Math.max(attempt - 1, 0), 52)));
  const delays = new Set<number>();
  for (let attempt = 1; attempt < maxAttempts; attempt++) delays.add(delayAfter(attempt));
  return { delayAfter, delays: [...delays].sort((a, b) => a - b), queueArguments };
}

/**
 * The longest wait of a retry: 2^31 − 1 ms (about 24.8 days). RabbitMQ refuses a longer
 * per-message expiration with a 406 that closes the channel.
 */
export const MAX_RETRY_DELAY_MS = 2 ** 31 - 1;

/** A retry wait in ms. @throws CerealError `INVALID_OPTION` for what is not a duration, or one over {@link MAX_RETRY_DELAY_MS} */
function retryWait(name: string, value: unknown): number {
  const ms = durationMs(name, value as Duration, AMQP.label);
  if (!(ms <= MAX_RETRY_DELAY_MS)) {
    throw new CerealError('INVALID_OPTION', `[${AMQP.label}] \`${name}\` must be at most ${MAX_RETRY_DELAY_MS} ms (about 24.8 days: RabbitMQ refuses a longer message expiration), got ${describe(value, 40)}`);
  }
  return ms;
}

/**
 * The retry queue of `queue` for a wait of `ms`: `<queue>.retry.<wait>`, the wait in its largest
 * whole unit (`mail.retry.5s`, `mail.retry.500ms`, `mail.retry.2m`).
 *
 * One queue per wait, because RabbitMQ expires a message with a per-message TTL only when it
 * reaches the head of its queue: a 1s retry behind a 60s one in the same queue would wait 60s.
 * In a queue of its own every message has the same TTL, so the head is always the first due.
 */
export function retryQueueName(queue: string, ms: number): string {
  const wait = ms > 0 && ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : ms > 0 && ms % 60_000 === 0 ? `${ms / 60_000}m` : ms > 0 && ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
  return `${queue}.retry.${wait}`;
}

/**
 * Asserts the retry queues of `queue`: one per wait that `retry` and `maxAttempts` give (see
 * {@link retryQueueName}), durable, each dead-lettering what expires in it back to `queue`
 * through the default exchange (`x-dead-letter-exchange: ''`, `x-dead-letter-routing-key:
 * <queue>`). A retry is published to one with its wait as its `expiration`; when it expires,
 * RabbitMQ puts it back on `queue`. `consume` calls this itself; call it where you declare your
 * topology, or to pre-declare queues an application without the `configure` permission uses.
 *
 * @param channel - an amqplib channel
 * @param queue - the work queue
 * @param retry - see {@link RetryOptions}
 * @param maxAttempts - the most attempts a message has (see ConsumeOptions.maxAttempts)
 * @returns the names of the retry queues, by wait in ms
 * @throws CerealError `INVALID_OPTION` for bad options; the broker's error when a queue of that
 *   name exists with other arguments (it closes the channel)
 * @example await assertRetryQueues(channel, 'mail', { delay: '1s', backoff: 'exponential' }, 5)
 */
export async function assertRetryQueues(channel: Channel, queue: string, retry: RetryOptions = {}, maxAttempts = DEFAULT_MAX_ATTEMPTS): Promise<Map<number, string>> {
  checkQueueName(queue);
  return assertPlan(channel, queue, retryPlan(retry, checkMaxAttempts(maxAttempts)));
}

/** Asserts the queues of a checked plan. */
export async function assertPlan(channel: Channel, queue: string, plan: RetryPlan): Promise<Map<number, string>> {
  const names = new Map<number, string>();
  for (const ms of plan.delays) {
    const name = retryQueueName(queue, ms);
    await channel.assertQueue(name, {
      durable: true,
      arguments: { ...plan.queueArguments, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': queue },
    });
    names.set(ms, name);
  }
  return names;
}

/** The attempts a message has unless `maxAttempts` says. */
export const DEFAULT_MAX_ATTEMPTS = 5;

/** The most `maxAttempts` may be. */
const MOST_ATTEMPTS = 1000;

/** @throws CerealError `INVALID_OPTION` unless `value` is a whole number from 1 to 1000 */
export function checkMaxAttempts(value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MOST_ATTEMPTS) return value;
  throw new CerealError('INVALID_OPTION', `[${AMQP.label}] \`maxAttempts\` must be a whole number from 1 to ${MOST_ATTEMPTS} (1: never retried), got ${describe(value, 40)}`);
}

/** @throws CerealError `INVALID_OPTION` unless `queue` is a queue's name (not empty: a retry comes back to it by name) */
export function checkQueueName(queue: unknown): asserts queue is string {
  if (typeof queue !== 'string' || queue === '' || Buffer.byteLength(queue) > 200) {
    throw new CerealError('INVALID_OPTION', `[${AMQP.label}] \`queue\` must be a queue's name (1 to 200 bytes; retries come back to it by name, and its retry queues add to it), got ${describe(queue, 40)}`);
  }
}
