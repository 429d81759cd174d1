/**
 * Type tests of the BullMQ functions (compiled by the type-check, never run): a job type named
 * once, rows typed by the serializer's loader map.
 */
import { Worker, type Job } from 'bullmq';
import { createSerializer, ref, type Format, type Loader, type Ref } from '@cereal/core';
import { is, type Equal } from '@cereal/testkit';
import { jobsFor, toJobData, withRefs, type Duration, type JobData } from '../src/index.js';

interface User { id: number; email: string }
interface Order { id: number; total: number }
declare const users: Loader<User>;
declare const orders: Loader<Order>;
declare const format: Format<Uint8Array>;
const cereal = createSerializer({ format, loaders: { users, orders } });
const jobs = jobsFor(cereal);

interface Confirm { order: Ref<'orders'>; to: Ref<'users'> }
declare const order: Order;
declare const user: User;

const data = jobs.toJobData<Confirm>({ order, to: ref('users', 1) });
is<Equal<typeof data, JobData<Confirm>>>(true);
// @ts-expect-error a user where an order belongs
jobs.toJobData<Confirm>({ order: user, to: user });
// @ts-expect-error a ref to a model the serializer does not know
jobs.toJobData({ order: ref('invoices', 1) });

const processor = jobs.withRefs<Confirm>(async ({ order, to }, job) => {
  is<Equal<typeof order, Order>>(true);
  is<Equal<typeof to.email, string>>(true);
  is<Equal<typeof job, Job<JobData<Confirm>>>>(true);
  // @ts-expect-error an Order has no email
  return order.email;
});
new Worker('mail', processor, { connection: {} });

async function reading(raw: unknown): Promise<void> {
  const back = await jobs.fromJobData<Confirm>(raw);
  is<Equal<typeof back.order, Order>>(true);
  const inferred = await jobs.fromJobData(data); // the job type from JobData<Confirm>
  is<Equal<typeof inferred.to, User>>(true);
}

// Decode options pass through; `missing` belongs to the serializer.
jobs.withRefs<Confirm>(async () => undefined, { maxBytes: 1024, onMissingRow: 'discard' });
// @ts-expect-error missing is the serializer's own
jobs.withRefs<Confirm>(async () => undefined, { missing: 'null' });

// missingRetry: a duration string or a number of milliseconds
jobs.withRefs<Confirm>(async () => undefined, { missingRetry: { within: '30s' } });
jobs.withRefs<Confirm>(async () => undefined, { missingRetry: { within: 30 }, onMissingRow: 'discard' });
withRefs(cereal, async () => undefined, { missingRetry: { within: '500ms' } });
const grace: Duration[] = ['500ms', '1.5s', '5m', '1h', 0];
void grace;
// @ts-expect-error a boolean is no duration
jobs.withRefs<Confirm>(async () => undefined, { missingRetry: { within: true } });
// @ts-expect-error a unit other than ms, s, m or h
jobs.withRefs<Confirm>(async () => undefined, { missingRetry: { within: '30 seconds' } });
// @ts-expect-error within is required
jobs.withRefs<Confirm>(async () => undefined, { missingRetry: {} });

// The free functions, typed as far as inference allows: the value is checked against the
// serializer's loader map; the processor sees rows as objects.
toJobData(cereal, { order: ref('orders', 1) });
// @ts-expect-error a ref to a model the serializer does not know
toJobData(cereal, { order: ref('invoices', 1) });
new Worker('mail', withRefs<Confirm>(cereal, async ({ order }) => order), { connection: {} });
void reading;
