/**
 * What consume says about what it is given, in the words a user reads, before it declares
 * anything: the channel, the queue, the handler, the serializers, each option, amqplib's consume
 * options, cancel's options; and the field tables it lets through (jsonLike). Through a stand-in
 * channel that records every call: a refused option leaves the log empty. No broker.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CerealError, type Serializer } from '@cereal/core';
import { rejects } from '@cereal/testkit';
import { consume, type ConsumeOptions } from '../src/index.js';
import { MAX_TABLE_DEPTH, jsonLike, onlyKeys } from '../src/checks.js';
import { settingsOf } from '../src/options.js';
import { StandIn, cereal, json } from './_standin.js';

const handler = async (): Promise<void> => undefined;
const PREFIX = '[cereal] [amqp] ';

/** The message consume rejects with for `options`, having declared nothing. */
async function refusal(options: unknown, queue = 'mail'): Promise<string> {
  const ch = new StandIn();
  const err = await rejects(() => consume(ch.channel, queue, cereal, handler, options as ConsumeOptions));
  assert.is(err.code, 'INVALID_OPTION', err.message);
  assert.equal(ch.log, [], 'nothing declared, nothing consumed');
  assert.is(ch.listenerCount('close') + ch.listenerCount('return'), 0, 'no listener left on the channel');
  return err.message;
}

const KNOWN = 'maxAttempts, retry, deadLetter, onDiscard, onFailure, onError, onCancel, consumer, onMissingRow, missingRetry, consistency, maxRefs, maxDepth, maxBytes';
const TABLE = 'must be an object of JSON-like values, at most 100 deep (no BigInt, function, symbol, Date or other class instance, or cycle)';

/** `depth` objects nested in each other: `{ a: { a: … { a: 1 } } }`. */
const nested = (depth: number): Record<string, unknown> => {
  let value: Record<string, unknown> = { a: 1 };
  for (let i = 1; i < depth; i++) value = { a: value };
  return value;
};

const Args = suite('amqp consume: the channel, queue, handler and serializers');

Args('a channel must have what consume calls', async () => {
  const message = (got: string): string => `${PREFIX}\`channel\` must be an amqplib channel (connection.createConfirmChannel(), or createChannel()), got ${got}`;
  for (const [channel, got] of [[null, 'null'], [undefined, 'undefined'], [{}, '[object Object]'], ['amqp', 'amqp']] as [unknown, string][]) {
    assert.is((await rejects(() => consume(channel as never, 'mail', cereal, handler))).message, message(got));
  }
  for (const missing of ['consume', 'publish', 'ack', 'nack', 'assertQueue', 'on']) {
    const ch = new StandIn();
    Object.defineProperty(ch, missing, { value: undefined });
    const err = await rejects(() => consume(ch.channel, 'mail', cereal, handler));
    assert.is(err.message, message('[object Object]'), `without ${missing}`);
    assert.equal(ch.log, []);
  }
});

Args('the queue: a name of 1 to 200 bytes; the handler: a function', async () => {
  const queueMessage = `${PREFIX}\`queue\` must be a queue's name (1 to 200 bytes; retries come back to it by name, and its retry queues add to it), got`;
  const ch = new StandIn();
  assert.is((await rejects(() => consume(ch.channel, '', cereal, handler))).message, `${queueMessage} `);
  assert.is((await rejects(() => consume(ch.channel, 'é'.repeat(101), cereal, handler))).message, `${queueMessage} ${'é'.repeat(40)}… (61 more characters)`);
  assert.is((await rejects(() => consume(ch.channel, 'mail', cereal, 'handler' as never))).message, `${PREFIX}the handler must be a function, got handler`);
  assert.is((await rejects(() => consume(ch.channel, 'mail', cereal, undefined as never))).message, `${PREFIX}the handler must be a function, got undefined`);
  assert.equal(ch.log, []);
});

Args('serializers: one, or a map by format name, named as amqp\'s', async () => {
  const ch = new StandIn();
  assert.is((await rejects(() => consume(ch.channel, 'mail', {} as never, handler))).message, `${PREFIX}no serializer given; pass a serializer, or serializers by format name, e.g. { msgpack: cerealA, json: cerealB }`);
  assert.is((await rejects(() => consume(ch.channel, 'mail', { json: cereal } as never, handler))).message, `${PREFIX}the serializer under \`json\` reads \`msgpack\`; put each serializer under its format's name: { msgpack: … }`);
  assert.equal(ch.log, []);
});

