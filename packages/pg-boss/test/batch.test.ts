/**
 * How work() settles each job of a batch, and what the package's checks say, without a server:
 * `boss.work` is stood in for by a function that keeps cereal's batch handler, so a test hands it
 * jobs and reads the per-job results cereal gives pg-boss. What pg-boss does with those results
 * (retries, dead letters, stored outputs) is run against PostgreSQL in work.test.ts and e2e.test.ts.
 */
import { getEventListeners } from 'node:events';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CerealError, createSerializer, ref } from '@cereal/core';
import { jsonFormat } from '@cereal/json';
import { msgpackFormat } from '@cereal/msgpack';
import { memoryLoader, rejects, throws } from '@cereal/testkit';
import { fromJobData, jobsFor, toJobData, work, type WorkOptions } from '../src/index.js';
import { bossDb } from '../src/db.js';
import { checkBoss, checkOptions, refused } from '../src/checks.js';
import { MAX_OUTPUT, storable } from '../src/output.js';

type Result = { id: string; status: string; output: Record<string, unknown> };
type Batch = (jobs: object[]) => Promise<Result[]>;

const users = memoryLoader(Array.from({ length: 300 }, (_, i) => ({ id: i + 1, name: `user ${i + 1}` })));
const cereal = createSerializer({ format: msgpackFormat(), loaders: { users } });
const json = createSerializer({ format: jsonFormat(), loaders: { users } });

/** The batch handler `register` gives pg-boss's `work`, through a stand-in boss. */
async function batchOf(register: (boss: never) => Promise<string>): Promise<Batch> {
  let batch: Batch | undefined;
  const boss = { work: async (_name: string, _options: object, fn: Batch) => ((batch = fn), 'worker-1') };
  assert.is(await register(boss as never), 'worker-1');
  return batch!;
}

/** cereal's batch handler for `handler`, as pg-boss would be given it. */
const worker = (handler: (data: any, job: any) => Promise<unknown>, options?: WorkOptions, serializers: Parameters<typeof work>[2] = cereal): Promise<Batch> =>
  batchOf((boss) => work(boss, 'q', serializers, handler, options));

let ids = 0;
const job = (data: unknown, extra: object = {}) => ({ id: `job-${++ids}`, data, retryCount: 0, retryLimit: 0, createdOn: new Date(), ...extra });
const one = async (batch: Batch, data: unknown, extra?: object): Promise<Result> => (await batch([job(data, extra)]))[0]!;

const Settle = suite('pg-boss work: each job settled on its own');

Settle('what the handler throws is the output: a CerealError with its code, an Error by name, anything else described', async () => {
  const cases: [unknown, object][] = [
    [new CerealError('STALE', 'too old'), { name: 'CerealError', message: 'STALE: [cereal] too old', code: 'STALE' }],
    [new RangeError('out of range'), { name: 'RangeError', message: 'out of range' }],
    [Object.assign(new Error('odd'), { name: 42 }), { name: 'Error' }],
    ['a string', { name: 'Error', message: 'a string' }],
  ];
  for (const [err, output] of cases) {
    const result = await one(await worker(async () => Promise.reject(err)), toJobData(cereal, { user: ref('users', 1) }));
    assert.is(result.status, 'failed');
    for (const [k, v] of Object.entries(output)) assert.is(result.output[k], v, `${String(err)}: ${k}`);
  }
  const getter = new Error('x');
  Object.defineProperty(getter, 'name', { get: () => { throw new Error('no name'); } });
  const result = await one(await worker(async () => Promise.reject(getter)), toJobData(cereal, { user: ref('users', 1) }));
  assert.is(result.status, 'failed');
  assert.is(result.output.name, 'Error', 'a name that throws when read');
});

