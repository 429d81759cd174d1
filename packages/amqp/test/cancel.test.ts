/**
 * A consumer's life on its channel: what consume checks and declares before consuming, and in
 * what order; the broker cancelling it; cancel() waiting for the messages in hand, at most its
 * timeout, requeueing what arrived meanwhile; the listeners it leaves. Through a stand-in channel.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConsumeMessage } from 'amqplib';
import { rejects } from '@cereal/testkit';
import { consume, type ConsumeOptions } from '../src/index.js';
import { StandIn, cereal, delivery, until } from './_standin.js';

const PREFIX = '[cereal] [amqp] ';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A handler that waits until released, and the count of those started. */
function gate() {
  const releases: (() => void)[] = [];
  return {
    started: () => releases.length,
    release: () => releases.splice(0).forEach((r) => r()),
    handler: (): Promise<void> => new Promise<void>((resolve) => void releases.push(resolve)),
  };
}

async function consumer(handler: (data: any) => unknown = async () => undefined, options: ConsumeOptions = {}) {
  const ch = new StandIn();
  const cancels: Error[] = [];
  const c = await consume(ch.channel, 'mail', cereal, handler, { onCancel: (e) => void cancels.push(e), ...options });
  ch.log.length = 0;
  return { ch, c, cancels };
}

const Setup = suite('amqp consume: checks, then declares, then consumes');

Setup('the queue and the dead-letter exchange are checked, the retry queues asserted, then consume with manual acks', async () => {
  const ch = new StandIn();
  const c = await consume(ch.channel, 'mail', cereal, async () => undefined, { deadLetter: { exchange: 'dlx' }, retry: { delay: '1s', backoff: 'exponential' }, maxAttempts: 3, consumer: { consumerTag: 'mine', priority: 2, exclusive: true } });
  assert.equal(ch.log, ['checkQueue mail', 'checkExchange dlx', 'assertQueue mail.retry.1s', 'assertQueue mail.retry.2s', 'consume mail']);
  assert.equal(ch.consumeOptions, { consumerTag: 'mine', priority: 2, exclusive: true, noAck: false });
  assert.is(c.consumerTag, 'mine');
  assert.equal([ch.listenerCount('close'), ch.listenerCount('return')], [1, 1]);
  const plain = new StandIn();
  const d = await consume(plain.channel, 'mail', cereal, async () => undefined, { deadLetter: { exchange: '', routingKey: 'mail.dead' }, maxAttempts: 1 });
  assert.equal(plain.log, ['checkQueue mail', 'consume mail'], 'the default exchange is not checked; one attempt: no retry queue');
  assert.equal(plain.consumeOptions, { noAck: false });
  assert.is(d.consumerTag, 'tag-1', 'the broker\'s tag');
});

Setup('a queue or dead-letter exchange that does not exist: refused, nothing declared after it', async () => {
  const notFound = new Error("Channel closed by server: 404 (NOT-FOUND) with message \"NOT_FOUND - no queue 'mail'\"");
  const ch = new StandIn();
  ch.checkQueueError = notFound;
  const err = await rejects(() => consume(ch.channel, 'mail', cereal, async () => undefined, { deadLetter: { exchange: 'dlx' } }));
  assert.is(err.code, 'INVALID_OPTION');
  assert.is(err.message, `${PREFIX}the queue \`mail\` cannot be consumed (${notFound.message}); declare it before consuming (the broker has closed this channel)`);
  assert.is(err.cause, notFound);
  assert.equal(ch.log, ['checkQueue mail']);
  const long = 'q'.repeat(100);
  const longQueue = new StandIn();
  longQueue.checkQueueError = new Error('gone');
  assert.is((await rejects(() => consume(longQueue.channel, long, cereal, async () => undefined))).message, `${PREFIX}the queue \`${'q'.repeat(64)}\` cannot be consumed (gone); declare it before consuming (the broker has closed this channel)`);
  const noExchange = new StandIn();
  noExchange.checkExchangeError = new Error('NOT_FOUND - no exchange');
  const e = await rejects(() => consume(noExchange.channel, 'mail', cereal, async () => undefined, { deadLetter: { exchange: 'd'.repeat(100) } }));
  assert.is(e.message, `${PREFIX}the dead-letter exchange \`${'d'.repeat(64)}\` cannot be used (NOT_FOUND - no exchange); assert it before consuming (the broker has closed this channel)`);
  assert.is(e.cause, noExchange.checkExchangeError);
  assert.equal(noExchange.log, ['checkQueue mail', `checkExchange ${'d'.repeat(100)}`]);
});

