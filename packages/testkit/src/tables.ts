/** The tables the loader suites create, with Knex, on every database. */
import type { Knex } from 'knex';
import type { Test } from 'uvu';
import type { LoaderTarget } from './target.js';

export const BIG = 9007199254740993n; // 2^53 + 1: a double would read it as 2^53

export type Tables = Record<'users' | 'orders' | 'big' | 'codes' | 'pairs', string>;

/** The suite's tables, on `f`: users, composite-key orders, bigint keys, text keys, mixed pairs. */
/** Orders with a composite key (tenant_id, id): in every loader suite. */
export async function createOrders(f: Knex, table: string): Promise<void> {
  await f.schema.createTable(table, (tb) => {
    tb.integer('tenant_id');
    tb.integer('id');
    tb.integer('total');
    tb.primary(['tenant_id', 'id']);
  });
}

export async function createTables(f: Knex, t: Tables): Promise<void> {
  await f.schema.createTable(t.users, (tb) => {
    tb.integer('id').primary();
    tb.string('name', 64);
    tb.integer('visits');
    tb.timestamp('deleted_at').nullable();
  });
  await createOrders(f, t.orders);
  await f.schema.createTable(t.big, (tb) => {
    tb.bigInteger('id').primary();
    tb.integer('visits');
  });
  await f.schema.createTable(t.codes, (tb) => {
    tb.string('code', 64).primary();
    tb.string('label', 64);
  });
  await f.schema.createTable(t.pairs, (tb) => {
    tb.integer('tenant_id');
    tb.string('code', 32);
    tb.string('label', 16);
    tb.primary(['tenant_id', 'code']);
  });
  await f(t.users).insert([
    { id: 1, name: 'Ada', visits: 3 },
    { id: 2, name: 'Grace', visits: 5 },
    { id: 3, name: 'Edsger', visits: 8, deleted_at: new Date('2026-01-01T00:00:00Z') },
  ]);
  await f(t.orders).insert([{ tenant_id: 7, id: 1001, total: 5 }, { tenant_id: 7, id: 1002, total: 9 }, { tenant_id: 8, id: 1001, total: 1 }]);
  await f(t.big).insert([{ id: BIG, visits: 1 }, { id: BIG - 1n, visits: 2 }]);
  await f(t.codes).insert([
    { code: 'abc', label: 'lower' },
    { code: 'a,b', label: 'comma' },
    { code: '42', label: 'digits' },
    { code: String(2n ** 62n + 1n), label: 'wide' },
    { code: String(2n ** 65n), label: 'huge' },
  ]);
  await f(t.pairs).insert([{ tenant_id: 7, code: '42', label: 'seven' }, { tenant_id: 8, code: 'abc', label: 'eight' }]);
}

/** Unique table names for one run of a suite, so parallel runs on one server never meet. */
export function tableNames<K extends string>(suffix: string, names: readonly K[]): Record<K, string> {
  const prefix = `cereal_${process.pid}_${Math.random().toString(36).slice(2, 8).padEnd(6, '0')}${suffix}`;
  return Object.fromEntries(names.map((name) => [name, `${prefix}_${name}`])) as Record<K, string>;
}


/** What each loader suite's tests get: the fixtures connection, the loaders' handle, the tables. */
export interface TablesContext<Db, T = Tables> {
  f: Knex;
  db: Db;
  t: T;
}

/**
 * Creates tables (the loader suites' own, or `create`'s over `names`) before `s` runs and drops
 * them after, closing both connections.
 */
export function useTables<Db, K extends string = keyof Tables>(
  s: Test<TablesContext<Db, Record<K, string>>>,
  target: LoaderTarget<Db>,
  suffix: string,
  names: readonly K[] = ['users', 'orders', 'big', 'codes', 'pairs'] as never,
  create: (f: Knex, t: Record<K, string>) => Promise<void> = createTables as never,
): void {
  s.before(async (ctx) => {
    ctx.f = target.fixtures();
    ctx.db = target.open(ctx.f);
    ctx.t = tableNames(suffix, names);
    await create(ctx.f, ctx.t);
  });
  s.after(async ({ f, db, t }) => {
    try {
      for (const table of Object.values<string>(t)) await f.schema.dropTableIfExists(table);
    } finally {
      await target.close(db, f);
      await f.destroy();
    }
  });
}

/**
 * A suite's own table of two rows (`id` 1 and 2, `name` `u1` and `u2`) on a fixtures connection
 * of its own, for suites that kill connections under it: created before, dropped after.
 */
export function useRowsTable(s: Test<{ admin: Knex; table: string }>, fixtures: () => Knex, suffix: string): void {
  s.before(async (ctx) => {
    ctx.admin = fixtures();
    ctx.table = tableNames(suffix, ['users']).users;
    await ctx.admin.schema.createTable(ctx.table, (tb) => {
      tb.integer('id').primary();
      tb.string('name', 32);
    });
    await ctx.admin(ctx.table).insert([{ id: 1, name: 'u1' }, { id: 2, name: 'u2' }]);
  });
  s.after(async ({ admin, table }) => {
    try {
      await admin.schema.dropTableIfExists(table);
    } finally {
      await admin.destroy();
    }
  });
}
