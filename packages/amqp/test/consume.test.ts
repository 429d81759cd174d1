/**
 * End to end on a real RabbitMQ (CEREAL_AMQP_URL): messages carry refs, consumers get fresh rows;
 * missing rows are dead-lettered once, or discarded; retries go through TTL queues.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConfirmChannel } from 'amqplib';
import { createSerializer, ref, type Loader, type Ref } from '@cereal/core';
import { msgpackFormat } from '@cereal/msgpack';
import { amqpFor, consume, publish, republish, retryQueueName, HEADER, type Outcome } from '../src/index.js';
import { harness, headersOf, sleep, until, type Harness, type User } from './_amqp.js';

const url = process.env.CEREAL_AMQP_URL;

interface Welcome { user: Ref<'users'>; seq: number }

/** A loader of `users` that fails as a driver does while the database is down, until `state.down` is false. */
const flaky = (real: Loader) => {
  const state = { down: true, loads: 0 };
  const users: Loader = {
    keyOf: real.keyOf,
    load: async (pks) => {
      state.loads++;
      if (state.down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      return real.load(pks);
    },
  };
  return { state, cereal: createSerializer({ format: msgpackFormat(), loaders: { users } }) };
};

if (url === undefined || url === '') {
  console.log('\n  !! SKIPPED: the RabbitMQ end-to-end suite did not run. Set CEREAL_AMQP_URL=amqp://guest:guest@127.0.0.1:5672 to run it.\n');
} else {
  const E2E = suite<{ h: Harness }>('amqp: consume end to end', {} as never);
  E2E.before.each(async (ctx) => {
    ctx.h = await harness(url);
  });
  E2E.after.each(async (ctx) => {
    await ctx.h.close();
  });

  E2E('1000 messages, two consumers on two connections, rows changed after publishing: each handled once, with the new rows', async ({ h }) => {
    const q = await h.queue();
    const producer = await h.channel();
    const mail = amqpFor(createSerializer({ format: msgpackFormat(), loaders: { users: h.users as Loader<User> } }));
    for (let i = 1; i <= 1000; i++) mail.publish<Welcome>(producer.channel, '', q, { user: ref('users', i), seq: i });
    await h.db('users').update({ name: h.db.raw("name || ' (renamed)'") });
    const handled = new Map<number, number>();
    const byConsumer = [0, 0];
    const failures: Outcome[] = [];
    for (const c of [0, 1]) {
      const { channel } = await h.channel({ prefetch: 16 });
      await mail.consume<Welcome>(channel, q, async ({ user, seq }, message) => {
        assert.is(user.id, seq);
        assert.ok(user.name.endsWith(' (renamed)'), user.name);
        assert.is(message.fields.redelivered, false);
        handled.set(seq, (handled.get(seq) ?? 0) + 1);
        byConsumer[c]!++;
        if (seq % 7 === 0) await sleep(1); // some handlers take a while
      }, { onFailure: (o) => failures.push(o) });
    }
    await until(() => handled.size === 1000, 60_000, () => `1000 handled, got ${handled.size}`);
    await sleep(200); // anything delivered twice would show now
    assert.is(failures.length, 0, failures.map((f) => f.message).join(' | '));
    assert.ok([...handled.values()].every((n) => n === 1), 'each message handled exactly once');
    assert.ok(byConsumer[0]! > 0 && byConsumer[1]! > 0, `both consumers took messages: ${byConsumer.join(' + ')}`);
    const { messageCount } = await producer.channel.checkQueue(q);
    assert.is(messageCount, 0);
  });

  E2E('a missing row is dead-lettered exactly once, MISSING_ROW with its refs in the headers, and never retried', async ({ h }) => {
    const q = await h.queue();
    const dead = await h.deadLetters();
    const { channel } = await h.channel({ prefetch: 4 });
    let ran = 0;
    const failures: Outcome[] = [];
    await consume(channel, q, h.cereal, async () => void ran++, { deadLetter: { exchange: dead.exchange }, retry: { delay: 20 }, onFailure: (o) => failures.push(o) });
    publish(channel, 'amq.direct', 'nowhere', h.cereal, 1); // unroutable: dropped, as any publish
    publish(channel, '', q, h.cereal, { users: [ref('users', 99_999), ref('users', 5), ref('users', 99_998)] }, { messageId: 'gone-1', headers: { tenant: 'acme' } });
    await until(() => dead.messages.length === 1, 10_000, () => 'the dead letter');
    await sleep(300); // a retry would come back within this
    assert.is(dead.messages.length, 1);
    assert.is(ran, 0);
    const m = dead.messages[0]!;
    const headers = headersOf(m);
    assert.is(headers[HEADER.error], 'MISSING_ROW');
    assert.equal(headers[HEADER.refs], ['users:99999', 'users:99998']);
    assert.is(headers[HEADER.queue], q);
    assert.is(headers.tenant, 'acme');
    assert.is(headers[HEADER.attempt], undefined); // a first attempt, never retried
    assert.match(String(headers[HEADER.reason]), /^MISSING_ROW: \[cereal\] 2 referenced rows are missing: `users:99999`, `users:99998`/);
    assert.is(m.properties.messageId, 'gone-1');
    assert.is(m.properties.contentType, 'application/x-cereal+msgpack');
    assert.is(m.fields.routingKey, q); // the default routing key: the one it was published with
    assert.is(failures.length, 1);
    assert.is(failures[0]!.action, 'fail');
  });

  E2E('onMissingRow: discard acks without calling the handler, and says so to onDiscard', async ({ h }) => {
    const q = await h.queue();
    const dead = await h.deadLetters();
    const { channel } = await h.channel({ prefetch: 4 });
    const ran: number[] = [];
    const discarded: string[] = [];
    await consume<{ user: User; n: number }>(channel, q, h.cereal, async ({ n }) => void ran.push(n), {
      onMissingRow: 'discard',
      deadLetter: { exchange: dead.exchange },
      onDiscard: (o, m) => discarded.push(`${String(m.properties.messageId)}: ${o.message}`),
    });
    publish(channel, '', q, h.cereal, { user: ref('users', 99_999), n: 1 }, { messageId: 'a' });
    publish(channel, '', q, h.cereal, { user: ref('users', 3), n: 2 }, { messageId: 'b' });
    await until(() => discarded.length === 1 && ran.length === 1, 10_000, () => `1 discarded and 1 handled: ${discarded.length}, ${ran.length}`);
    await sleep(100);
    assert.equal(ran, [2]);
    assert.equal(discarded, ['a: discarded by cereal: 1 referenced row is gone: `users:99999`']);
    assert.is(dead.messages.length, 0);
    assert.is((await channel.checkQueue(q)).messageCount, 0);
  });

  E2E('a failed load is retried through the retry queue (x-cereal-attempt counts up), then handled once the database is back', async ({ h }) => {
    const q = await h.queue();
    const dead = await h.deadLetters();
    const { cereal, state } = flaky(h.users);
    const { channel } = await h.channel({ confirm: true, prefetch: 2 });
    const failures: Outcome[] = [];
    const attempts: unknown[] = [];
    let name: string | undefined;
    await consume<{ user: User }>(channel, q, cereal, async ({ user }, m) => {
      name = user.name;
      attempts.push(headersOf(m)[HEADER.attempt]);
    }, {
      deadLetter: { exchange: dead.exchange },
      retry: { delay: 50, backoff: 'exponential', maxDelay: 100 },
      maxAttempts: 6,
      onFailure: (o) => {
        failures.push(o);
        if (failures.length === 3) state.down = false;
      },
    });
    // the tiers: 50, 100 (capped), asserted with the dead-letter route back to the queue
    const tiers = [retryQueueName(q, 50), retryQueueName(q, 100)];
    assert.equal(tiers, [`${q}.retry.50ms`, `${q}.retry.100ms`]);
    for (const t of tiers) await channel.checkQueue(t);
    const started = Date.now();
    publish(channel, '', q, cereal, { user: ref('users', 7) });
    await until(() => name !== undefined, 10_000, () => `the message handled; failures: ${failures.map((f) => f.message).join(' | ')}`);
    assert.is(name, 'user 7');
    assert.equal(attempts, [4]);
    assert.is(failures.length, 3);
    assert.ok(failures.every((f) => f.action === 'retry' && f.code === 'LOAD_FAILED'));
    assert.match(failures[0]!.message, /^LOAD_FAILED: \[cereal\] loading 1 row of model `users` failed.*ECONNREFUSED/);
    assert.ok(Date.now() - started >= 50 + 100 + 100, `waited the delays: ${Date.now() - started} ms`);
    assert.is(dead.messages.length, 0);
  });

  E2E('attempts used up: dead-lettered with the code and a note that attempt N of M was its last', async ({ h }) => {
    const q = await h.queue();
    const dead = await h.deadLetters();
    const { cereal, state } = flaky(h.users);
    const { channel } = await h.channel({ prefetch: 2 });
    const failures: Outcome[] = [];
    await consume(channel, q, cereal, async () => undefined, { deadLetter: { exchange: dead.exchange, routingKey: 'failed' }, retry: { delay: 20 }, maxAttempts: 3, onFailure: (o) => failures.push(o) });
    publish(channel, '', q, cereal, { user: ref('users', 7) }, { messageId: 'x' });
    await until(() => dead.messages.length === 1, 10_000, () => 'the dead letter');
    assert.is(state.loads, 3);
    const m = dead.messages[0]!;
    const headers = headersOf(m);
    assert.is(headers[HEADER.error], 'LOAD_FAILED');
    assert.is(headers[HEADER.attempt], 3);
    assert.match(String(headers[HEADER.reason]), /^LOAD_FAILED: \[amqp\] not retrying: attempt 3 of 3 was its last\. \[cereal\] loading 1 row of model `users` failed/);
    assert.is(m.fields.routingKey, 'failed');
    assert.is(m.properties.expiration, undefined); // a dead letter does not expire
    // onFailure is told once the dead letter has landed, which may be just after it arrives
    await until(() => failures.length === 3, 5000, () => `three failures, got ${failures.map((f) => f.action).join(', ')}`);
    assert.equal(failures.map((f) => f.action), ['retry', 'retry', 'fail']);
    assert.is(headers[HEADER.routingKey], q); // the first routing key, kept across retries
  });

  E2E('what the handler throws is retried, and dead-lettered as HANDLER_ERROR when it keeps throwing; maxAttempts 1 never retries', async ({ h }) => {
    const q = await h.queue();
    const dead = await h.deadLetters();
    const { channel } = await h.channel({ prefetch: 2 });
    let calls = 0;
    const failures: Outcome[] = [];
    await consume<{ n: number }>(channel, q, h.cereal, async ({ n }) => {
      calls++;
      if (n === 1 && calls < 2) throw new Error('flaky smtp');
      if (n === 2) throw new TypeError('a bug');
    }, { deadLetter: { exchange: dead.exchange }, retry: { delay: 20 }, maxAttempts: 2, onFailure: (o) => failures.push(o) });
    publish(channel, '', q, h.cereal, { n: 1 });
    await until(() => calls === 2, 10_000, () => `2 calls, got ${calls}`);
    publish(channel, '', q, h.cereal, { n: 2 });
    await until(() => dead.messages.length === 1, 10_000, () => 'the dead letter');
    const headers = headersOf(dead.messages[0]!);
    assert.is(headers[HEADER.error], 'HANDLER_ERROR');
    assert.match(String(headers[HEADER.reason]), /^HANDLER_ERROR: \[amqp\] not retrying: attempt 2 of 2 was its last\. \[amqp\] the handler threw: a bug/);
    // onFailure's outcome names the code the header does
    assert.ok(failures.length >= 2 && failures.every((f) => f.code === 'HANDLER_ERROR'), failures.map((f) => `${f.action} ${String(f.code)}`).join(' | '));

    const q1 = await h.queue();
    const { channel: other } = await h.channel();
    await consume(other, q1, h.cereal, async () => { throw new Error('no'); }, { deadLetter: { exchange: dead.exchange }, maxAttempts: 1 });
    publish(other, '', q1, h.cereal, 1);
    await until(() => dead.messages.length === 2, 10_000, () => 'the second dead letter');
    assert.match(String(headersOf(dead.messages[1]!)[HEADER.reason]), /attempt 1 of 1 was its last: raise `maxAttempts` to retry it\. /);
  });

  E2E('missingRetry: a young message whose row is not there yet is retried through the retry queue, and handled once the row is inserted', async ({ h }) => {
    const q = await h.queue();
    const dead = await h.deadLetters();
    const { channel } = await h.channel({ prefetch: 2 });
    const failures: Outcome[] = [];
    const handled: { user: User; attempt: unknown }[] = [];
    await consume<{ user: User }>(channel, q, h.cereal, async ({ user }, m) => void handled.push({ user, attempt: headersOf(m)[HEADER.attempt] }), {
      deadLetter: { exchange: dead.exchange },
      missingRetry: { within: '30s' },
      retry: { delay: 40 },
      onFailure: async (o) => {
        failures.push(o);
        if (failures.length === 2) await h.db('users').insert({ id: 5001, name: 'late', email: 'late@example.com' });
      },
    });
    publish(channel, '', q, h.cereal, { user: ref('users', 5001) });
    await until(() => handled.length === 1, 10_000, () => `handled; failures: ${failures.map((f) => f.message).join(' | ')}`);
    assert.is(handled[0]!.user.name, 'late');
    assert.ok(Number(handled[0]!.attempt) >= 3, `attempt ${String(handled[0]!.attempt)}`);
    assert.ok(failures.every((f) => f.action === 'retry' && f.code === 'MISSING_ROW'));
    assert.match(failures[0]!.message, /^MISSING_ROW: \[amqp\] retrying: the message is \d+ms old, younger than missingRetry\.within \(30s\), and its rows may not be visible yet \(attempt 1 of 5 failed\)/);
    assert.is(dead.messages.length, 0);

    // an old message (its timestamp a minute back) is past the grace period: dead-lettered at once
    publish(channel, '', q, h.cereal, { user: ref('users', 6001) }, { timestamp: Math.floor(Date.now() / 1000) - 60 });
    await until(() => dead.messages.length === 1, 10_000, () => 'the dead letter');
    assert.is(headersOf(dead.messages[0]!)[HEADER.error], 'MISSING_ROW');
    assert.match(String(headersOf(dead.messages[0]!)[HEADER.reason]), /^MISSING_ROW: \[amqp\] not retrying: the message is 6\d{4}ms old, past missingRetry\.within \(30s\)\. \[cereal\] 1 referenced row is missing: `users:6001`$/);
  });

  E2E('without deadLetter, a message that can never succeed is rejected without requeueing: the queue\'s own dead-letter exchange takes it', async ({ h }) => {
    const dead = await h.deadLetters();
    const { channel } = await h.channel();
    const q = await h.queue();
    // a queue with its own x-dead-letter-exchange
    const own = `${q}-own`;
    await channel.assertQueue(own, { durable: false, deadLetterExchange: dead.exchange });
    try {
      const failures: Outcome[] = [];
      await consume(channel, own, h.cereal, async () => undefined, { onFailure: (o) => failures.push(o) });
      publish(channel, '', own, h.cereal, { user: ref('users', 99_999) });
      await until(() => dead.messages.length === 1, 10_000, () => 'the dead letter');
      const death = headersOf(dead.messages[0]!)['x-death'] as { reason: string; queue: string }[];
      assert.is(death[0]!.reason, 'rejected');
      assert.is(death[0]!.queue, own);
      assert.is(failures[0]!.code, 'MISSING_ROW');
    } finally {
      const { channel: admin } = await h.channel();
      await admin.deleteQueue(own);
      await admin.deleteQueue(retryQueueName(own, 5000));
    }
  });

  E2E('cancel() stops deliveries and waits for the handlers in hand', async ({ h }) => {
    const q = await h.queue();
    const { channel } = await h.channel({ prefetch: 5 });
    let finished = 0;
    let started = 0;
    const consumer = await consume(channel, q, h.cereal, async () => {
      started++;
      await sleep(100);
      finished++;
    });
    for (let i = 0; i < 5; i++) publish(channel, '', q, h.cereal, i);
    await until(() => started === 5, 5000, () => `5 started, got ${started}`);
    await consumer.cancel();
    assert.is(finished, 5);
    publish(channel, '', q, h.cereal, 9);
    await sleep(100);
    assert.is(started, 5);
  });

  E2E('republish: a dead letter goes back to its work queue as a new message, at attempt 1, without the failure\'s headers', async ({ h }) => {
    const q = await h.queue();
    const dead = await h.deadLetters();
    const { channel } = await h.channel({ confirm: true });
    const seen: { attempt: unknown; headers: Record<string, unknown> }[] = [];
    let fail = true;
    await consume(channel, q, h.cereal, async (_d, m) => {
      seen.push({ attempt: headersOf(m)[HEADER.attempt], headers: headersOf(m) });
      if (fail) throw new Error('smtp down');
    }, { deadLetter: { exchange: dead.exchange }, retry: { delay: 20 }, maxAttempts: 2 });
    publish(channel, '', q, h.cereal, { user: ref('users', 1) }, { messageId: 'again', headers: { tenant: 'acme' } });
    await until(() => dead.messages.length === 1, 10_000, () => 'the dead letter');
    assert.is(headersOf(dead.messages[0]!)[HEADER.attempt], 2); // the attempt that failed last
    fail = false;
    republish(channel, dead.messages[0]!);
    await (channel as ConfirmChannel).waitForConfirms();
    await until(() => seen.length === 3, 10_000, () => `the republished message handled, ${seen.length}`);
    const last = seen[2]!;
    assert.is(last.attempt, undefined);
    assert.equal(Object.keys(last.headers).sort(), ['tenant', 'x-cereal', 'x-cereal-format']);
  });

  E2E('a consumer the broker cancels (its queue deleted) says so to onCancel', async ({ h }) => {
    const q = await h.queue();
    const { channel } = await h.channel();
    const cancelled: Error[] = [];
    await consume(channel, q, h.cereal, async () => undefined, { onCancel: (e) => cancelled.push(e) });
    const { channel: admin } = await h.channel();
    await admin.deleteQueue(q);
    await until(() => cancelled.length === 1, 5000, () => 'onCancel');
    assert.match(cancelled[0]!.message, /the broker cancelled the consumer of `.*`.*no more messages come/);
  });

  E2E('cancel({ timeout }) does not wait forever for a handler that never settles; the message goes back to the queue when the channel closes', async ({ h }) => {
    const q = await h.queue();
    const { channel } = await h.channel();
    let started = 0;
    const consumer = await consume(channel, q, h.cereal, async () => {
      started++;
      await new Promise(() => undefined); // never settles
    });
    publish(channel, '', q, h.cereal, 1);
    await until(() => started === 1, 5000, () => 'the handler started');
    const t0 = Date.now();
    await consumer.cancel({ timeout: 200 });
    assert.ok(Date.now() - t0 < 1000, `cancel returned after ${Date.now() - t0} ms`);
    await channel.close();
    const { channel: admin } = await h.channel();
    assert.is((await admin.checkQueue(q)).messageCount, 1);
    try {
      await consumer.cancel({ timeout: 'soon' as never });
      assert.unreachable('no error');
    } catch (err) {
      assert.is((err as { code?: string }).code, 'INVALID_OPTION');
    }
  });

  E2E.run();
}
