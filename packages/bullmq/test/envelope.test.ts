import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { UnrecoverableError, type Job } from 'bullmq';
import { CerealError, createSerializer, ref, type Format, type Loader } from '@cereal/core';
import { jsonFormat } from '@cereal/json';
import { msgpackFormat } from '@cereal/msgpack';
import { yamlFormat } from '@cereal/yaml';
import { fromJobData, toJobData, withRefs, type JobEnvelope } from '../src/index.js';
import { memoryLoader, rejects } from '@cereal/testkit';

const setup = (format: Format) => {
  const users = memoryLoader([{ id: 1, name: 'Ada' }, { id: 2, name: 'Grace' }]);
  return { users, cereal: createSerializer({ format, loaders: { users } }) };
};
/** The part of a BullMQ Job that withRefs touches, recording its log lines. */
const fakeJob = (data: unknown) => {
  const logs: string[] = [];
  return { job: { data, log: async (line: string) => logs.push(line) } as unknown as Job<JobEnvelope>, logs };
};

const Envelope = suite('toJobData / fromJobData');

for (const format of [msgpackFormat(), jsonFormat(), yamlFormat()]) {
  Envelope(`${format.name}: job data is JSON-safe, names its format, and decodes to fresh rows`, async () => {
    const { cereal, users } = setup(format);
    const data = toJobData(cereal, { user: ref('users', 1), note: 'hi' });
    assert.is(data.$cereal, 1);
    assert.is(data.format, format.name);
    const stored = JSON.parse(JSON.stringify(data)) as unknown; // what Redis gives back
    users.rows.set('1', { id: 1, name: 'Ada Lovelace' });
    assert.equal(await fromJobData(cereal, stored), { user: { id: 1, name: 'Ada Lovelace' }, note: 'hi' });
  });
}

Envelope('msgpack travels as base64, JSON embedded as an object, YAML as text', () => {
  assert.match(toJobData(setup(msgpackFormat()).cereal, ref('users', 1)).payload as string, /^[A-Za-z0-9+/]+=*$/);
  assert.equal(toJobData(setup(jsonFormat()).cereal, { u: ref('users', 1) }).payload, { json: { u: ['users', 1] }, meta: { values: { u: [['custom', 'ref']] }, v: 1 } });
  assert.is(toJobData(setup(yamlFormat()).cereal, { u: ref('users', 1) }).payload, 'u: !ref [users, 1]\n');
});

Envelope('msgpack job data for one user ref is 69 bytes of JSON, as the README says', () => {
  const data = toJobData(setup(msgpackFormat()).cereal, { user: ref('users', 42) });
  assert.is(JSON.stringify(data).length, 69);
});

Envelope('a hydrated row goes back into job data as a ref, not its content', async () => {
  const { cereal } = setup(jsonFormat());
  const { user } = (await fromJobData(cereal, toJobData(cereal, { user: ref('users', 2) }))) as { user: object };
  assert.not.match(JSON.stringify(toJobData(cereal, { user })), /Grace/);
});

const notEnvelopes: [string, unknown][] = [
  ['a plain object', { user: 1 }],
  ['null', null],
  ['a string', 'users:1'],
  ['another version', { $cereal: 2, format: 'msgpack', payload: '' }],
  ['no payload', { $cereal: 1, format: 'msgpack' }],
];
for (const [name, data] of notEnvelopes) {
  Envelope(`job data that is ${name} is MALFORMED, naming the fix`, async () => {
    const err = await rejects(() => fromJobData(setup(msgpackFormat()).cereal, data));
    assert.is(err.code, 'MALFORMED');
    assert.match(err.message, /toJobData/);
  });
}

Envelope('job data of another format is MALFORMED, naming both formats', async () => {
  const data = toJobData(setup(yamlFormat()).cereal, ref('users', 1));
  const err = await rejects(() => fromJobData(setup(msgpackFormat()).cereal, data));
  assert.is(err.code, 'MALFORMED');
  assert.match(err.message, /written in `yaml`.*reads `msgpack`/);
});

Envelope('a payload of the wrong type is MALFORMED', async () => {
  const { cereal } = setup(msgpackFormat());
  for (const payload of [42, { a: 1 }, 'not base64!']) {
    assert.is((await rejects(() => fromJobData(cereal, { $cereal: 1, format: 'msgpack', payload }))).code, 'MALFORMED');
  }
});

Envelope.run();

// ---

const WithRefs = suite('withRefs');

WithRefs('hands the processor hydrated data, then the job', async () => {
  const { cereal } = setup(msgpackFormat());
  const { job } = fakeJob(toJobData(cereal, { user: ref('users', 1) }));
  const out = await withRefs<{ user: { name: string } }, string>(cereal, async (data, j) => {
    assert.ok(j === job);
    return data.user.name;
  })(job);
  assert.is(out, 'Ada');
});

WithRefs('a missing row fails without retries: UnrecoverableError naming the refs', async () => {
  const { cereal } = setup(msgpackFormat());
  const { job } = fakeJob(toJobData(cereal, [ref('users', 1), ref('users', 8), ref('users', 9)]));
  let ran = false;
  try {
    await withRefs(cereal, async () => (ran = true))(job);
    assert.unreachable();
  } catch (err) {
    assert.instance(err, UnrecoverableError);
    assert.match((err as Error).message, /MISSING_ROW.*`users:8`, `users:9`/);
    assert.is(((err as Error).cause as CerealError).code, 'MISSING_ROW');
  }
  assert.not.ok(ran);
});

WithRefs('onMissingRow: discard completes the job without the processor, with a log line', async () => {
  const { cereal } = setup(msgpackFormat());
  const { job, logs } = fakeJob(toJobData(cereal, [ref('users', 9)]));
  let ran = false;
  assert.is(await withRefs(cereal, async () => (ran = true), { onMissingRow: 'discard' })(job), undefined);
  assert.not.ok(ran);
  assert.match(logs[0]!, /users:9/);
});

WithRefs('hydrate options pass through: missing: null runs the processor with null', async () => {
  const { cereal } = setup(msgpackFormat());
  const { job } = fakeJob(toJobData(cereal, { user: ref('users', 9) }));
  assert.equal(await withRefs(cereal, async (data) => data, { missing: 'null' })(job), { user: null });
});

WithRefs('LOAD_FAILED is thrown as it is, retryable, for BullMQ to retry', async () => {
  const down: Loader<{ id: number }> = { keyOf: (r) => r.id, load: async () => { throw new Error('connect ECONNREFUSED'); } };
  const cereal = createSerializer({ format: msgpackFormat(), loaders: { users: down } });
  const { job } = fakeJob(toJobData(cereal, ref('users', 1)));
  const err = await rejects(() => withRefs(cereal, async () => 1)(job));
  assert.is(err.code, 'LOAD_FAILED');
  assert.is(err.retryable, true);
});

WithRefs('data that can never decode (not an envelope) fails without retries', async () => {
  const { cereal } = setup(msgpackFormat());
  const { job } = fakeJob({ user: 1 });
  try {
    await withRefs(cereal, async () => 1)(job);
    assert.unreachable();
  } catch (err) {
    assert.instance(err, UnrecoverableError);
    assert.match((err as Error).message, /MALFORMED/);
  }
});

WithRefs('a bad option is INVALID_OPTION', async () => {
  const { cereal } = setup(msgpackFormat());
  assert.is((await rejects(() => withRefs(cereal, async () => 1, { onMissingRow: 'retry' as never }))).code, 'INVALID_OPTION');
});

WithRefs.run();
