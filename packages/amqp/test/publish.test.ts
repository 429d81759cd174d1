/**
 * What publish hands amqplib: the body (the format's wire as it is), the content type, cereal's
 * headers over the user's, the default properties; every refusal of what it is given, word for
 * word; and what amqplib throws, as a CerealError. Through a stand-in channel whose publish
 * records its arguments. That RabbitMQ delivers them as written is run by the server suites.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ref, type Serializer } from '@cereal/core';
import { throws } from '@cereal/testkit';
import { amqpFor, publish, type PublishOptions } from '../src/index.js';
import { publishError } from '../src/publishChecks.js';
import { bodyOf, wireTypeOf } from '../src/wire.js';
import { StandIn, cereal, illegal, json } from './_standin.js';

const PREFIX = '[cereal] [amqp] ';
const value = { user: ref('users', 7), note: 'hi' };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** What publish refused `options` with, having published nothing. */
function refusal(options: unknown, exchange: unknown = 'ex', routingKey: unknown = 'rk'): string {
  const ch = new StandIn();
  const err = throws(() => publish(ch.channel, exchange as string, routingKey as string, cereal, value, options as PublishOptions), 'INVALID_OPTION');
  assert.equal(ch.published, [], 'nothing published');
  return err.message;
}

const Writes = suite('amqp publish: what it writes');

Writes('the body is the wire; contentType, x-cereal headers, persistent, a timestamp in seconds and a random messageId', () => {
  const ch = new StandIn();
  const before = Math.floor(Date.now() / 1000);
  assert.is(publish(ch.channel, 'ex', 'welcome', cereal, value), true);
  const after = Math.floor(Date.now() / 1000);
  const [p] = ch.published;
  assert.ok(p !== undefined);
  assert.equal([p.exchange, p.routingKey], ['ex', 'welcome']);
  assert.equal(p.content, Buffer.from(cereal.encode(value)));
  const { timestamp, messageId, ...rest } = p.options;
  assert.equal(rest, { contentType: 'application/x-cereal+msgpack', headers: { 'x-cereal': 1, 'x-cereal-format': 'msgpack' }, persistent: true });
  assert.ok(typeof timestamp === 'number' && timestamp >= before && timestamp <= after, String(timestamp));
  assert.match(String(messageId), UUID);
  publish(ch.channel, 'ex', 'welcome', cereal, value);
  assert.is.not(ch.published[1]!.options.messageId, messageId, 'a new id each time');
});

Writes('a text format: its text as UTF-8 bytes, under its content type', () => {
  const ch = new StandIn();
  publish(ch.channel, '', 'mail', json, { note: 'héllo', user: ref('users', 1) });
  const [p] = ch.published;
  assert.equal(p!.content, Buffer.from(json.encode({ note: 'héllo', user: ref('users', 1) }), 'utf8'));
  assert.is(p!.options.contentType, 'application/x-cereal+json');
  assert.equal(p!.headers, { 'x-cereal': 1, 'x-cereal-format': 'json' });
});

Writes('the user\'s options pass through; cereal\'s headers win over theirs; their timestamp and messageId are kept', () => {
  const ch = new StandIn();
  publish(ch.channel, 'ex', 'rk', cereal, value, { headers: { tenant: 'acme', 'x-cereal': 99, 'x-cereal-format': 'json' }, messageId: 'm-1', timestamp: 0, priority: 3, correlationId: 'c-1', expiration: '60000', mandatory: true, CC: ['audit'] });
  assert.equal(ch.published[0]!.options, {
    priority: 3,
    correlationId: 'c-1',
    expiration: '60000',
    mandatory: true,
    CC: ['audit'],
    contentType: 'application/x-cereal+msgpack',
    headers: { tenant: 'acme', 'x-cereal': 1, 'x-cereal-format': 'msgpack' },
    timestamp: 0,
    messageId: 'm-1',
    persistent: true,
  });
});

