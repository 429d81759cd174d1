import { CerealError } from '@cereal/core';
import { MAX_MESSAGE, cut, describe } from '@cereal/core/format';
import { classify, type Attempt, type Outcome } from '@cereal/queue';
import type { Channel, ConsumeMessage, Options } from 'amqplib';
import { CopyBackoff, pause } from './backoff.js';
import { CopyError, type Copier } from './copy.js';
import { tableProblem } from './checks.js';
import { HEADER, copiedProperties, firstRoutingKey, refKeys } from './headers.js';
import { MAX_PROPERTIES } from './publishChecks.js';
import type { Settings } from './options.js';
import { AMQP } from './wording.js';

/** The code written to `x-cereal-error` for what the handler threw that is not a CerealError. */
export const HANDLER_ERROR = 'HANDLER_ERROR';

/**
 * `classify`, which must not throw while a message waits to be settled: should it (a CerealError
 * subclass of the handler's with a getter that throws), the message is retried.
 */
export function outcomeOf(err: unknown, settings: Settings, attempt: Attempt): Outcome {
  try {
    return classify(err, settings.policy, attempt);
  } catch (failure) {
    return { action: 'retry', code: undefined, message: cut(`${HANDLER_ERROR}: [${AMQP.label}] the error could not be classified (${describe(failure, 200)}): ${describe(err)}`, MAX_MESSAGE), cause: err };
  }
}


/**
 * What the handler threw: a CerealError is classified by its code (a handler that decodes more
 * refs fails as reading would); anything else is retried as `HANDLER_ERROR`, as a worker's throw
 * is in every queue.
 */
export function handlerOutcome(err: unknown, settings: Settings, attempt: Attempt): Outcome {
  if (err instanceof CerealError) return outcomeOf(err, settings, attempt);
  return { action: 'retry', code: HANDLER_ERROR, message: cut(`${HANDLER_ERROR}: [${AMQP.label}] the handler threw: ${describe(err)}`, MAX_MESSAGE), cause: err };
}

/**
 * Why a copy's headers (the delivered message's own, with cereal's) cannot be published as they
 * are, or undefined. A producer may have sent a table amqplib reads back as a typed value
 * (`{ '!': 'double', value: 'abc' }`, which RabbitMQ answers by closing the connection), or more
 * than amqplib encodes: published, either would fail every time.
 */
function copyProblem(headers: unknown): string | undefined {
  try {
    const problem = tableProblem(headers, MAX_PROPERTIES);
    if (problem === 'shape') return "the message's headers hold a value amqplib would not send as it is (an object with a `!` of its own but a timestamp or decimal, a key over 255 bytes, or nesting past 100)";
    if (problem === 'size') return `its headers encode to more than ${MAX_PROPERTIES} bytes`;
    return undefined;
  } catch (err) {
    return `its headers could not be read (${describe(err, 200)})`;
  }
}

/** A `retry` on the last attempt, as the `fail` it becomes, saying so. */
function lastAttempt(outcome: Outcome, attempt: Attempt): Outcome {
  const code = outcome.code ?? HANDLER_ERROR;
  const reason = outcome.message.startsWith(`${code}: `) ? outcome.message.slice(code.length + 2) : outcome.message;
  const hint = attempt.attempts <= 1 ? `: ${AMQP.retryHint}` : '';
  const note = `[${AMQP.label}] not retrying: attempt ${attempt.attempt} of ${Math.max(attempt.attempts, attempt.attempt)} was its last${hint}`;
  return { ...outcome, action: 'fail', message: cut(`${code}: ${note}. ${reason}`, MAX_MESSAGE) };
}

/** Runs an ack or nack; on a closed channel it cannot, and the broker redelivers the message: told to onError. */
export function settled(message: ConsumeMessage, settings: Settings, act: () => void): void {
  try {
    act();
  } catch (err) {
    settings.onError(err, message);
  }
}

/** What a settler needs beside the message: where the copies go and how they are published. */
export interface Settling {
  readonly channel: Channel;
  readonly queue: string;
  readonly settings: Settings;
  readonly retryQueues: ReadonlyMap<number, string>;
  readonly copies: Copier;
  /** Settles when the consumer is cancelled or its channel closed: back-offs end at once. */
  readonly stop: Promise<void>;
}

