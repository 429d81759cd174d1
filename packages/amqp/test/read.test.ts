/**
 * Reading a message: the content type picks the serializer, the headers must agree with it, the
 * body is the wire; what is not cereal's is refused in the words a user reads. Through
 * fromMessage, on messages built as amqplib delivers them. No broker.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ref } from '@cereal/core';
import { rejects, throws } from '@cereal/testkit';
import { amqpFor, fromMessage } from '../src/index.js';
import { wireOfBody } from '../src/wire.js';
import { StandIn, cereal, delivery, json, until } from './_standin.js';

const PREFIX = '[cereal] [amqp] ';
const WRITER = 'publish(channel, exchange, routingKey, serializer, value)';

const Read = suite('amqp fromMessage: a message publish wrote, with fresh rows');

Read('msgpack and json: the rows as they are now', async () => {
  assert.equal(await fromMessage(cereal, delivery({ user: ref('users', 7), n: 1 })), { user: { id: 7, name: 'user 7' }, n: 1 });
  assert.equal(await fromMessage({ msgpack: cereal, json }, delivery({ user: ref('users', 8) }, { serializer: json })), { user: { id: 8, name: 'user 8' } });
  assert.equal(await fromMessage(cereal, delivery(5, { properties: { headers: undefined } })), 5, 'no headers: the content type says enough');
  assert.equal(await fromMessage(cereal, delivery(5, { properties: { headers: null } as never })), 5);
  assert.equal(await fromMessage(cereal, delivery(5, { properties: { contentType: 'Application/X-Cereal+msgpack; charset=binary' } })), 5);
  assert.equal(await fromMessage(cereal, delivery(5, { properties: { headers: { 'x-cereal-format': Buffer.from('msgpack') } } })), 5, 'a header amqplib gives as bytes');
});

Read('decode options: missing rows read as null or kept with `missing`; a missing row fails without', async () => {
  const m = delivery({ user: ref('users', 999) });
  assert.equal(await fromMessage(cereal, m, { missing: 'null' }), { user: null });
  const err = await rejects(() => fromMessage(cereal, m));
  assert.is(err.code, 'MISSING_ROW');
  assert.is(err.message, '[cereal] 1 referenced row is missing: `users:999`');
});

Read('what is not a message, or not cereal\'s, is MALFORMED, word for word', async () => {
  const notAMessage = (got: string): string => `${PREFIX}not a message as amqplib gives it ({ content: Buffer, properties, fields }), got ${got}`;
  const shapes: [unknown, string][] = [
    [null, 'null'],
    [undefined, 'undefined'],
    ['body', 'body'],
    [{ content: Buffer.from('x'), properties: null }, '[object Object]'],
    [{ content: Buffer.from('x'), properties: 'p' }, '[object Object]'],
    [{ content: 'x', properties: {} }, '[object Object]'],
  ];
  for (const [message, got] of shapes) {
    const err = await rejects(() => fromMessage(cereal, message as never));
    assert.is(err.code, 'MALFORMED');
    assert.is(err.message, notAMessage(got));
  }
  const cases: [Parameters<typeof delivery>[1], string][] = [
    [{ properties: { contentType: 'application/json' } }, `the message has \`application/json\`, not a cereal content type (application/x-cereal+<format>); publish it with ${WRITER}`],
    [{ properties: { contentType: undefined } }, `the message has no content type, not a cereal content type (application/x-cereal+<format>); publish it with ${WRITER}`],
    [{ properties: { headers: { 'x-cereal': 2 } } }, 'the message has wire version 2 (`x-cereal`); this version of @cereal/amqp reads the number 1'],
    [{ properties: { headers: { 'x-cereal': '1' } } }, 'the message has wire version the text 1 (`x-cereal`); this version of @cereal/amqp reads the number 1'],
    [{ properties: { headers: { 'x-cereal': null } } }, 'the message has wire version null (`x-cereal`); this version of @cereal/amqp reads the number 1'],
    [{ properties: { headers: { 'x-cereal-format': 'json' } } }, "the message's `x-cereal-format` header (json) contradicts its content type (`msgpack`)"],
    [{ properties: { headers: { 'x-cereal-format': Buffer.from('yaml') } } }, "the message's `x-cereal-format` header (yaml) contradicts its content type (`msgpack`)"],
    [{ properties: { headers: { 'x-cereal-format': null } } }, "the message's `x-cereal-format` header (null) contradicts its content type (`msgpack`)"],
    [{ serializer: json }, 'the message was written in `json`; this consumer reads `msgpack`; to read it too, give consume serializers by format name ({ msgpack, json }) or amqpFor(cereal, { accept: { json } })'],
  ];
  for (const [i, [how, message]] of cases.entries()) {
    const err = await rejects(() => fromMessage(cereal, delivery(5, how)));
    assert.is(err.code, 'MALFORMED', `case ${i}`);
    assert.is(err.message, `${PREFIX}${message}`, `case ${i}`);
  }
  const yamlish = delivery(5, { properties: { contentType: 'application/x-cereal+yaml', headers: { 'x-cereal-format': 'yaml' } } });
  assert.is((await rejects(() => fromMessage({ msgpack: cereal, json }, yamlish))).message, `${PREFIX}the message was written in \`yaml\`; this consumer reads only \`msgpack\`, \`json\`; to read it too, give consume serializers by format name ({ msgpack, yaml }) or amqpFor(cereal, { accept: { yaml } })`);
});

Read('a format name is shown up to 32 characters in the words of a consumer that does not read it', async () => {
  const name = `f${'z'.repeat(59)}`;
  const long = delivery(5, { properties: { contentType: `application/x-cereal+${name}`, headers: { 'x-cereal-format': name } } });
  const cut = name.slice(0, 32);
  assert.is((await rejects(() => fromMessage(cereal, long))).message, `${PREFIX}the message was written in \`${cut}\`; this consumer reads \`msgpack\`; to read it too, give consume serializers by format name ({ msgpack, ${cut} }) or amqpFor(cereal, { accept: { ${cut} } })`);
});

Read('amqpFor: consume reads its serializer\'s format, and with `accept` the formats given too', async () => {
  const read = async (typed: ReturnType<typeof amqpFor>, m: ReturnType<typeof delivery>) => {
    const ch = new StandIn();
    const seen: unknown[] = [];
    const failed: string[] = [];
    await typed.consume(ch.channel, 'mail', async (data) => void seen.push(data), { onFailure: (o) => void failed.push(String(o.code)) });
    ch.deliver(m);
    await until(() => ch.settlements.length === 1, 'settled');
    return { seen, failed };
  };
  const inJson = delivery({ user: ref('users', 3) }, { serializer: json });
  assert.equal(await read(amqpFor(cereal, { accept: { json } }), inJson), { seen: [{ user: { id: 3, name: 'user 3' } }], failed: [] });
  assert.equal(await read(amqpFor(cereal, { accept: { json } }), delivery(4)), { seen: [4], failed: [] }, 'its own format still');
  assert.equal(await read(amqpFor(cereal), inJson), { seen: [], failed: ['MALFORMED'] }, 'no accept: its own format only');
  assert.equal(await read(amqpFor(json), inJson), { seen: [{ user: { id: 3, name: 'user 3' } }], failed: [] });
});

Read('a text format\'s body must be UTF-8; a body over maxBytes is LIMIT before it is read', async () => {
  const latin = delivery(5, { serializer: json, content: Buffer.from([0xff, 0xfe]) });
  const err = await rejects(() => fromMessage(json, latin));
  assert.is(err.code, 'MALFORMED');
  assert.is(err.message, `${PREFIX}the body of a \`json\` message is not UTF-8 text`);
  assert.instance(err.cause, TypeError);
  const m = delivery({ note: 'x'.repeat(50) });
  const size = m.content.length;
  assert.equal(await fromMessage(cereal, m, { maxBytes: size }), { note: 'x'.repeat(50) }, 'exactly maxBytes');
  const big = await rejects(() => fromMessage(cereal, m, { maxBytes: size - 1 }));
  assert.is(big.code, 'LIMIT');
  assert.is(big.message, `[cereal] [msgpack] the payload is ${size} bytes, more than maxBytes ${size - 1}; raise \`maxBytes\` if that is expected`);
  const text = await rejects(() => fromMessage(json, delivery({ note: 'x'.repeat(50) }, { serializer: json }), { maxBytes: 10 }));
  assert.is(text.code, 'LIMIT', 'text too, before it is decoded');
});

Read('options must be an object', async () => {
  for (const [options, got] of [[null, 'null'], [[], ''], ['null', 'null']] as [unknown, string][]) {
    const err = await rejects(() => fromMessage(cereal, delivery(5), options as never));
    assert.is(err.code, 'INVALID_OPTION');
    assert.is(err.message, `${PREFIX}fromMessage options must be an object of decode options ({ missing: 'null' }), got ${got}`);
  }
  assert.is((await rejects(() => fromMessage({} as never, delivery(5)))).message, `${PREFIX}no serializer given; pass a serializer, or serializers by format name, e.g. { msgpack: cerealA, json: cerealB }`);
});

Read('wireOfBody: the bytes as they are, or their text', () => {
  const body = Buffer.from('héllo');
  assert.is(wireOfBody(body, 'bytes', 'msgpack', undefined), body);
  assert.is(wireOfBody(body, 'text', 'json', undefined), 'héllo');
  assert.is(wireOfBody(body, 'text', 'json', body.length), 'héllo');
  assert.is(throws(() => wireOfBody(body, 'bytes', 'msgpack', body.length - 1), 'LIMIT').message, `[cereal] [msgpack] the payload is 6 bytes, more than maxBytes 5; raise \`maxBytes\` if that is expected`);
});

Read.run();
