/**
 * The retry queues: how long each retry waits (fixed or exponential), what the queue of each
 * wait is called, and what assertRetryQueues declares, through a stand-in channel that records
 * each assertQueue. That RabbitMQ brings an expired copy back is run by the server suites.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { rejects, throws } from '@cereal/testkit';
import { assertRetryQueues, retryQueueName } from '../src/index.js';
import { DEFAULT_MAX_ATTEMPTS, MAX_RETRY_DELAY_MS, assertPlan, checkMaxAttempts, checkQueueName, retryPlan } from '../src/topology.js';
import { StandIn } from './_standin.js';

const deadLetterTo = (queue: string) => ({ 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': queue });

const Plan = suite('amqp retryPlan: the wait of each retry');

Plan('by default every retry waits 5 s: one wait, for attempts 1 to 4 of 5', () => {
  assert.is(DEFAULT_MAX_ATTEMPTS, 5);
  const plan = retryPlan(undefined, 5);
  assert.equal(plan.delays, [5000]);
  assert.equal([1, 2, 3, 4].map(plan.delayAfter), [5000, 5000, 5000, 5000]);
  assert.equal(plan.queueArguments, {});
  assert.equal(retryPlan({}, 5).delays, [5000]);
});

Plan('fixed: every retry waits `delay`, in ms or as a duration', () => {
  assert.equal(retryPlan({ delay: '500ms' }, 3).delays, [500]);
  assert.equal(retryPlan({ delay: 1200, backoff: 'fixed', maxDelay: 100 }, 4).delays, [1200], 'maxDelay is for exponential only');
  assert.equal(retryPlan({ delay: '2m' }, 10).delayAfter(9), 120_000);
  assert.equal(retryPlan({ delay: 0 }, 2).delays, [0]);
});

Plan('exponential: delay × 2^(n−1), at most maxDelay; one queue per distinct wait, ascending', () => {
  const plan = retryPlan({ delay: 1000, backoff: 'exponential', maxDelay: '5s' }, 6);
  assert.equal([1, 2, 3, 4, 5].map(plan.delayAfter), [1000, 2000, 4000, 5000, 5000]);
  assert.equal(plan.delays, [1000, 2000, 4000, 5000]);
  assert.is(plan.delayAfter(0), 1000, 'an attempt below 1 waits the first delay');
  assert.is(plan.delayAfter(-5), 1000);
  assert.is(plan.delayAfter(1000), 5000);
  assert.is(retryPlan({ delay: 1, backoff: 'exponential' }, 5).delayAfter(2000), 3_600_000, 'maxDelay defaults to 1 h');
  assert.equal(retryPlan({ delay: 1, backoff: 'exponential' }, 5).delays, [1, 2, 4, 8]);
  assert.equal(retryPlan({ delay: '5s', backoff: 'exponential', maxDelay: '1s' }, 4).delays, [5000], 'a maxDelay under delay: delay');
});

Plan('waits are whole milliseconds (a TTL is an integer)', () => {
  assert.equal(retryPlan({ delay: 1.4 }, 2).delays, [1]);
  assert.equal(retryPlan({ delay: '1.5ms' }, 2).delays, [2]);
  assert.equal(retryPlan({ delay: 0.75, backoff: 'exponential' }, 4).delays, [1, 2, 3]);
});

Plan('one attempt: no retry, no queue; two: one', () => {
  assert.equal(retryPlan({ delay: '1s', backoff: 'exponential' }, 1).delays, []);
  assert.equal(retryPlan({ delay: '1s', backoff: 'exponential' }, 2).delays, [1000]);
});

Plan('each refusal of `retry`, word for word', () => {
  const cases: [unknown, string][] = [
    [null, "`retry` must be an object, e.g. { delay: '5s', backoff: 'exponential' }, got null"],
    ['5s', "`retry` must be an object, e.g. { delay: '5s', backoff: 'exponential' }, got 5s"],
    [[1], "`retry` must be an object, e.g. { delay: '5s', backoff: 'exponential' }, got 1"],
    [{ delay: '5s', attempts: 3 }, 'unknown option `attempts` in `retry`; known: delay, backoff, maxDelay, queueArguments'],
    [{ delay: 'soon' }, "`retry.delay` must be a number of milliseconds (0 or more) or a string like '500ms', '30s', '5m' or '1h', got \"soon\""],
    [{ delay: -1 }, "`retry.delay` must be a number of milliseconds (0 or more) or a string like '500ms', '30s', '5m' or '1h', got -1"],
    [{ maxDelay: null }, "`retry.maxDelay` must be a number of milliseconds (0 or more) or a string like '500ms', '30s', '5m' or '1h', got null"],
    [{ delay: 2 ** 31 }, '`retry.delay` must be at most 2147483647 ms (about 24.8 days: RabbitMQ refuses a longer message expiration), got 2147483648'],
    [{ delay: '25d' }, "`retry.delay` must be a number of milliseconds (0 or more) or a string like '500ms', '30s', '5m' or '1h', got \"25d\""],
    [{ delay: '597h' }, '`retry.delay` must be at most 2147483647 ms (about 24.8 days: RabbitMQ refuses a longer message expiration), got 597h'],
    [{ maxDelay: 2 ** 31 }, '`retry.maxDelay` must be at most 2147483647 ms (about 24.8 days: RabbitMQ refuses a longer message expiration), got 2147483648'],
    [{ backoff: 'linear' }, "`retry.backoff` must be 'fixed' or 'exponential', got linear"],
    [{ backoff: null }, "`retry.backoff` must be 'fixed' or 'exponential', got null"],
  ];
  const shape = '`retry.queueArguments` must be an object of JSON-like values, at most 100 deep (no BigInt, function, symbol, Date or other class instance, or cycle), got';
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  for (const [args, got] of [[null, 'null'], [[], ''], ['x', 'x'], [{ at: new Date(0) }, '[object Object]'], [{ n: 1n }, '[object Object]'], [cycle, '[object Object]']] as [unknown, string][]) {
    cases.push([{ queueArguments: args }, `${shape} ${got}`]);
  }
  for (const [i, [retry, message]] of cases.entries()) {
    assert.is(throws(() => retryPlan(retry, 5), 'INVALID_OPTION').message, `[cereal] [amqp] ${message}`, `case ${i}`);
  }
  assert.is(MAX_RETRY_DELAY_MS, 2 ** 31 - 1);
  assert.equal(retryPlan({ delay: 2 ** 31 - 1 }, 2).delays, [2 ** 31 - 1], 'the longest wait is one');
  assert.equal(retryPlan({ delay: 1, backoff: 'exponential', maxDelay: 2 ** 31 - 1 }, 2).delays, [1]);
  assert.equal(retryPlan({ queueArguments: { 'x-queue-type': 'quorum', nested: { list: [1, 'a', null, true] } } }, 2).queueArguments, { 'x-queue-type': 'quorum', nested: { list: [1, 'a', null, true] } });
});

const Names = suite('amqp retryQueueName: <queue>.retry.<wait in its largest whole unit>');

Names('hours, minutes, seconds, else milliseconds', () => {
  const cases: [number, string][] = [
    [3_600_000, 'mail.retry.1h'],
    [7_200_000, 'mail.retry.2h'],
    [5_400_000, 'mail.retry.90m'],
    [60_000, 'mail.retry.1m'],
    [120_000, 'mail.retry.2m'],
    [90_000, 'mail.retry.90s'],
    [5000, 'mail.retry.5s'],
    [1000, 'mail.retry.1s'],
    [1500, 'mail.retry.1500ms'],
    [500, 'mail.retry.500ms'],
    [1, 'mail.retry.1ms'],
    [0, 'mail.retry.0ms'],
  ];
  for (const [ms, name] of cases) assert.is(retryQueueName('mail', ms), name, `${ms} ms`);
});

const Assert = suite('amqp assertRetryQueues: one durable queue per wait, dead-lettering back to the work queue');

Assert('declares each wait\'s queue, durable, expiring back to the queue through the default exchange; returns them by wait', async () => {
  const ch = new StandIn();
  const names = await assertRetryQueues(ch.channel, 'mail', { delay: '1s', backoff: 'exponential' }, 4);
  assert.equal([...names], [[1000, 'mail.retry.1s'], [2000, 'mail.retry.2s'], [4000, 'mail.retry.4s']]);
  assert.equal(ch.asserted, [1000, 2000, 4000].map((ms) => ({ queue: retryQueueName('mail', ms), options: { durable: true, arguments: deadLetterTo('mail') } })));
  assert.equal(ch.log, ['assertQueue mail.retry.1s', 'assertQueue mail.retry.2s', 'assertQueue mail.retry.4s']);
});

Assert('by default: 5 s, for 5 attempts; queueArguments are added, cereal\'s dead-letter arguments win', async () => {
  const ch = new StandIn();
  assert.equal([...(await assertRetryQueues(ch.channel, 'orders'))], [[5000, 'orders.retry.5s']]);
  assert.equal(ch.asserted, [{ queue: 'orders.retry.5s', options: { durable: true, arguments: deadLetterTo('orders') } }]);
  const quorum = new StandIn();
  await assertRetryQueues(quorum.channel, 'orders', { queueArguments: { 'x-queue-type': 'quorum', 'x-dead-letter-exchange': 'elsewhere', 'x-dead-letter-routing-key': 'x' } }, 2);
  assert.equal(quorum.asserted, [{ queue: 'orders.retry.5s', options: { durable: true, arguments: { 'x-queue-type': 'quorum', ...deadLetterTo('orders') } } }]);
  const once = new StandIn();
  assert.is((await assertRetryQueues(once.channel, 'orders', {}, 1)).size, 0);
  assert.equal(once.log, [], 'never retried: nothing declared');
});

Assert('assertPlan declares what a checked plan says', async () => {
  const ch = new StandIn();
  const names = await assertPlan(ch.channel, 'q', retryPlan({ delay: 100, backoff: 'exponential', maxDelay: 250 }, 5));
  assert.equal([...names], [[100, 'q.retry.100ms'], [200, 'q.retry.200ms'], [250, 'q.retry.250ms']]);
  assert.is(ch.asserted.length, 3);
});

Assert('refuses a bad queue, maxAttempts or retry before declaring anything, word for word', async () => {
  const ch = new StandIn();
  const queueMessage = "[cereal] [amqp] `queue` must be a queue's name (1 to 200 bytes; retries come back to it by name, and its retry queues add to it), got";
  assert.is((await rejects(() => assertRetryQueues(ch.channel, '', {}, 5))).message, `${queueMessage} `);
  assert.is((await rejects(() => assertRetryQueues(ch.channel, 5 as never, {}, 5))).message, `${queueMessage} 5`);
  assert.is((await rejects(() => assertRetryQueues(ch.channel, 'mail', {}, 0))).message, '[cereal] [amqp] `maxAttempts` must be a whole number from 1 to 1000 (1: never retried), got 0');
  assert.is((await rejects(() => assertRetryQueues(ch.channel, 'mail', { backoff: 'linear' as never }, 5))).message, "[cereal] [amqp] `retry.backoff` must be 'fixed' or 'exponential', got linear");
  assert.equal(ch.log, []);
});

const Checks = suite('amqp checkMaxAttempts and checkQueueName: bounds');

Checks('maxAttempts: a whole number from 1 to 1000', () => {
  for (const ok of [1, 2, 999, 1000]) assert.is(checkMaxAttempts(ok), ok);
  for (const [bad, got] of [[0, '0'], [1001, '1001'], [-1, '-1'], [1.5, '1.5'], ['5', '5'], [NaN, 'NaN'], [Infinity, 'Infinity'], [null, 'null'], [undefined, 'undefined']] as [unknown, string][]) {
    assert.is(throws(() => checkMaxAttempts(bad), 'INVALID_OPTION').message, `[cereal] [amqp] \`maxAttempts\` must be a whole number from 1 to 1000 (1: never retried), got ${got}`);
  }
});

Checks('queue: a string of 1 to 200 bytes', () => {
  for (const ok of ['q', 'q'.repeat(200), 'é'.repeat(100)]) checkQueueName(ok);
  const message = "[cereal] [amqp] `queue` must be a queue's name (1 to 200 bytes; retries come back to it by name, and its retry queues add to it), got";
  for (const [bad, got] of [['', ''], ['q'.repeat(201), 'q'.repeat(40) + '… (161 more characters)'], ['é'.repeat(101), 'é'.repeat(40) + '… (61 more characters)'], [null, 'null'], [undefined, 'undefined'], [7, '7']] as [unknown, string][]) {
    assert.is(throws(() => checkQueueName(bad), 'INVALID_OPTION').message, `${message} ${got}`);
  }
});

Plan.run();
Names.run();
Assert.run();
Checks.run();