Writes('persistent unless told: persistent or deliveryMode, as given', () => {
  const sent = (options: PublishOptions): Record<string, unknown> => {
    const ch = new StandIn();
    publish(ch.channel, 'ex', 'rk', cereal, value, { messageId: 'm', timestamp: 1, ...options });
    const { persistent, deliveryMode } = ch.published[0]!.options;
    return { persistent, deliveryMode, has: ['persistent', 'deliveryMode'].filter((k) => k in ch.published[0]!.options) };
  };
  assert.equal(sent({}), { persistent: true, deliveryMode: undefined, has: ['persistent'] });
  assert.equal(sent({ persistent: false }), { persistent: false, deliveryMode: undefined, has: ['persistent'] });
  assert.equal(sent({ deliveryMode: 1 }), { persistent: undefined, deliveryMode: 1, has: ['deliveryMode'] });
  assert.equal(sent({ persistent: false, deliveryMode: 2 }), { persistent: false, deliveryMode: 2, has: ['persistent', 'deliveryMode'] });
  assert.equal(sent({ persistent: undefined, deliveryMode: undefined }), { persistent: true, deliveryMode: undefined, has: ['persistent'] });
});

Writes('returns what channel.publish returns (false: wait for drain); amqpFor publishes with its serializer', () => {
  const ch = new StandIn();
  ch.returns = false;
  assert.is(publish(ch.channel, 'ex', 'rk', cereal, value), false);
  ch.returns = true;
  assert.is(amqpFor(json).publish(ch.channel, 'ex', 'typed', { n: 1 }, { messageId: 'm-2' }), true);
  const p = ch.published[1]!;
  assert.equal([p.routingKey, p.options.contentType, p.options.messageId, p.content.toString()], ['typed', 'application/x-cereal+json', 'm-2', json.encode({ n: 1 })]);
});

const Refused = suite('amqp publish: each refusal, word for word');

Refused('options, channel, exchange, routing key, serializer, content type', () => {
  assert.is(refusal(null), `${PREFIX}publish options must be an object, got null`);
  assert.is(refusal('persistent'), `${PREFIX}publish options must be an object, got persistent`);
  assert.is(refusal([true]), `${PREFIX}publish options must be an object, got true`);
  for (const [channel, got] of [[null, 'null'], [{}, '[object Object]'], [{ publish: 'yes' }, '[object Object]'], [5, '5']] as [unknown, string][]) {
    assert.is(throws(() => publish(channel as never, 'ex', 'rk', cereal, value), 'INVALID_OPTION').message, `${PREFIX}\`channel\` must be an amqplib channel, got ${got}`);
  }
  for (const name of ['exchange', 'routingKey']) {
    const at = (v: unknown): [unknown, unknown] => (name === 'exchange' ? [v, 'rk'] : ['ex', v]);
    assert.is(refusal({}, ...at(5)), `${PREFIX}\`${name}\` must be a string of at most 255 bytes, got 5`);
    assert.is(refusal({}, ...at(null)), `${PREFIX}\`${name}\` must be a string of at most 255 bytes, got null`);
    assert.is(refusal({}, ...at('x'.repeat(256))), `${PREFIX}\`${name}\` must be a string of at most 255 bytes, got ${'x'.repeat(40)}… (216 more characters)`);
    assert.is(refusal({}, ...at('é'.repeat(128))), `${PREFIX}\`${name}\` must be a string of at most 255 bytes, got ${'é'.repeat(40)}… (88 more characters)`);
    const ch = new StandIn();
    publish(ch.channel, ...(at('x'.repeat(255)) as [string, string]), cereal, value);
    assert.is(ch.published.length, 1, `a ${name} of 255 bytes`);
  }
  const ch = new StandIn();
  assert.is(throws(() => publish(ch.channel, 'ex', 'rk', null as never, value), 'INVALID_OPTION').message, `${PREFIX}\`serializer\` must be a serializer (createSerializer({ format, loaders })), got null`);
  const oddName = { ...cereal, format: 'no spaces' } as unknown as Serializer<Uint8Array>;
  assert.is(throws(() => publish(ch.channel, 'ex', 'rk', oddName, value), 'INVALID_OPTION').message, `${PREFIX}a format's name goes into the content type, so it must be letters, digits and !#$&^_.+- (at most 64); got \`no spaces\``);
  assert.is(refusal({ contentType: 'application/json' }), `${PREFIX}the content type of a cereal message is its format's (application/x-cereal+msgpack); do not set \`contentType\``);
  assert.is(refusal({ contentType: '' }), `${PREFIX}the content type of a cereal message is its format's (application/x-cereal+msgpack); do not set \`contentType\``);
  publish(ch.channel, 'ex', 'rk', cereal, value, { contentType: undefined } as PublishOptions);
  assert.is(ch.published[0]!.options.contentType, 'application/x-cereal+msgpack', 'an undefined contentType is none');
});

