/**
 * The same 10 000 refs hydrated through each query library's loader (Knex, Kysely, Drizzle),
 * through each library alone (its own `IN` select of the same keys, no cereal) and through the
 * raw driver, side by side, on the embedded SQLite database and, when CEREAL_PG_URL is set, on
 * PostgreSQL. Every contender's rows are checked against the raw driver's first.
 */
import { deepStrictEqual } from 'node:assert/strict';
import { hydrate, ref, type Loader } from '@cereal/core';
import { drizzleLoader } from '@cereal/drizzle';
import { knexLoader } from '@cereal/knex';
import { kyselyLoader } from '@cereal/kysely';
import { inArray } from 'drizzle-orm';
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { integer as pgInteger, pgTable, text as pgText } from 'drizzle-orm/pg-core';
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import knex, { type Knex } from 'knex';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { user, type UserRow } from './_db.js';
import { floorLoader } from './_floor.js';
import { timeSideBySide } from './_time.js';

/** One contender's hydration (or plain load) of the keys on one database. */
export interface LoaderResult {
  database: string;
  /** `raw` for the driver itself, else the query library. */
  library: string;
  /** The floor (the driver), the library alone, or cereal's loader over the library. */
  kind: 'floor' | 'alone' | 'cereal';
  name: string;
  median: number;
  /** Statements the contender ran for one hydration, as its library reports them. */
  queries: number;
  runs: number;
}

type Row = Record<string, unknown>;

interface Contender {
  library: string;
  kind: LoaderResult['kind'];
  name: string;
  run(): Promise<unknown>;
  /** Counts the statements the library sends (its query event or log hook). */
  statements: { count: number };
}

const TEXT_COLUMNS = ['email', 'name', 'username', 'role', 'status', 'locale', 'timezone', 'plan'] as const;

/** The 15 columns of bench users as a Drizzle table on SQLite, fields named as the columns. */
const sqliteUsers = (name: string) => sqliteTable(name, {
  id: integer('id').primaryKey(),
  email: text('email'), name: text('name'), username: text('username'), role: text('role'), status: text('status'),
  locale: text('locale'), timezone: text('timezone'), plan: text('plan'),
  credits: integer('credits'), logins: integer('logins'), verified: integer('verified'),
  bio: text('bio'), created_at: text('created_at'), updated_at: text('updated_at'),
});

/** The same on PostgreSQL. */
const pgUsers = (name: string) => pgTable(name, {
  id: pgInteger('id').primaryKey(),
  email: pgText('email'), name: pgText('name'), username: pgText('username'), role: pgText('role'), status: pgText('status'),
  locale: pgText('locale'), timezone: pgText('timezone'), plan: pgText('plan'),
  credits: pgInteger('credits'), logins: pgInteger('logins'), verified: pgInteger('verified'),
  bio: pgText('bio'), created_at: pgText('created_at'), updated_at: pgText('updated_at'),
});

const counter = () => ({ count: 0 });

/** The three libraries on one database: each alone, and cereal's loader over it. */
interface Libraries {
  knex: { db: Knex; table: string; statements: { count: number } };
  kysely: { db: Kysely<Record<string, UserRow>>; table: string; statements: { count: number } };
  drizzle: { alone: () => Promise<unknown>; loader: Loader; statements: { count: number } };
}

function contenders(ids: readonly number[], libraries: Libraries): Contender[] {
  const refs = ids.map((id) => ref('users', id));
  const { knex: k, kysely: y, drizzle: d } = libraries;
  const hydrating = (loader: Loader) => () => hydrate(refs, { users: loader });
  return [
    { library: 'knex', kind: 'alone', name: 'Knex alone: whereIn', statements: k.statements, run: () => k.db(k.table).whereIn('id', ids) },
    { library: 'knex', kind: 'cereal', name: '@cereal/knex', statements: k.statements, run: hydrating(knexLoader(k.db, { table: k.table })) },
    { library: 'kysely', kind: 'alone', name: 'Kysely alone: where in', statements: y.statements, run: () => y.db.selectFrom(y.table).selectAll().where('id', 'in', ids).execute() },
    { library: 'kysely', kind: 'cereal', name: '@cereal/kysely', statements: y.statements, run: hydrating(kyselyLoader(y.db, { table: y.table })) },
    { library: 'drizzle', kind: 'alone', name: 'Drizzle alone: inArray', statements: d.statements, run: d.alone },
    { library: 'drizzle', kind: 'cereal', name: '@cereal/drizzle', statements: d.statements, run: hydrating(d.loader) },
  ];
}