/** Settles a message whose outcome is not success: retried, dead-lettered, rejected or discarded. */
export function settler({ channel, queue, settings, retryQueues, copies, stop }: Settling) {
  const { deadLetter, maxAttempts, plan } = settings;
  const backoff = new CopyBackoff();
  return async (message: ConsumeMessage, outcome: Outcome, attempt: Attempt): Promise<void> => {
    if (outcome.action === 'discard') {
      settled(message, settings, () => channel.ack(message));
      settings.onDiscard?.(outcome, message);
      return;
    }
    if (outcome.action === 'retry' && attempt.attempt >= maxAttempts) outcome = lastAttempt(outcome, attempt);
    if (outcome.action === 'fail' && deadLetter === undefined) {
      // No dead-letter exchange of ours: reject without requeueing, so the queue's own
      // x-dead-letter-exchange (if it has one) takes it, as RabbitMQ dead-letters.
      settled(message, settings, () => channel.nack(message, false, false));
      settings.onFailure?.(outcome, message);
      return;
    }
    // A copy, not nack: a nack cannot add headers, and the reason, the code and the refs must
    // travel with the message. The copy goes first; the original is acked only once it landed.
    const headers: Record<string, unknown> = {
      [HEADER.error]: outcome.code ?? HANDLER_ERROR,
      [HEADER.reason]: outcome.message,
      [HEADER.routingKey]: firstRoutingKey(message), // information only: the producer wrote it, routing never reads it
      [HEADER.refs]: refKeys(outcome.cause), // undefined drops the header: an earlier attempt's refs must not stay
    };
    let what: string;
    let exchange: string;
    let key: string;
    let expiration: string | undefined;
    if (outcome.action === 'retry') {
      const delay = plan.delayAfter(attempt.attempt);
      what = 'retry copy';
      exchange = '';
      key = retryQueues.get(delay)!;
      headers[HEADER.attempt] = attempt.attempt + 1;
      expiration = String(delay);
    } else {
      what = 'dead letter';
      exchange = deadLetter!.exchange;
      // Never the message's own x-cereal-routing-key: a producer could forge it to route every
      // dead letter nowhere, and each would be held and requeued forever. For a retried message
      // the delivered routing key is the work queue's name.
      key = deadLetter!.routingKey ?? message.fields.routingKey;
      headers[HEADER.queue] = queue;
    }
    const publish = (extra: Record<string, unknown>): Promise<void> => {
      const properties: Options.Publish = copiedProperties(message, { ...headers, ...extra });
      if (expiration !== undefined) properties.expiration = expiration;
      const problem = copyProblem(properties.headers);
      if (problem !== undefined) return Promise.reject(new CopyError('unencodable', `the ${what} cannot be published: ${problem}`));
      return copies.publish(what, exchange, key, message.content, properties);
    };
    try {
      try {
        await publish({});
      } catch (err) {
        if (!(err instanceof CopyError) || err.reason !== 'unencodable') throw err;
        // Headers amqplib cannot encode (over its 64 KiB buffer): cereal's own are what it can
        // cut. Should the message's own headers be too many still, no copy of it can be made.
        await publish({ [HEADER.refs]: undefined, [HEADER.reason]: outcome.message.slice(0, 200) });
      }
    } catch (err) {
      if (err instanceof CopyError && err.reason === 'unencodable') {
        // Requeueing cannot help: every delivery would fail the same. Rejected without requeue,
        // the queue's own x-dead-letter-exchange takes it if it has one.
        settings.onError(new CopyError('unencodable', `${err.message.slice(7)}; the message was rejected without requeueing (nack(message, false, false)): no copy of it can be published`, err), message);
        settled(message, settings, () => channel.nack(message, false, false));
        return;
      }
      const wait = backoff.failed(message);
      settings.onError(err, message);
      await pause(wait, stop);
      settled(message, settings, () => channel.nack(message, false, true)); // never acked without its copy landed
      return;
    }
    backoff.landed(message);
    settled(message, settings, () => channel.ack(message));
    settings.onFailure?.(outcome, message);
  };
}