Refused('unknown options and properties of the wrong type or range', () => {
  const known = 'expiration, userId, CC, BCC, priority, persistent, deliveryMode, mandatory, contentType, contentEncoding, headers, correlationId, replyTo, messageId, timestamp, type, appId';
  assert.is(refusal({ immediate: true }), `${PREFIX}unknown option \`immediate\` in publish options; known: ${known}`);
  for (const name of ['messageId', 'correlationId', 'replyTo', 'type', 'appId', 'userId', 'contentEncoding']) {
    assert.is(refusal({ [name]: 5 }), `${PREFIX}\`${name}\` must be a string of at most 255 bytes, got 5`);
    assert.is(refusal({ [name]: 's'.repeat(256) }), `${PREFIX}\`${name}\` must be a string of at most 255 bytes, got ${'s'.repeat(40)}… (216 more characters)`);
  }
  const cases: [PublishOptions | Record<string, unknown>, string][] = [
    [{ timestamp: -1 }, '`timestamp` must be a whole number of seconds, at least 0, got -1'],
    [{ timestamp: 1.5 }, '`timestamp` must be a whole number of seconds, at least 0, got 1.5'],
    [{ timestamp: 2 ** 53 }, '`timestamp` must be a whole number of seconds, at least 0, got 9007199254740992'],
    [{ timestamp: '1700000000' }, '`timestamp` must be a whole number of seconds, at least 0, got 1700000000'],
    [{ priority: -1 }, '`priority` must be a whole number from 0 to 255, got -1'],
    [{ priority: 256 }, '`priority` must be a whole number from 0 to 255, got 256'],
    [{ priority: 1.5 }, '`priority` must be a whole number from 0 to 255, got 1.5'],
    [{ priority: '1' }, '`priority` must be a whole number from 0 to 255, got 1'],
    [{ expiration: -1 }, '`expiration` must be a whole number of milliseconds, at least 0 (a number, or digits as text), got -1'],
    [{ expiration: 1.5 }, '`expiration` must be a whole number of milliseconds, at least 0 (a number, or digits as text), got 1.5'],
    [{ expiration: 2 ** 53 }, '`expiration` must be a whole number of milliseconds, at least 0 (a number, or digits as text), got 9007199254740992'],
    [{ expiration: '1s' }, '`expiration` must be a whole number of milliseconds, at least 0 (a number, or digits as text), got 1s'],
    [{ expiration: '' }, '`expiration` must be a whole number of milliseconds, at least 0 (a number, or digits as text), got '],
    [{ expiration: '1'.repeat(16) }, '`expiration` must be a whole number of milliseconds, at least 0 (a number, or digits as text), got 1111111111111111'],
    [{ expiration: true }, '`expiration` must be a whole number of milliseconds, at least 0 (a number, or digits as text), got true'],
    [{ deliveryMode: 3 }, '`deliveryMode` must be 1 (transient) or 2 (persistent), got 3'],
    [{ deliveryMode: 0 }, '`deliveryMode` must be 1 (transient) or 2 (persistent), got 0'],
    [{ deliveryMode: '2' }, '`deliveryMode` must be 1 (transient) or 2 (persistent), got 2'],
    [{ persistent: 'yes' }, '`persistent` must be a boolean, got yes'],
    [{ mandatory: 1 }, '`mandatory` must be a boolean, got 1'],
    [{ CC: 5 }, '`CC` must be a routing key (a string) or an array of them, got 5'],
    [{ CC: ['a', 1] }, '`CC` must be a routing key (a string) or an array of them, got a,1'],
    [{ BCC: [null] }, '`BCC` must be a routing key (a string) or an array of them, got '],
    [{ BCC: { a: 'b' } }, '`BCC` must be a routing key (a string) or an array of them, got [object Object]'],
  ];
  for (const [i, [options, message]] of cases.entries()) assert.is(refusal(options), `${PREFIX}${message}`, `case ${i}`);
  const many = Array.from({ length: 1001 }, (_, i) => `k${i}`);
  assert.match(refusal({ CC: many }), /^\[cereal\] \[amqp\] `CC` must be a routing key \(a string\) or an array of them, got k0,k1,/);
  assert.match(refusal({ BCC: many }), /^\[cereal\] \[amqp\] `BCC` must be a routing key/);
  // the edges that are taken
  const ch = new StandIn();
  const ok: PublishOptions[] = [
    { timestamp: 0 }, { timestamp: Number.MAX_SAFE_INTEGER }, { priority: 0 }, { priority: 255 }, { expiration: 0 }, { expiration: '0' }, { expiration: '1'.repeat(15) },
    { expiration: Number.MAX_SAFE_INTEGER }, { deliveryMode: 1 }, { deliveryMode: 2 }, { deliveryMode: true }, { deliveryMode: false }, { persistent: false }, { mandatory: false },
    { CC: 'a' }, { CC: many.slice(0, 1000) }, { BCC: [] }, { messageId: 'm'.repeat(255) }, { userId: '' },
  ];
  for (const options of ok) publish(ch.channel, 'ex', 'rk', cereal, value, options);
  assert.is(ch.published.length, ok.length);
});