async function race(database: string, all: Contender[], runs: number, expected: Row[]): Promise<LoaderResult[]> {
  const byId = (rows: unknown): Row[] => [...(rows as Row[])].sort((a, b) => Number(a.id) - Number(b.id));
  // the loaders read their key column types once: outside the timed runs, as a worker does at startup
  for (const c of all) deepStrictEqual(byId(await c.run()), expected, `${database}: ${c.name} must give the raw driver's rows`);
  const timings = await timeSideBySide(all.map((c) => c.run), { runs, warmup: 2 });
  const out: LoaderResult[] = [];
  for (const [i, c] of all.entries()) {
    c.statements.count = 0;
    await c.run();
    out.push({ database, library: c.library, kind: c.kind, name: c.name, median: timings[i]!.median, queries: c.statements.count, runs });
  }
  return out;
}

/** On the bench's in-memory SQLite database (Knex's connection is the better-sqlite3 Database). */
export async function measureLoadersSqlite(db: Knex, count: number, runs: number): Promise<LoaderResult[]> {
  const ids = Array.from({ length: count }, (_, i) => i + 1);
  const database = (await db.client.acquireConnection()) as ConstructorParameters<typeof SqliteDialect>[0]['database'];
  await db.client.releaseConnection(database);
  const knexCount = counter();
  const onQuery = (): void => void knexCount.count++;
  db.on('query', onQuery);
  const kyselyCount = counter();
  const kysely = new Kysely<Record<string, UserRow>>({ dialect: new SqliteDialect({ database }), log: () => void kyselyCount.count++ });
  const drizzleCount = counter();
  const orm = drizzleSqlite({ client: database as never, logger: { logQuery: () => void drizzleCount.count++ } });
  const users = sqliteUsers('users');

  const floor = await floorLoader(db);
  const chunk = knexLoader(db, { table: 'users' }).chunkSize;
  const floorCount = counter();
  const raw = async (): Promise<unknown[]> => {
    floorCount.count += Math.ceil(ids.length / chunk);
    return floor({ table: 'users', columns: ['id'], chunk }, ids);
  };
  const expected = (floor({ table: 'users', columns: ['id'], chunk }, ids) as Row[]).sort((a, b) => Number(a.id) - Number(b.id));
  deepStrictEqual(expected.length, count, 'the floor must find every row');
  try {
    return await race('SQLite', [
      { library: 'raw', kind: 'floor', name: 'raw better-sqlite3, chunked IN (the floor)', run: raw, statements: floorCount },
      ...contenders(ids, {
        knex: { db, table: 'users', statements: knexCount },
        kysely: { db: kysely, table: 'users', statements: kyselyCount },
        drizzle: { alone: () => orm.select().from(users).where(inArray(users.id, ids)), loader: drizzleLoader(orm, users), statements: drizzleCount },
      }),
    ], runs, expected);
  } finally {
    db.off('query', onQuery);
  }
}

/**
 * On PostgreSQL (CEREAL_PG_URL): a users table of its own; the floor is `pg` with `= ANY($1)`,
 * one statement, as DESIGN's target names it.
 */
export async function measureLoadersPostgres(url: string, count: number, runs: number): Promise<LoaderResult[]> {
  const table = `cereal_bench_users_${process.pid}`;
  const admin = knex({ client: 'pg', connection: url, pool: { min: 0, max: 2 } });
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  pool.on('error', () => undefined); // an idle connection's error must not end the bench
  const kyselyCount = counter();
  const kysely = new Kysely<Record<string, UserRow>>({ dialect: new PostgresDialect({ pool }), log: () => void kyselyCount.count++ });
  try {
    await admin.schema.createTable(table, (t) => {
      t.integer('id').primary();
      for (const c of TEXT_COLUMNS) t.string(c);
      for (const c of ['credits', 'logins', 'verified']) t.integer(c);
      for (const c of ['bio', 'created_at', 'updated_at']) t.text(c);
    });
    await admin.batchInsert(table, Array.from({ length: count }, (_, i) => user(i + 1)), 1000);
    const ids = Array.from({ length: count }, (_, i) => i + 1);
    const knexCount = counter();
    admin.on('query', () => void knexCount.count++);
    const drizzleCount = counter();
    const orm = drizzlePg({ client: pool, logger: { logQuery: () => void drizzleCount.count++ } });
    const users = pgUsers(table);
    const floorCount = counter();
    const raw = async (): Promise<unknown[]> => {
      floorCount.count++;
      return (await pool.query(`select * from ${table} where id = any($1)`, [ids])).rows;
    };
    const expected = ((await raw()) as Row[]).sort((a, b) => Number(a.id) - Number(b.id));
    deepStrictEqual(expected.length, count, 'the floor must find every row');
    return await race('PostgreSQL', [
      { library: 'raw', kind: 'floor', name: 'raw pg, = ANY($1) (the floor)', run: raw, statements: floorCount },
      ...contenders(ids, {
        knex: { db: admin, table, statements: knexCount },
        kysely: { db: kysely, table, statements: kyselyCount },
        drizzle: { alone: () => orm.select().from(users).where(inArray(users.id, ids)), loader: drizzleLoader(orm, users), statements: drizzleCount },
      }),
    ], runs, expected);
  } finally {
    await admin.schema.dropTableIfExists(table);
    await admin.destroy();
    await kysely.destroy(); // ends the pool
  }
}