Args('a serializer whose wire type cannot be told, or that refuses the decode options, is refused before anything is declared', async () => {
  const ch = new StandIn();
  const boom = new Error('boom');
  const broken = { ...cereal, format: 'mine', encode: () => { throw boom; } } as unknown as Serializer<Uint8Array>;
  const err = await rejects(() => consume(ch.channel, 'mail', broken, handler));
  assert.is(err.code, 'INVALID_OPTION');
  assert.is(err.message, `${PREFIX}cannot tell whether format \`mine\` reads bytes or text: encoding null failed: boom`);
  assert.is(err.cause, boom);
  const picky = { ...cereal, decodeMany: async () => { throw new CerealError('INVALID_OPTION', 'not these options'); } } as unknown as Serializer<Uint8Array>;
  assert.is((await rejects(() => consume(ch.channel, 'mail', picky, handler))).message, '[cereal] not these options');
  const calls: unknown[] = [];
  const both = { ...json, decodeMany: async (wires: unknown[], options: unknown) => void calls.push([wires, options]) } as unknown as Serializer<string>;
  await consume(ch.channel, 'mail', { msgpack: cereal, json: both }, handler, { maxRefs: 7 });
  assert.equal(calls, [[[], { maxRefs: 7 }]], 'each serializer checks the decode options once');
});

const Options = suite('amqp consume options: each refusal, word for word');

Options('options must be an object of known keys; `missing` is the serializer\'s', async () => {
  assert.is(await refusal(null), `${PREFIX}options must be an object, got null`);
  assert.is(await refusal([1]), `${PREFIX}options must be an object, got 1`);
  assert.is(await refusal('fast'), `${PREFIX}options must be an object, got fast`);
  assert.is(await refusal({ maxAttempt: 3 }), `${PREFIX}unknown option \`maxAttempt\` in options; known: ${KNOWN}`);
  assert.is(await refusal({ [`k${'x'.repeat(100)}`]: 1 }), `${PREFIX}unknown option \`k${'x'.repeat(63)}\` in options; known: ${KNOWN}`);
  assert.is(await refusal({ missing: 'null' }), `${PREFIX}unknown option \`missing\` in options: \`missing\` is the serializer's own (createSerializer({ missing })); known: ${KNOWN}`);
  assert.is(await refusal({ onMissingRow: 'drop' }), `${PREFIX}\`onMissingRow\` must be 'fail' or 'discard', got "drop"`);
  assert.is(await refusal({ missingRetry: '30s' }), `${PREFIX}\`missingRetry\` must be an object, \`{ within: '30s' }\`, got 30s`);
  assert.is(await refusal({ maxRefs: 0 }), '[cereal] `maxRefs` must be a positive integer, got 0');
});

Options('maxAttempts: a whole number from 1 to 1000', async () => {
  for (const [bad, got] of [[0, '0'], [1001, '1001'], [2.5, '2.5'], ['3', '3'], [null, 'null']] as [unknown, string][]) {
    assert.is(await refusal({ maxAttempts: bad }), `${PREFIX}\`maxAttempts\` must be a whole number from 1 to 1000 (1: never retried), got ${got}`);
  }
  for (const ok of [1, 1000]) assert.is(settingsOf({ maxAttempts: ok }, 'mail').maxAttempts, ok);
  assert.is(settingsOf({}, 'mail').maxAttempts, 5);
});

Options('retry: checked where consume is called', async () => {
  assert.is(await refusal({ retry: { delay: 'soon' } }), `${PREFIX}\`retry.delay\` must be a number of milliseconds (0 or more) or a string like '500ms', '30s', '5m' or '1h', got "soon"`);
  assert.is(await refusal({ retry: { dealy: '1s' } }), `${PREFIX}unknown option \`dealy\` in \`retry\`; known: delay, backoff, maxDelay, queueArguments`);
  assert.equal(settingsOf({ retry: { delay: 100, backoff: 'exponential' }, maxAttempts: 3 }, 'mail').plan.delays, [100, 200], 'planned for maxAttempts');
});