Refused('headers: an object of what an AMQP table holds, CC and BCC as arrays of strings, at most 64 KiB', () => {
  const table = '`headers` must hold what an AMQP table can: strings, finite numbers, booleans, null, Buffers, arrays and plain objects of them, at most 100 deep, keys of at most 255 bytes (no BigInt, symbol, function, Date or other class instance, cycle, or object with a `!` of its own but a timestamp or decimal as amqplib reads them), got';
  assert.is(refusal({ headers: null }), `${PREFIX}\`headers\` must be an object, got null`);
  assert.is(refusal({ headers: 'x' }), `${PREFIX}\`headers\` must be an object, got x`);
  assert.is(refusal({ headers: ['a'] }), `${PREFIX}\`headers\` must be an object, got a`);
  assert.is(refusal({ headers: Buffer.from('hi') }), `${PREFIX}\`headers\` must be an object, got hi`);
  assert.is(refusal({ headers: { at: new Date(0) } }), `${PREFIX}${table} [object Object]`);
  assert.is(refusal({ headers: { n: 1n } }), `${PREFIX}${table} [object Object]`);
  assert.is(refusal({ headers: { x: NaN } }), `${PREFIX}${table} [object Object]`);
  assert.is(refusal({ headers: { ['k'.repeat(256)]: 1 } }), `${PREFIX}${table} [object Object]`, 'a key over 255 bytes');
  for (const name of ['CC', 'BCC']) {
    assert.is(refusal({ headers: { [name]: 'mail' } }), `${PREFIX}\`headers.${name}\` must be an array of routing keys (strings); or give \`${name}\` as a publish option, got mail`);
    assert.is(refusal({ headers: { [name]: ['a', 5] } }), `${PREFIX}\`headers.${name}\` must be an array of routing keys (strings); or give \`${name}\` as a publish option, got a,5`);
    assert.is(refusal({ headers: { [name]: null } }), `${PREFIX}\`headers.${name}\` must be an array of routing keys (strings); or give \`${name}\` as a publish option, got null`);
  }
  // counted as amqplib writes the table: 4 bytes of length, then per entry a key (1 + its bytes),
  // a type tag, and the value (a string or Buffer: 4 + its bytes): { a: s } is s plus 11 bytes
  // at most 64 KiB less 64 bytes kept for cereal's own headers: 65 472
  const over = `${PREFIX}\`headers\` must encode to at most 65472 bytes, with room for cereal's own: put large data in the message's body, got [object Object]`;
  assert.is(refusal({ headers: { a: 'x'.repeat(65_462) } }), over);
  assert.is(refusal({ headers: { a: 'é'.repeat(32_731) } }), over, 'a string counts as its UTF-8 bytes');
  // a Buffer counts as its bytes, as amqplib sends it, and megabytes of them are not copied to count them
  assert.is(refusal({ headers: { a: Buffer.alloc(65_462) } }), over);
  assert.is(refusal({ headers: { a: new Array(300).fill(Buffer.alloc(1_000_000)) } }), over);
  assert.is(refusal({ headers: { a: new Array(540).fill('x'.repeat(1_000_000)) } }), over);
  const ch = new StandIn();
  publish(ch.channel, 'ex', 'rk', cereal, value, { headers: { a: 'x'.repeat(65_461) } });
  publish(ch.channel, 'ex', 'rk', cereal, value, { headers: { a: Buffer.alloc(65_461) } });
  publish(ch.channel, 'ex', 'rk', cereal, value, { headers: { a: Buffer.alloc(20_000), b: [Buffer.alloc(20_000)] } });
  publish(ch.channel, 'ex', 'rk', cereal, value, { headers: { CC: ['a'], BCC: [], b: Buffer.from('x'), nested: { list: [1, null, true] } } });
  publish(ch.channel, 'ex', 'rk', cereal, value, { headers: undefined });
  assert.is(ch.published.length, 5);
  assert.equal(ch.published[4]!.headers, { 'x-cereal': 1, 'x-cereal-format': 'msgpack' });
});

