/**
 * Type tests of afterCommit and its transaction helpers (compiled by the type-check, never
 * run): the helpers return what Kysely's own calls return, typed from the database.
 */
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, type ControlledTransaction, type Generated, type Transaction } from 'kysely';
import { is, type Equal } from '@cereal/testkit';
import { afterCommit, startTransaction, transaction, type AfterCommitOptions } from '../src/index.js';

interface DB {
  users: { id: Generated<number>; email: string };
}

const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });

is<Equal<AfterCommitOptions, { onError?: (error: unknown) => void }>>(true);

async function registering(): Promise<void> {
  afterCommit(db, () => undefined); // not a transaction: at once
  const id = await transaction(db, async (trx) => {
    is<Equal<typeof trx, Transaction<DB>>>(true);
    const { id } = await trx.insertInto('users').values({ email: 'ada@example.com' }).returning('id').executeTakeFirstOrThrow();
    afterCommit(trx, async () => id, { onError: (error) => console.warn(error) });
    afterCommit(trx.withSchema('app'), () => undefined);
    return id;
  });
  is<Equal<typeof id, number>>(true);
  await transaction(db.transaction().setIsolationLevel('serializable'), async (trx) => afterCommit(trx, () => undefined));

  const trx = await startTransaction(db);
  is<Equal<typeof trx, ControlledTransaction<DB>>>(true);
  const sp = await trx.savepoint('import').execute();
  is<Equal<typeof sp, ControlledTransaction<DB, ['import']>>>(true);
  afterCommit(sp, () => undefined);
  await (await sp.releaseSavepoint('import').execute()).commit().execute();
  await startTransaction(db.startTransaction().setAccessMode('read write'));

  // @ts-expect-error execute's callback returns a promise
  await transaction(db, () => 1);
  // @ts-expect-error a table the database does not have
  await transaction(db, async (trx) => trx.selectFrom('posts').selectAll().execute());
  // @ts-expect-error a transaction builder is startTransaction's, a controlled one transaction's: not swapped
  await startTransaction(db.transaction());
  // @ts-expect-error fn is required
  afterCommit(db);
}
void registering;