Options('callbacks: functions or nothing', async () => {
  for (const name of ['onDiscard', 'onFailure', 'onError', 'onCancel']) {
    assert.is(await refusal({ [name]: 'log' }), `${PREFIX}\`${name}\` must be a function, got log`);
    assert.is(await refusal({ [name]: null }), `${PREFIX}\`${name}\` must be a function, got null`);
  }
  const onFailure = (): void => undefined;
  const settings = settingsOf({ onFailure }, 'mail');
  assert.is(settings.onFailure, onFailure);
  assert.is(settings.onDiscard, undefined);
  assert.type(settings.onError, 'function', 'a default that logs');
  assert.type(settings.onCancel, 'function');
});

Options('deadLetter: an exchange and routing key of at most 255 bytes, never back to the work queue', async () => {
  const shape = (got: string): string => `${PREFIX}\`deadLetter\` must be { exchange: string, routingKey?: string }, each at most 255 bytes, got ${got}`;
  assert.is(await refusal({ deadLetter: null }), shape('null'));
  assert.is(await refusal({ deadLetter: 'dlx' }), shape('dlx'));
  assert.is(await refusal({ deadLetter: ['dlx'] }), shape('dlx'));
  assert.is(await refusal({ deadLetter: {} }), shape('[object Object]'));
  assert.is(await refusal({ deadLetter: { exchange: 5 } }), shape('[object Object]'));
  assert.is(await refusal({ deadLetter: { exchange: 'x'.repeat(256) } }), shape('[object Object]'));
  assert.is(await refusal({ deadLetter: { exchange: 'é'.repeat(128) } }), shape('[object Object]'), '256 bytes');
  assert.is(await refusal({ deadLetter: { exchange: 'dlx', routingKey: 'k'.repeat(256) } }), shape('[object Object]'));
  assert.is(await refusal({ deadLetter: { exchange: 'dlx', routingKey: 5 } }), shape('[object Object]'));
  assert.is(await refusal({ deadLetter: { exchange: 'dlx', queue: 'dead' } }), `${PREFIX}unknown option \`queue\` in \`deadLetter\`; known: exchange, routingKey`);
  assert.is(await refusal({ deadLetter: { exchange: '' } }), `${PREFIX}\`deadLetter: { exchange: '' }\` needs a \`routingKey\`: the name of the dead-letter queue`);
  assert.is(await refusal({ deadLetter: { exchange: '', routingKey: 'mail' } }), `${PREFIX}\`deadLetter\` routes back to the work queue \`mail\` itself: dead letters would be consumed again, forever; name a queue of their own`);
  const long = 'q'.repeat(100);
  assert.is(await refusal({ deadLetter: { exchange: '', routingKey: long } }, long), `${PREFIX}\`deadLetter\` routes back to the work queue \`${'q'.repeat(64)}\` itself: dead letters would be consumed again, forever; name a queue of their own`);
  // what is taken
  assert.equal(settingsOf({ deadLetter: { exchange: 'x'.repeat(255), routingKey: 'k'.repeat(255) } }, 'mail').deadLetter, { exchange: 'x'.repeat(255), routingKey: 'k'.repeat(255) });
  assert.equal(settingsOf({ deadLetter: { exchange: '', routingKey: 'mail.dead' } }, 'mail').deadLetter, { exchange: '', routingKey: 'mail.dead' });
  assert.equal(settingsOf({ deadLetter: { exchange: 'dlx', routingKey: 'mail' } }, 'mail').deadLetter, { exchange: 'dlx', routingKey: 'mail' }, 'through another exchange the work queue\'s name is a routing key like any');
  const plain = settingsOf({ deadLetter: { exchange: 'dlx', routingKey: undefined } }, 'mail').deadLetter!;
  assert.equal(plain, { exchange: 'dlx' });
  assert.ok(!('routingKey' in plain), 'no routingKey key: the delivered one is used');
  assert.is(settingsOf({}, 'mail').deadLetter, undefined);
});

