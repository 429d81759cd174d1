import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CerealError, createSerializer, ref } from '@cereal/core';
import { jsonFormat } from '@cereal/json';
import { msgpackFormat } from '@cereal/msgpack';
import { yamlFormat } from '@cereal/yaml';
import { memoryLoader } from '@cereal/testkit';
import { accepting, contentTypeOf, formatOfContentType, readJobDataMany, refsInResult, toJobData, QUEUE } from '../src/index.js';

const users = () => memoryLoader(Array.from({ length: 50 }, (_, i) => ({ id: i + 1, name: `user ${i + 1}` })));

const Many = suite('readJobDataMany: a batch read together, a result per job');

Many('one load per model for the whole batch; each job its own rows, its own failures', async () => {
  const loader = users();
  const cereal = createSerializer({ format: msgpackFormat(), loaders: { users: loader } });
  const items = [
    toJobData(cereal, { user: ref('users', 1) }),
    toJobData(cereal, { user: ref('users', 99) }), // missing
    { not: 'an envelope' },
    toJobData(cereal, [ref('users', 1), ref('users', 2)]),
  ];
  const out = await readJobDataMany(accepting(cereal), items);
  assert.is(loader.calls.length, 1, 'one load');
  assert.equal(loader.calls[0]!.map(String).sort(), ['1', '2', '99']);
  assert.is(out[0]!.status, 'fulfilled');
  assert.equal((out[0] as { value: unknown }).value, { user: { id: 1, name: 'user 1' } });
  assert.is((out[1] as { reason: CerealError }).reason.code, 'MISSING_ROW');
  assert.equal((out[1] as { reason: CerealError }).reason.refs!.map((r) => r.key), ['users:99']);
  assert.is((out[2] as { reason: CerealError }).reason.code, 'MALFORMED');
  const first = (out[0] as { value: { user: object } }).value.user;
  const again = (out[3] as { value: object[] }).value[0];
  assert.is.not(first, again, 'each job its own row objects');
});

