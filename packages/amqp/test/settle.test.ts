/**
 * How consume settles each delivery: acked once handled; retried through a retry queue (a copy
 * with the next attempt and the wait as its expiration, then the ack); dead-lettered on its last
 * attempt or when it can never succeed (a copy that says why, then the ack); rejected without
 * requeueing when there is no dead-letter exchange; discarded. Through a stand-in ConfirmChannel
 * that confirms every publish, driven with deliveries built as amqplib hands them. That RabbitMQ
 * brings a retry back after its TTL is run by the server suites.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConsumeMessage } from 'amqplib';
import { CerealError, createSerializer, ref, type Serializer } from '@cereal/core';
import { msgpackFormat } from '@cereal/msgpack';
import { memoryLoader } from '@cereal/testkit';
import { HANDLER_ERROR, HEADER, consume, type ConsumeOptions, type Outcome } from '../src/index.js';
import { StandIn, cereal, delivery, illegal, until, type Published } from './_standin.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

type Handler = (data: any, message: ConsumeMessage) => unknown;

interface Seen {
  failures: Outcome[];
  discards: [Outcome, ConsumeMessage][];
  errors: unknown[];
  handled: unknown[];
}

/** A consumer of `mail` on a stand-in channel, its callbacks recorded; the log starts after its setup. */
async function consumer(options: ConsumeOptions = {}, handler: Handler = async () => undefined, serializer: Serializer<Uint8Array | string> = cereal) {
  const ch = new StandIn();
  const seen: Seen = { failures: [], discards: [], errors: [], handled: [] };
  const c = await consume(ch.channel, 'mail', serializer, async (data: unknown, m: ConsumeMessage) => {
    seen.handled.push(data);
    return handler(data, m);
  }, {
    onFailure: (o) => void seen.failures.push(o),
    onDiscard: (o, m) => void seen.discards.push([o, m]),
    onError: (e) => void seen.errors.push(e),
    ...options,
  });
  ch.log.length = 0;
  return { ch, c, seen };
}

/** Delivers `m` and waits until it is acked or nacked. */
async function run(ch: StandIn, m: ConsumeMessage): Promise<void> {
  ch.deliver(m);
  const tag = String(m.fields.deliveryTag);
  await until(() => ch.settlements.some((s) => s.split(' ')[1] === tag), `delivery ${tag} settled`);
}

/** A copy's headers without its copy id (checked to be a UUID). */
function headersOf(p: Published): Record<string, unknown> {
  const { [HEADER.copy]: id, ...rest } = p.headers;
  assert.match(String(id), UUID);
  return rest;
}

const at = (attempt: unknown, more: Record<string, unknown> = {}) => ({ properties: { headers: { [HEADER.attempt]: attempt, ...more } } });
const WIRE = { 'x-cereal': 1, 'x-cereal-format': 'msgpack' };

const Ack = suite('amqp consume: a message handled is acked');

Ack('the handler gets the fresh rows and the delivery; the message is acked once it resolves, nothing published', async () => {
  const got: [unknown, ConsumeMessage][] = [];
  const { ch, seen } = await consumer({}, async (data, m) => void got.push([data, m]));
  const m = delivery({ user: ref('users', 7), n: 1 });
  await run(ch, m);
  assert.equal(got, [[{ user: { id: 7, name: 'user 7' }, n: 1 }, m]]);
  assert.is(got[0]![1], m);
  assert.equal(ch.log, [`ack ${m.fields.deliveryTag}`]);
  assert.equal([seen.failures, seen.errors, seen.discards], [[], [], []]);
});

Ack('the ack waits for the handler', async () => {
  let release!: () => void;
  const { ch } = await consumer({}, () => new Promise<void>((resolve) => (release = resolve)));
  const m = delivery(1);
  ch.deliver(m);
  await until(() => release !== undefined, 'the handler');
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(ch.log, [], 'not acked while it runs');
  release();
  await until(() => ch.log.length > 0, 'the ack');
  assert.equal(ch.log, [`ack ${m.fields.deliveryTag}`]);
});

