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

/** An in-memory SQLite database with `count` users, through Knex and better-sqlite3. */
export async function openDatabase(count: number): Promise<Knex> {
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
  const rows = Array.from({ length: count }, (_, i) => user(i + 1));
  await db.batchInsert('users', rows, 500);
  return db;
}