Settle('a job or a result that throws when looked at fails (retried), saying so; a result that is no JSON is dead-lettered, saying why', async () => {
  const trap = (): never => {
    throw new Error('trap');
  };
  // pg-boss reads createdOn from its table; a value that throws when looked at stands for what cannot be foreseen
  const created = new Proxy(new Date(), { getPrototypeOf: trap });
  const looked = await one(await worker(async () => undefined), toJobData(cereal, { user: ref('users', 5000) }), { createdOn: created });
  assert.equal(looked, { id: looked.id, status: 'failed', output: { name: 'Error', message: '[pg-boss] settling the job failed: trap' } });
  // a result whose `then` throws: the handler's promise rejects with it
  const hostile = await one(await worker(async () => new Proxy({}, { ownKeys: trap, get: trap, getPrototypeOf: trap })), toJobData(cereal, { user: ref('users', 1) }));
  assert.equal(hostile.output, { name: 'Error', message: 'trap' });
  assert.is(hostile.status, 'failed');
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  const loop = await one(await worker(async () => circular), toJobData(cereal, { user: ref('users', 1) }));
  assert.is(loop.status, 'deadletter');
  assert.is(loop.output.code, 'MALFORMED');
  assert.match(String(loop.output.message), /^MALFORMED: \[pg-boss\] what the handler returned cannot be stored as the job's output: it is not JSON \(Converting circular structure[^]*\); return \(or throw\) plain JSON data$/);
});

Settle('a handler returning refs: dead-lettered, named as the handler, with the refs', async () => {
  const result = await one(await worker(async () => ({ next: ref('users', 2) })), toJobData(cereal, { user: ref('users', 1) }));
  assert.is(result.status, 'deadletter');
  assert.match(String(result.output.message), "[pg-boss] the handler returned 1 ref (`users:2`), which pg-boss cannot store as the job's output");
  assert.equal(result.output.refs, ['users:2']);
});

Settle('missing rows: the first 100 refs are listed; a failure without refs lists none', async () => {
  const many = Array.from({ length: 150 }, (_, i) => ref('users', 1000 + i));
  const missing = await one(await worker(async () => undefined), toJobData(cereal, many));
  assert.is(missing.status, 'deadletter');
  assert.is((missing.output.refs as string[]).length, 100);
  assert.is((missing.output.refs as string[])[99], 'users:1099');
  const malformed = await one(await worker(async () => undefined), { cereal: 1, format: 'msgpack', payload: '!!' });
  assert.is(malformed.output.code, 'MALFORMED');
  assert.is('refs' in malformed.output, false);
  // a serializer of one's own that settles a job with something other than a CerealError
  const own = { ...cereal, decodeMany: async (wires: unknown[]) => wires.map(() => ({ status: 'rejected' as const, reason: new TypeError('not mine') })) };
  const odd = await one(await worker(async () => undefined, undefined, own as never), toJobData(cereal, { user: ref('users', 1) }));
  assert.is(odd.status, 'failed');
  assert.is('refs' in odd.output, false, JSON.stringify(odd.output));
});

Settle('missingRetry counts attempts as pg-boss does: retryCount from 0, retryLimit retries', async () => {
  const batch = await worker(async () => undefined, { missingRetry: { within: 60_000 } });
  const data = toJobData(cereal, { user: ref('users', 5000) });
  const first = await one(batch, data, { retryCount: 0, retryLimit: 2 });
  assert.is(first.status, 'failed', 'retried');
  assert.match(String(first.output.message), '(attempt 1 of 3 failed)');
  const last = await one(batch, data, { retryCount: 2, retryLimit: 2 });
  assert.is(last.status, 'deadletter');
  assert.match(String(last.output.message), 'attempt 3 of 3 was its last');
  const odd = await one(batch, data, { retryCount: 'x', retryLimit: null });
  assert.is(odd.status, 'deadletter', 'no attempts known: one, the last');
  assert.match(String(odd.output.message), 'attempt 1 of 1 was its last');
});

Settle("pg-boss's abort signal: a job aborted before or while its handler runs fails; a settled handler leaves no listener", async () => {
  const data = toJobData(cereal, { user: ref('users', 1) });
  const before = new AbortController();
  before.abort();
  const early = await one(await worker(async () => 'done'), data, { signal: before.signal });
  assert.is(early.status, 'failed');
  assert.is(early.output.message, 'pg-boss aborted the job before its handler settled');
  const during = new AbortController();
  const hung = await worker(async () => new Promise(() => undefined));
  const pending = one(hung, data, { signal: during.signal });
  setTimeout(() => during.abort(), 10);
  const late = await pending;
  assert.is(late.status, 'failed');
  assert.is(late.output.message, 'pg-boss aborted the job before its handler settled (it expired, or the worker stopped)');
  for (const handler of [async () => 'done', async () => Promise.reject(new Error('no'))]) {
    const signal = new AbortController().signal;
    await one(await worker(handler), data, { signal });
    assert.is(getEventListeners(signal, 'abort').length, 0);
  }
  const notASignal = await one(await worker(async () => 'done'), data, { signal: {} });
  assert.equal([notASignal.status, notASignal.output], ['completed', 'done']);
});

Settle('jobsFor: checks its serializer and options at once; `accept` adds formats the worker reads', async () => {
  assert.is(throws(() => jobsFor(null as never), 'INVALID_OPTION').message.includes('[pg-boss]'), true);
  assert.is(throws(() => jobsFor(cereal, 5 as never), 'INVALID_OPTION').message, '[cereal] [pg-boss] options must be an object, got 5');
  const handled: unknown[] = [];
  const both = await batchOf((boss) => jobsFor(cereal, { accept: { json } }).work(boss, 'q', async (data: any) => void handled.push(data.user.name)));
  const results = await both([job(toJobData(cereal, { user: ref('users', 1) })), job(toJobData(json, { user: ref('users', 2) }))]);
  assert.equal(results.map((r) => r.status), ['completed', 'completed']);
  assert.equal(handled.sort(), ['user 1', 'user 2']);
  const own = await batchOf((boss) => jobsFor(cereal).work(boss, 'q', async () => undefined));
  const [refusedJson] = await own([job(toJobData(json, { user: ref('users', 2) }))]);
  assert.is(refusedJson!.status, 'deadletter', 'without accept, only its own format');
});

Settle('fromJobData reads what send wrote, outside a worker', async () => {
  const out = (await fromJobData(cereal, toJobData(cereal, { user: ref('users', 3) }))) as { user: { name: string } };
  assert.is(out.user.name, 'user 3');
  assert.is((await rejects(() => fromJobData(cereal, { not: 'cereal' }))).code, 'MALFORMED');
});

Settle.run();

const Checks = suite('pg-boss: what it checks, in words');

Checks('boss and options', () => {
  for (const boss of [null, undefined, 'boss', {}, { send: 1 }, () => undefined]) {
    assert.match(throws(() => checkBoss(boss, 'send'), 'INVALID_OPTION').message, '[cereal] [pg-boss] `boss` must be a started PgBoss instance (new PgBoss(…), then await boss.start()), got ');
  }
  checkBoss({ send() {} }, 'send');
  for (const options of [null, [], 'x', 5]) assert.match(throws(() => checkOptions(options), 'INVALID_OPTION').message, '[cereal] [pg-boss] options must be an object, got ');
  checkOptions(undefined);
  checkOptions({});
});

Checks("pg-boss's own assertion is INVALID_OPTION with it as the cause; anything else passes as it is", () => {
  const assertion = Object.assign(new Error('batchSize must be an integer > 0'), { code: 'ERR_ASSERTION' });
  const err = refused(assertion) as CerealError;
  assert.is(err.code, 'INVALID_OPTION');
  assert.is(err.message, '[cereal] [pg-boss] batchSize must be an integer > 0');
  assert.is(err.cause, assertion);
  for (const other of [new Error('connection refused'), null, undefined, 'x']) assert.is(refused(other), other);
});

Checks("send's db: a pg-boss Db as it is, a Knex transaction through pg-boss's fromKnex, anything else refused in words", () => {
  const db = { executeSql: async () => ({ rows: [] }) };
  assert.is(bossDb(db), db);
  const trx = Object.assign(() => undefined, { raw: async () => ({ rows: [] }), isTransaction: true, isCompleted: () => false });
  assert.is(typeof bossDb(trx).executeSql, 'function');
  assert.is(typeof bossDb({ raw: async () => ({ rows: [] }), isTransaction: true }).executeSql, 'function', 'an object, and no isCompleted');
  const cases: [unknown, string][] = [
    [null, '`db` must be a Knex transaction or a pg-boss Db (with executeSql), got null'],
    ['trx', '`db` must be a Knex transaction or a pg-boss Db (with executeSql), got trx'],
    [{ executeSql: 1, raw: 1 }, '`db` must be a Knex transaction or a pg-boss Db (with executeSql), got '],
    [() => undefined, '`db` must be a Knex transaction or a pg-boss Db (with executeSql), got '],
    [Object.assign(() => undefined, { raw() {} }), '`db` is a Knex instance, not a transaction'],
    [{ raw() {}, isTransaction: 'yes' }, '`db` is a Knex instance, not a transaction'],
    [{ ...trx, raw() {}, isTransaction: true, isCompleted: () => true }, '`db` is a Knex transaction that has ended'],
  ];
  for (const [value, message] of cases) assert.match(throws(() => bossDb(value), 'INVALID_OPTION').message, `[cereal] [pg-boss] ${message}`);
});

Checks('an output is stored as JSON of at most MAX_OUTPUT characters, with what jsonb refuses replaced', () => {
  assert.equal(storable({ n: 1n, s: 'a\u0000b' }), { ok: true, value: { n: '1', s: 'a\ufffdb' } });
  assert.equal(storable(undefined), { ok: true, value: null });
  const fits = 'x'.repeat(MAX_OUTPUT - 2); // with its two quotes, exactly MAX_OUTPUT
  assert.is(storable(fits).ok, true);
  assert.equal(storable(`${fits}x`), { ok: false, why: `its JSON is ${MAX_OUTPUT + 1} characters, more than ${MAX_OUTPUT}` });
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  const loop = storable(circular);
  assert.is(loop.ok, false);
  assert.match((loop as { why: string }).why, /^it is not JSON \(Converting circular structure/);
});

Checks.run();