Ack('an ack on a closed channel is told to onError (the broker redelivers); the default onError logs it', async () => {
  const { ch, seen } = await consumer();
  const closed = illegal('Channel closed');
  ch.settleError = closed;
  await run(ch, delivery(1));
  assert.equal(seen.errors, [closed]);
  const printed: unknown[][] = [];
  const { error } = console;
  console.error = (...args: unknown[]) => void printed.push(args);
  try {
    const quiet = new StandIn();
    await consume(quiet.channel, 'mail', cereal, async () => undefined);
    quiet.settleError = closed;
    const m = delivery(1, { properties: { messageId: 'm-9' } });
    await run(quiet, m);
    const plain = delivery(2);
    await run(quiet, plain);
    assert.equal(printed, [
      ['[cereal] [amqp] message m-9 could not be settled: Channel closed'],
      [`[cereal] [amqp] message ${plain.fields.deliveryTag} could not be settled: Channel closed`],
    ]);
  } finally {
    console.error = error;
  }
});

const Retry = suite('amqp consume: a retry is a copy in the retry queue, then the ack');

Retry('a handler that throws: HANDLER_ERROR, the next attempt, the wait as expiration, the first routing key; published before the ack', async () => {
  const boom = new Error('boom');
  const { ch, seen } = await consumer({}, async () => { throw boom; });
  const m = delivery(1, { properties: { messageId: 'm-1', timestamp: 1_700_000_000, expiration: '999', userId: 'guest', headers: { tenant: 'acme', CC: ['mail'] } }, fields: { routingKey: 'welcome' } });
  await run(ch, m);
  assert.equal(ch.log, ['publish  mail.retry.5s', `ack ${m.fields.deliveryTag}`]);
  const [p] = ch.published;
  assert.is(p!.content, m.content);
  assert.equal(headersOf(p!), { ...WIRE, tenant: 'acme', [HEADER.error]: HANDLER_ERROR, [HEADER.reason]: 'HANDLER_ERROR: [amqp] the handler threw: boom', [HEADER.routingKey]: 'welcome', [HEADER.attempt]: 2 });
  const { headers, ...properties } = p!.options;
  assert.equal(properties, { contentType: 'application/x-cereal+msgpack', deliveryMode: 2, messageId: 'm-1', timestamp: 1_700_000_000, expiration: '5000', mandatory: true });
  assert.is(seen.failures.length, 1);
  assert.equal([seen.failures[0]!.action, seen.failures[0]!.code, seen.failures[0]!.message, seen.failures[0]!.cause], ['retry', HANDLER_ERROR, 'HANDLER_ERROR: [amqp] the handler threw: boom', boom]);
  assert.equal(seen.errors, []);
});

Retry('the attempt counts on from x-cereal-attempt; an exponential wait picks its queue; an earlier routing key and refs do not stay', async () => {
  const { ch } = await consumer({ retry: { delay: 100, backoff: 'exponential', maxDelay: 250 }, maxAttempts: 10 }, async () => { throw 'nope'; });
  const m = delivery(1, at(3, { [HEADER.routingKey]: 'first', [HEADER.refs]: ['users:1'] }));
  await run(ch, m);
  const [p] = ch.published;
  assert.equal([p!.exchange, p!.routingKey, p!.options.expiration], ['', 'mail.retry.250ms', '250']);
  assert.equal(headersOf(p!), { ...WIRE, [HEADER.error]: HANDLER_ERROR, [HEADER.reason]: 'HANDLER_ERROR: [amqp] the handler threw: nope', [HEADER.routingKey]: 'first', [HEADER.attempt]: 4 });
  const second = delivery(1, at(1));
  await run(ch, second);
  assert.equal([ch.published[1]!.routingKey, ch.published[1]!.options.expiration, ch.published[1]!.headers[HEADER.attempt]], ['mail.retry.100ms', '100', 2]);
});

Retry('a retryable CerealError (LOAD_FAILED, STALE) keeps its code; reading that fails with something else is LOAD_FAILED', async () => {
  const stale = new CerealError('STALE', 'the replica is behind');
  const { ch, seen } = await consumer({}, async () => { throw stale; });
  await run(ch, delivery(1));
  assert.equal([ch.published[0]!.headers[HEADER.error], ch.published[0]!.headers[HEADER.reason]], ['STALE', 'STALE: [cereal] the replica is behind']);
  assert.is(seen.failures[0]!.cause, stale);
  const down = memoryLoader([{ id: 1 }]);
  down.fail = new Error('connect ECONNREFUSED');
  const flaky = createSerializer({ format: msgpackFormat(), loaders: { users: down } });
  const loading = await consumer({}, undefined, flaky);
  await run(loading.ch, delivery({ user: ref('users', 1) }, { serializer: flaky }));
  assert.is(loading.ch.published[0]!.headers[HEADER.error], 'LOAD_FAILED');
  assert.is(loading.seen.handled.length, 0, 'the handler did not run');
  const odd = { ...cereal, decode: async () => { throw new TypeError('not mine'); } } as unknown as Serializer<Uint8Array>;
  const own = await consumer({}, undefined, odd);
  await run(own.ch, delivery(1));
  assert.equal([own.ch.published[0]!.headers[HEADER.error], own.ch.published[0]!.headers[HEADER.reason]], ['LOAD_FAILED', 'LOAD_FAILED: [cereal] [amqp] reading the message failed: not mine']);
});

