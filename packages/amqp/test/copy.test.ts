/**
 * A retry or dead-letter copy that did not land: returned unroutable, nacked, the channel closed,
 * or too big for amqplib to encode. The original is never acked without its copy: it is requeued
 * after a back-off (ended early when the channel closes), or rejected when no copy of it can be
 * made. On a ConfirmChannel the confirm says a copy landed; on a plain channel a round trip does.
 * Through a stand-in channel that answers each publish as a test tells it.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ConsumeMessage, Message } from 'amqplib';
import { CerealError, ref } from '@cereal/core';
import { CopyError, HEADER, consume, type ConsumeOptions } from '../src/index.js';
import { copier } from '../src/copy.js';
import { StandIn, cereal, delivery, illegal, until, type Reply } from './_standin.js';

const RETRY_TO = 'exchange `` with routing key `mail.retry.5s`';

/** A consumer of `mail` whose handler always throws, its copies answered by `reply`. */
async function failing(reply: (n: number) => Reply, options: ConsumeOptions = {}, confirm = true) {
  const ch = new StandIn(confirm);
  let n = 0;
  ch.reply = () => reply(++n);
  const errors: unknown[] = [];
  const failures: string[] = [];
  const c = await consume(ch.channel, 'mail', cereal, async () => { throw new Error('boom'); }, { onError: (e) => void errors.push(e), onFailure: (o) => void failures.push(o.action), ...options });
  ch.log.length = 0;
  return { ch, c, errors, failures };
}

const tagOf = (m: ConsumeMessage): string => String(m.fields.deliveryTag);

/** Runs `fn` with every setTimeout of 100 ms or more recorded and fired at once: a back-off is seen, not waited out. */
async function recordingWaits(fn: (waits: number[]) => Promise<void>): Promise<void> {
  const real = globalThis.setTimeout;
  const waits: number[] = [];
  globalThis.setTimeout = ((cb: () => void, ms?: number) => {
    if (ms !== undefined && ms >= 100) waits.push(ms);
    return real(cb, ms !== undefined && ms >= 100 ? 0 : ms);
  }) as typeof setTimeout;
  try {
    await fn(waits);
  } finally {
    globalThis.setTimeout = real;
  }
}

const Held = suite('amqp copies: a copy that did not land holds its original, then requeues it');

Held('returned unroutable: onError says where it went, the original waits out the back-off, requeued when the channel closes', async () => {
  const { ch, errors } = await failing(() => 'return');
  const m = delivery(1);
  ch.deliver(m);
  await until(() => errors.length === 1, 'onError');
  const err = errors[0] as CopyError;
  assert.instance(err, CopyError);
  assert.is(err.name, 'CopyError');
  assert.is(err.reason, 'returned');
  assert.is(err.message, `[amqp] the retry copy to ${RETRY_TO} reached no queue: the broker returned it (312 NO_ROUTE); bind a queue to the exchange for that routing key`);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(ch.settlements, [], 'neither acked nor requeued during the back-off');
  ch.emit('close');
  await until(() => ch.settlements.length === 1, 'the requeue');
  assert.equal(ch.settlements, [`nack ${tagOf(m)} false true`]);
  assert.equal(ch.log.filter((l) => l.startsWith('publish')), ['publish  mail.retry.5s'], 'published once: only a copy amqplib cannot encode is tried again, cut');
});

Held('nacked by the broker, or the channel closed under the publish: onError, then requeued', async () => {
  const nacked = await failing(() => 'nack');
  nacked.ch.deliver(delivery(1));
  await until(() => nacked.errors.length === 1, 'onError');
  const err = nacked.errors[0] as CopyError;
  assert.equal([err.reason, err.message, (err.cause as Error).message], ['nacked', `[amqp] the retry copy to ${RETRY_TO} was not confirmed by the broker (refused, or the channel closed): message nacked`, 'message nacked']);
  assert.equal(nacked.ch.log.filter((l) => l.startsWith('publish')), ['publish  mail.retry.5s'], 'published once');
  const closedError = illegal('Channel closed');
  const closed = await failing(() => ({ throws: closedError }), { deadLetter: { exchange: 'x'.repeat(100) }, maxAttempts: 1 });
  const m = delivery(1);
  closed.ch.deliver(m);
  await until(() => closed.errors.length === 1, 'onError');
  const e = closed.errors[0] as CopyError;
  assert.equal([e.reason, e.message, e.cause], ['closed', `[amqp] the dead letter could not be published to exchange \`${'x'.repeat(64)}\` with routing key \`mail\`: Channel closed`, closedError]);
  closed.ch.emit('close');
  await until(() => closed.ch.settlements.length === 1, 'the requeue');
  assert.equal(closed.ch.settlements, [`nack ${tagOf(m)} false true`]);
  assert.equal(closed.failures, [], 'onFailure is for what was dealt with');
});

