/**
 * Type tests of the Knex loaders (compiled by the type-check, never run): row types come from
 * the row map the user names, or from Knex's `Tables` interface.
 */
import knex from 'knex';
import { createSerializer, ref, type RowOf } from '@cereal/core';
import { msgpackFormat } from '@cereal/msgpack';
import { is, type Equal } from '@cereal/testkit';
import { knexLoader, knexLoaders, type KnexLoader } from '../src/index.js';

interface User { id: number; name: string }
interface Line { order_id: number; line: number; sku: string }
interface Product { sku: string; price: number }

// Knex's own way to name a table's row; with NodeNext resolution the module is spelled with `.js`.
declare module 'knex/types/tables.js' {
  interface Tables {
    cereal_types_products: Product;
  }
}

const db = knex({ client: 'better-sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });

// A row map named once: every model typed, every model configured, and no other.
const loaders = knexLoaders<{ users: User; lines: Line }>(db, { users: 'users', lines: { table: 'order_lines', primaryKey: ['order_id', 'line'] } });
is<Equal<typeof loaders.users, KnexLoader<User>>>(true);
is<Equal<RowOf<typeof loaders.lines>, Line>>(true);
// @ts-expect-error a model of the row map that is not configured
knexLoaders<{ users: User; lines: Line }>(db, { users: 'users' });
// @ts-expect-error a model configured that the row map does not have
knexLoaders<{ users: User }>(db, { users: 'users', lines: 'order_lines' });

// From Knex's Tables interface, with no type argument; a table not declared there is a record.
const inferred = knexLoaders(db, { products: 'cereal_types_products', other: { table: 'other', primaryKey: 'code' } });
is<Equal<RowOf<typeof inferred.products>, Product>>(true);
is<Equal<RowOf<typeof inferred.other>, Record<string, unknown>>>(true);
const single = knexLoader(db, { table: 'cereal_types_products', primaryKey: 'sku' });
is<Equal<RowOf<typeof single>, Product>>(true);
const named = knexLoader<User>(db, { table: 'users' });
is<Equal<typeof named, KnexLoader<User>>>(true);

// The serializer keeps them: decode returns the rows.
const cereal = createSerializer({ format: msgpackFormat(), loaders });
async function decoding(): Promise<void> {
  const { user, line } = await cereal.decode(cereal.encode({ user: ref('users', 1), line: ref('lines', [7, 1]) }));
  is<Equal<typeof user, User>>(true);
  is<Equal<typeof line.sku, string>>(true);
  // @ts-expect-error a User has no email
  void user.email;
}
void decoding;
