/**
 * Type tests of afterCommit and transaction (compiled by the type-check, never run), over the
 * client Prisma generated (test/fixtures): the helper takes and returns what `$transaction` does.
 */
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { is, type Equal } from '@cereal/testkit';
import { afterCommit, transaction, type AfterCommitOptions } from '../src/index.js';
import { PrismaClient, type User } from './fixtures/client/client.js';

const prisma = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: ':memory:' }) });

is<Equal<AfterCommitOptions, { onError?: (error: unknown) => void }>>(true);

async function registering(): Promise<void> {
  afterCommit(prisma, () => undefined); // not a transaction's client: at once
  const user = await transaction(prisma, async (tx) => {
    const created = await tx.user.create({ data: { id: 42, name: 'Ada', email: 'ada@example.com' } });
    afterCommit(tx, async () => created.id, { onError: (error) => console.warn(error) });
    await transaction(tx, async (inner) => afterCommit(inner, () => undefined));
    // @ts-expect-error a transaction's client has no $connect
    void tx.$connect;
    return created;
  }, { timeout: 10_000, isolationLevel: 'Serializable' });
  is<Equal<typeof user, User>>(true);
  const extended = prisma.$extends({});
  await transaction(extended, async (tx) => afterCommit(tx, () => undefined));
  // @ts-expect-error $transaction's options
  await transaction(prisma, async () => undefined, { timeout: 'long' });
  // @ts-expect-error the callback returns a promise
  await transaction(prisma, () => 1);
  // @ts-expect-error a delegate is no client
  afterCommit(prisma.user, () => undefined);
}
void registering;
