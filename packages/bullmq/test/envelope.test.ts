import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createSerializer, ref, type Format } from '@cereal/core';
import { jsonFormat } from '@cereal/json';
import { msgpackFormat } from '@cereal/msgpack';
import { yamlFormat } from '@cereal/yaml';
import { memoryLoader } from '@cereal/testkit';
import { fromJobData, toJobData } from '../src/index.js';
import { rawFormat, taggedFormat, utf8Format } from './_formats.js';

const setup = <W extends Uint8Array | string>(format: Format<W>) => {
  const users = memoryLoader([{ id: 1, name: 'Ada' }, { id: 2, name: 'Grace' }]);
  return { users, cereal: createSerializer({ format, loaders: { users } }) };
};
/** What Redis gives back: BullMQ stores job data as JSON. */
const stored = (data: unknown): unknown => JSON.parse(JSON.stringify(data));

const Envelope = suite('toJobData / fromJobData');

const formats: [Format, string][] = [
  [msgpackFormat(), 'base64'],
  [jsonFormat(), 'json'],
  [yamlFormat(), 'text'],
  [utf8Format(), 'base64'],
  [taggedFormat('tagged', 'v1 '), 'text'],
  [taggedFormat('plain'), 'json'],
  [jsonFormat({ space: 2 }), 'text'],
];
for (const [format, encoding] of formats) {
  Envelope(`${format.name} (${encoding}): job data is JSON-safe, names format and encoding, and decodes to fresh rows`, async () => {
    const { cereal, users } = setup(format);
    const data = toJobData(cereal, { user: ref('users', 1), note: 'hi' });
    assert.equal([data.$cereal, data.format, data.encoding], [1, format.name, encoding]);
    const again = stored(data);
    users.rows.set('1', { id: 1, name: 'Ada Lovelace' });
    assert.equal(await fromJobData(cereal, again), { user: { id: 1, name: 'Ada Lovelace' }, note: 'hi' });
  });
}

Envelope('msgpack travels as base64, JSON embedded as an object, YAML as text', () => {
  assert.match(toJobData(setup(msgpackFormat()).cereal, ref('users', 1)).payload as string, /^[A-Za-z0-9+/]+=*$/);
  assert.equal(toJobData(setup(jsonFormat()).cereal, { u: ref('users', 1) }).payload, { json: { u: ['users', 1] }, meta: { values: { u: [['custom', 'ref']] }, v: 1 } });
  assert.is(toJobData(setup(yamlFormat()).cereal, { u: ref('users', 1) }).payload, 'u: !ref [users, 1]\n');
});

Envelope('a bytes format of its own travels as base64 of exactly its bytes', () => {
  const { cereal } = setup(utf8Format());
  const data = toJobData(cereal, { u: ref('users', 2) });
  assert.is(Buffer.from(data.payload as string, 'base64').toString('utf8'), '{"u":{"$ref":["users",2]}}');
});

Envelope('a text format of its own is embedded when its text is JSON, kept as text when not', () => {
  assert.equal(toJobData(setup(taggedFormat('plain')).cereal, { u: ref('users', 2) }).payload, { u: { $ref: ['users', 2] } });
  assert.is(toJobData(setup(taggedFormat('tagged', 'v1 ')).cereal, { u: ref('users', 2) }).payload, 'v1 {"u":{"$ref":["users",2]}}');
});

// Embedding is safe only when stringifying the parsed value gives the very same text back.
const texts: [string, string, 'json' | 'text'][] = [
  ['compact JSON', '{"a":[1,"x",null,true]}', 'json'],
  ['a JSON string', '"users:1"', 'json'],
  ['indented JSON', '{\n  "a": 1\n}', 'text'],
  ['a spaced separator', '{"a": 1}', 'text'],
  ['a number JSON.parse rounds', '12345678901234567890', 'text'],
  ['an exponent', '1e2', 'text'],
  ['minus zero', '-0', 'text'],
  ['an escape written differently', '"\\u0041"', 'text'],
  ['a lone surrogate', '"\ud800"', 'text'],
  ['a trailing newline', '{"a":1}\n', 'text'],
  ['text that is not JSON', 'users: [1, 2]', 'text'],
];
for (const [name, text, encoding] of texts) {
  Envelope(`text that is ${name} travels as ${encoding} and comes back exactly`, async () => {
    const { cereal } = setup(rawFormat());
    const data = toJobData(cereal, text);
    assert.is(data.encoding, encoding);
    if (encoding === 'text') assert.is(data.payload, text);
    assert.is(await fromJobData(cereal, stored(data)), text);
  });
}

Envelope('msgpack job data for one user ref is 89 bytes of JSON, as the README says', () => {
  const data = toJobData(setup(msgpackFormat()).cereal, { user: ref('users', 42) });
  assert.is(JSON.stringify(data), '{"$cereal":1,"format":"msgpack","encoding":"base64","payload":"gaR1c2Vy1CoAkqV1c2Vycyo="}');
  assert.is(JSON.stringify(data).length, 89);
});

Envelope('a hydrated row goes back into job data as a ref, not its content', async () => {
  const { cereal } = setup(jsonFormat());
  const { user } = (await fromJobData(cereal, toJobData(cereal, { user: ref('users', 2) }))) as { user: object };
  assert.not.match(JSON.stringify(toJobData(cereal, { user })), /Grace/);
});

Envelope.run();
