import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { UnrecoverableError, type Job } from 'bullmq';
import { CerealError, createSerializer, ref, type CerealErrorCode, type Loader } from '@cereal/core';
import { jsonFormat } from '@cereal/json';
import { msgpackFormat } from '@cereal/msgpack';
import { MAX_MESSAGE } from '@cereal/core/format';
import { memoryLoader, rejects } from '@cereal/testkit';
import { toJobData, withRefs, type JobEnvelope, type WithRefsOptions } from '../src/index.js';

const setup = () => {
  const users = memoryLoader([{ id: 1, name: 'Ada' }, { id: 2, name: 'Grace' }]);
  return { users, cereal: createSerializer({ format: msgpackFormat(), loaders: { users } }) };
};
/** The part of a BullMQ Job that withRefs touches, recording its log lines. */
const fakeJob = (data: unknown) => {
  const logs: string[] = [];
  return { job: { data, log: async (line: string) => logs.push(line) } as unknown as Job<JobEnvelope>, logs };
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

WithRefs.run();
