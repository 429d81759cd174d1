/**
 * Type tests of afterCommit (compiled by the type-check, never run): a Knex instance or any
 * transaction of it, a callback of any result, sync or async, and nothing back.
 */
import knex from 'knex';
import { is, type Equal } from '@cereal/testkit';
import { afterCommit, type AfterCommitOptions } from '../src/index.js';

const db = knex({ client: 'better-sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
declare const queue: { add(name: string, data: object): Promise<{ id?: string }> };

is<Equal<ReturnType<typeof afterCommit>, void>>(true);
is<Equal<AfterCommitOptions, { onError?: (error: unknown) => void }>>(true);

async function registering(): Promise<void> {
  afterCommit(db, () => undefined); // not a transaction: at once
  await db.transaction(async (trx) => {
    afterCommit(trx, () => queue.add('welcome', { id: 42 }), { onError: (error) => console.warn(error) });
    await trx.transaction(async (sp) => afterCommit(sp, async () => 42));
  });
  const trx = await db.transaction();
  afterCommit(trx, () => undefined);
  await trx.commit();
  // @ts-expect-error fn is required
  afterCommit(db);
  // @ts-expect-error a job name is no callback
  afterCommit(db, 'welcome');
  // @ts-expect-error onError is a function
  afterCommit(db, () => undefined, { onError: 'log' });
  // @ts-expect-error a Knex, not a query builder
  afterCommit(db('users'), () => undefined);
}
void registering;
