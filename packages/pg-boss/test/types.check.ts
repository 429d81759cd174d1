/**
 * Type tests of the pg-boss functions (compiled by the type-check, never run): a job type named
 * once, rows typed by the serializer's loader map, what `db` and the options take.
 */
import type { Knex } from 'knex';
import { fromKysely, type PgBoss } from 'pg-boss';
import { createSerializer, ref, type Format, type Loader, type Ref } from '@cereal/core';
import { is, type Equal } from '@cereal/testkit';
import { fromJobData, jobsFor, send, work, type BossJob, type JobData } from '../src/index.js';

interface User { id: number; email: string }
interface Order { id: number; total: number }
declare const users: Loader<User>;
declare const orders: Loader<Order>;
declare const format: Format<Uint8Array>;
declare const boss: PgBoss;
declare const trx: Knex.Transaction;
const cereal = createSerializer({ format, loaders: { users, orders } });
const jobs = jobsFor(cereal);

interface Confirm { order: Ref<'orders'>; to: Ref<'users'> }
declare const order: Order;
declare const user: User;

async function sending(): Promise<void> {
  const id = await jobs.send<Confirm>(boss, 'confirm', { order, to: ref('users', 1) }, { db: trx, retryLimit: 3, singletonKey: 'k' });
  is<Equal<typeof id, string | null>>(true);
  // @ts-expect-error a user where an order belongs
  await jobs.send<Confirm>(boss, 'confirm', { order: user, to: user });
  // @ts-expect-error a ref to a model the serializer does not know
  await jobs.send(boss, 'confirm', { order: ref('invoices', 1) });
  // @ts-expect-error db is a transaction or a pg-boss Db, not a string
  await send(boss, 'confirm', cereal, { order }, { db: 'postgres://' });
  await send(boss, 'confirm', cereal, { order }, { db: fromKysely({} as never) }); // pg-boss's own adapters
}

async function working(): Promise<void> {
  const id = await jobs.work<Confirm, { total: number }>(boss, 'confirm', async ({ order, to }, job) => {
    is<Equal<typeof order, Order>>(true);
    is<Equal<typeof to.email, string>>(true);
    is<Equal<typeof job, BossJob<Confirm>>>(true);
    is<Equal<typeof job.retryCount, number>>(true);
    is<Equal<typeof job.data, JobData<Confirm>>>(true);
    return { total: order.total };
  }, { batchSize: 10, onMissingRow: 'discard', missingRetry: { within: '30s' }, maxBytes: 1024 });
  is<Equal<typeof id, string>>(true);
  // @ts-expect-error an Order has no email
  await jobs.work<Confirm>(boss, 'confirm', async ({ order }) => order.email.length);
  // @ts-expect-error perJobResults is cereal's to set
  await jobs.work<Confirm>(boss, 'confirm', async () => undefined, { perJobResults: true });
  // @ts-expect-error missing is the serializer's own
  await jobs.work<Confirm>(boss, 'confirm', async () => undefined, { missing: 'null' });
  // @ts-expect-error a duration is a number or '30s'-like
  await work(boss, 'confirm', cereal, async () => undefined, { missingRetry: { within: 'soon' } });
  // the free function: rows are objects
  await work(boss, 'confirm', cereal, async (data) => is<Equal<typeof data, unknown>>(true));
}

async function reading(raw: unknown, data: JobData<Confirm>): Promise<void> {
  // the free function knows no loader map: the rows are there, not typed as User or Order
  const free = await fromJobData<Confirm>(cereal, raw);
  void free.order;
  const inferred = await fromJobData(cereal, data); // the job type from JobData<Confirm>
  void inferred.to;
  // @ts-expect-error Confirm has no `from`
  void inferred.from;
}

void sending;
void working;
void reading;
