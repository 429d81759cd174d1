/**
 * Type tests of the Prisma loaders (compiled by the type-check, never run), over a client
 * Prisma generated (test/fixtures): rows are the models with no type argument, delegate names
 * and fields are checked, and a serializer's decode returns the rows.
 */
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { createSerializer, ref, type RowOf } from '@cereal/core';
import { msgpackFormat } from '@cereal/msgpack';
import { is, type Equal } from '@cereal/testkit';
import { prismaLoader, prismaLoaders, type ModelName, type PrismaLoader } from '../src/index.js';
import { PrismaClient, type OrderLine, type Prisma, type User } from './fixtures/client/client.js';

const prisma = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: ':memory:' }) });

// The models of the client, by their delegates.
is<Equal<ModelName<typeof prisma>, 'user' | 'orderLine'>>(true);

// Rows are the models, with no type argument; keys from the schema or named as fields.
const loaders = prismaLoaders(prisma, { users: 'user', lines: { model: 'orderLine', primaryKey: ['orderId', 'line'] } });
is<Equal<typeof loaders.users, PrismaLoader<User>>>(true);
is<Equal<RowOf<typeof loaders.lines>, OrderLine>>(true);
const single = prismaLoader(prisma, { model: 'user', primaryKey: 'email', fields: ['name'], scope: { deletedAt: null, name: { not: '' } } });
// `fields` narrows the row to what is read: those fields and the key fields
is<Equal<RowOf<typeof single>, Pick<User, 'name' | 'email'>>>(true);
const whole = prismaLoader(prisma, { model: 'user' });
is<Equal<RowOf<typeof whole>, User>>(true);
const slim = prismaLoaders(prisma, { slim: { model: 'user', fields: ['email'] } });
is<Equal<RowOf<typeof slim.slim>, Pick<User, 'email' | 'id'>>>(true);
declare const slimRow: RowOf<typeof slim.slim>;
// @ts-expect-error `name` was not read
void slimRow.name;

// A delegate name the client does not have, a key that is not a field, a scope of another model: none compiles.
// @ts-expect-error no model `post`
prismaLoaders(prisma, { posts: 'post' });
// @ts-expect-error the model's name is not its delegate
prismaLoaders(prisma, { users: 'User' });
// @ts-expect-error a client method is no model
prismaLoader(prisma, { model: '$queryRaw' });
// @ts-expect-error `order_id` is the column; the field is `orderId`
prismaLoaders(prisma, { lines: { model: 'orderLine', primaryKey: ['order_id', 'line'] } });
// @ts-expect-error `sku` is not a field of User
prismaLoader(prisma, { model: 'user', fields: ['sku'] });
// @ts-expect-error a scope is a where of the model
prismaLoader(prisma, { model: 'user', scope: { orderId: 1 } });
const where: Prisma.UserWhereInput = { deletedAt: null };
prismaLoader(prisma, { model: 'user', scope: where });

// `version`: a field of the model (the field's name, not its column's).
const pinned = prismaLoaders(prisma, { users: { model: 'user', fields: ['name'], version: 'deletedAt' } });
is<Equal<RowOf<typeof pinned.users>, Pick<User, 'name' | 'id' | 'deletedAt'>>>(true);
// @ts-expect-error `deleted_at` is the column; the field is `deletedAt`
prismaLoader(prisma, { model: 'user', version: 'deleted_at' });
// @ts-expect-error `email` is not a field of OrderLine
prismaLoaders(prisma, { lines: { model: 'orderLine', version: 'email' } });

// `{ primary, replica, onServed }`: two clients of one schema; rows still typed from the client.
const replica = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: ':memory:' }) });
const replicated = prismaLoaders({ primary: prisma, replica, onServed: (e) => is<Equal<typeof e.again, number>>(true) }, { users: { model: 'user', version: 'deletedAt' }, lines: 'orderLine' });
is<Equal<RowOf<typeof replicated.users>, User>>(true);
is<Equal<RowOf<typeof replicated.lines>, OrderLine>>(true);
is<Equal<typeof replicated.users.served, Readonly<{ replica: number; primary: number }> | undefined>>(true);
// @ts-expect-error no model `post` on the clients
prismaLoaders({ primary: prisma, replica }, { posts: 'post' });

// An interactive transaction's client, and an extended client: their rows too.
async function inTransaction(): Promise<void> {
  await prisma.$transaction(async (tx) => {
    const { users } = prismaLoaders(tx, { users: 'user' });
    is<Equal<RowOf<typeof users>, User>>(true);
  });
  const extended = prisma.$extends({ result: { user: { label: { needs: { name: true }, compute: (u) => `<${u.name}>` } } } });
  const { users } = prismaLoaders(extended, { users: 'user' });
  is<Equal<RowOf<typeof users>['label'], string>>(true);
}
void inTransaction;

// The serializer keeps them: decode returns the rows.
const cereal = createSerializer({ format: msgpackFormat(), loaders });
async function decoding(): Promise<void> {
  const { user, line } = await cereal.decode(cereal.encode({ user: ref('users', 1), line: ref('lines', [7, 1]) }));
  is<Equal<typeof user, User>>(true);
  is<Equal<typeof line.sku, string>>(true);
  // @ts-expect-error a User has no sku
  void user.sku;
}
void decoding;