Many('several formats in one batch: each accepted format decoded together; a format not accepted fails only its job', async () => {
  const loader = users();
  const m = createSerializer({ format: msgpackFormat(), loaders: { users: loader } });
  const j = createSerializer({ format: jsonFormat(), loaders: { users: loader } });
  const y = createSerializer({ format: yamlFormat(), loaders: { users: loader } });
  const items = [toJobData(m, ref('users', 1)), toJobData(j, ref('users', 2)), toJobData(y, ref('users', 3)), toJobData(m, ref('users', 4))];
  const out = await readJobDataMany(accepting({ msgpack: m, json: j }), items);
  assert.equal(out.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
  assert.match((out[2] as { reason: Error }).reason.message, /written in `yaml`; this worker reads only `msgpack`, `json`/);
  assert.is(loader.calls.length, 2, 'one load per format');
});

Many('a load that fails fails every job that needed it, LOAD_FAILED, and no other', async () => {
  const loader = users();
  const posts = memoryLoader([{ id: 1, title: 't' }]);
  const cereal = createSerializer({ format: msgpackFormat(), loaders: { users: loader, posts } });
  loader.fail = new Error('connection reset');
  const out = await readJobDataMany(accepting(cereal), [toJobData(cereal, ref('users', 1)), toJobData(cereal, ref('posts', 1))]);
  assert.is((out[0] as { reason: CerealError }).reason.code, 'LOAD_FAILED');
  assert.is(out[1]!.status, 'fulfilled');
});

Many('an empty batch reads nothing', async () => {
  const loader = users();
  const cereal = createSerializer({ format: msgpackFormat(), loaders: { users: loader } });
  assert.equal(await readJobDataMany(accepting(cereal), []), []);
  assert.is(loader.calls.length, 0);
});

Many('options the serializer refuses fail every job of its format alike, each with the error; a long batch lets the event loop run between payloads', async () => {
  const cereal = createSerializer({ format: msgpackFormat(), loaders: { users: memoryLoader([{ id: 1 }]) } });
  const items = [toJobData(cereal, ref('users', 1)), toJobData(cereal, ref('users', 1))];
  const out = await readJobDataMany(accepting(cereal), items, { maxRefs: -1 } as never);
  assert.equal(out.map((r) => r.status), ['rejected', 'rejected']);
  const reasons = out.map((r) => (r as PromiseRejectedResult).reason as CerealError);
  assert.is(reasons[0]!.code, 'INVALID_OPTION');
  assert.is(reasons[1], reasons[0]);
  // the first item holds the loop 30 ms (a getter standing for a large payload); an immediate queued before the call runs before the second is read
  let ran = false;
  let seen: boolean | undefined;
  const slow = { get $cereal() { const end = performance.now() + 30; while (performance.now() < end); return 1; }, format: 'msgpack', encoding: 'base64', payload: (items[0] as { payload: string }).payload };
  const second = { get $cereal() { seen = ran; return 1; }, format: 'msgpack', encoding: 'base64', payload: (items[1] as { payload: string }).payload };
  setImmediate(() => (ran = true));
  const both = await readJobDataMany(accepting(cereal), [slow, second]);
  assert.equal(both.map((r) => r.status), ['fulfilled', 'fulfilled']);
  assert.is(seen, true);
});

Many.run();

const Types = suite('content types and refs in results');

Types('content types name the format; parameters and the prefix case are ignored; anything else is MALFORMED', () => {
  assert.is(contentTypeOf('msgpack', QUEUE), 'application/x-cereal+msgpack');
  for (const [type, format] of [
    ['application/x-cereal+msgpack', 'msgpack'],
    ['Application/X-Cereal+json; charset=utf-8', 'json'],
    ['application/x-cereal+yaml ', 'yaml'],
  ]) assert.is(formatOfContentType(type, QUEUE), format);
  for (const bad of ['application/json', 'application/x-cereal+', 'application/x-cereal+a b', undefined, 42, 'x'.repeat(5000)]) {
    try {
      formatOfContentType(bad, { label: 'amqp', what: 'the message', writer: 'publish(…)' });
      assert.unreachable(String(bad));
    } catch (err) {
      assert.is((err as CerealError).code, 'MALFORMED');
      assert.match((err as Error).message, /^\[cereal\] \[amqp\] the message has .*, not a cereal content type \(application\/x-cereal\+<format>\); publish it with publish\(…\)$/);
      assert.ok((err as Error).message.length < 300);
    }
  }
  try {
    contentTypeOf('my format', QUEUE);
    assert.unreachable();
  } catch (err) {
    assert.is((err as CerealError).code, 'INVALID_OPTION');
  }
});

Types('refsInResult names the refs in a return value; rows and plain values pass', () => {
  const err = refsInResult({ a: [ref('users', 9)], b: ref('users', 8) }, QUEUE, 'the handler', 'the queue cannot store');
  assert.is(err?.code, 'MALFORMED');
  assert.match(err!.message, /the handler returned 2 refs \(`users:9`, `users:8`\), which the queue cannot store; return their keys/);
  assert.is(refsInResult({ id: 1 }, QUEUE, 'x', 'y'), undefined);
  assert.is(refsInResult(42, QUEUE, 'x', 'y'), undefined);
  const circular: { self?: unknown } = {};
  circular.self = circular;
  assert.is(refsInResult(circular, QUEUE, 'x', 'y'), undefined, 'left to the queue');
});

Types('what a message says it found: the content type (cut at 64 characters), no content type, or the kind of value', () => {
  const said = (value: unknown): string => {
    try {
      formatOfContentType(value, QUEUE);
    } catch (err) {
      return (err as Error).message;
    }
    throw new Error('expected MALFORMED');
  };
  assert.is(said(undefined), '[cereal] [queue] job data has no content type, not a cereal content type (application/x-cereal+<format>); publish it with toJobData(serializer, value)');
  assert.match(said(42), 'job data has a number, not');
  assert.match(said(null), 'job data has null, not');
  assert.match(said(['application/x-cereal+json']), 'job data has an object, not');
  assert.match(said(true), 'job data has a boolean, not');
  assert.match(said('text/plain'), 'job data has `text/plain`, not');
  assert.match(said(`application/x-cereal+${'a'.repeat(100)}`), `has \`application/x-cereal+${'a'.repeat(43)}\`, not`);
});

Types('a format\'s name: a letter or digit first, then up to 63 of the restricted-name characters', () => {
  for (const name of ['a', '7z', 'x'.repeat(64), 'my-format.v2+gz', 'A!#$&^_.+-']) {
    assert.is(contentTypeOf(name, QUEUE), `application/x-cereal+${name}`, name);
    assert.is(formatOfContentType(contentTypeOf(name, QUEUE), QUEUE), name, name);
  }
  for (const name of ['', '-a', '.a', 'x'.repeat(65), 'a b', 'a/b', 'a;b', 'é', 'a\n']) {
    let error: unknown;
    try {
      contentTypeOf(name, QUEUE);
    } catch (err) {
      error = err;
    }
    assert.is((error as CerealError | undefined)?.code, 'INVALID_OPTION', JSON.stringify(name));
    assert.is((error as Error).message, `[cereal] [queue] a format's name goes into the content type, so it must be letters, digits and !#$&^_.+- (at most 64); got \`${name.slice(0, 64)}\``);
    // read back, a `;` starts the parameters and surrounding space is trimmed: `a;b` and `a\n` are `a`
    if (!/[;\n]/.test(name)) assert.throws(() => formatOfContentType(`application/x-cereal+${name}`, QUEUE), (err: unknown) => (err as CerealError).code === 'MALFORMED', JSON.stringify(name));
  }
  assert.is(formatOfContentType('APPLICATION/X-CEREAL+MsgPack', QUEUE), 'MsgPack', 'the prefix in any case; the name as it is');
  assert.is(formatOfContentType(' application/x-cereal+json ;q=1;x=2', QUEUE), 'json');
  assert.throws(() => formatOfContentType('xapplication/x-cereal+json', QUEUE));
});

Types('refsInResult: one ref alone, a ref as the whole result, refs inside Maps and Sets; at most five named; deeper than 64 levels left to the queue', () => {
  const one = refsInResult([ref('users', 1)], QUEUE, 'the processor', 'BullMQ cannot store');
  assert.is(one?.message, '[cereal] [queue] the processor returned 1 ref (`users:1`), which BullMQ cannot store; return their keys (`ref.key`) or the rows');
  assert.equal(one?.refs?.map((r) => r.key), ['users:1']);
  assert.match(refsInResult(ref('users', 2), QUEUE, 'x', 'y')!.message, 'x returned 1 ref (`users:2`)');
  assert.match(refsInResult({ m: new Map([['k', ref('users', 3)]]), s: new Set([ref('users', 4)]) }, QUEUE, 'x', 'y')!.message, 'x returned 2 refs');
  const seven = refsInResult(Array.from({ length: 7 }, (_, i) => ref('users', i + 1)), QUEUE, 'x', 'y')!;
  assert.is(seven.refs?.length, 7);
  assert.match(seven.message, 'returned 7 refs (`users:1`, `users:2`, `users:3`, `users:4`, `users:5` and 2 more)');
  const nest = (depth: number): unknown => (depth === 0 ? ref('users', 1) : { n: nest(depth - 1) });
  assert.is(refsInResult(nest(60), QUEUE, 'x', 'y')?.code, 'MALFORMED', '60 levels down is looked at');
  assert.is(refsInResult(nest(70), QUEUE, 'x', 'y'), undefined, '70 levels down is not');
  assert.is(refsInResult(null, QUEUE, 'x', 'y'), undefined);
  assert.is(refsInResult('users:1', QUEUE, 'x', 'y'), undefined);
});

Types.run();