Held('the back-off doubles for each failure of the same message, and starts over once a copy of it landed', async () => {
  await recordingWaits(async (waits) => {
    let answer: Reply = 'return';
    const { ch, errors, failures } = await failing(() => answer);
    const again = (): ConsumeMessage => delivery(1, { properties: { messageId: 'same' }, fields: { redelivered: true } });
    for (let i = 1; i <= 3; i++) {
      ch.deliver(again());
      await until(() => ch.settlements.length === i, `requeue ${i}`);
    }
    assert.equal(waits, [250, 500, 1000]);
    assert.ok(ch.settlements.every((s) => s.endsWith(' false true')), ch.settlements.join(', '));
    assert.is(errors.length, 3);
    answer = 'ack';
    ch.deliver(again());
    await until(() => ch.settlements.length === 4, 'the ack');
    assert.match(ch.settlements[3]!, /^ack \d+$/);
    assert.equal(failures, ['retry']);
    answer = 'return';
    ch.deliver(again());
    await until(() => ch.settlements.length === 5, 'requeue 5');
    assert.equal(waits, [250, 500, 1000, 250]);
  });
});

const Unencodable = suite('amqp copies: a copy amqplib cannot encode');

Unencodable('is published again without cereal\'s refs and with its reason cut to 200 characters', async () => {
  const long = new CerealError('MISSING_ROW', `gone ${'z'.repeat(400)}`, { refs: [ref('users', 1)] });
  const ch = new StandIn();
  let n = 0;
  ch.reply = () => (++n === 1 ? { throws: new RangeError('offset is out of range') } : 'ack');
  const errors: unknown[] = [];
  await consume(ch.channel, 'mail', cereal, async () => { throw long; }, { deadLetter: { exchange: 'dlx' }, onError: (e) => void errors.push(e) });
  ch.log.length = 0;
  const m = delivery(1);
  ch.deliver(m);
  await until(() => ch.settlements.length === 1, 'the ack');
  assert.equal(ch.log, ['publish dlx mail', 'publish dlx mail', `ack ${tagOf(m)}`]);
  const [p] = ch.published;
  const reason = String(p!.headers[HEADER.reason]);
  assert.is(reason, `MISSING_ROW: [cereal] gone ${'z'.repeat(400)}`.slice(0, 200));
  assert.is(reason.length, 200);
  assert.ok(!(HEADER.refs in p!.headers));
  assert.equal([p!.headers[HEADER.error], p!.headers[HEADER.queue]], ['MISSING_ROW', 'mail']);
  assert.equal(errors, []);
});

Unencodable('twice: rejected without requeueing (no back-off), onError told why', async () => {
  const tooBig = new RangeError('offset is out of range');
  const { ch, errors } = await failing(() => ({ throws: tooBig }));
  const m = delivery(1);
  ch.deliver(m);
  await until(() => ch.settlements.length === 1, 'the reject');
  assert.equal(ch.log, ['publish  mail.retry.5s', 'publish  mail.retry.5s', `nack ${tagOf(m)} false false`]);
  assert.is(errors.length, 1);
  const err = errors[0] as CopyError;
  assert.is(err.reason, 'unencodable');
  assert.is(err.message, `[amqp] the retry copy could not be published to ${RETRY_TO}: offset is out of range; the message was rejected without requeueing (nack(message, false, false)): no copy of it can be published`);
  const inner = err.cause as CopyError;
  assert.instance(inner, CopyError);
  assert.equal([inner.reason, inner.message, inner.cause], ['unencodable', `[amqp] the retry copy could not be published to ${RETRY_TO}: offset is out of range`, tooBig]);
});

Unencodable('headers a producer sent that amqplib would send as a typed value, or could not read: no copy is published, the original is rejected', async () => {
  const { ch, errors } = await failing(() => 'ack');
  const typed = delivery(1, { properties: { headers: { evil: { '!': 'double', value: 'abc' } } } });
  ch.deliver(typed);
  await until(() => errors.length === 1, 'onError');
  assert.equal(ch.log, [`nack ${tagOf(typed)} false false`], 'nothing published: RabbitMQ would close the connection');
  const err = errors[0] as CopyError;
  assert.is(err.reason, 'unencodable');
  assert.is(err.message, "[amqp] the retry copy cannot be published: the message's headers hold a value amqplib would not send as it is (an object with a `!` of its own but a timestamp or decimal, a key over 255 bytes, or nesting past 100); the message was rejected without requeueing (nack(message, false, false)): no copy of it can be published");
  const stamped = delivery(2, { properties: { headers: { at: { '!': 'timestamp', value: 1_700_000_000 } } } });
  ch.log.length = 0;
  ch.deliver(stamped);
  await until(() => ch.settlements.length === 1, 'the ack');
  assert.equal(ch.log, ['publish  mail.retry.5s', `ack ${tagOf(stamped)}`], 'a timestamp as amqplib decodes it is copied');
  assert.equal(ch.published.at(-1)!.headers.at, { '!': 'timestamp', value: 1_700_000_000 });
});