Retry('an error that cannot be classified is retried, saying so', async () => {
  const err = new CerealError('LIMIT', 'odd');
  Object.defineProperty(err, 'retryable', { get: () => { throw new Error('no retryable'); } });
  const { ch, seen } = await consumer({}, async () => { throw err; });
  await run(ch, delivery(1));
  assert.equal([ch.published[0]!.routingKey, ch.published[0]!.headers[HEADER.error], ch.published[0]!.headers[HEADER.reason]], ['mail.retry.5s', HANDLER_ERROR, 'HANDLER_ERROR: [amqp] the error could not be classified (no retryable): [cereal] odd']);
  assert.equal([seen.failures[0]!.action, seen.failures[0]!.code, seen.failures[0]!.cause], ['retry', undefined, err]);
});

Retry('missingRetry: a young message\'s missing row is retried, saying how old it is', async () => {
  const { ch, seen } = await consumer({ missingRetry: { within: '1m' } }, async () => undefined);
  await run(ch, delivery({ user: ref('users', 999) }, { properties: { timestamp: Math.floor(Date.now() / 1000) } }));
  assert.is(ch.published[0]!.routingKey, 'mail.retry.5s');
  assert.match(String(ch.published[0]!.headers[HEADER.reason]), /^MISSING_ROW: \[amqp\] retrying: the message is \d+ms old, younger than missingRetry\.within \(1m\), and its rows may not be visible yet \(attempt 1 of 5 failed\)\. \[cereal\] 1 referenced row is missing: `users:999`$/);
  assert.equal(ch.published[0]!.headers[HEADER.refs], ['users:999']);
  assert.is(seen.failures[0]!.action, 'retry');
  // an hour old (in seconds, as publish writes it): failed at once
  await run(ch, delivery({ user: ref('users', 999) }, { properties: { timestamp: Math.floor(Date.now() / 1000) - 3600 } }));
  assert.is(seen.failures[1]!.action, 'fail');
  assert.match(seen.failures[1]!.message, /^MISSING_ROW: \[amqp\] not retrying: the message is 36\d{5}ms old, past missingRetry\.within \(1m\)\. /);
});

const Last = suite('amqp consume: the last attempt dead-letters instead of retrying');

Last('attempt N of N: a dead letter saying so, to deadLetter under the delivered routing key, then the ack', async () => {
  const { ch, seen } = await consumer({ maxAttempts: 3, deadLetter: { exchange: 'dlx' } }, async () => { throw new Error('boom'); });
  const m = delivery(1, { ...at(3, { tenant: 'acme' }), fields: { routingKey: 'mail' } });
  m.properties.expiration = '5000';
  await run(ch, m);
  assert.equal(ch.log, ['publish dlx mail', `ack ${m.fields.deliveryTag}`]);
  const [p] = ch.published;
  assert.equal(headersOf(p!), { ...WIRE, tenant: 'acme', [HEADER.attempt]: 3, [HEADER.error]: HANDLER_ERROR, [HEADER.reason]: 'HANDLER_ERROR: [amqp] not retrying: attempt 3 of 3 was its last. [amqp] the handler threw: boom', [HEADER.routingKey]: 'mail', [HEADER.queue]: 'mail' });
  assert.ok(!('expiration' in p!.options), 'a dead letter does not expire');
  assert.is(p!.options.mandatory, true);
  assert.equal([seen.failures[0]!.action, seen.failures[0]!.code], ['fail', HANDLER_ERROR]);
});