const Broker = suite('amqp consume: the broker cancels the consumer');

Broker('onCancel is told in so many words; the returns are listened to until the messages in hand are done', async () => {
  const g = gate();
  const { ch, cancels } = await consumer(g.handler);
  const m = delivery(1);
  ch.deliver(m);
  await until(() => g.started() === 1, 'the handler');
  ch.deliver(null);
  assert.equal(cancels.map((e) => [e.constructor, e.message]), [[Error, "[amqp] the broker cancelled the consumer of `mail` (the queue was deleted, or its node went down): no more messages come; consume again to go on"]]);
  await sleep(5);
  assert.is(ch.listenerCount('return'), 1, 'a handler in hand may yet publish a copy');
  g.release();
  await until(() => ch.listenerCount('return') === 0, 'the return listener removed');
  assert.equal(ch.settlements, [`ack ${m.fields.deliveryTag}`]);
});

Broker('a long queue name is cut at 64; the default onCancel logs', async () => {
  const ch = new StandIn();
  const long = 'q'.repeat(100);
  const printed: unknown[][] = [];
  const { error } = console;
  console.error = (...args: unknown[]) => void printed.push(args);
  try {
    await consume(ch.channel, long, cereal, async () => undefined);
    ch.deliver(null);
  } finally {
    console.error = error;
  }
  assert.equal(printed, [[`[cereal] [amqp] the broker cancelled the consumer of \`${'q'.repeat(64)}\` (the queue was deleted, or its node went down): no more messages come; consume again to go on`]]);
  await until(() => ch.listenerCount('return') === 0, 'the return listener removed');
});

const Cancel = suite('amqp Consumer.cancel: stops, waits for what is in hand, at most its timeout');

Cancel('nothing in hand: cancels at the broker, stops listening to the channel', async () => {
  const { ch, c } = await consumer();
  await c.cancel();
  assert.equal(ch.log, ['cancel tag-1']);
  assert.equal([ch.listenerCount('close'), ch.listenerCount('return')], [0, 0]);
});

Cancel('waits for the handlers in hand: their messages are settled before it resolves', async () => {
  const g = gate();
  const { ch, c } = await consumer(g.handler);
  const m = delivery(1);
  ch.deliver(m);
  await until(() => g.started() === 1, 'the handler');
  let done = false;
  const cancelling = c.cancel({ timeout: '5s' }).then(() => (done = true));
  await sleep(10);
  assert.is(done, false);
  assert.is(ch.listenerCount('return'), 1);
  g.release();
  await cancelling;
  assert.equal(ch.log, ['cancel tag-1', `ack ${m.fields.deliveryTag}`]);
  assert.is(ch.listenerCount('return'), 0, 'no copy can come any more');
});

Cancel('deliveries that arrive before the broker confirmed the cancel are not handled: requeued once it did', async () => {
  let confirm!: () => void;
  const handled: unknown[] = [];
  const { ch, c } = await consumer(async (data: unknown) => void handled.push(data));
  ch.cancelled = () => new Promise((resolve) => (confirm = () => resolve({})));
  const cancelling = c.cancel();
  const held: ConsumeMessage[] = [delivery(1), delivery(2)];
  for (const m of held) ch.deliver(m);
  await until(() => confirm !== undefined, 'the cancel sent');
  await sleep(5);
  assert.equal(ch.settlements, [], 'held, not settled, until the broker answers');
  confirm();
  await cancelling;
  assert.equal(handled, []);
  assert.equal(ch.settlements, held.map((m) => `nack ${m.fields.deliveryTag} false true`));
});

