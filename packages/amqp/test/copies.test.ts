/**
 * Retry and dead-letter copies that do not land, on a real RabbitMQ (CEREAL_AMQP_URL): a copy
 * returned unroutable or refused is never taken for one in a queue (the original is not acked),
 * a message whose copies keep failing is requeued after a growing back-off, not at full speed,
 * and a copy that cannot be encoded is rejected once rather than requeued forever.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ref } from '@cereal/core';
import { CopyError, assertRetryQueues, consume, publish, retryQueueName, HEADER } from '../src/index.js';
import { harness, headersOf, sleep, unbound, until, type Harness } from './_amqp.js';

const url = process.env.CEREAL_AMQP_URL;

if (url === undefined || url === '') {
  console.log('\n  !! SKIPPED: the RabbitMQ copies suite did not run. Set CEREAL_AMQP_URL=amqp://guest:guest@127.0.0.1:5672 to run it.\n');
} else {
  const Copies = suite<{ h: Harness }>('amqp: copies that do not land', {} as never);
  Copies.before.each(async (ctx) => {
    ctx.h = await harness(url);
  });
  Copies.after.each(async (ctx) => {
    await ctx.h.close();
  });

  for (const confirm of [true, false]) {
    Copies(`a dead letter to an exchange with nothing bound is returned: the original is not acked but requeued, onError told, and it lands once a queue is bound (${confirm ? 'ConfirmChannel' : 'plain channel'})`, async ({ h }) => {
      const q = await h.queue();
      const { admin, exchange } = await unbound(h, 'fanout');
      const { channel } = await h.channel({ confirm, prefetch: 4 });
      const errors: unknown[] = [];
      await consume(channel, q, h.cereal, async () => undefined, { deadLetter: { exchange }, onError: (e) => errors.push(e) });
      publish(channel, '', q, h.cereal, { user: ref('users', 99_999) }, { messageId: 'lost?' });
      await until(() => errors.length >= 1, 10_000, () => 'onError');
      const err = errors[0] as CopyError;
      assert.instance(err, CopyError);
      assert.is(err.reason, 'returned');
      assert.match(err.message, /dead letter to exchange `.*` with routing key `.*` reached no queue: the broker returned it \(312 NO_ROUTE\)/);
      // bind a queue now: the requeued message is dead-lettered into it
      const dead = await h.queue();
      await admin.bindQueue(dead, exchange, '');
      const deadline = Date.now() + 10_000;
      let got: false | { properties: { messageId?: unknown; headers?: Record<string, unknown> } } = false;
      while (got === false && Date.now() < deadline) {
        got = await admin.get(dead, { noAck: true });
        if (got === false) await sleep(20);
      }
      assert.ok(got !== false, 'the dead letter landed once a queue was bound');
      assert.is(got.properties.messageId, 'lost?');
      assert.is(got.properties.headers?.[HEADER.error], 'MISSING_ROW');
      await sleep(50);
      assert.is((await admin.checkQueue(q)).messageCount, 0);
    });
  }

  Copies('a dead letter to a direct exchange under a routing key no binding matches is returned, not acked', async ({ h }) => {
    const q = await h.queue();
    const { admin, exchange } = await unbound(h, 'direct');
    const other = await h.queue();
    await admin.bindQueue(other, exchange, 'somewhere-else');
    const { channel } = await h.channel({ confirm: true });
    const errors: CopyError[] = [];
    const consumer = await consume(channel, q, h.cereal, async () => undefined, { deadLetter: { exchange, routingKey: 'nobody' }, onError: (e) => errors.push(e as CopyError) });
    publish(channel, '', q, h.cereal, { user: ref('users', 99_999) });
    await until(() => errors.length >= 1, 10_000, () => 'onError');
    assert.is(errors[0]!.reason, 'returned');
    await consumer.cancel();
    await channel.close();
    assert.is((await admin.checkQueue(q)).messageCount, 1, 'the message is back in its queue, not lost');
    assert.is((await admin.checkQueue(other)).messageCount, 0);
  });

  Copies('a retry queue deleted while consuming: the retry copy is returned, the message requeued; handled once the retry queue is back', async ({ h }) => {
    const q = await h.queue();
    const { channel: admin } = await h.channel();
    const { channel } = await h.channel({ confirm: true });
    const errors: CopyError[] = [];
    let calls = 0;
    await consume(channel, q, h.cereal, async () => {
      if (++calls === 1) throw new Error('once');
    }, { retry: { delay: 20 }, onError: (e) => errors.push(e as CopyError) });
    await admin.deleteQueue(retryQueueName(q, 20));
    publish(channel, '', q, h.cereal, 1);
    await until(() => errors.length >= 1, 10_000, () => 'onError');
    assert.is(errors[0]!.reason, 'returned');
    assert.match(errors[0]!.message, /retry copy to exchange `` with routing key `.*\.retry\.20ms` reached no queue/);
    // the requeued message comes back after the back-off and succeeds (the handler throws once only)
    await until(() => calls >= 2, 10_000, () => `a second call, got ${calls}`);
    await assertRetryQueues(admin, q, { delay: 20 });
    await sleep(100);
    assert.is((await admin.checkQueue(q)).messageCount, 0);
  });

  Copies('a retry queue that refuses every copy (x-max-length 0, reject-publish): requeued after a growing back-off, not in a hot loop, and never lost', async ({ h }) => {
    const q = await h.queue();
    const { channel: admin } = await h.channel();
    const { channel } = await h.channel({ confirm: true });
    const errors: CopyError[] = [];
    let calls = 0;
    const consumer = await consume(channel, q, h.cereal, async () => {
      calls++;
      throw new Error('always');
    }, { retry: { delay: 20, queueArguments: { 'x-max-length': 0, 'x-overflow': 'reject-publish' } }, onError: (e) => errors.push(e as CopyError) });
    publish(channel, '', q, h.cereal, 1);
    await sleep(2000);
    // back-off 250, 500, 1000 ms: about four deliveries in two seconds, not thousands
    assert.ok(calls >= 2 && calls <= 6, `handler calls in 2 s: ${calls}`);
    assert.ok(errors.every((e) => e.reason === 'nacked'), errors.map((e) => e.message).join(' | '));
    const started = Date.now();
    await consumer.cancel();
    assert.ok(Date.now() - started < 1000, 'cancel ends a back-off at once');
    await channel.close();
    assert.is((await admin.checkQueue(q)).messageCount, 1, 'the message is still in its queue');
  });

  Copies('an x-cereal-routing-key over 255 bytes is ignored: the dead letter goes out under the delivered routing key, no requeue loop', async ({ h }) => {
    const q = await h.queue();
    const dead = await h.deadLetters();
    const { channel } = await h.channel({ confirm: true });
    const errors: unknown[] = [];
    await consume(channel, q, h.cereal, async () => undefined, { deadLetter: { exchange: dead.exchange }, onError: (e) => errors.push(e) });
    publish(channel, '', q, h.cereal, { user: ref('users', 99_999) }, { headers: { [HEADER.routingKey]: 'k'.repeat(300) } });
    await until(() => dead.messages.length === 1, 10_000, () => `the dead letter; errors: ${errors.map(String).join(' | ')}`);
    assert.is(headersOf(dead.messages[0]!)[HEADER.routingKey], q);
    assert.is(errors.length, 0);
  });

  Copies('headers too big to copy: cereal\'s own are cut first; a copy that still cannot be encoded is rejected without requeue (the queue\'s own DLX takes it) and onError told', async ({ h }) => {
    const dead = await h.deadLetters();
    const ownDead = await h.deadLetters();
    const { channel: admin } = await h.channel();
    const q = `${await h.queue()}-big`;
    await admin.assertQueue(q, { durable: false, deadLetterExchange: ownDead.exchange });
    try {
      const { channel } = await h.channel({ confirm: true });
      const errors: CopyError[] = [];
      await consume(channel, q, h.cereal, async () => undefined, { deadLetter: { exchange: dead.exchange }, onError: (e) => errors.push(e as CopyError) });
      const refs = Array.from({ length: 30 }, (_, i) => ref('users', 90_000 + i));
      // fits with cereal's headers cut (no refs, a short reason), not with them whole
      publish(channel, '', q, h.cereal, { refs }, { messageId: 'cut', headers: { pad: 'x'.repeat(64_800) } });
      await until(() => dead.messages.length === 1, 10_000, () => `the cut dead letter; errors: ${errors.map((e) => e.message).join(' | ')}`);
      const cut = headersOf(dead.messages[0]!);
      assert.is(cut[HEADER.error], 'MISSING_ROW');
      assert.is(cut[HEADER.refs], undefined);
      assert.ok(String(cut[HEADER.reason]).length <= 200);
      // does not fit even cut
      publish(channel, '', q, h.cereal, { refs }, { messageId: 'too-big', headers: { pad: 'x'.repeat(65_300) } });
      await until(() => ownDead.messages.length === 1, 10_000, () => 'the rejected message in the queue\'s own DLX');
      assert.is(ownDead.messages[0]!.properties.messageId, 'too-big');
      assert.is(errors.length, 1);
      assert.is(errors[0]!.reason, 'unencodable');
      assert.match(errors[0]!.message, /rejected without requeueing/);
      assert.is(dead.messages.length, 1);
    } finally {
      await admin.deleteQueue(q);
      await admin.deleteQueue(retryQueueName(q, 5000));
    }
  });

  Copies.run();
}