Last('one attempt: the hint to raise maxAttempts; past the last: its own number; a CerealError keeps its code', async () => {
  const { ch } = await consumer({ maxAttempts: 1, deadLetter: { exchange: 'dlx', routingKey: 'dead' } }, async () => { throw new Error('boom'); });
  await run(ch, delivery(1));
  assert.equal([ch.published[0]!.exchange, ch.published[0]!.routingKey], ['dlx', 'dead']);
  assert.is(ch.published[0]!.headers[HEADER.reason], 'HANDLER_ERROR: [amqp] not retrying: attempt 1 of 1 was its last: raise `maxAttempts` to retry it. [amqp] the handler threw: boom');
  assert.is(ch.published[0]!.headers[HEADER.attempt], undefined, 'a first attempt has none');
  const past = await consumer({ maxAttempts: 3, deadLetter: { exchange: 'dlx' } }, async () => { throw new CerealError('LOAD_FAILED', 'down'); });
  await run(past.ch, delivery(1, at(7)));
  assert.equal([past.ch.published[0]!.headers[HEADER.error], past.ch.published[0]!.headers[HEADER.reason]], ['LOAD_FAILED', 'LOAD_FAILED: [amqp] not retrying: attempt 7 of 7 was its last. [cereal] down']);
  const two = await consumer({ maxAttempts: 2, deadLetter: { exchange: 'dlx' } }, async () => { throw new Error('x'); });
  await run(two.ch, delivery(1, at(1)));
  assert.is(two.ch.published[0]!.routingKey, 'mail.retry.5s', 'attempt 1 of 2 is retried');
  await run(two.ch, delivery(1, at(2)));
  assert.is(two.ch.published[1]!.exchange, 'dlx', 'attempt 2 of 2 is not');
});

Last('an unclassifiable error on its last attempt: HANDLER_ERROR, its reason said once', async () => {
  const err = new CerealError('LIMIT', 'odd');
  Object.defineProperty(err, 'retryable', { get: () => { throw new Error('no retryable'); } });
  const { ch } = await consumer({ maxAttempts: 2, deadLetter: { exchange: 'dlx' } }, async () => { throw err; });
  await run(ch, delivery(1, at(2)));
  assert.is(ch.published[0]!.headers[HEADER.reason], 'HANDLER_ERROR: [amqp] not retrying: attempt 2 of 2 was its last. [amqp] the error could not be classified (no retryable): [cereal] odd');
});

Last('without deadLetter: rejected without requeueing, onFailure told', async () => {
  const { ch, seen } = await consumer({ maxAttempts: 2 }, async () => { throw new Error('boom'); });
  const m = delivery(1, at(2));
  await run(ch, m);
  assert.equal(ch.log, [`nack ${m.fields.deliveryTag} false false`]);
  assert.equal(seen.failures.map((o) => [o.action, o.message]), [['fail', 'HANDLER_ERROR: [amqp] not retrying: attempt 2 of 2 was its last. [amqp] the handler threw: boom']]);
});

const Fail = suite('amqp consume: what can never succeed fails at once');

Fail('a missing row: dead-lettered with its refs, the handler not run; without deadLetter rejected', async () => {
  const { ch, seen } = await consumer({ deadLetter: { exchange: 'dlx' } });
  const m = delivery({ users: [ref('users', 999), ref('users', 5), ref('users', 998)] }, { fields: { routingKey: 'welcome' }, properties: { headers: { [HEADER.routingKey]: 'forged' } } });
  await run(ch, m);
  assert.equal(ch.log, ['publish dlx welcome', `ack ${m.fields.deliveryTag}`], 'the delivered routing key, never x-cereal-routing-key');
  assert.equal(headersOf(ch.published[0]!), { ...WIRE, [HEADER.error]: 'MISSING_ROW', [HEADER.reason]: 'MISSING_ROW: [cereal] 2 referenced rows are missing: `users:999`, `users:998`', [HEADER.routingKey]: 'forged', [HEADER.refs]: ['users:999', 'users:998'], [HEADER.queue]: 'mail' });
  assert.equal(seen.handled, []);
  assert.equal(seen.failures.map((o) => [o.action, o.code]), [['fail', 'MISSING_ROW']]);
  const bare = await consumer();
  const n = delivery({ user: ref('users', 999) });
  await run(bare.ch, n);
  assert.equal(bare.ch.log, [`nack ${n.fields.deliveryTag} false false`]);
  assert.equal(bare.seen.failures.map((o) => o.action), ['fail']);
});