Refused('headers: an object with a `!` of its own is a typed value to amqplib: only a timestamp or a decimal as it reads them', () => {
  const table = '`headers` must hold what an AMQP table can: strings, finite numbers, booleans, null, Buffers, arrays and plain objects of them, at most 100 deep, keys of at most 255 bytes (no BigInt, symbol, function, Date or other class instance, cycle, or object with a `!` of its own but a timestamp or decimal as amqplib reads them), got';
  const bad: unknown[] = [
    { '!': 'double', value: 'abc' },
    { '!': 'float', value: 1e300 },
    { '!': 'boolean', value: 'no' },
    { '!': 'string', value: 'hello' },
    { '!': 'timestamp', value: -1 },
    { '!': 'timestamp', value: 1.5 },
    { '!': 'timestamp', value: '1700000000' },
    { '!': 'timestamp', value: 1, extra: true },
    { '!': 'timestamp' },
    { '!': 'decimal', value: { places: 256, digits: 1 } },
    { '!': 'decimal', value: { places: 2, digits: -1 } },
    { '!': 'decimal', value: { places: 2, digits: 2 ** 32 } },
    { '!': 'decimal', value: { places: 2, digits: 1, sign: 1 } },
    { '!': 'decimal', value: null },
    { '!': 'object', value: { '!': 'double', value: 'abc' } },
  ];
  for (const typed of bad) assert.is(refusal({ headers: { a: typed } }), `${PREFIX}${table} [object Object]`, JSON.stringify(typed));
  assert.is(refusal({ headers: { deep: [{ b: { '!': 'double', value: 'x' } }] } }), `${PREFIX}${table} [object Object]`, 'nested');
  const ch = new StandIn();
  const typed = { at: { '!': 'timestamp', value: 1_700_000_000 }, price: { '!': 'decimal', value: { places: 2, digits: 1999 } }, bang: { note: '!' } };
  publish(ch.channel, 'ex', 'rk', cereal, value, { headers: typed });
  assert.equal(ch.published[0]!.headers, { ...typed, 'x-cereal': 1, 'x-cereal-format': 'msgpack' });
});

Refused('headers that cannot be read (a getter or a Proxy that throws) are INVALID_OPTION, never what they threw', () => {
  const getter = {};
  Object.defineProperty(getter, 'x', { enumerable: true, get: () => { throw new Error('boom'); } });
  const proxy = new Proxy({}, { ownKeys: () => { throw new TypeError('no keys'); } });
  const revocable = Proxy.revocable({}, {});
  revocable.revoke();
  const stringThrown = {};
  Object.defineProperty(stringThrown, 'x', { enumerable: true, get: () => { throw 'plain'; } });
  const cases: [unknown, string][] = [
    [getter, 'boom'],
    [{ nested: [getter] }, 'boom'],
    [proxy, 'no keys'],
    [{ a: revocable.proxy }, "Cannot perform 'getPrototypeOf' on a proxy that has been revoked"],
    [stringThrown, 'plain'],
  ];
  for (const [headers, cause] of cases) {
    assert.is(refusal({ headers }), `${PREFIX}\`headers\` could not be read: ${cause}`);
  }
});

