/**
 * jobsFor at run time: the bound functions do what the free ones do for the serializer, and
 * `accept` adds the formats a worker still reads during a migration; the serializer's own takes precedence.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createSerializer, ref } from '@cereal/core';
import { jsonFormat } from '@cereal/json';
import { msgpackFormat } from '@cereal/msgpack';
import { memoryLoader, rejects } from '@cereal/testkit';
import { jobsFor, toJobData } from '../src/index.js';
import { fakeJob } from './_jobs.js';

interface User {
  id: number;
  name: string;
}
const setup = () => {
  const users = memoryLoader([{ id: 1, name: 'Ada' }, { id: 2, name: 'Grace' }]);
  const msgpack = createSerializer({ format: msgpackFormat(), loaders: { users } });
  const json = createSerializer({ format: jsonFormat(), loaders: { users } });
  return { users, msgpack, json };
};
const jobOf = (data: unknown) => fakeJob(data, { timestamp: Date.now(), attemptsMade: 0, opts: {} }).job;

const Jobs = suite('jobsFor: toJobData, fromJobData and withRefs bound to one serializer');

Jobs('toJobData writes what the free toJobData writes for the serializer', () => {
  const { msgpack } = setup();
  const jobs = jobsFor(msgpack);
  const data = jobs.toJobData({ user: ref('users', 1) });
  assert.equal(data, toJobData(msgpack, { user: ref('users', 1) }));
  assert.is(data.format, 'msgpack');
});

Jobs('fromJobData reads the fresh rows, and passes its options on', async () => {
  const { msgpack, users } = setup();
  const jobs = jobsFor(msgpack);
  const data = jobs.toJobData({ user: ref('users', 1), friends: [ref('users', 2)] });
  users.rows.set('1', { id: 1, name: 'Ada Lovelace' });
  const read = await jobs.fromJobData(data);
  assert.equal(read, { user: { id: 1, name: 'Ada Lovelace' }, friends: [{ id: 2, name: 'Grace' }] });
  assert.is((await rejects(() => jobs.fromJobData(data, { maxRefs: 1 }))).code, 'LIMIT');
});

Jobs('withRefs gives the processor the rows and passes its options on', async () => {
  const { msgpack } = setup();
  const jobs = jobsFor(msgpack);
  const run = jobs.withRefs<{ user: User }, string>(async ({ user }) => user.name);
  assert.is(await run(jobOf(jobs.toJobData({ user: ref('users', 2) }))), 'Grace');
  const gone = jobs.withRefs<{ user: User }, string>(async ({ user }) => user.name, { onMissingRow: 'discard' });
  assert.is(await gone(jobOf(jobs.toJobData({ user: ref('users', 9) }))), undefined, 'discarded, not failed');
  const err = await run(jobOf(jobs.toJobData({ user: ref('users', 9) }))).then(() => undefined, (e: unknown) => e as Error);
  assert.match(err?.message ?? '', /^MISSING_ROW: /);
});

Jobs('without `accept`, a job of another format is MALFORMED', async () => {
  const { msgpack, json } = setup();
  const jobs = jobsFor(msgpack);
  const err = await rejects(() => jobs.fromJobData(toJobData(json, { user: ref('users', 1) })));
  assert.is(err.code, 'MALFORMED');
  assert.match(err.message, 'json');
});

Jobs('`accept` reads the formats producers are leaving as well as the serializer\'s own, in fromJobData and withRefs', async () => {
  const { msgpack, json } = setup();
  const jobs = jobsFor(json, { accept: { msgpack } });
  for (const producer of [json, msgpack]) {
    const data = toJobData(producer, { user: ref('users', 1) });
    assert.equal(await jobs.fromJobData<{ user: User }>(data), { user: { id: 1, name: 'Ada' } }, producer.format);
    assert.is(await jobs.withRefs<{ user: User }, string>(async ({ user }, job) => `${job.data.format}: ${user.name}`)(jobOf(data)), `${producer.format}: Ada`);
  }
  // toJobData still writes the serializer's own format
  assert.is(jobs.toJobData({ user: ref('users', 1) }).format, 'json');
});

Jobs('an `accept` entry under the serializer\'s own format name gives way to the serializer', async () => {
  const { json } = setup();
  const other = createSerializer({ format: jsonFormat(), loaders: { users: memoryLoader([{ id: 1, name: 'someone else' }]) } });
  const jobs = jobsFor(json, { accept: { json: other } });
  assert.equal(await jobs.fromJobData(jobs.toJobData({ user: ref('users', 1) })), { user: { id: 1, name: 'Ada' } });
});

Jobs.run();
