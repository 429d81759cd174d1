/**
 * What consume reads from a delivery's headers and properties (its attempt, its age, its first
 * routing key), what it writes about a failure's refs, and which properties a retry or dead-letter
 * copy keeps. A hostile or broken producer writes anything into headers: each reader is given
 * what it cannot use. No broker: these are the functions consume and republish call.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Message, MessageProperties } from 'amqplib';
import { CerealError, ref } from '@cereal/core';
import { HEADER, MAX_REF_KEYS, MAX_SHORTSTR, ROUTING_HEADERS, WIRE_VERSION, attemptOf, copiedProperties, createdAtOf, firstRoutingKey, refKeys } from '../src/headers.js';
import { HEADER as PUBLIC_HEADER } from '../src/index.js';

const message = (properties: Partial<MessageProperties> = {}, routingKey = 'mail'): Message => ({
  content: Buffer.from('body'),
  fields: { deliveryTag: 1, redelivered: false, exchange: '', routingKey },
  properties: properties as MessageProperties,
});
const withHeader = (name: string, value: unknown, routingKey = 'mail'): Message => message({ headers: { [name]: value } }, routingKey);

const Headers = suite('amqp headers: what a delivery says, read defensively');

Headers('the header names and the wire version are as documented', () => {
  assert.equal(HEADER, {
    version: 'x-cereal',
    format: 'x-cereal-format',
    attempt: 'x-cereal-attempt',
    error: 'x-cereal-error',
    reason: 'x-cereal-reason',
    refs: 'x-cereal-refs',
    queue: 'x-cereal-queue',
    routingKey: 'x-cereal-routing-key',
    copy: 'x-cereal-copy',
  });
  assert.is(PUBLIC_HEADER, HEADER);
  assert.is(WIRE_VERSION, 1);
  assert.is(MAX_REF_KEYS, 20);
  assert.is(MAX_SHORTSTR, 255);
  assert.equal([...ROUTING_HEADERS], ['CC', 'BCC']);
});

Headers('refKeys: the keys of the refs an error names, in order; nothing when it names none', () => {
  const err = new CerealError('MISSING_ROW', 'gone', { refs: [ref('users', 9), ref('users', 10)] });
  assert.equal(refKeys(err), ['users:9', 'users:10']);
  assert.is(refKeys(new CerealError('MISSING_ROW', 'gone')), undefined, 'no refs');
  assert.is(refKeys(new CerealError('MISSING_ROW', 'gone', { refs: [] })), undefined, 'an empty list is no header');
  assert.is(refKeys(null), undefined);
  assert.is(refKeys(undefined), undefined);
  assert.is(refKeys('MISSING_ROW'), undefined, 'not an object');
  assert.is(refKeys(new Error('plain')), undefined);
  assert.is(refKeys({ refs: 'users:9' }), undefined, 'refs that are not an array');
  assert.is(refKeys({ refs: { 0: { key: 'users:9' }, length: 1 } }), undefined, 'an array-like is not an array');
  assert.equal(refKeys({ refs: [{ key: 'users:9' }] }), ['users:9'], 'duck-typed: a ref of another copy of core');
});

Headers('refKeys: what is not a ref with a string key is skipped; a getter that throws gives nothing, never a throw', () => {
  assert.equal(refKeys({ refs: [null, 5, 'users:1', { key: 7 }, { key: 'users:2' }, [], { model: 'users' }] }), ['users:2']);
  assert.is(refKeys({ refs: [null, { key: 1 }] }), undefined, 'nothing usable: no header');
  const trap = {};
  Object.defineProperty(trap, 'refs', { get: () => { throw new Error('trap'); } });
  assert.is(refKeys(trap), undefined);
  const err = new CerealError('MISSING_ROW', 'gone');
  Object.defineProperty(err, 'refs', { get: () => { throw new Error('trap'); } });
  assert.is(refKeys(err), undefined);
});

Headers('refKeys: at most 20 keys (the first 20), each cut at 200 characters', () => {
  const refs = Array.from({ length: 25 }, (_, i) => ({ key: `users:${i}` }));
  const keys = refKeys({ refs })!;
  assert.is(keys.length, 20);
  assert.is(keys[0], 'users:0');
  assert.is(keys[19], 'users:19');
  assert.equal(refKeys({ refs: refs.slice(0, 20) }), keys, 'exactly 20: all of them');
  // the 20 read are the first 20, usable or not: the 21st is not read in place of a skipped one
  assert.equal(refKeys({ refs: [null, ...refs] }), keys.slice(0, 19));
  const long = `k:${'x'.repeat(300)}`;
  assert.equal(refKeys({ refs: [{ key: long }, { key: long.slice(0, 200) }, { key: long.slice(0, 199) }] }), [long.slice(0, 200), long.slice(0, 200), long.slice(0, 199)]);
});

Headers('firstRoutingKey: x-cereal-routing-key when a string of at most 255 bytes, else the delivered routing key', () => {
  assert.is(firstRoutingKey(withHeader(HEADER.routingKey, 'welcome', 'mail')), 'welcome');
  assert.is(firstRoutingKey(withHeader(HEADER.routingKey, '', 'mail')), '', 'an empty routing key is one');
  assert.is(firstRoutingKey(withHeader(HEADER.routingKey, 'k'.repeat(255))), 'k'.repeat(255));
  assert.is(firstRoutingKey(withHeader(HEADER.routingKey, 'k'.repeat(256), 'mail')), 'mail');
  assert.is(firstRoutingKey(withHeader(HEADER.routingKey, 'é'.repeat(127))), 'é'.repeat(127), '254 bytes');
  assert.is(firstRoutingKey(withHeader(HEADER.routingKey, 'é'.repeat(128), 'mail')), 'mail', '128 characters, 256 bytes');
  assert.is(firstRoutingKey(withHeader(HEADER.routingKey, 5, 'mail')), 'mail');
  assert.is(firstRoutingKey(withHeader(HEADER.routingKey, Buffer.from('welcome'), 'mail')), 'mail');
  assert.is(firstRoutingKey(message({}, 'mail')), 'mail', 'no headers');
  assert.is(firstRoutingKey(message({ headers: undefined }, 'orders')), 'orders');
});

Headers('attemptOf: a whole number of at least 1, as a number or digits; anything else is attempt 1', () => {
  const cases: [unknown, number][] = [
    [1, 1],
    [2, 2],
    [7, 7],
    ['3', 3],
    ['007', 7],
    [0, 1],
    [-3, 1],
    ['0', 1],
    ['-3', 1],
    [2.5, 1],
    ['2.5', 1],
    ['2e3', 1],
    [' 3', 1],
    ['3 ', 1],
    ['', 1],
    [NaN, 1],
    [null, 1],
    [true, 1],
    [{ value: 3 }, 1],
    [[3], 1],
    [Buffer.from('3'), 1],
    [undefined, 1],
    [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  ];
  for (const [raw, n] of cases) assert.is(attemptOf(withHeader(HEADER.attempt, raw)), n, `x-cereal-attempt ${typeof raw} ${String(raw)}`);
  assert.is(attemptOf(message({})), 1, 'no headers');
  assert.is(attemptOf(message({ headers: undefined })), 1);
});

Headers('attemptOf: a number past what counts exactly is taken for the most there is: dead-lettered, not retried forever', () => {
  const most = Number.MAX_SAFE_INTEGER;
  const cases: [unknown, number][] = [
    [most + 1, most],
    [1e308, most],
    [Infinity, most],
    ['9'.repeat(20), most],
    ['9'.repeat(400), most],
    ['1'.repeat(401), 1], // past what the pattern reads: not digits it counts, attempt 1
    ['9007199254740992', most],
    ['9007199254740991', most],
    ['9007199254740990', most - 1],
    [-Infinity, 1],
  ];
  for (const [raw, n] of cases) assert.is(attemptOf(withHeader(HEADER.attempt, raw)), n, `x-cereal-attempt ${String(raw).slice(0, 30)}`);
});

Headers('createdAtOf: AMQP seconds, or milliseconds when past 1e11; amqplib\'s { "!": "timestamp", value } too', () => {
  const at = (timestamp: unknown): number | undefined => createdAtOf(message({ timestamp }));
  assert.is(at(1_700_000_000), 1_700_000_000_000, 'seconds');
  assert.is(at(1_700_000_000_123), 1_700_000_000_123, 'milliseconds');
  assert.is(at(1e11), 1e14, 'exactly 1e11 is seconds');
  assert.is(at(1e11 + 1), 1e11 + 1, 'past it: milliseconds');
  assert.is(at(1), 1000);
  assert.is(at(0.5), 500);
  assert.is(at({ '!': 'timestamp', value: 1_700_000_000 }), 1_700_000_000_000);
  assert.is(at({ '!': 'timestamp', value: 1_700_000_000_123 }), 1_700_000_000_123);
  for (const bad of [undefined, null, 0, -5, NaN, Infinity, -Infinity, '1700000000', { value: '1700000000' }, { value: null }, {}, true]) {
    assert.is(at(bad), undefined, `timestamp ${JSON.stringify(bad) ?? String(bad)}`);
  }
});

Headers('copiedProperties: all a message had but expiration and userId; its headers with the new over them', () => {
  const kept = {
    contentType: 'application/x-cereal+msgpack',
    contentEncoding: 'identity',
    deliveryMode: 2,
    priority: 4,
    correlationId: 'c-1',
    replyTo: 'replies',
    messageId: 'm-1',
    timestamp: 1_700_000_000,
    type: 'welcome',
    appId: 'app',
  };
  const original = message({ ...kept, expiration: '60000', userId: 'guest', clusterId: 'old', headers: { tenant: 'acme', [HEADER.attempt]: 2, [HEADER.refs]: ['users:1'] } });
  const out = copiedProperties(original, { [HEADER.attempt]: 3, [HEADER.error]: 'STALE' });
  assert.equal(out, { headers: { tenant: 'acme', [HEADER.attempt]: 3, [HEADER.refs]: ['users:1'], [HEADER.error]: 'STALE' }, ...kept });
  assert.equal(original.properties.headers, { tenant: 'acme', [HEADER.attempt]: 2, [HEADER.refs]: ['users:1'] }, 'the delivery is left as it was');
});

Headers('copiedProperties: a header set to undefined is removed; CC and BCC never travel; null and undefined properties are left out', () => {
  const original = message({ headers: { tenant: 'acme', [HEADER.refs]: ['users:1'], CC: ['mail'], BCC: ['audit'], cc: ['kept: header names are case-sensitive'] }, priority: null, messageId: undefined, timestamp: 0, deliveryMode: 1 });
  const out = copiedProperties(original, { [HEADER.refs]: undefined, extra: null, gone: undefined });
  assert.equal(out, { headers: { tenant: 'acme', cc: ['kept: header names are case-sensitive'], extra: null }, timestamp: 0, deliveryMode: 1 });
  assert.ok(!('priority' in out) && !('messageId' in out) && !('expiration' in out));
  assert.equal(copiedProperties(message({ headers: { CC: 'mail' } }), { BCC: ['x'] }), { headers: {} }, 'nor given as new headers');
  assert.equal(copiedProperties(message({}), {}), { headers: {} }, 'no headers: an empty table');
  assert.equal(copiedProperties(message({ headers: undefined }), { a: 1 }), { headers: { a: 1 } });
});

Headers.run();