Refused('headers: within a connection whose frameMax is smaller than 64 KiB, what fits its frame', () => {
  const small = Object.assign(new StandIn(), { connection: { frameMax: 8192 } });
  const limit = 8192 - 22 - 13 * 256 - 64;
  const err = throws(() => publish(small.channel, 'ex', 'rk', cereal, value, { headers: { a: 'x'.repeat(limit - 10) } }), 'INVALID_OPTION');
  assert.is(err.message, `${PREFIX}\`headers\` must encode to at most ${limit} bytes (the connection's frameMax is 8192 bytes), with room for cereal's own: put large data in the message's body, got [object Object]`);
  publish(small.channel, 'ex', 'rk', cereal, value, { headers: { a: 'x'.repeat(limit - 11) } });
  assert.is(small.published.length, 1);
  const large = Object.assign(new StandIn(), { connection: { frameMax: 131_072 } });
  publish(large.channel, 'ex', 'rk', cereal, value, { headers: { a: 'x'.repeat(65_461) } });
  assert.is(large.published.length, 1, 'the default frameMax: amqplib\'s 64 KiB');
  const unlimited = Object.assign(new StandIn(), { connection: { frameMax: 0 } });
  publish(unlimited.channel, 'ex', 'rk', cereal, value, { headers: { a: 'x'.repeat(65_461) } });
  assert.is(unlimited.published.length, 1, 'frameMax 0: no limit of the connection\'s');
});

const Thrown = suite('amqp publish: what amqplib throws, as a CerealError');

Thrown('a closed channel is LOAD_FAILED (publish again on a new one); what the encoder refused is INVALID_OPTION naming the field', () => {
  const closed = illegal('Channel closed');
  const ch = new StandIn();
  ch.reply = () => ({ throws: closed });
  const err = throws(() => publish(ch.channel, 'ex', 'rk', cereal, value), 'LOAD_FAILED');
  assert.is(err.message, `${PREFIX}the channel is closed: open a new one and publish again (Channel closed)`);
  assert.is(err.cause, closed);
  const cases: [unknown, string][] = [
    [new TypeError("Field 'priority' is the wrong type; must be an octet"), "amqplib could not encode `priority` of the message: Field 'priority' is the wrong type; must be an octet"],
    [new RangeError('offset is out of range'), 'amqplib could not encode `headers` of the message: offset is out of range'],
    [new Error('odd'), 'amqplib could not encode `an option` of the message: odd'],
    [null, 'amqplib could not encode `an option` of the message: null'],
    ['text', 'amqplib could not encode `an option` of the message: text'],
  ];
  for (const [thrown, message] of cases) {
    ch.reply = () => ({ throws: thrown });
    const e = throws(() => publish(ch.channel, 'ex', 'rk', cereal, value), 'INVALID_OPTION');
    assert.is(e.message, `${PREFIX}${message}`);
    assert.is(e.cause, thrown);
  }
  assert.is(publishError(illegal('gone')).code, 'LOAD_FAILED');
  const named = new Error('Channel closed');
  named.name = 'Error';
  assert.is(publishError(named).code, 'INVALID_OPTION', 'only amqplib\'s IllegalOperationError says closed');
});

const Wire = suite('amqp wire: a body as bytes, a serializer\'s wire type asked once');

Wire('bodyOf: bytes as they are (the same memory), text as UTF-8', () => {
  const backing = new Uint8Array([9, 1, 2, 3, 9]);
  const view = backing.subarray(1, 4);
  const body = bodyOf(view);
  assert.ok(Buffer.isBuffer(body));
  assert.equal([...body], [1, 2, 3]);
  backing[2] = 7;
  assert.is(body[1], 7, 'no copy');
  assert.equal(bodyOf('é'), Buffer.from([0xc3, 0xa9]));
  assert.equal(bodyOf(''), Buffer.alloc(0));
});

Wire('wireTypeOf: what the serializer writes for null, asked once per serializer', () => {
  assert.is(wireTypeOf(cereal), 'bytes');
  assert.is(wireTypeOf(json), 'text');
  let asked = 0;
  const counting = { ...json, encode: (v: unknown) => (asked++, json.encode(v as never)) } as unknown as Serializer<string>;
  assert.is(wireTypeOf(counting), 'text');
  assert.is(wireTypeOf(counting), 'text');
  assert.is(asked, 1);
  const boom = new Error('cannot');
  const broken = { ...cereal, format: 'mine', encode: () => { throw boom; } } as unknown as Serializer<Uint8Array>;
  const err = throws(() => wireTypeOf(broken), 'INVALID_OPTION');
  assert.is(err.message, `${PREFIX}cannot tell whether format \`mine\` reads bytes or text: encoding null failed: cannot`);
  assert.is(err.cause, boom);
});

Writes.run();
Refused.run();
Thrown.run();
Wire.run();
