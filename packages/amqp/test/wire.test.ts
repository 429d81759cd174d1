/**
 * What publish writes and what consume refuses, on a real RabbitMQ (CEREAL_AMQP_URL): content
 * types and headers per format, messages that are not cereal's, and options checked where
 * consume is called.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CerealError, createSerializer, ref } from '@cereal/core';
import { jsonFormat } from '@cereal/json';
import { msgpackFormat } from '@cereal/msgpack';
import { yamlFormat } from '@cereal/yaml';
import { consume, fromMessage, publish, HEADER, type ConsumeOptions } from '../src/index.js';
import { getMessages, harness, headersOf, until, type Harness, type User } from './_amqp.js';

const url = process.env.CEREAL_AMQP_URL;

if (url === undefined || url === '') {
  console.log('\n  !! SKIPPED: the RabbitMQ wire suite did not run. Set CEREAL_AMQP_URL=amqp://guest:guest@127.0.0.1:5672 to run it.\n');
} else {
  const Wire = suite<{ h: Harness }>('amqp: what publish writes, what consume refuses', {} as never);
  Wire.before.each(async (ctx) => {
    ctx.h = await harness(url);
  });
  Wire.after.each(async (ctx) => {
    await ctx.h.close();
  });

  Wire('msgpack, json and yaml: the body is the wire, under the format\'s content type, with x-cereal headers; user options pass through', async ({ h }) => {
    const { channel } = await h.channel();
    for (const format of [msgpackFormat(), jsonFormat(), yamlFormat()]) {
      const cereal = createSerializer({ format, loaders: { users: h.users } });
      const q = await h.queue();
      const before = Math.floor(Date.now() / 1000);
      const ok = publish(channel, '', q, cereal, { user: ref('users', 7), note: 'hi' }, { headers: { tenant: 'acme', [HEADER.version]: 99 }, messageId: 'm-1', priority: 3, correlationId: 'c-1' });
      assert.is(ok, true);
      const [m] = await getMessages(channel, q, 1);
      if (m === undefined) throw new Error('no message');
      assert.is(m.properties.contentType, `application/x-cereal+${format.name}`);
      assert.equal(headersOf(m), { tenant: 'acme', 'x-cereal': 1, 'x-cereal-format': format.name }); // ours win over a user's x-cereal
      assert.is(m.properties.deliveryMode, 2); // persistent by default
      assert.is(m.properties.messageId, 'm-1');
      assert.is(m.properties.priority, 3);
      assert.is(m.properties.correlationId, 'c-1');
      assert.ok(m.properties.timestamp >= before && m.properties.timestamp <= before + 2, `timestamp in seconds: ${m.properties.timestamp}`);
      const wire = cereal.encode({ user: ref('users', 7), note: 'hi' });
      assert.ok(m.content.equals(typeof wire === 'string' ? Buffer.from(wire, 'utf8') : Buffer.from(wire)), `${format.name}: the body is the wire`);
      const back = await fromMessage<{ user: User; note: string }>(cereal, m);
      assert.is(back.user.name, 'user 7');
    }
  });

  Wire('a binary header of 20 000 bytes is published and arrives whole (a Buffer counts as its bytes, not its JSON)', async ({ h }) => {
    const { channel } = await h.channel();
    const q = await h.queue();
    const blob = Buffer.alloc(20_000, 7);
    publish(channel, '', q, h.cereal, { n: 1 }, { headers: { blob, list: [Buffer.from('ab')] } });
    const [m] = await getMessages(channel, q, 1);
    assert.ok(Buffer.isBuffer(headersOf(m!).blob) && (headersOf(m!).blob as Buffer).equals(blob));
    assert.equal(headersOf(m!).list, [Buffer.from('ab')]);
  });

  Wire('persistent and messageId defaults give way to the caller', async ({ h }) => {
    const { channel } = await h.channel();
    const q = await h.queue();
    publish(channel, '', q, h.cereal, { n: 1 }, { persistent: false });
    publish(channel, '', q, h.cereal, { n: 2 }, { deliveryMode: 1, timestamp: 1234 });
    const got = await getMessages(channel, q, 2);
    assert.is(got[0]!.properties.deliveryMode, 1);
    assert.is(got[1]!.properties.deliveryMode, 1);
    assert.is(got[1]!.properties.timestamp, 1234);
    assert.match(String(got[0]!.properties.messageId), /^[0-9a-f-]{36}$/);
  });

  Wire('a message of another content type, or none, is dead-lettered MALFORMED with a clear reason; the consumer goes on', async ({ h }) => {
    const { channel } = await h.channel({ prefetch: 4 });
    const q = await h.queue();
    const dead = await h.deadLetters();
    const seen: number[] = [];
    await consume<{ n: number }>(channel, q, h.cereal, ({ n }) => void seen.push(n), { deadLetter: { exchange: dead.exchange } });
    channel.publish('', q, Buffer.from('{"n":1}'), { contentType: 'application/json', headers: { tenant: 'acme' } });
    channel.publish('', q, Buffer.from('{"n":2}'));
    channel.publish('', q, Buffer.from('{"n":3}'), { contentType: 'application/x-cereal+json' }); // a format this consumer does not read
    channel.publish('', q, Buffer.from(h.cereal.encode({ n: 4 })), { contentType: 'application/x-cereal+msgpack', headers: { 'x-cereal': 2 } });
    publish(channel, '', q, h.cereal, { n: 5 });
    await until(() => dead.messages.length === 4 && seen.length === 1, 10_000, () => `4 dead letters and 1 handled, got ${dead.messages.length} and ${seen.length}`);
    assert.equal(seen, [5]);
    const reasons = dead.messages.map((m) => headersOf(m));
    for (const r of reasons) {
      assert.is(r[HEADER.error], 'MALFORMED');
      assert.is(r[HEADER.queue], q);
      assert.is(r[HEADER.routingKey], q);
    }
    const byBody = new Map(dead.messages.map((m) => [m.content.toString('latin1'), headersOf(m)]));
    assert.match(String(byBody.get('{"n":1}')![HEADER.reason]), /^MALFORMED: \[cereal\] \[amqp\] the message has `application\/json`, not a cereal content type \(application\/x-cereal\+<format>\); publish it with publish\(channel, exchange, routingKey, serializer, value\)/);
    assert.is(byBody.get('{"n":1}')!.tenant, 'acme'); // the copy keeps the message's own headers
    assert.match(String(byBody.get('{"n":2}')![HEADER.reason]), /the message has no content type, not a cereal content type/);
    assert.match(String(byBody.get('{"n":3}')![HEADER.reason]), /was written in `json`; this consumer reads `msgpack`; to read it too, give consume serializers by format name/);
    assert.ok(reasons.some((r) => /wire version 2/.test(String(r[HEADER.reason]))));
    // the body is copied byte for byte
    assert.ok(byBody.has('{"n":1}') && byBody.has('{"n":2}'));
  });

  Wire('bad options are INVALID_OPTION, thrown where consume or publish is called, never a TypeError', async ({ h }) => {
    const { channel } = await h.channel();
    const q = await h.queue();
    const handler = async (): Promise<void> => undefined;
    /** Headers `levels` objects deep, built without recursion. */
    const nested = (levels: number): Record<string, unknown> => {
      let v: Record<string, unknown> = { leaf: 1 };
      for (let i = 1; i < levels; i++) v = { v };
      return v;
    };
    const bad: [string, () => Promise<unknown>][] = [
      ['options null', () => consume(channel, q, h.cereal, handler, null as never)],
      ['maxAttempts 0', () => consume(channel, q, h.cereal, handler, { maxAttempts: 0 })],
      ['maxAttempts 1.5', () => consume(channel, q, h.cereal, handler, { maxAttempts: 1.5 })],
      ['retry.delay', () => consume(channel, q, h.cereal, handler, { retry: { delay: 'soon' as never } })],
      ['retry.maxDelay', () => consume(channel, q, h.cereal, handler, { retry: { maxDelay: -1 } })],
      ['retry.backoff', () => consume(channel, q, h.cereal, handler, { retry: { backoff: 'linear' as never } })],
      ['retry not an object', () => consume(channel, q, h.cereal, handler, { retry: '5s' as never })],
      ['retry.queueArguments', () => consume(channel, q, h.cereal, handler, { retry: { queueArguments: [] as never } })],
      ['deadLetter a string', () => consume(channel, q, h.cereal, handler, { deadLetter: 'dlx' as never })],
      ['deadLetter.routingKey', () => consume(channel, q, h.cereal, handler, { deadLetter: { exchange: 'x', routingKey: 5 as never } })],
      ['onMissingRow', () => consume(channel, q, h.cereal, handler, { onMissingRow: 'drop' as never })],
      ['missingRetry', () => consume(channel, q, h.cereal, handler, { missingRetry: { within: 'a while' as never } })],
      ['onDiscard', () => consume(channel, q, h.cereal, handler, { onDiscard: 1 as never })],
      ['onFailure', () => consume(channel, q, h.cereal, handler, { onFailure: 'log' as never })],
      ['onError', () => consume(channel, q, h.cereal, handler, { onError: {} as never })],
      ['consumer.noAck', () => consume(channel, q, h.cereal, handler, { consumer: { noAck: true } as never })],
      ['maxBytes', () => consume(channel, q, h.cereal, handler, { maxBytes: -1 })],
      ['maxDepth', () => consume(channel, q, h.cereal, handler, { maxDepth: 10_000 })],
      ['queue empty', () => consume(channel, '', h.cereal, handler)],
      ['queue a number', () => consume(channel, 5 as never, h.cereal, handler)],
      ['handler', () => consume(channel, q, h.cereal, 'handler' as never)],
      ['channel', () => consume({} as never, q, h.cereal, handler)],
      ['serializers', () => consume(channel, q, { json: h.cereal } as never, handler)],
      ['serializers empty', () => consume(channel, q, {} as never, handler)],
      ['publish contentType', async () => publish(channel, '', q, h.cereal, 1, { contentType: 'application/json' } as never)],
      ['publish options', async () => publish(channel, '', q, h.cereal, 1, 'persistent' as never)],
      ['publish headers', async () => publish(channel, '', q, h.cereal, 1, { headers: 'x' })],
      ['an unknown option', () => consume(channel, q, h.cereal, handler, { maxAttempt: 3 } as never)],
      ['missing', () => consume(channel, q, h.cereal, handler, { missing: 'null' } as never)],
      ['retry: an unknown key', () => consume(channel, q, h.cereal, handler, { retry: { dealy: '5s' } as never })],
      ['retry.queueArguments a BigInt', () => consume(channel, q, h.cereal, handler, { retry: { queueArguments: { 'x-max-length': 10n } } })],
      ['retry.queueArguments a function', () => consume(channel, q, h.cereal, handler, { retry: { queueArguments: { f: () => 1 } } })],
      ['deadLetter.exchange over 255 bytes', () => consume(channel, q, h.cereal, handler, { deadLetter: { exchange: 'x'.repeat(256) } })],
      ['deadLetter.routingKey over 255 bytes', () => consume(channel, q, h.cereal, handler, { deadLetter: { exchange: 'amq.direct', routingKey: 'é'.repeat(128) } })],
      ["deadLetter: { exchange: '' } without a routingKey", () => consume(channel, q, h.cereal, handler, { deadLetter: { exchange: '' } })],
      ['deadLetter back to the work queue', () => consume(channel, q, h.cereal, handler, { deadLetter: { exchange: '', routingKey: q } })],
      ['deadLetter: an unknown key', () => consume(channel, q, h.cereal, handler, { deadLetter: { exchange: 'amq.direct', key: 'x' } as never })],
      ['consumer.consumerTag a number', () => consume(channel, q, h.cereal, handler, { consumer: { consumerTag: 5 as never } })],
      ['consumer.priority a string', () => consume(channel, q, h.cereal, handler, { consumer: { priority: 'high' as never } })],
      ['consumer.arguments a BigInt', () => consume(channel, q, h.cereal, handler, { consumer: { arguments: { 'x-priority': 1n } } })],
      ['consumer: an unknown key', () => consume(channel, q, h.cereal, handler, { consumer: { exclusiv: true } as never })],
      ['onCancel', () => consume(channel, q, h.cereal, handler, { onCancel: 'log' as never })],
      ['publish serializer', async () => publish(channel, '', q, {} as never, 1)],
      ['publish channel null', async () => publish(null as never, '', q, h.cereal, 1)],
      ['publish routingKey a number', async () => publish(channel, '', 5 as never, h.cereal, 1)],
      ['publish routingKey over 255 bytes', async () => publish(channel, '', 'k'.repeat(256), h.cereal, 1)],
      ['publish exchange null', async () => publish(channel, null as never, q, h.cereal, 1)],
      ['publish headers BigInt', async () => publish(channel, '', q, h.cereal, 1, { headers: { n: 1n } })],
      ['publish headers symbol', async () => publish(channel, '', q, h.cereal, 1, { headers: { s: Symbol('x') } })],
      ['publish headers function', async () => publish(channel, '', q, h.cereal, 1, { headers: { f: () => 1 } })],
      ['publish headers circular', async () => {
        const loop: Record<string, unknown> = {};
        loop.self = loop;
        return publish(channel, '', q, h.cereal, 1, { headers: { loop } });
      }],
      ['publish headers over 64 KiB', async () => publish(channel, '', q, h.cereal, 1, { headers: { pad: 'x'.repeat(70_000) } })],
      ['publish messageId a number', async () => publish(channel, '', q, h.cereal, 1, { messageId: 5 as never })],
      ['publish timestamp NaN', async () => publish(channel, '', q, h.cereal, 1, { timestamp: NaN })],
      ['publish timestamp negative', async () => publish(channel, '', q, h.cereal, 1, { timestamp: -1 })],
      ['publish priority 256', async () => publish(channel, '', q, h.cereal, 1, { priority: 256 })],
      ['publish expiration -1', async () => publish(channel, '', q, h.cereal, 1, { expiration: -1 })],
      ['publish expiration 1.5', async () => publish(channel, '', q, h.cereal, 1, { expiration: 1.5 })],
      ['publish expiration words', async () => publish(channel, '', q, h.cereal, 1, { expiration: 'soon' })],
      ['retry.delay over 2^31 - 1 ms', () => consume(channel, q, h.cereal, handler, { retry: { delay: 2 ** 31 } })],
      ['retry.delay 1e300', () => consume(channel, q, h.cereal, handler, { retry: { delay: 1e300 } })],
      ['retry.maxDelay 1e300', () => consume(channel, q, h.cereal, handler, { retry: { delay: 50, backoff: 'exponential', maxDelay: 1e300 } })],
      ['retry.delay 30 days', () => consume(channel, q, h.cereal, handler, { retry: { delay: `${30 * 24}h` } })],
      ['publish deliveryMode 3', async () => publish(channel, '', q, h.cereal, 1, { deliveryMode: 3 })],
      ['publish persistent a string', async () => publish(channel, '', q, h.cereal, 1, { persistent: 'yes' as never })],
      ['publish mandatory a number', async () => publish(channel, '', q, h.cereal, 1, { mandatory: 1 as never })],
      ['publish CC a number', async () => publish(channel, '', q, h.cereal, 1, { CC: 5 as never })],
      ['publish BCC an array of numbers', async () => publish(channel, '', q, h.cereal, 1, { BCC: [1] as never })],
      ['publish headers.CC a string', async () => publish(channel, '', q, h.cereal, 1, { headers: { CC: q } })],
      ['publish an unknown option', async () => publish(channel, '', q, h.cereal, 1, { persistant: true } as never)],
      ['publish immediate', async () => publish(channel, '', q, h.cereal, 1, { immediate: true } as never)],
      ['publish headers a Date', async () => publish(channel, '', q, h.cereal, 1, { headers: { at: new Date() } })],
      ['publish headers a Map', async () => publish(channel, '', q, h.cereal, 1, { headers: { m: new Map([['a', 1]]) } })],
      ['publish headers 200 000 deep', async () => publish(channel, '', q, h.cereal, 1, { headers: nested(200_000) })],
      ['publish headers 101 deep', async () => publish(channel, '', q, h.cereal, 1, { headers: nested(101) })],
      ['consumer.arguments 200 000 deep', () => consume(channel, q, h.cereal, handler, { consumer: { arguments: nested(200_000) } })],
      ['retry.queueArguments 200 000 deep', () => consume(channel, q, h.cereal, handler, { retry: { queueArguments: nested(200_000) } })],
      ['fromMessage options null', () => fromMessage(h.cereal, { content: Buffer.from(''), properties: {}, fields: {} } as never, null as never)],
    ];
    for (const [name, call] of bad) {
      try {
        await call();
        assert.unreachable(`${name}: no error`);
      } catch (err) {
        assert.instance(err, CerealError, `${name}: ${String(err)}`);
        assert.is((err as CerealError).code, 'INVALID_OPTION', `${name}: ${String(err)}`);
        assert.match((err as Error).message, /\[amqp\]|maxBytes|maxDepth/, name);
      }
    }
    const ok: ConsumeOptions = { maxAttempts: 3, retry: { delay: 50, backoff: 'exponential', maxDelay: '1s' }, missingRetry: { within: '1s' } };
    const consumer = await consume(channel, q, h.cereal, handler, ok);
    await consumer.cancel();
    // what is allowed still is: a Buffer, 100 levels, CC as a string option, the longest retry
    publish(channel, '', q, h.cereal, 1, { headers: { b: Buffer.from('x'), deep: nested(99) }, CC: q, BCC: [q], deliveryMode: 1, mandatory: false });
    const longest = await consume(channel, q, h.cereal, handler, { maxAttempts: 2, retry: { delay: 2 ** 31 - 1 } });
    await longest.cancel();
    await channel.deleteQueue(`${q}.retry.${2 ** 31 - 1}ms`);
  });

  Wire('publish on a closed channel is LOAD_FAILED (publish again on a new channel); good expirations pass', async ({ h }) => {
    const { channel } = await h.channel();
    const q = await h.queue();
    publish(channel, '', q, h.cereal, 1, { expiration: '60000' });
    publish(channel, '', q, h.cereal, 1, { expiration: 60_000 });
    await getMessages(channel, q, 2);
    await channel.close();
    try {
      publish(channel, '', q, h.cereal, 1);
      assert.unreachable('no error');
    } catch (err) {
      assert.instance(err, CerealError);
      assert.is((err as CerealError).code, 'LOAD_FAILED');
      assert.match((err as Error).message, /the channel is closed/);
    }
  });

  Wire('fromMessage of null, or of a message without properties, is MALFORMED, not a TypeError; missing: null lets a MISSING_ROW dead letter be read', async ({ h }) => {
    for (const m of [null, undefined, {}, { properties: null, content: Buffer.from('') }, { properties: {}, content: 'x' }]) {
      try {
        await fromMessage(h.cereal, m as never);
        assert.unreachable('no error');
      } catch (err) {
        assert.instance(err, CerealError, String(err));
        assert.is((err as CerealError).code, 'MALFORMED');
      }
    }
    const { channel } = await h.channel();
    const q = await h.queue();
    publish(channel, '', q, h.cereal, { user: ref('users', 99_999), n: 1 });
    const [m] = await getMessages(channel, q, 1);
    assert.equal(await fromMessage(h.cereal, m!, { missing: 'null' }), { user: null, n: 1 });
    const kept = await fromMessage<{ user: { key: string } }>(h.cereal, m!, { missing: 'keep' });
    assert.is(kept.user.key, 'users:99999');
  });

  Wire('a work queue that does not exist is INVALID_OPTION where consume is called, and no retry queue is declared for it', async ({ h }) => {
    const { channel } = await h.channel();
    const typo = `${await h.queue()}-typo`;
    try {
      await consume(channel, typo, h.cereal, async () => undefined, { retry: { delay: '5s' } });
      assert.unreachable('no error');
    } catch (err) {
      assert.instance(err, CerealError);
      assert.is((err as CerealError).code, 'INVALID_OPTION');
      assert.match((err as Error).message, /the queue `.*-typo` cannot be consumed .*declare it before consuming/);
    }
    const { channel: admin } = await h.channel();
    try {
      await admin.checkQueue(`${typo}.retry.5s`);
      assert.unreachable('a stray retry queue was declared');
    } catch (err) {
      assert.match(String((err as Error).message), /NOT_FOUND/);
    }
  });

  Wire('a dead-letter exchange that does not exist is refused where consume is called, before any retry queue is declared', async ({ h }) => {
    const { channel } = await h.channel();
    const q = await h.queue();
    try {
      await consume(channel, q, h.cereal, async () => undefined, { deadLetter: { exchange: `no-such-exchange-${process.pid}` } });
      assert.unreachable('no error');
    } catch (err) {
      assert.is((err as CerealError).code, 'INVALID_OPTION');
      assert.match((err as Error).message, /dead-letter exchange `no-such-exchange-\d+` cannot be used/);
    }
    const { channel: admin } = await h.channel();
    await admin.checkQueue(q);
    await admin.checkQueue(`${q}.retry.5s`).then(() => assert.unreachable('a stray retry queue was declared'), (err: Error) => assert.match(err.message, /NOT_FOUND/));
  });

  Wire.run();
}