Fail('what the handler throws as a CerealError that cannot succeed fails; its refs travel; a message not cereal\'s is MALFORMED', async () => {
  const { ch, seen } = await consumer({ deadLetter: { exchange: '', routingKey: 'mail.dead' } }, async () => { throw new CerealError('MISSING_ROW', 'gone', { refs: [ref('users', 4)] }); });
  await run(ch, delivery(1));
  assert.equal([ch.published[0]!.exchange, ch.published[0]!.routingKey, ch.published[0]!.headers[HEADER.refs], ch.published[0]!.headers[HEADER.error]], ['', 'mail.dead', ['users:4'], 'MISSING_ROW']);
  const m = delivery(1, { properties: { contentType: 'text/plain' } });
  await run(ch, m);
  assert.equal([ch.published[1]!.headers[HEADER.error], ch.published[1]!.headers[HEADER.reason]], ['MALFORMED', 'MALFORMED: [cereal] [amqp] the message has `text/plain`, not a cereal content type (application/x-cereal+<format>); publish it with publish(channel, exchange, routingKey, serializer, value)']);
  assert.ok(!(HEADER.refs in ch.published[1]!.headers));
  assert.is(seen.handled.length, 1, 'the malformed message never reached the handler');
});

Fail('on its last attempt, what can never succeed keeps its own words (no "not retrying")', async () => {
  const { ch } = await consumer({ deadLetter: { exchange: 'dlx' }, maxAttempts: 2 });
  await run(ch, delivery({ user: ref('users', 999) }, at(2)));
  assert.is(ch.published[0]!.headers[HEADER.reason], 'MISSING_ROW: [cereal] 1 referenced row is missing: `users:999`');
});

Fail('a limit: maxBytes is read for every message', async () => {
  const { ch, seen } = await consumer({ maxBytes: 4 });
  await run(ch, delivery({ note: 'longer than four bytes' }));
  assert.equal(seen.failures.map((o) => [o.action, o.code]), [['fail', 'LIMIT']]);
  assert.equal(seen.handled, []);
});

const Discard = suite('amqp consume: onMissingRow discard acks without the handler');

Discard('acked, onDiscard told why with the message; nothing published, onFailure not called', async () => {
  const { ch, seen } = await consumer({ onMissingRow: 'discard', deadLetter: { exchange: 'dlx' } });
  const m = delivery({ user: ref('users', 999) });
  await run(ch, m);
  assert.equal(ch.log, [`ack ${m.fields.deliveryTag}`]);
  assert.is(seen.discards.length, 1);
  assert.is(seen.discards[0]![0].message, 'discarded by cereal: 1 referenced row is gone: `users:999`');
  assert.is(seen.discards[0]![1], m);
  assert.equal([seen.failures, seen.handled], [[], []]);
  ch.settleError = illegal();
  await run(ch, delivery({ user: ref('users', 998) }));
  assert.is(seen.errors.length, 1, 'an ack that failed is told');
  assert.is(seen.discards.length, 2, 'and the discard still is');
});

const Quiet = suite('amqp consume: onDiscard and onFailure are optional');

Quiet('left out: a discard is acked, a failure rejected or dead-lettered, nothing told to onError', async () => {
  const ch = new StandIn();
  const errors: unknown[] = [];
  await consume(ch.channel, 'mail', cereal, async () => { throw new Error('boom'); }, { onMissingRow: 'discard', maxAttempts: 1, onError: (e) => void errors.push(e) });
  ch.log.length = 0;
  const gone = delivery({ user: ref('users', 999) });
  await run(ch, gone);
  const failed = delivery(1);
  await run(ch, failed);
  assert.equal(ch.log, [`ack ${gone.fields.deliveryTag}`, `nack ${failed.fields.deliveryTag} false false`]);
  const dl = new StandIn();
  await consume(dl.channel, 'mail', cereal, async () => { throw new Error('boom'); }, { maxAttempts: 1, deadLetter: { exchange: 'dlx' }, onError: (e) => void errors.push(e) });
  dl.log.length = 0;
  const dead = delivery(2);
  await run(dl, dead);
  assert.equal(dl.log, ['publish dlx mail', `ack ${dead.fields.deliveryTag}`]);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(errors, []);
});

Ack.run();
Retry.run();
Last.run();
Fail.run();
Discard.run();
Quiet.run();
