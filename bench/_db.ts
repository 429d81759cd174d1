import knex, { type Knex } from 'knex';

/** A realistic 15-column users table, as a web application would have. */
export interface UserRow {
  id: number;
  email: string;
  name: string;
  username: string;
  role: string;
  status: string;
  locale: string;
  timezone: string;
  plan: string;
  credits: number;
  logins: number;
  verified: number;
  bio: string;
  created_at: string;
  updated_at: string;
}

const ROLES = ['member', 'admin', 'owner', 'viewer'];
const PLANS = ['free', 'pro', 'team', 'enterprise'];
const ZONES = ['Europe/Paris', 'America/New_York', 'Asia/Tokyo', 'UTC'];

/** The i-th user (deterministic, so every run measures the same bytes). */
export function user(i: number): UserRow {
  const day = String(1 + (i % 28)).padStart(2, '0');
  return {
    id: i,
    email: `user${i}@example.com`,
    name: `User Number ${i}`,
    username: `user_${i}`,
    role: ROLES[i % ROLES.length]!,
    status: i % 17 === 0 ? 'suspended' : 'active',
    locale: i % 3 === 0 ? 'fr-FR' : 'en-US',
    timezone: ZONES[i % ZONES.length]!,
    plan: PLANS[i % PLANS.length]!,
    credits: (i * 37) % 1000,
    logins: (i * 7) % 500,
    verified: i % 5 === 0 ? 0 : 1,
    bio: `Writes about databases, queues and serialization; member #${i}.`,
    created_at: `2025-03-${day}T10:00:00.000Z`,
    updated_at: `2026-11-${day}T12:30:00.000Z`,
  };
}

/** The i-th order: a composite key (shop_id, id), as multi-tenant tables have. */
export function order(i: number): Record<string, unknown> {
  return { shop_id: 1 + (i % 4), id: i, user_id: 1 + (i % 1000), status: i % 9 === 0 ? 'refunded' : 'paid', total_cents: (i * 1299) % 50_000, currency: 'EUR', placed_at: `2026-10-${String(1 + (i % 28)).padStart(2, '0')}T08:00:00.000Z` };
}

/** The i-th product: a text key. */
export function product(i: number): Record<string, unknown> {
  return { sku: `sku-${String(i).padStart(6, '0')}`, title: `Product ${i}`, price_cents: (i * 499) % 10_000, stock: i % 250 };
}

/** Row counts of the benchmark database. */
export interface Sizes {
  users: number;
  orders?: number;
  products?: number;
}

/** An in-memory SQLite database through Knex and better-sqlite3, filled deterministically. */
export async function openDatabase(sizes: Sizes): Promise<Knex> {
  const db = knex({ client: 'better-sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
  await db.schema.createTable('users', (t) => {
    t.integer('id').primary();
    for (const c of ['email', 'name', 'username', 'role', 'status', 'locale', 'timezone', 'plan']) t.string(c);
    t.integer('credits');
    t.integer('logins');
    t.integer('verified');
    t.text('bio');
    t.string('created_at');
    t.string('updated_at');
  });
  await db.schema.createTable('orders', (t) => {
    t.integer('shop_id');
    t.integer('id');
    t.integer('user_id');
    t.string('status');
    t.integer('total_cents');
    t.string('currency');
    t.string('placed_at');
    t.primary(['shop_id', 'id']);
  });
  await db.schema.createTable('products', (t) => {
    t.string('sku').primary();
    t.string('title');
    t.integer('price_cents');
    t.integer('stock');
  });
  const fill = (table: string, count: number, make: (i: number) => object) =>
    db.batchInsert(table, Array.from({ length: count }, (_, i) => make(i + 1)), 400); // knex writes SQLite batches as compound SELECTs: at most 500 terms
  await fill('users', sizes.users, user);
  await fill('orders', sizes.orders ?? 0, order);
  await fill('products', sizes.products ?? 0, product);
  return db;
}