Options('consumer: amqplib\'s consume options, noAck refused', async () => {
  const got = (consumer: unknown): string => String(consumer).slice(0, 60);
  const bad = async (consumer: unknown, what: string): Promise<void> => {
    assert.is(await refusal({ consumer }), `${PREFIX}\`consumer${what}, got ${got(consumer)}`);
  };
  await bad(null, '` must be an object of amqplib consume options');
  await bad('tag', '` must be an object of amqplib consume options');
  await bad(['tag'], '` must be an object of amqplib consume options');
  assert.is(await refusal({ consumer: { prefetch: 5 } }), `${PREFIX}unknown option \`prefetch\` in \`consumer\`; known: consumerTag, exclusive, priority, arguments, noLocal, noAck`);
  for (const noAck of [true, false]) {
    assert.is(await refusal({ consumer: { noAck } }), `${PREFIX}\`consumer.noAck\` cannot be set: cereal acks each message once it is handled, retried or dead-lettered`);
  }
  await bad({ consumerTag: 5 }, '.consumerTag` must be a string of at most 255 bytes');
  await bad({ consumerTag: 't'.repeat(256) }, '.consumerTag` must be a string of at most 255 bytes');
  await bad({ consumerTag: 'é'.repeat(128) }, '.consumerTag` must be a string of at most 255 bytes');
  for (const priority of [1.5, '1', 2 ** 31, -(2 ** 31), NaN, Infinity]) await bad({ priority }, '.priority` must be a whole number');
  await bad({ exclusive: 'yes' }, '.exclusive` must be a boolean');
  await bad({ noLocal: 1 }, '.noLocal` must be a boolean');
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  const sharedTooOften: Record<string, unknown> = {};
  const leaf = { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9 };
  for (let i = 0; i < 10_001; i++) sharedTooOften[`k${i}`] = leaf; // 10 001 × 10 values: over 100 000
  for (const args of [null, [], 'x-priority', { at: new Date(0) }, { n: 1n }, { f: () => 1 }, { s: Symbol('s') }, { m: new Map() }, { x: NaN }, { x: Infinity }, cycle, nested(MAX_TABLE_DEPTH + 1), sharedTooOften]) {
    await bad({ arguments: args }, `.arguments\` ${TABLE}`);
  }
  const ok = { consumerTag: 't'.repeat(255), exclusive: false, noLocal: true, priority: 2 ** 31 - 1, arguments: { 'x-priority': 5, deep: nested(MAX_TABLE_DEPTH - 1) } }; // 100 deep, the arguments table the first
  assert.equal(settingsOf({ consumer: ok }, 'mail').consumer, ok);
  assert.equal(settingsOf({ consumer: { priority: -(2 ** 31 - 1) } }, 'mail').consumer, { priority: -(2 ** 31 - 1) });
  assert.equal(settingsOf({}, 'mail').consumer, {});
});

Options('the decode and failure options reach the policy', () => {
  const settings = settingsOf({ onMissingRow: 'discard', missingRetry: { within: '30s' }, maxRefs: 10, maxDepth: 20, maxBytes: 1000 }, 'mail');
  assert.equal(settings.decodeOptions, { maxRefs: 10, maxDepth: 20, maxBytes: 1000 });
  assert.is(settings.policy.onMissingRow, 'discard');
  assert.equal(settings.policy.grace, { ms: 30_000, shown: '30s' });
  assert.is(settings.policy.wording.label, 'amqp');
});

const Tables = suite('amqp jsonLike: what an AMQP field table holds as it is');

Tables('strings, finite numbers, booleans, null, Buffers, arrays and plain objects of them', () => {
  for (const [i, ok] of ['s', 0, -1.5, true, false, null, Buffer.from('b'), [], {}, [1, 'a', [null]], { a: { b: [true, Buffer.alloc(0)] } }, Object.create(null), { gone: undefined }].entries()) {
    assert.is(jsonLike(ok), true, `ok ${i}`);
  }
  for (const [i, bad] of [undefined, NaN, Infinity, -Infinity, 1n, Symbol('s'), () => 1, new Date(0), new Map(), new Set(), new (class Row {})(), [undefined], { a: [NaN] }, { a: { b: 1n } }, new Uint8Array(1)].entries()) {
    assert.is(jsonLike(bad), false, `bad ${i}`);
  }
});

