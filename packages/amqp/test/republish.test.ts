/**
 * republish: a dead letter published again as a new message, where it goes and what of its
 * failed life it leaves behind. Through a stand-in channel whose publish records its arguments.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Message, MessageProperties } from 'amqplib';
import { throws } from '@cereal/testkit';
import { HEADER, republish } from '../src/index.js';
import { StandIn, illegal } from './_standin.js';

const PREFIX = '[cereal] [amqp] ';

const deadLetter = (headers: Record<string, unknown>, properties: Partial<MessageProperties> = {}, routingKey = 'mail'): Message => ({
  content: Buffer.from('the wire'),
  fields: { deliveryTag: 3, redelivered: false, exchange: 'dlx', routingKey },
  properties: { contentType: 'application/x-cereal+msgpack', headers, ...properties } as MessageProperties,
});

const life = {
  'x-cereal': 1,
  'x-cereal-format': 'msgpack',
  tenant: 'acme',
  [HEADER.attempt]: 5,
  [HEADER.error]: 'LOAD_FAILED',
  [HEADER.reason]: 'LOAD_FAILED: …',
  [HEADER.refs]: ['users:1'],
  [HEADER.queue]: 'mail',
  [HEADER.routingKey]: 'welcome',
  [HEADER.copy]: 'c0ffee',
  'x-cereal-anything': 'dropped too',
  'x-death': [{ count: 1 }],
  'x-first-death-queue': 'mail',
  'x-first-death-reason': 'rejected',
  'x-last-death-queue': 'mail',
  'x-deathly': 'kept: not RabbitMQ\'s',
  'x-cerealish': 'kept: not cereal\'s',
  CC: ['mail'],
  BCC: ['audit'],
};

const Republish = suite('amqp republish: a dead letter again, at attempt 1');

Republish('back to the queue it failed on, through the default exchange, without what its failed life added', () => {
  const ch = new StandIn();
  const m = deadLetter(life, { messageId: 'm-1', timestamp: 1_700_000_000, priority: 2, correlationId: 'c', expiration: '100', userId: 'guest', appId: 'app', type: 't', replyTo: 'r', contentEncoding: 'gzip', deliveryMode: 2 });
  assert.is(republish(ch.channel, m), true);
  const [p] = ch.published;
  assert.equal([p!.exchange, p!.routingKey], ['', 'mail']);
  assert.is(p!.content, m.content, 'the body as it is');
  assert.equal(p!.options, {
    headers: { 'x-cereal': 1, 'x-cereal-format': 'msgpack', tenant: 'acme', 'x-deathly': 'kept: not RabbitMQ\'s', 'x-cerealish': 'kept: not cereal\'s' },
    contentType: 'application/x-cereal+msgpack',
    contentEncoding: 'gzip',
    deliveryMode: 2,
    priority: 2,
    correlationId: 'c',
    replyTo: 'r',
    messageId: 'm-1',
    timestamp: 1_700_000_000,
    type: 't',
    appId: 'app',
  });
  assert.ok(!('mandatory' in p!.options), 'not mandatory');
  assert.equal(m.properties.headers, life, 'the dead letter is left as it was');
});

Republish('an exchange given: the routing key it was first published with, or the one given', () => {
  const ch = new StandIn();
  republish(ch.channel, deadLetter(life), 'events');
  republish(ch.channel, deadLetter(life), '');
  republish(ch.channel, deadLetter(life), 'events', 'chosen');
  republish(ch.channel, deadLetter({ [HEADER.routingKey]: 'k'.repeat(256) }, {}, 'delivered'), 'events');
  republish(ch.channel, deadLetter({}, {}, 'delivered'), 'events');
  republish(ch.channel, deadLetter(life), undefined, 'orders');
  assert.equal(ch.published.map((p) => [p.exchange, p.routingKey]), [
    ['events', 'welcome'],
    ['', 'welcome'], // an exchange given, even the default: the first routing key, not x-cereal-queue
    ['events', 'chosen'],
    ['events', 'delivered'],
    ['events', 'delivered'],
    ['', 'orders'],
  ]);
});

Republish('refusals, word for word', () => {
  const ch = new StandIn();
  const notAMessage = (got: string): string => `${PREFIX}\`message\` must be a message as amqplib gives it ({ content: Buffer, properties, fields }), got ${got}`;
  const cases: [unknown, string][] = [
    [null, 'null'],
    ['message', 'message'],
    [{ content: Buffer.from('x'), properties: null, fields: {} }, '[object Object]'],
    [{ content: Buffer.from('x'), properties: 'p', fields: {} }, '[object Object]'],
    [{ content: 'x', properties: {}, fields: {} }, '[object Object]'],
    [{ content: Buffer.from('x'), properties: {}, fields: null }, '[object Object]'],
    [{ content: Buffer.from('x'), properties: {}, fields: 5 }, '[object Object]'],
    [{ content: Buffer.from('x'), properties: {} }, '[object Object]'],
  ];
  for (const [i, [message, got]] of cases.entries()) assert.is(throws(() => republish(ch.channel, message as never), 'INVALID_OPTION').message, notAMessage(got), `case ${i}`);
  const noQueue = `${PREFIX}the message has no \`x-cereal-queue\` header to go back to: give republish an exchange and a routing key`;
  assert.is(throws(() => republish(ch.channel, deadLetter({ tenant: 'acme' })), 'INVALID_OPTION').message, noQueue);
  assert.is(throws(() => republish(ch.channel, deadLetter({ [HEADER.queue]: 5 })), 'INVALID_OPTION').message, noQueue);
  assert.is(throws(() => republish(ch.channel, { ...deadLetter({}), properties: {} as MessageProperties }), 'INVALID_OPTION').message, noQueue);
  assert.is(throws(() => republish(ch.channel, deadLetter(life), 'events', 'k'.repeat(256)), 'INVALID_OPTION').message, `${PREFIX}\`routingKey\` must be a string of at most 255 bytes, got ${'k'.repeat(40)}… (216 more characters)`);
  assert.is(throws(() => republish(null as never, deadLetter(life)), 'INVALID_OPTION').message, `${PREFIX}\`channel\` must be an amqplib channel, got null`);
  assert.is(throws(() => republish(ch.channel, deadLetter({ ...life, bad: new Date(0) })), 'INVALID_OPTION').message.startsWith(`${PREFIX}\`headers\` must hold what an AMQP table can`), true, 'what it would publish is checked');
  assert.equal(ch.published, []);
});

Republish('a closed channel is LOAD_FAILED; what the encoder refuses INVALID_OPTION; returns what publish returns', () => {
  const ch = new StandIn();
  ch.reply = () => ({ throws: illegal('Channel closed') });
  assert.is(throws(() => republish(ch.channel, deadLetter(life)), 'LOAD_FAILED').message, `${PREFIX}the channel is closed: open a new one and publish again (Channel closed)`);
  ch.reply = () => ({ throws: new RangeError('out of range') });
  assert.is(throws(() => republish(ch.channel, deadLetter(life)), 'INVALID_OPTION').message, `${PREFIX}amqplib could not encode \`headers\` of the message: out of range`);
  ch.reply = () => 'ack';
  ch.returns = false;
  assert.is(republish(ch.channel, deadLetter(life)), false);
});

Republish.run();