Unencodable('headers of its own too large to copy, or one that cannot be read: rejected, onError says which', async () => {
  const { ch, errors } = await failing(() => 'ack');
  const big = delivery(1, { properties: { headers: { note: 'n'.repeat(70_000) } } });
  ch.deliver(big);
  await until(() => errors.length === 1, 'onError');
  assert.equal(ch.log, [`nack ${tagOf(big)} false false`], 'nothing published: amqplib cannot encode it');
  assert.is((errors[0] as CopyError).message, '[amqp] the retry copy cannot be published: its headers encode to more than 65536 bytes; the message was rejected without requeueing (nack(message, false, false)): no copy of it can be published');
  const hostile = delivery(2);
  (hostile.properties.headers as Record<string, unknown>).nested = { get inner(): never { throw new Error('no reading me'); } };
  ch.log.length = 0;
  ch.deliver(hostile);
  await until(() => errors.length === 2, 'onError');
  assert.equal(ch.log, [`nack ${tagOf(hostile)} false false`]);
  const err = errors[1] as CopyError;
  assert.is(err.reason, 'unencodable');
  assert.is(err.message, '[amqp] the retry copy cannot be published: its headers could not be read (no reading me); the message was rejected without requeueing (nack(message, false, false)): no copy of it can be published');
});

Unencodable('then returned: the back-off, as any copy that did not land', async () => {
  const { ch, errors } = await failing((n) => (n === 1 ? { throws: new RangeError('too big') } : 'return'));
  const m = delivery(1);
  ch.deliver(m);
  await until(() => errors.length === 1, 'onError');
  assert.is((errors[0] as CopyError).reason, 'returned');
  ch.emit('close');
  await until(() => ch.settlements.length === 1, 'the requeue');
  assert.equal(ch.settlements, [`nack ${tagOf(m)} false true`]);
});

const Plain = suite('amqp copies on a plain channel: a round trip takes the confirm\'s place');

Plain('a copy is followed by a passive check of amq.direct; the original is acked after it', async () => {
  const { ch, failures } = await failing(() => 'ack', {}, false);
  const m = delivery(1);
  ch.deliver(m);
  await until(() => ch.settlements.length === 1, 'the ack');
  assert.equal(ch.log, ['publish  mail.retry.5s', 'checkExchange amq.direct', `ack ${tagOf(m)}`]);
  assert.equal(failures, ['retry']);
});

Plain('a copy returned before the round trip answered did not land; a failed round trip is a nack', async () => {
  const { ch, errors } = await failing(() => 'return', {}, false);
  ch.deliver(delivery(1));
  await until(() => errors.length === 1, 'onError');
  assert.is((errors[0] as CopyError).reason, 'returned');
  ch.emit('close');
  const broken = await failing(() => 'ack', {}, false);
  broken.ch.checkExchangeError = new Error('channel closed');
  broken.ch.deliver(delivery(1));
  await until(() => broken.errors.length === 1, 'onError');
  assert.equal([(broken.errors[0] as CopyError).reason, (broken.errors[0] as CopyError).message], ['nacked', `[amqp] the retry copy to ${RETRY_TO} was not confirmed by the broker (refused, or the channel closed): channel closed`]);
  broken.ch.emit('close');
});

const Returns = suite('amqp copies: a return is matched to its copy by x-cereal-copy');

Returns('returns of other messages, or of no copy, do not fail a copy in flight', async () => {
  const foreign = (headers: unknown): Message => ({ content: Buffer.alloc(0), fields: { replyCode: 312, replyText: 'NO_ROUTE' } as never, properties: { headers } as never });
  const { ch, failures, errors } = await failing(() => {
    ch.emit('return', foreign({ [HEADER.copy]: 'another' }));
    ch.emit('return', foreign(undefined));
    ch.emit('return', foreign({ [HEADER.copy]: 5 }));
    return 'ack';
  });
  const m = delivery(1);
  ch.deliver(m);
  await until(() => ch.settlements.length === 1, 'the ack');
  assert.equal(ch.settlements, [`ack ${tagOf(m)}`]);
  assert.equal([failures, errors], [['retry'], []]);
});

Returns('copier: mandatory, its own id, the properties given; close stops listening', async () => {
  const ch = new StandIn();
  const copies = copier(ch.channel);
  assert.is(ch.listenerCount('return'), 1);
  await copies.publish('retry copy', '', 'q', Buffer.from('x'), { headers: { a: 1 }, expiration: '5' });
  await copies.publish('retry copy', '', 'q', Buffer.from('x'), {});
  const [a, b] = ch.published;
  assert.equal([a!.options.mandatory, a!.options.expiration, a!.headers.a], [true, '5', 1]);
  assert.is.not(a!.headers[HEADER.copy], b!.headers[HEADER.copy]);
  copies.close();
  assert.is(ch.listenerCount('return'), 0);
});

Held.run();
Unencodable.run();
Plain.run();
Returns.run();