Tables('at most 100 deep (a Buffer or a primitive at the bottom does not count); a cycle is deeper than any', () => {
  assert.is(MAX_TABLE_DEPTH, 100);
  assert.is(jsonLike(nested(100)), true);
  assert.is(jsonLike(nested(101)), false);
  let arrays: unknown = 1;
  for (let i = 0; i < 100; i++) arrays = [arrays];
  assert.is(jsonLike(arrays), true);
  assert.is(jsonLike([arrays]), false);
  let buffers: unknown = Buffer.from('deep');
  for (let i = 0; i < 100; i++) buffers = { b: buffers };
  assert.is(jsonLike(buffers), true, 'a Buffer at depth 100');
  const cycle: unknown[] = [];
  cycle.push(cycle);
  assert.is(jsonLike(cycle), false);
  assert.is(jsonLike(nested(100_000)), false, 'no stack overflow');
});

Tables('at most 100 000 values in all, the table itself counted; an undefined entry is left out', () => {
  const wide = (n: number, extra: object = {}): Record<string, unknown> => {
    const o: Record<string, unknown> = { ...extra };
    for (let i = 0; i < n; i++) o[`k${i}`] = i;
    return o;
  };
  assert.is(jsonLike(wide(99_999)), true, '1 + 99 999');
  assert.is(jsonLike(wide(100_000)), false);
  assert.is(jsonLike(wide(99_999, { u1: undefined, u2: undefined })), true, 'undefined entries are not counted');
  assert.is(jsonLike(new Array(99_999).fill(0)), true);
  assert.is(jsonLike(new Array(100_000).fill(0)), false);
  assert.is(jsonLike(new Array(100_001).fill(0)), false);
  const leaf = [1, 2, 3, 4, 5, 6, 7, 8, 9];
  assert.is(jsonLike(new Array(9_999).fill(leaf)), true, 'a shared array counts each time: 1 + 9 999 × 10');
  assert.is(jsonLike(new Array(10_000).fill(leaf)), false, '1 + 10 000 × 10');
});

Tables('onlyKeys: names the first unknown key, cut at 64, with a hint', () => {
  onlyKeys('x', { a: 1 }, ['a', 'b']);
  const err = (() => {
    try {
      onlyKeys('`thing`', { a: 1, zz: 2, yy: 3 }, ['a'], (key) => ` (${key}?)`);
    } catch (e) {
      return e as CerealError;
    }
    throw new Error('no error');
  })();
  assert.is(err.message, `${PREFIX}unknown option \`zz\` in \`thing\` (zz?); known: a`);
});

const Cancel = suite('amqp Consumer.cancel: its options');

Cancel('cancel takes { timeout }: a duration or Infinity; anything else is refused before the consumer stops', async () => {
  const ch = new StandIn();
  const consumer = await consume(ch.channel, 'mail', cereal, handler);
  const shape = (got: string): string => `${PREFIX}cancel options must be an object, { timeout: '30s' }, got ${got}`;
  assert.is((await rejects(() => consumer.cancel(null as never))).message, shape('null'));
  assert.is((await rejects(() => consumer.cancel('5s' as never))).message, shape('5s'));
  assert.is((await rejects(() => consumer.cancel([] as never))).message, shape(''));
  for (const [timeout, got] of [['soon', '"soon"'], [-1, '-1'], [-Infinity, '-Infinity'], [NaN, 'NaN'], [null, 'null']] as [unknown, string][]) {
    const err = await rejects(() => consumer.cancel({ timeout: timeout as never }));
    assert.is(err.code, 'INVALID_OPTION');
    assert.is(err.message, `${PREFIX}\`timeout\` must be a number of milliseconds (0 or more) or a string like '500ms', '30s', '5m' or '1h', got ${got}`);
  }
  assert.not.ok(ch.log.some((l) => l.startsWith('cancel')), 'not cancelled');
  assert.is(ch.listenerCount('close'), 1, 'still listening');
  await consumer.cancel({ timeout: '1s' });
  assert.ok(ch.log.includes('cancel tag-1'));
});

Args.run();
Options.run();
Tables.run();
Cancel.run();