Cancel('a cancel the closed channel refuses: what is held goes back with the channel; cancel resolves', async () => {
  const { ch, c } = await consumer();
  let refuse!: () => void;
  ch.cancelled = () => new Promise((_, reject) => (refuse = () => reject(new Error('Channel closed'))));
  const cancelling = c.cancel();
  ch.deliver(delivery(1));
  await until(() => refuse !== undefined, 'the cancel sent');
  refuse();
  await cancelling;
  assert.equal(ch.settlements, []);
});

Cancel('at most its timeout: a handler that never settles, or a broker that never answers, does not hold the caller', async () => {
  const g = gate();
  const { ch, c } = await consumer(g.handler);
  ch.deliver(delivery(1));
  await until(() => g.started() === 1, 'the handler');
  let start = Date.now();
  await c.cancel({ timeout: 30 });
  let took = Date.now() - start;
  assert.ok(took >= 25 && took < 1000, `${took} ms`);
  assert.is(ch.listenerCount('return'), 1, 'the handler still in hand may publish a copy: its returns are still seen');
  g.release();
  const silent = await consumer();
  silent.ch.cancelled = () => new Promise(() => undefined);
  start = Date.now();
  await silent.c.cancel({ timeout: '30ms' });
  took = Date.now() - start;
  assert.ok(took >= 25 && took < 1000, `${took} ms`);
  await silent.c.cancel({ timeout: 0 });
});

Cancel('waits 30 s unless told; Infinity waits as long as it takes', async () => {
  const g = gate();
  const { ch, c } = await consumer(g.handler);
  ch.deliver(delivery(1));
  await until(() => g.started() === 1, 'the handler');
  // the waits cancel sets are recorded (and run as set): the handler is released once one is
  const real = globalThis.setTimeout;
  const waits: number[] = [];
  globalThis.setTimeout = ((cb: () => void, ms?: number) => {
    if (ms !== undefined && ms >= 1000) {
      waits.push(ms);
      real(g.release, 1);
    }
    return real(cb, ms);
  }) as typeof setTimeout;
  try {
    await c.cancel();
  } finally {
    globalThis.setTimeout = real;
  }
  assert.ok(waits.length > 0 && waits.every((ms) => ms > 29_000 && ms <= 30_000), waits.join(', '));
  assert.is(ch.settlements.length, 1, 'settled before cancel resolved');
  const h = gate();
  const forever = await consumer(h.handler);
  const m = delivery(1);
  forever.ch.deliver(m);
  await until(() => h.started() === 1, 'the handler');
  let done = false;
  const cancelling = forever.c.cancel({ timeout: Infinity }).then(() => (done = true));
  await sleep(40);
  assert.is(done, false);
  h.release();
  await cancelling;
  assert.equal(forever.ch.settlements, [`ack ${m.fields.deliveryTag}`]);
});

Cancel('ends a back-off at once: the held message is requeued', async () => {
  const errors: unknown[] = [];
  const { ch, c } = await consumer(async () => { throw new Error('boom'); }, { onError: (e) => void errors.push(e) });
  ch.reply = () => 'return';
  const m = delivery(1);
  ch.deliver(m);
  await until(() => errors.length === 1, 'onError');
  const start = Date.now();
  await c.cancel({ timeout: '5s' });
  assert.ok(Date.now() - start < 200, 'not the 250 ms back-off');
  assert.equal(ch.settlements, [`nack ${m.fields.deliveryTag} false true`]);
});

Setup.run();
Broker.run();
Cancel.run();
