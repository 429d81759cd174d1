import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { UnrecoverableError, type Job } from 'bullmq';
import { CerealError, createSerializer, ref, type CerealErrorCode, type Loader } from '@cereal/core';
import { jsonFormat } from '@cereal/json';
import { msgpackFormat } from '@cereal/msgpack';
import { MAX_MESSAGE } from '@cereal/core/format';
import { memoryLoader, rejects } from '@cereal/testkit';
import { toJobData, withRefs, type JobEnvelope, type WithRefsOptions } from '../src/index.js';
import { fakeJob } from './_jobs.js';

const setup = () => {
  const users = memoryLoader([{ id: 1, name: 'Ada' }, { id: 2, name: 'Grace' }]);
  return { users, cereal: createSerializer({ format: msgpackFormat(), loaders: { users } }) };
};
/** A job created `age` ms ago, on attempt `attemptsMade + 1` of `attempts`. */
const agedJob = (data: unknown, age: number, attempts = 5, attemptsMade = 0) => fakeJob(data, { timestamp: Date.now() - age, attemptsMade, opts: { attempts } });
/** What `run` throws for `job`. */
const thrownBy = async (run: (job: Job<JobEnvelope>) => Promise<unknown>, job: Job<JobEnvelope>): Promise<Error> => {
  try {
    await run(job);
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the processor to throw');
};
/** What withRefs' processor throws for this job data. */
const thrown = async (run: (job: Job<JobEnvelope>) => Promise<unknown>, data: unknown): Promise<Error> => {
  try {
    await run(fakeJob(data).job);
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the processor to throw');
};

const WithRefs = suite('withRefs');

WithRefs('hands the processor hydrated data, then the job', async () => {
  const { cereal } = setup();
  const { job } = fakeJob(toJobData(cereal, { user: ref('users', 1) }));
  const out = await withRefs<{ user: { name: string } }, string>(cereal, async (data, j) => {
    assert.ok(j === job);
    return data.user.name;
  })(job);
  assert.is(out, 'Ada');
});

WithRefs('given serializers by format name, each job is decoded with the serializer of its format', async () => {
  const { cereal, users } = setup();
  const json = createSerializer({ format: jsonFormat(), loaders: { users } });
  const run = withRefs<{ user: { name: string } }, string>({ msgpack: cereal, json }, async ({ user }, job) => `${job.data.format}: ${user.name}`);
  assert.is(await run(fakeJob(toJobData(cereal, { user: ref('users', 1) })).job), 'msgpack: Ada');
  assert.is(await run(fakeJob(toJobData(json, { user: ref('users', 2) })).job), 'json: Grace');
});

WithRefs('a missing row fails without retries: UnrecoverableError naming the refs', async () => {
  const { cereal } = setup();
  let ran = false;
  const err = await thrown(withRefs(cereal, async () => (ran = true)), toJobData(cereal, [ref('users', 1), ref('users', 8), ref('users', 9)]));
  assert.instance(err, UnrecoverableError);
  assert.match(err.message, /^MISSING_ROW: .*`users:8`, `users:9`/);
  assert.is((err.cause as CerealError).code, 'MISSING_ROW');
  assert.not.ok(ran);
});

WithRefs('onMissingRow: discard completes the job without the processor, with a log line', async () => {
  const { cereal } = setup();
  const { job, logs } = fakeJob(toJobData(cereal, [ref('users', 9)]));
  let ran = false;
  assert.is(await withRefs(cereal, async () => (ran = true), { onMissingRow: 'discard' })(job), undefined);
  assert.not.ok(ran);
  assert.match(logs[0]!, /users:9/);
});

WithRefs('onMissingRow: discard discards missing rows only: malformed data and unknown models still fail, without retries', async () => {
  const { cereal } = setup();
  const producer = createSerializer({ format: msgpackFormat(), loaders: { users: memoryLoader([]), orders: memoryLoader([]) } });
  for (const [code, data] of [['MALFORMED', { user: 1 }], ['MALFORMED', { $cereal: 1, format: 7, encoding: 'base64', payload: '' }], ['UNKNOWN_MODEL', toJobData(producer, ref('orders', 1))]] as const) {
    let ran = false;
    const { job, logs } = fakeJob(data);
    const err = await withRefs(cereal, async () => (ran = true), { onMissingRow: 'discard' })(job).then(() => undefined, (e: unknown) => e as Error);
    assert.instance(err, UnrecoverableError, code);
    assert.ok(err!.message.startsWith(`${code}: `), err!.message);
    assert.not.ok(ran);
    assert.equal(logs, [], 'no discard line');
  }
});

WithRefs('the serializer\'s missing: null runs the processor with null; decode options pass through', async () => {
  const users = memoryLoader([{ id: 1, name: 'Ada' }]);
  const cereal = createSerializer({ format: msgpackFormat(), loaders: { users }, missing: 'null' });
  const { job } = fakeJob(toJobData(cereal, { user: ref('users', 9) }));
  assert.equal(await withRefs(cereal, async (data) => data)(job), { user: null });
  const err = await thrown(withRefs(cereal, async () => 1, { maxBytes: 4 }), toJobData(cereal, { user: ref('users', 1) }));
  assert.match(err.message, /^LIMIT: /);
});

WithRefs('LOAD_FAILED fails the attempt with a retryable Error whose message starts `LOAD_FAILED:`, the CerealError as its cause', async () => {
  const down: Loader<{ id: number }> = { keyOf: (r) => r.id, load: async () => { throw new Error('connect ECONNREFUSED'); } };
  const cereal = createSerializer({ format: msgpackFormat(), loaders: { users: down } });
  const err = await thrown(withRefs(cereal, async () => 1), toJobData(cereal, ref('users', 1)));
  assert.not.instance(err, UnrecoverableError); // BullMQ retries any other error with the job's attempts and backoff
  assert.not.instance(err, CerealError);
  assert.match(err.message, /^LOAD_FAILED: \[cereal\] .*ECONNREFUSED/);
  const cause = err.cause as CerealError;
  assert.equal([cause.code, cause.retryable], ['LOAD_FAILED', true]);
});

// Every CerealError a decode can give, and the job data or options that give it.
const failures: [CerealErrorCode, () => [Parameters<typeof withRefs>[0], unknown, WithRefsOptions?]][] = [
  ['MALFORMED', () => [setup().cereal, { user: 1 }]],
  ['MISSING_ROW', () => {
    const { cereal } = setup();
    return [cereal, toJobData(cereal, ref('users', 9))];
  }],
  ['LIMIT', () => {
    const { cereal } = setup();
    return [cereal, toJobData(cereal, [ref('users', 1), ref('users', 2)]), { maxRefs: 1 }];
  }],
  ['UNKNOWN_MODEL', () => {
    const producer = createSerializer({ format: msgpackFormat(), loaders: { users: memoryLoader([]), orders: memoryLoader([]) } });
    return [setup().cereal, toJobData(producer, ref('orders', 1))];
  }],
  ['INVALID_OPTION', () => {
    const twice: Loader<{ id: number }> = { keyOf: (r) => r.id, load: async () => [{ id: 1 }, { id: 1 }] }; // a key column that is not unique
    const cereal = createSerializer({ format: msgpackFormat(), loaders: { users: twice } });
    return [cereal, toJobData(cereal, ref('users', 1))];
  }],
  ['LOAD_FAILED', () => {
    const down: Loader<{ id: number }> = { keyOf: (r) => r.id, load: async () => { throw new Error('timeout'); } };
    const cereal = createSerializer({ format: msgpackFormat(), loaders: { users: down } });
    return [cereal, toJobData(cereal, ref('users', 1))];
  }],
];
for (const [code, make] of failures) {
  WithRefs(`${code}: the error that fails the attempt (the job's failedReason) starts with \`${code}:\``, async () => {
    const [serializers, data, options] = make();
    const err = await thrown(withRefs(serializers, async () => 1, options), data);
    assert.ok(err.message.startsWith(`${code}: [cereal] `), err.message);
    assert.is((err.cause as CerealError).code, code);
    assert.is(err instanceof UnrecoverableError, code !== 'LOAD_FAILED');
  });
}

WithRefs('a processor that returns refs (kept by missing: keep) fails the job once, naming them; JSON.stringify of the failure works', async () => {
  const users = memoryLoader([{ id: 1, name: 'Ada' }]);
  const cereal = createSerializer({ format: msgpackFormat(), loaders: { users }, missing: 'keep' });
  const data = toJobData(cereal, { user: ref('users', 9), list: [ref('users', 8)] });
  const err = await thrown(withRefs(cereal, async (value) => value), data);
  assert.instance(err, UnrecoverableError);
  assert.match(err.message, /^MALFORMED: \[cereal\] \[bullmq\] the processor returned 2 refs \(`users:9`, `users:8`\)/);
  assert.match(err.message, "BullMQ cannot store as the job's return value");
  assert.is((err.cause as CerealError).code, 'MALFORMED');
  const json = JSON.parse(JSON.stringify({ err, cause: err.cause })) as { cause: { code: string; refs: string[] } };
  assert.equal([json.cause.code, json.cause.refs], ['MALFORMED', ['users:9', 'users:8']]);
  // a return value without refs, deep or not, passes as it is
  let deep: unknown = 'bottom';
  for (let i = 0; i < 200; i++) deep = [deep];
  assert.ok((await withRefs(cereal, async () => deep)(fakeJob(data).job)) === deep);
  const plain = { keys: ['users:9'] };
  assert.ok((await withRefs(cereal, async () => plain)(fakeJob(data).job)) === plain);
});

WithRefs('a discard log line stays within the messages\' bound however many refs are gone', async () => {
  const { cereal } = setup();
  const { job, logs } = fakeJob(toJobData(cereal, Array.from({ length: 5000 }, (_, i) => ref('users', `${'x'.repeat(200)}${i}`))));
  await withRefs(cereal, async () => 1, { onMissingRow: 'discard' })(job);
  assert.ok(logs[0]!.length <= MAX_MESSAGE, `${logs[0]!.length}`);
  assert.match(logs[0]!, /^discarded by cereal: 5000 referenced rows are gone/);
});

WithRefs('an error that is no CerealError, from a serializer of your own, passes as it is: BullMQ retries it', async () => {
  const { cereal } = setup();
  const boom = new TypeError('boom');
  const own = { format: cereal.format, encode: cereal.encode, decode: async () => { throw boom; } };
  const err = await thrown(withRefs(own as never, async () => 1), toJobData(cereal, ref('users', 1)));
  assert.is(err, boom);
  assert.not.instance(err, UnrecoverableError);
});

WithRefs('an error your processor throws passes as it is', async () => {
  const { cereal } = setup();
  const mine = new CerealError('MISSING_ROW', 'from the processor');
  const err = await thrown(withRefs(cereal, async () => { throw mine; }), toJobData(cereal, ref('users', 1)));
  assert.ok(err === mine);
});

WithRefs('a bad option is INVALID_OPTION', async () => {
  const { cereal } = setup();
  assert.is((await rejects(() => withRefs(cereal, async () => 1, { onMissingRow: 'retry' as never }))).code, 'INVALID_OPTION');
});

WithRefs('any CerealError whose `retryable` is true is retried, whatever its code; a LOAD_FAILED made not retryable is not', async () => {
  const throwing = (make: () => CerealError) => {
    const loader: Loader<{ id: number }> = { keyOf: (r) => r.id, load: async () => { throw make(); } };
    return createSerializer({ format: msgpackFormat(), loaders: { users: loader } });
  };
  // a code core may add (STALE: the reader is behind the pinned version), retryable
  const stale = throwing(() => Object.defineProperty(new CerealError('STALE' as CerealErrorCode, 'the reader is behind'), 'retryable', { value: true }));
  const err = await thrown(withRefs(stale, async () => 1), toJobData(stale, ref('users', 1)));
  assert.not.instance(err, UnrecoverableError);
  assert.match(err.message, /^STALE: \[cereal\] the reader is behind/);
  assert.is((err.cause as CerealError).code, 'STALE');
  const fixed = throwing(() => Object.defineProperty(new CerealError('LOAD_FAILED', 'never again'), 'retryable', { value: false }));
  assert.instance(await thrown(withRefs(fixed, async () => 1), toJobData(fixed, ref('users', 1))), UnrecoverableError);
});

const MissingRetry = suite('withRefs: missingRetry');

MissingRetry('a MISSING_ROW on a job younger than `within` fails the attempt with a retryable Error that says why, the CerealError as its cause', async () => {
  const { cereal } = setup();
  let ran = false;
  const run = withRefs(cereal, async () => (ran = true), { missingRetry: { within: '30s' } });
  const err = await thrownBy(run, agedJob(toJobData(cereal, { user: ref('users', 9) }), 1200, 5, 1).job);
  assert.not.instance(err, UnrecoverableError);
  assert.not.instance(err, CerealError);
  assert.match(err.message, /^MISSING_ROW: \[bullmq\] retrying: the job is 1\d{3}ms old, younger than missingRetry\.within \(30s\), and its rows may not be visible yet \(attempt 2 of 5 failed\)\. \[cereal\] 1 referenced row is missing: `users:9`$/);
  const cause = err.cause as CerealError;
  assert.equal([cause.code, cause.retryable, cause.refs?.map((r) => r.key)], ['MISSING_ROW', false, ['users:9']]);
  assert.not.ok(ran);
  // the rows found, the same job runs
  assert.is(await withRefs(cereal, async () => 'ran', { missingRetry: { within: '30s' } })(agedJob(toJobData(cereal, { user: ref('users', 1) }), 1200).job), 'ran');
});

MissingRetry('a job older than `within` fails as without the option, an UnrecoverableError saying it is past the grace period', async () => {
  const { cereal } = setup();
  const data = toJobData(cereal, [ref('users', 8), ref('users', 9)]);
  const plain = await thrownBy(withRefs(cereal, async () => 1), agedJob(data, 31_000).job);
  const err = await thrownBy(withRefs(cereal, async () => 1, { missingRetry: { within: '30s' } }), agedJob(data, 31_000).job);
  assert.instance(err, UnrecoverableError);
  assert.instance(plain, UnrecoverableError);
  assert.match(plain.message, /^MISSING_ROW: \[cereal\] 2 referenced rows are missing: `users:8`, `users:9`$/);
  assert.match(err.message, /^MISSING_ROW: \[bullmq\] not retrying: the job is 310\d\dms old, past missingRetry\.within \(30s\)\. \[cereal\] 2 referenced rows are missing: `users:8`, `users:9`$/);
  assert.is((err.cause as CerealError).code, 'MISSING_ROW');
});

MissingRetry('on its last attempt a young job fails for good, saying it is not retried and why', async () => {
  const { cereal } = setup();
  const data = toJobData(cereal, ref('users', 9));
  const run = withRefs(cereal, async () => 1, { missingRetry: { within: '30s' } });
  const last = await thrownBy(run, agedJob(data, 100, 5, 4).job);
  assert.instance(last, UnrecoverableError);
  assert.match(last.message, /^MISSING_ROW: \[bullmq\] not retrying: the job is \d+ms old, younger than missingRetry\.within \(30s\), but attempt 5 of 5 was its last\. \[cereal\] 1 referenced row is missing: `users:9`$/);
  assert.is((last.cause as CerealError).code, 'MISSING_ROW');
  // a job without attempts (BullMQ's default, one) gets a hint
  const once = await thrownBy(run, fakeJob(data, { timestamp: Date.now(), attemptsMade: 0, opts: {} }).job);
  assert.instance(once, UnrecoverableError);
  assert.match(once.message, /^MISSING_ROW: \[bullmq\] not retrying: .*attempt 1 of 1 was its last: give the job `attempts` and a `backoff` to retry it\. \[cereal\] /);
});

MissingRetry('with onMissingRow: discard, a young job is retried; past the grace period or on its last attempt it is discarded', async () => {
  const { cereal } = setup();
  const data = toJobData(cereal, ref('users', 9));
  let ran = false;
  const run = withRefs(cereal, async () => (ran = true), { onMissingRow: 'discard', missingRetry: { within: '1m' } });
  const young = agedJob(data, 10);
  const err = await thrownBy(run, young.job);
  assert.not.instance(err, UnrecoverableError);
  assert.match(err.message, /^MISSING_ROW: \[bullmq\] retrying: /);
  assert.equal(young.logs, []);
  const old = agedJob(data, 61_000);
  assert.is(await run(old.job), undefined);
  assert.match(old.logs[0]!, /^discarded by cereal: 1 referenced row is gone \(\[bullmq\] not retrying: the job is 610\d\dms old, past missingRetry\.within \(1m\)\): `users:9`$/);
  const last = agedJob(data, 10, 3, 2);
  assert.is(await run(last.job), undefined);
  assert.match(last.logs[0]!, /^discarded by cereal: 1 referenced row is gone \(\[bullmq\] not retrying: the job is \d+ms old, younger than missingRetry\.within \(1m\), but attempt 3 of 3 was its last\): `users:9`$/);
  assert.not.ok(ran);
});

MissingRetry('`within` as a number of milliseconds or a string in ms, s, m or h', async () => {
  const { cereal } = setup();
  const data = toJobData(cereal, ref('users', 9));
  const cases: [NonNullable<WithRefsOptions['missingRetry']>['within'], number, string][] = [
    [500, 500, '500ms'], ['500ms', 500, '500ms'], ['2s', 2000, '2s'], ['1.5s', 1500, '1.5s'], ['5m', 300_000, '5m'], ['1h', 3_600_000, '1h'], [0, 0, '0ms'],
  ];
  for (const [within, ms, shown] of cases) {
    const run = withRefs(cereal, async () => 1, { missingRetry: { within } });
    if (ms > 0) {
      const err = await thrownBy(run, agedJob(data, ms - 100).job);
      assert.not.instance(err, UnrecoverableError, `${within}`);
      assert.ok(err.message.includes(`younger than missingRetry.within (${shown})`), err.message);
    }
    assert.instance(await thrownBy(run, agedJob(data, ms + 100).job), UnrecoverableError, `${within}`);
  }
});

MissingRetry('a job without a creation time, and errors other than MISSING_ROW, fail as without the option', async () => {
  const { cereal } = setup();
  const run = withRefs(cereal, async () => 1, { missingRetry: { within: '1h' }, maxRefs: 1 });
  const err = await thrownBy(run, fakeJob(toJobData(cereal, ref('users', 9))).job);
  assert.instance(err, UnrecoverableError);
  assert.match(err.message, /^MISSING_ROW: \[cereal\] /);
  const limit = await thrownBy(run, agedJob(toJobData(cereal, [ref('users', 8), ref('users', 9)]), 10).job);
  assert.instance(limit, UnrecoverableError);
  assert.match(limit.message, /^LIMIT: \[cereal\] /);
});

MissingRetry('a bad missingRetry is INVALID_OPTION when the processor is built', async () => {
  const { cereal } = setup();
  const bad: unknown[] = [
    null, 'x', 30, [], {}, { within: undefined }, { within: true }, { within: -1 }, { within: Number.NaN }, { within: Number.POSITIVE_INFINITY },
    { within: '30' }, { within: '30 s' }, { within: ' 30s' }, { within: '1d' }, { within: '-5s' }, { within: 's' }, { within: '1e3ms' }, { within: 30n },
    { within: `${'9'.repeat(400)}ms` }, { within: [] },
  ];
  for (const missingRetry of bad) {
    const err = await rejects(() => withRefs(cereal, async () => 1, { missingRetry: missingRetry as never }));
    assert.is(err.code, 'INVALID_OPTION', String(missingRetry));
    assert.match(err.message, /\[bullmq\] `missingRetry(\.within)?` must be/);
  }
  const err = await rejects(() => withRefs(cereal, async () => 1, { missingRetry: { within: '30 seconds' as never } }));
  assert.match(err.message, /`missingRetry\.within` must be a number of milliseconds \(0 or more\) or a string like '500ms', '30s', '5m' or '1h', got "30 seconds"/);
  const array = await rejects(() => withRefs(cereal, async () => 1, { missingRetry: { within: [] as never } }));
  assert.match(array.message, /got an array$/);
});

WithRefs('the CerealError is the cause of the failure as `new Error(message, { cause })` holds one: own, not enumerable, in retried and unrecoverable failures alike', async () => {
  const { cereal } = setup();
  const down: Loader = { keyOf: (r) => (r as { id: number }).id, load: async () => { throw new Error('down'); } };
  const failing = createSerializer({ format: msgpackFormat(), loaders: { users: down } });
  const retried = await thrown(withRefs(failing, async () => 1), toJobData(failing, ref('users', 1)));
  const failed = await thrown(withRefs(cereal, async () => 1), toJobData(cereal, ref('users', 9)));
  assert.not.instance(retried, UnrecoverableError);
  assert.instance(failed, UnrecoverableError);
  const native = Object.getOwnPropertyDescriptor(new Error('x', { cause: 1 }), 'cause');
  for (const err of [retried, failed]) {
    const held = Object.getOwnPropertyDescriptor(err, 'cause');
    assert.instance(held?.value, CerealError);
    assert.equal({ ...held, value: undefined }, { ...native, value: undefined });
  }
});

WithRefs.run();
MissingRetry.run();
