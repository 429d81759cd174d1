/**
 * Routing a producer must not control, and a consumer that stops, on a real RabbitMQ
 * (CEREAL_AMQP_URL): `CC` / `BCC` headers never travel on a copy, a forged
 * `x-cereal-routing-key` never routes a dead letter, returned copies are still seen after the
 * broker cancels the consumer, and neither a closed channel nor a broker that does not answer a
 * cancel holds a back-off or a caller.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CerealError, ref } from '@cereal/core';
import { CopyError, consume, publish, republish, HEADER, type Outcome } from '../src/index.js';
import { getMessages, harness, headersOf, sleep, unbound, until, type Harness } from './_amqp.js';

const url = process.env.CEREAL_AMQP_URL;

if (url === undefined || url === '') {
  console.log('\n  !! SKIPPED: the RabbitMQ routing suite did not run. Set CEREAL_AMQP_URL=amqp://guest:guest@127.0.0.1:5672 to run it.\n');
} else {
  const Routing = suite<{ h: Harness }>('amqp: routing a producer does not control, consumers that stop', {} as never);
  Routing.before.each(async (ctx) => {
    ctx.h = await harness(url);
  });
  Routing.after.each(async (ctx) => {
    await ctx.h.close();
  });

  Routing('a message with `CC: [workQueue]` whose handler always throws (maxAttempts 3): exactly 3 handler runs and 1 dead letter, no copy multiplied', async ({ h }) => {
    const q = await h.queue();
    const dead = await h.deadLetters();
    const { channel: admin } = await h.channel();
    const { channel } = await h.channel({ confirm: true, prefetch: 10 });
    let calls = 0;
    const errors: unknown[] = [];
    await consume(channel, q, h.cereal, async () => {
      calls++;
      throw new Error('always');
    }, { maxAttempts: 3, retry: { delay: 20 }, deadLetter: { exchange: dead.exchange }, onError: (e) => errors.push(e) });
    publish(channel, '', q, h.cereal, 1, { headers: { CC: [q], BCC: [q] } });
    await until(() => dead.messages.length >= 1, 10_000, () => `the dead letter; calls ${calls}`);
    await sleep(500);
    assert.is(calls, 3);
    assert.is(dead.messages.length, 1);
    assert.is(headersOf(dead.messages[0]!).CC, undefined);
    assert.is(headersOf(dead.messages[0]!).BCC, undefined);
    assert.is((await admin.checkQueue(q)).messageCount, 0);
    assert.is(errors.length, 0);
  });

  Routing('republish drops `CC` and `BCC`: the message goes where it is sent, nowhere else', async ({ h }) => {
    const side = await h.queue();
    const target = await h.queue();
    const other = await h.queue();
    const { channel } = await h.channel();
    publish(channel, '', side, h.cereal, 1, { headers: { CC: [other], BCC: [other] } });
    const [m] = await getMessages(channel, side, 1);
    assert.equal(headersOf(m!).CC, [other]); // the broker kept CC on the first delivery (BCC it strips)
    assert.is((await channel.checkQueue(other)).messageCount, 1); // sent there by CC
    await channel.purgeQueue(other);
    republish(channel, m!, '', target);
    const [again] = await getMessages(channel, target, 1);
    assert.is(headersOf(again!).CC, undefined);
    await sleep(100);
    assert.is((await channel.checkQueue(other)).messageCount, 0);
  });

  Routing('a forged `x-cereal-routing-key` does not route dead letters: 20 go out under the delivered routing key to a direct DLX bound with the queue\'s name, then 100 good messages are all handled', async ({ h }) => {
    const q = await h.queue();
    const { admin, exchange } = await unbound(h, 'direct');
    const dead = await h.queue();
    await admin.bindQueue(dead, exchange, q);
    const { channel } = await h.channel({ confirm: true, prefetch: 10 });
    const errors: unknown[] = [];
    const handled = new Set<number>();
    await consume(channel, q, h.cereal, async (data) => {
      handled.add((data as { n: number }).n);
    }, { deadLetter: { exchange }, onError: (e) => errors.push(e) });
    for (let i = 0; i < 20; i++) publish(channel, '', q, h.cereal, { user: ref('users', 99_999), n: -i }, { headers: { [HEADER.routingKey]: 'nowhere' } });
    for (let i = 1; i <= 100; i++) publish(channel, '', q, h.cereal, { n: i });
    await until(() => handled.size === 100, 10_000, () => `100 handled, got ${handled.size}; errors: ${errors.map(String).slice(0, 3).join(' | ')}`);
    const letters = await getMessages(admin, dead, 20);
    assert.ok(letters.every((m) => m.fields.routingKey === q && headersOf(m)[HEADER.error] === 'MISSING_ROW'));
    assert.is(headersOf(letters[0]!)[HEADER.routingKey], 'nowhere'); // kept, as information only
    assert.is(errors.length, 0);
  });

  Routing('a retried message is dead-lettered under the work queue\'s name (its delivered routing key), not the one it was first published with', async ({ h }) => {
    const q = await h.queue();
    const { admin, exchange } = await unbound(h, 'direct');
    const dead = await h.queue();
    await admin.bindQueue(dead, exchange, q);
    const { channel } = await h.channel({ confirm: true });
    const errors: unknown[] = [];
    await consume(channel, q, h.cereal, async () => {
      throw new Error('always');
    }, { maxAttempts: 2, retry: { delay: 20 }, deadLetter: { exchange }, onError: (e) => errors.push(e) });
    publish(channel, '', q, h.cereal, 1, { headers: { [HEADER.routingKey]: 'first' } });
    const [letter] = await getMessages(admin, dead, 1, 10_000);
    assert.is(letter!.fields.routingKey, q);
    assert.is(headersOf(letter!)[HEADER.attempt], 2);
    assert.is(errors.length, 0);
  });

  Routing('the broker cancels the consumer (its queue deleted) while a handler runs: a dead letter returned afterwards is still seen as returned, never taken for landed', async ({ h }) => {
    const q = await h.queue();
    const { admin, exchange } = await unbound(h, 'fanout');
    const { channel } = await h.channel({ confirm: true });
    const errors: unknown[] = [];
    const failures: Outcome[] = [];
    let started = false;
    let cancelled = false;
    await consume(channel, q, h.cereal, async () => {
      started = true;
      await until(() => cancelled, 10_000, () => 'onCancel');
      throw new CerealError('MISSING_ROW', 'gone meanwhile');
    }, { deadLetter: { exchange }, onError: (e) => errors.push(e), onFailure: (o) => failures.push(o), onCancel: () => (cancelled = true) });
    publish(channel, '', q, h.cereal, 1);
    await until(() => started, 10_000, () => 'the handler');
    await admin.deleteQueue(q);
    await until(() => errors.length >= 1 || failures.length >= 1, 10_000, () => 'the dead letter settled');
    assert.is(failures.length, 0, 'not acked as dead-lettered');
    assert.instance(errors[0], CopyError);
    assert.is((errors[0] as CopyError).reason, 'returned');
  });

  Routing('cancel({ timeout }) keeps to its timeout when the broker does not answer the cancel', async ({ h }) => {
    const q = await h.queue();
    const { exchange } = await unbound(h, 'fanout');
    const { channel } = await h.channel({ confirm: true });
    const errors: unknown[] = [];
    const consumer = await consume(channel, q, h.cereal, async () => undefined, { deadLetter: { exchange }, onError: (e) => errors.push(e) });
    publish(channel, '', q, h.cereal, { user: ref('users', 99_999) });
    await until(() => errors.length >= 1, 10_000, () => 'onError'); // in its back-off now
    channel.cancel = () => new Promise(() => undefined); // a broker that never answers
    const begun = Date.now();
    const gaveUp = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 3000).unref());
    const result = await Promise.race([consumer.cancel({ timeout: 300 }).then(() => 'done' as const), gaveUp]);
    assert.is(result, 'done');
    assert.ok(Date.now() - begun < 1000, `cancel took ${Date.now() - begun} ms`);
  });

  Routing('a channel closed under a message waiting out its back-off ends the wait at once', async ({ h }) => {
    const q = await h.queue();
    const { exchange } = await unbound(h, 'fanout');
    const { channel } = await h.channel({ confirm: true });
    const errors: { at: number; error: unknown }[] = [];
    await consume(channel, q, h.cereal, async () => undefined, { deadLetter: { exchange }, onError: (error) => errors.push({ at: Date.now(), error }) });
    publish(channel, '', q, h.cereal, { user: ref('users', 99_999) });
    // back-offs of 250 and 500 ms, then one of 1000 ms
    await until(() => errors.length >= 3, 10_000, () => `three failed copies, got ${errors.length}`);
    const closed = Date.now();
    await channel.close();
    await until(() => errors.length >= 4, 3000, () => 'the requeue on the closed channel told');
    assert.ok(errors[3]!.at - closed < 500, `the back-off ended ${errors[3]!.at - closed} ms after the channel closed`);
    assert.match(String(errors[3]!.error), /closed/i);
  });

  Routing.run();
}
