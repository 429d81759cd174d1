/**
 * The envelope job data travels in, as every queue package shares it: how toJobData writes each
 * format's wire, how it is read back (also envelopes of @cereal/bullmq 0.1, without `encoding`),
 * what a crafted envelope is refused for, the serializers a worker accepts, and durations.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CerealError, createSerializer, ref, type Serializer } from '@cereal/core';
import { defineFormat } from '@cereal/core/format';
import { jsonFormat } from '@cereal/json';
import { msgpackFormat } from '@cereal/msgpack';
import { yamlFormat } from '@cereal/yaml';
import { memoryLoader, rejects } from '@cereal/testkit';
import { accepting, asCerealError, checkSerializer, durationMs, envelopeOf, readJobData, serializerFor, toJobData, wireOf, QUEUE, type JobEnvelope } from '../src/index.js';

const users = () => memoryLoader([{ id: 1, name: 'Ada' }, { id: 2, name: 'Grace' }]);
const serializers = () => {
  const loaders = { users: users() };
  return { msgpack: createSerializer({ format: msgpackFormat(), loaders }), json: createSerializer({ format: jsonFormat(), loaders }), yaml: createSerializer({ format: yamlFormat(), loaders }) };
};
const text = (name: string, wire: (value: unknown) => string) => createSerializer({ format: defineFormat<string>({ name, wire: 'text', encode: wire, decode: (w) => JSON.parse(w) as unknown }), loaders: {} });

const Envelope = suite('queue: the envelope, written and read');

Envelope('toJobData: bytes as base64, JSON that stringifies back to itself embedded, any other text as it is; each reads back', async () => {
  const { msgpack, json, yaml } = serializers();
  const value = { user: ref('users', 1), n: 1 };
  const m = toJobData(msgpack, value);
  assert.equal([m.$cereal, m.format, m.encoding, typeof m.payload], [1, 'msgpack', 'base64', 'string']);
  assert.equal(Buffer.from(m.payload as string, 'base64'), Buffer.from(msgpack.encode(value)));
  const j = toJobData(json, value);
  assert.is(j.encoding, 'json');
  assert.equal(j.payload, JSON.parse(json.encode(value)), 'the JSON value itself, readable in a dashboard');
  const y = toJobData(yaml, value);
  assert.equal([y.encoding, y.payload], ['text', yaml.encode(value)]);
  for (const [data, serializer] of [[m, msgpack], [j, json], [y, yaml]] as const) {
    assert.equal(await readJobData(accepting(serializer), JSON.parse(JSON.stringify(data))), { user: { id: 1, name: 'Ada' }, n: 1 });
  }
});

Envelope('a Buffer that is a view into a larger pool: only its own bytes go into the base64', () => {
  const pool = Buffer.from('xxabcxx');
  const view = pool.subarray(2, 5);
  const bytes = createSerializer({ format: defineFormat<Uint8Array>({ name: 'raw', wire: 'bytes', encode: () => view, decode: (w) => w }), loaders: {} });
  assert.is(toJobData(bytes, 1).payload, Buffer.from('abc').toString('base64'));
});

Envelope('JSON text that would not come back the same travels as text: indented, respelled numbers, escapes, lone surrogates, not JSON at all', () => {
  for (const wire of ['{ "a": 1 }', '1e2', '-0', '12345678901234567890', '"\\u0041"', '"\ud800"', 'not json', '[1,2', `${'['.repeat(100_000)}${']'.repeat(100_000)}`]) {
    const data = toJobData(text('t', () => wire), 1);
    assert.equal([data.encoding, data.payload], ['text', wire], wire.slice(0, 20));
    assert.is(wireOf(data), wire);
  }
  const same = toJobData(text('t', () => '{"a":[1,"x",null,true]}'), 1);
  assert.equal([same.encoding, same.payload], ['json', { a: [1, 'x', null, true] }]);
  const escaped = toJobData(text('t', () => '"\\ud800"'), 1);
  assert.equal([escaped.encoding, wireOf(JSON.parse(JSON.stringify(escaped)) as JobEnvelope)], ['json', '"\\ud800"'], 'an escaped lone surrogate survives the trip through JSON');
});

Envelope('envelopes without encoding (@cereal/bullmq 0.1) are read by their format: msgpack base64, json embedded, others text', () => {
  assert.equal(wireOf({ $cereal: 1, format: 'msgpack', payload: Buffer.from([1, 2]).toString('base64') }), new Uint8Array([1, 2]));
  assert.is(wireOf({ $cereal: 1, format: 'json', payload: { a: 1 } }), '{"a":1}');
  assert.is(wireOf({ $cereal: 1, format: 'yaml', payload: 'a: 1\n' }), 'a: 1\n');
  assert.is(wireOf({ $cereal: 1, format: 'mine', payload: '{"a":1}' }), '{"a":1}');
});

Envelope('what is not an envelope, or holds a payload its encoding cannot, is MALFORMED saying what is wrong', async () => {
  const notEnvelope = '[queue] job data is not a cereal envelope {"$cereal": 1, "format", "encoding", "payload"}; write it with toJobData(serializer, value)';
  for (const data of [null, 'x', 5, {}, { $cereal: 2, format: 'json', payload: 1 }, { $cereal: 1, format: 7, payload: 1 }, { $cereal: 1, format: 'json' }, { $cereal: '1', format: 'json', payload: 1 }]) {
    const err = await rejects(() => envelopeOf(data));
    assert.is(err.code, 'MALFORMED');
    assert.match(err.message, notEnvelope);
  }
  assert.match((await rejects(() => envelopeOf({ $cereal: 1, format: 'json', encoding: 'hex', payload: '' }))).message, "[queue] the envelope's encoding is `hex`; this version reads `base64`, `text` and `json`");
  assert.match((await rejects(() => envelopeOf({ $cereal: 1, format: 'json', encoding: 5, payload: '' }))).message, "the envelope's encoding is number");
  const wire = (envelope: object) => rejects(() => wireOf(envelope as JobEnvelope));
  assert.match((await wire({ $cereal: 1, format: 'm', encoding: 'base64', payload: 5 })).message, '[queue] a base64 payload must be a string, got number');
  assert.match((await wire({ $cereal: 1, format: 'm', encoding: 'text', payload: null })).message, 'a text payload must be a string, got null');
  for (const payload of ['abc', 'ab$=', 'a===', 'YQ==YQ==', '====']) {
    assert.match((await wire({ $cereal: 1, format: 'm', encoding: 'base64', payload })).message, '[queue] the payload is not base64', payload);
  }
  assert.equal(wireOf({ $cereal: 1, format: 'm', encoding: 'base64', payload: '' }), new Uint8Array(0));
  assert.equal(wireOf({ $cereal: 1, format: 'm', encoding: 'base64', payload: 'YQ==' }), new Uint8Array([0x61]));
  assert.match((await wire({ $cereal: 1, format: 'j', encoding: 'json', payload: undefined })).message, '[queue] a json payload must be a JSON value, got undefined');
  assert.is((await wire({ $cereal: 1, format: 'j', encoding: 'json', payload: { n: 1n } })).code, 'MALFORMED');
  let deep: unknown = 1;
  for (let i = 0; i < 100_000; i++) deep = [deep];
  const tooDeep = await wire({ $cereal: 1, format: 'j', encoding: 'json', payload: deep });
  assert.is(tooDeep.code, 'LIMIT');
});

Envelope('the label, the thing read and the writer come from the queue package reading', async () => {
  const via = { label: 'amqp', what: 'the message', writer: 'publish(channel, …)' };
  assert.match((await rejects(() => envelopeOf(null, via))).message, '[amqp] the message is not a cereal envelope');
  assert.match((await rejects(() => envelopeOf(null, via))).message, 'write it with publish(channel, …)');
  const err = asCerealError(new TypeError('boom'), via);
  assert.equal([err.code, err.message], ['LOAD_FAILED', '[cereal] [amqp] reading the message failed: boom']);
  const own = new CerealError('STALE', 'x');
  assert.is(asCerealError(own, via), own);
});

Envelope('each refusal of an envelope or its payload is MALFORMED; a long encoding is shown cut; a wrapped error keeps its cause', async () => {
  const codes = await Promise.all([
    rejects(() => envelopeOf({ $cereal: 1, format: 'json', encoding: 'hex', payload: '' })),
    rejects(() => wireOf({ $cereal: 1, format: 'j', encoding: 'json', payload: undefined } as unknown as JobEnvelope)),
    rejects(() => wireOf({ $cereal: 1, format: 'm', encoding: 'text', payload: 5 } as unknown as JobEnvelope)),
    rejects(() => wireOf({ $cereal: 1, format: 'm', encoding: 'base64', payload: 'abc' })),
  ]);
  assert.equal(codes.map((e) => e.code), ['MALFORMED', 'MALFORMED', 'MALFORMED', 'MALFORMED']);
  const long = await rejects(() => envelopeOf({ $cereal: 1, format: 'json', encoding: 'x'.repeat(100), payload: '' }));
  assert.match(long.message, `the envelope's encoding is \`${'x'.repeat(32)}\`; this version reads`);
  const boom = new TypeError('boom');
  assert.is(asCerealError(boom, QUEUE).cause, boom);
});

Envelope.run();

const Accept = suite('queue: the serializers a worker accepts');

Accept('one serializer, or several under their formats\' names; a job of another format is MALFORMED naming what is read', async () => {
  const { msgpack, json, yaml } = serializers();
  const one = accepting(msgpack);
  assert.equal(one.formats, ['msgpack']);
  assert.is(one.get('msgpack'), msgpack);
  assert.is(one.get('json'), undefined);
  const two = accepting({ msgpack, json });
  assert.equal(two.formats, ['msgpack', 'json']);
  assert.is(two.get('json'), json);
  assert.is(two.get('constructor'), undefined, 'a format named after an Object property finds nothing');
  assert.is(two.get('toString'), undefined);
  assert.match((await rejects(() => serializerFor(one, 'yaml'))).message, '[queue] job data was written in `yaml`; this worker reads `msgpack`; a worker accepts several formats when given serializers by format name');
  assert.match((await rejects(() => serializerFor(two, 'yaml'))).message, 'this worker reads only `msgpack`, `json`');
  assert.is(serializerFor(two, 'msgpack'), msgpack);
  assert.match((await rejects(() => readJobData(two, toJobData(yaml, ref('users', 1))))).message, 'written in `yaml`');
});

Accept('anything else is INVALID_OPTION with an example of what is taken', async () => {
  const { msgpack, json } = serializers();
  const example = 'pass a serializer, or serializers by format name, e.g. { msgpack: cerealA, json: cerealB }';
  const cases: [unknown, string][] = [
    [null, `[queue] ${example}`],
    ['msgpack', `[queue] ${example}`],
    [[msgpack], `[queue] ${example}`],
    [{}, `[queue] no serializer given; ${example}`],
    [{ msgpack: 5 }, `[queue] \`msgpack\` is not a serializer; ${example}`],
    [{ msgpack: { format: 'msgpack', decode: () => 1 } }, '`msgpack` is not a serializer'],
    [{ msgpack: { format: 'msgpack', encode: () => 1 } }, '`msgpack` is not a serializer'],
    [{ msgpack: { format: 1, encode: () => 1, decode: () => 1 } }, '`msgpack` is not a serializer'],
    [{ json: msgpack }, "[queue] the serializer under `json` reads `msgpack`; put each serializer under its format's name: { msgpack: … }"],
    [{ msgpack, yaml: json }, 'the serializer under `yaml` reads `json`'],
  ];
  for (const [given, message] of cases) {
    const err = await rejects(() => accepting(given as never));
    assert.is(err.code, 'INVALID_OPTION');
    assert.match(err.message, message);
  }
});

Accept('checkSerializer takes what createSerializer returns, and names anything else', async () => {
  const { json } = serializers();
  checkSerializer(json, QUEUE);
  for (const bad of [null, {}, { encode: () => 1 }, { format: 'json' }, 'json']) {
    const err = await rejects(() => checkSerializer(bad, { ...QUEUE, label: 'pg-boss' }));
    assert.is(err.code, 'INVALID_OPTION');
    assert.match(err.message, '[pg-boss] `serializer` must be a serializer (createSerializer({ format, loaders })), got');
  }
  const typed: Serializer<Uint8Array | string> = json;
  assert.is(typed.format, 'json');
});

Accept.run();

const Durations = suite('queue: durations');

Durations('milliseconds as numbers, or a number with ms, s, m or h', () => {
  const cases: [unknown, number][] = [[0, 0], [250, 250], [1.5, 1.5], ['0ms', 0], ['500ms', 500], ['30s', 30_000], ['1.5m', 90_000], ['2h', 7_200_000], ['0.5s', 500]];
  for (const [value, ms] of cases) assert.is(durationMs('delay', value), ms, String(value));
});

Durations('anything else is INVALID_OPTION naming the option, the package and what was given', async () => {
  const cases: [unknown, string][] = [
    [-1, 'got -1'], [NaN, 'got NaN'], [Infinity, 'got Infinity'], ['5', 'got "5"'], ['5 s', 'got "5 s"'], ['-5s', 'got "-5s"'], ['5d', 'got "5d"'], ['.5s', 'got ".5s"'], ['5.s', 'got "5.s"'], ['s', 'got "s"'],
    [`${'9'.repeat(400)}ms`, 'got "999'], [null, 'got null'], [[1], 'got an array'], [{ ms: 1 }, 'got an object'], [true, 'got true'],
  ];
  for (const [value, got] of cases) {
    const err = await rejects(() => durationMs('retryAfter', value, 'bullmq'));
    assert.is(err.code, 'INVALID_OPTION');
    assert.match(err.message, "[bullmq] `retryAfter` must be a number of milliseconds (0 or more) or a string like '500ms', '30s', '5m' or '1h', got");
    assert.match(err.message, got, String(value).slice(0, 20));
  }
  assert.match((await rejects(() => durationMs('x', -1))).message, '[queue] `x`');
});

Durations.run();
