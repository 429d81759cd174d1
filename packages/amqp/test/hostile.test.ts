/**
 * Hostile bodies on a real RabbitMQ (CEREAL_AMQP_URL): each is dead-lettered with a CerealError
 * code, within bounded time and memory, and the consumer keeps running.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CerealError, createSerializer, ref } from '@cereal/core';
import { jsonFormat } from '@cereal/json';
import { yamlFormat } from '@cereal/yaml';
import { consume, publish, HEADER } from '../src/index.js';
import { harness, headersOf, until, type Harness } from './_amqp.js';

const url = process.env.CEREAL_AMQP_URL;

/** A YAML bomb: nine levels of aliases, each nine of the one before (387 million leaves). */
const yamlBomb = (): string => {
  const lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
  for (let i = 1; i < 9; i++) lines.push(`a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(', ')}]`);
  return lines.join('\n') + '\n';
};

if (url === undefined || url === '') {
  console.log('\n  !! SKIPPED: the RabbitMQ hostile-body suite did not run. Set CEREAL_AMQP_URL=amqp://guest:guest@127.0.0.1:5672 to run it.\n');
} else {
  const Hostile = suite<{ h: Harness }>('amqp: hostile bodies', {} as never);
  Hostile.before.each(async (ctx) => {
    ctx.h = await harness(url);
  });
  Hostile.after.each(async (ctx) => {
    await ctx.h.close();
  });

  Hostile('megabytes of msgpack garbage, a body over maxBytes, a YAML bomb, deep nesting and text that is not UTF-8: each dead-lettered with its code, the consumer goes on', async ({ h }) => {
    const yaml = createSerializer({ format: yamlFormat(), loaders: { users: h.users } });
    const json = createSerializer({ format: jsonFormat(), loaders: { users: h.users } });
    const q = await h.queue();
    const small = await h.queue();
    const dead = await h.deadLetters();
    const { channel } = await h.channel({ prefetch: 4 });
    const handled: unknown[] = [];
    const serializers = { msgpack: h.cereal, yaml, json };
    await consume(channel, q, serializers, async (data) => void handled.push(data), { deadLetter: { exchange: dead.exchange }, retry: { delay: 20 } });
    await consume(channel, small, serializers, async (data) => void handled.push(data), { deadLetter: { exchange: dead.exchange }, retry: { delay: 20 }, maxBytes: 1024 });

    const raw = (queue: string, body: Buffer, format: string, id: string): void =>
      void channel.publish('', queue, body, { contentType: `application/x-cereal+${format}`, messageId: id, headers: { 'x-cereal': 1 } });
    // 4 MiB of msgpack that claims a map of 2^32 entries, then garbage
    const garbage = Buffer.alloc(4 * 1024 * 1024, 0xc1);
    garbage[0] = 0xdf;
    garbage.writeUInt32BE(0xffffffff, 1);
    raw(q, garbage, 'msgpack', 'garbage');
    // 4 MiB of nothing but array headers: nesting a million deep
    raw(q, Buffer.alloc(4 * 1024 * 1024, 0x91), 'msgpack', 'deep');
    raw(q, Buffer.from(yamlBomb()), 'yaml', 'bomb');
    raw(q, Buffer.from([0x22, 0xff, 0xfe, 0x22]), 'json', 'not-utf8');
    // a well-formed message, over maxBytes on the small queue
    publish(channel, '', small, h.cereal, { users: Array.from({ length: 500 }, (_, i) => ref('users', i + 1)), pad: 'x'.repeat(2000) }, { messageId: 'big' });
    publish(channel, '', q, h.cereal, { user: ref('users', 1) }, { messageId: 'fine' });
    await until(() => dead.messages.length === 5 && handled.length === 1, 30_000, () => `5 dead letters and 1 handled, got ${dead.messages.length} and ${handled.length}`);
    const codes = Object.fromEntries(dead.messages.map((m) => [String(m.properties.messageId), headersOf(m)[HEADER.error]]));
    const reasons = Object.fromEntries(dead.messages.map((m) => [String(m.properties.messageId), String(headersOf(m)[HEADER.reason])]));
    assert.ok(['MALFORMED', 'LIMIT'].includes(String(codes.garbage)), `garbage: ${reasons.garbage}`);
    assert.is(codes.deep, 'LIMIT', reasons.deep);
    assert.ok(['MALFORMED', 'LIMIT'].includes(String(codes.bomb)), `bomb: ${reasons.bomb}`);
    assert.is(codes['not-utf8'], 'MALFORMED', reasons['not-utf8']);
    assert.match(reasons['not-utf8']!, /not UTF-8 text/);
    assert.is(codes.big, 'LIMIT', reasons.big);
    assert.match(reasons.big!, /more than maxBytes 1024/);
    for (const r of Object.values(reasons)) assert.ok(r.length <= 1000, `a bounded reason: ${r.length}`);
    // the bodies are copied as they were, byte for byte
    const garbageCopy = dead.messages.find((m) => m.properties.messageId === 'garbage')!;
    assert.ok(garbageCopy.content.equals(garbage));
    assert.is((await channel.checkQueue(q)).messageCount, 0);
  });

  Hostile('hostile headers: an attempt header that is not a number counts as 1; an absurd one is past the last attempt', async ({ h }) => {
    const q = await h.queue();
    const dead = await h.deadLetters();
    const { channel } = await h.channel();
    const attempts: unknown[] = [];
    await consume(channel, q, h.cereal, async (_d, m) => {
      attempts.push(m.properties.headers?.[HEADER.attempt]);
      throw new Error('again');
    }, { deadLetter: { exchange: dead.exchange }, retry: { delay: 20 }, maxAttempts: 2 });
    publish(channel, '', q, h.cereal, 1, { headers: { [HEADER.attempt]: 'many' } });
    publish(channel, '', q, h.cereal, 2, { headers: { [HEADER.attempt]: 1e9 } });
    await until(() => dead.messages.length === 2, 10_000, () => `2 dead letters, got ${dead.messages.length}`);
    assert.equal(attempts.filter((a) => a === 2).length, 1); // 'many' was attempt 1, then retried once
    assert.ok(dead.messages.some((m) => /attempt 1000000000 of 1000000000 was its last/.test(String(headersOf(m)[HEADER.reason]))));
  });

  Hostile('an x-cereal-attempt too big to count (1e308, 1e20, 400 digits) is past the last attempt: dead-lettered, not retried', async ({ h }) => {
    const q = await h.queue();
    const dead = await h.deadLetters();
    const { channel } = await h.channel({ confirm: true });
    let calls = 0;
    await consume(channel, q, h.cereal, async () => {
      calls++;
      throw new Error('again');
    }, { deadLetter: { exchange: dead.exchange }, retry: { delay: 20 }, maxAttempts: 3 });
    for (const attempt of [1e308, 1e20, '9'.repeat(400)]) publish(channel, '', q, h.cereal, 1, { headers: { [HEADER.attempt]: attempt } });
    await until(() => dead.messages.length === 3, 10_000, () => `3 dead letters, got ${dead.messages.length}`);
    assert.is(calls, 3);
    for (const m of dead.messages) assert.match(String(headersOf(m)[HEADER.reason]), /not retrying: attempt 9007199254740991 of 9007199254740991 was its last/);
  });

  Hostile('a handler that throws a CerealError with malformed refs ([null], a number): the message is still settled, the good refs kept', async ({ h }) => {
    const q = await h.queue();
    const dead = await h.deadLetters();
    const { channel } = await h.channel({ confirm: true });
    const errors: unknown[] = [];
    const failures: string[] = [];
    const good = ref('users', 4);
    await consume(channel, q, h.cereal, async () => {
      throw new CerealError('MISSING_ROW', 'odd', { refs: [null, 7, { key: 5 }, good] as never });
    }, { deadLetter: { exchange: dead.exchange }, onError: (e) => errors.push(e), onFailure: (o) => failures.push(o.action) });
    publish(channel, '', q, h.cereal, 1);
    await until(() => dead.messages.length === 1, 10_000, () => `the dead letter; errors: ${errors.map(String).join(' | ')}`);
    assert.equal(headersOf(dead.messages[0]!)[HEADER.refs], ['users:4']);
    await until(() => failures.length === 1, 5000, () => 'onFailure, told once the dead letter landed');
    assert.equal(failures, ['fail']);
    assert.is(errors.length, 0);

    // onMissingRow: 'discard' with no usable ref: discarded, saying what the error said
    const q2 = await h.queue();
    const { channel: other } = await h.channel({ confirm: true });
    const outcomes: string[] = [];
    let calls = 0;
    await consume(other, q2, h.cereal, async () => {
      calls++;
      throw new CerealError('MISSING_ROW', 'odd', { refs: [null] as never });
    }, { onMissingRow: 'discard', retry: { delay: 20 }, onError: (e) => errors.push(e), onFailure: (o) => outcomes.push(`${o.action} ${String(o.code)}`), onDiscard: (o) => outcomes.push(`discard ${o.message}`) });
    publish(other, '', q2, h.cereal, 1);
    await until(() => outcomes.length === 1, 10_000, () => `the discard; errors ${errors.map(String).join(' | ')}`);
    assert.equal(outcomes, ['discard discarded by cereal: referenced rows are gone: [cereal] odd']);
    assert.is(calls, 1);
    assert.is(errors.length, 0);
  });

  Hostile.run();
}
