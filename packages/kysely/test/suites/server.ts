/**
 * A database server under the testkit's suites and the Kysely loader's own: `runServerSuites(spec)`
 * in each server's test file, which runs them when its variable is set and says loudly when not.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import knex, { type Knex } from 'knex';
import { CompiledQuery, Kysely, sql, type DatabaseConnection, type Dialect, type Logger, type SqlBool } from 'kysely';
import { createSerializer, hydrate, ref } from '@cereal/core';
import { msgpackFormat } from '@cereal/msgpack';
import { testFaults, useRowsTable, testLoader, testServer, within, type OpenOptions } from '@cereal/testkit';
import { kyselyLoader } from '../../src/index.js';
import { testExact } from './exact.js';
import { testKysely } from './kysely.js';
import { kyselyServerTarget, kyselyTarget, watchedKysely } from './target.js';

/** Kysely's hooks on its driver's connections, and whether the pool listens for their errors. */
export interface PoolHooks {
  onCreateConnection?(connection: DatabaseConnection): Promise<void>;
  onReserveConnection?(connection: DatabaseConnection): Promise<void>;
  /**
   * node-postgres: listen for each client's `error` (default true), as pg asks of every
   * application: a connection lost while a transaction holds it emits one, and nobody listens.
   */
  clientErrors?: boolean;
}

/** A database server reached through an environment variable, as its test file describes it. */
export interface ServerSpec {
  name: string;
  /** The variable holding its URL, e.g. `CEREAL_PG_URL`, and an example value. */
  variable: string;
  example: string;
  /** Knex's client and connection for the fixtures. */
  client: string;
  connection(url: string): Knex.Config['connection'];
  /** A Kysely dialect over a new pool on `url`. */
  dialect(url: string, options: OpenOptions, hooks: PoolHooks): Dialect;
  /** A where condition that is true after a pause of 300 ms: it keeps a statement running. */
  sleep: string;
  /** A statement returning the server's id of the connection it runs on, as `id`. */
  idQuery: string;
  kill(admin: Knex, id: number): Promise<void>;
  /** The schema unqualified table names resolve to, for a URL. */
  schema(url: string): string;
  /** What the loader says when no connection came in time. */
  timeoutMessage: RegExp;
  /** True where the driver rounds integers beyond 2^53 (the loader then reads those keys as text). */
  splitsWide: boolean;
}

/**
 * What the drivers report on their own, kept here instead of printed: the fault suites kill
 * connections on purpose, and pg emits each loss as an `error` event. A passing run prints none.
 */
export const driverLog: string[] = [];
export const keep = (message: unknown): void => void driverLog.push(String(message));

export function runServerSuites(spec: ServerSpec): void {
  const url = process.env[spec.variable];
  if (url === undefined || url === '') {
    console.log(`\n  !! SKIPPED: the ${spec.name} suites did not run. Set ${spec.variable}=${spec.example} to run them.\n`);
    return;
  }
  const at = (port?: number): string => {
    const target = new URL(url);
    if (port !== undefined) target.port = String(port);
    return target.toString();
  };
  const fixtures = (): Knex => knex({ client: spec.client, connection: spec.connection(url), pool: { min: 0, max: 4 }, log: { warn: keep, error: keep, deprecate: keep, debug: keep } });
  const connectionId = async (db: Kysely<any>): Promise<number> => Number((await sql.raw<{ id: unknown }>(spec.idQuery).execute(db)).rows[0]?.id);
  const loaderTarget = kyselyTarget({
    name: spec.name,
    fixtures,
    open: (_f, options = {}) => watchedKysely(spec.dialect(at(options.port), options, {})),
    schema: spec.schema(url),
    timeoutMessage: spec.timeoutMessage,
  });
  const target = kyselyServerTarget(loaderTarget, { connectionId, kill: spec.kill });
  testLoader(target);
  testKysely(target);
  testExact(target, spec.splitsWide);
  testServer(target);
  testFaults(target);
  testKyselyFaults(spec, fixtures, (hooks, options = {}, log) => new Kysely<any>({ dialect: spec.dialect(at(), options, hooks), ...(log === undefined ? {} : { log }) }), connectionId);
}

/** A plain Kysely (not watched) on a new pool with Kysely's hooks, and its log. */
type Open = (hooks: PoolHooks, options?: OpenOptions, log?: Logger) => Kysely<any>;

/** What Kysely's pools add to the faults: the connection a resend goes out on, and its hooks. */
function testKyselyFaults(spec: ServerSpec, fixtures: () => Knex, open: Open, connectionId: (db: Kysely<any>) => Promise<number>): void {
  const Faults = suite<{ admin: Knex; table: string }>(`kyselyLoader(${spec.name}): faults`, {} as never);
  useRowsTable(Faults, fixtures, 'kf');

  Faults('a statement whose connection is killed under it is sent again on another, never on the killed one, even by a pool that does not listen for its clients\' errors', async ({ admin, table }) => {
    let reserved: DatabaseConnection | undefined; // the connection the next statement goes out on
    const sent: (DatabaseConnection | undefined)[] = [];
    const db = open({ clientErrors: false, onReserveConnection: async (c) => void (reserved = c) }, { poolSize: 1 }, () => void sent.push(reserved));
    try {
      // The scope keeps each statement running a moment: the kill lands while it runs, and its
      // error is the statement's; the socket closes a moment later.
      const users = kyselyLoader(db, { table, scope: () => sql<SqlBool>`${sql.raw(spec.sleep)}` });
      await users.prepare();
      const id = await connectionId(db);
      const killed = sent.at(-1);
      sent.length = 0;
      const loading = within(20_000, hydrate([ref('users', 1), ref('users', 2)], { users }));
      await new Promise((resolve) => setTimeout(resolve, 100));
      await spec.kill(admin, id);
      const rows = (await loading) as unknown as { name: string }[];
      assert.is(rows[1]?.name, 'u2');
      assert.is(sent.filter((c) => c === killed).length, 1, 'sent once on the killed connection, and not again');
      assert.ok(sent.length >= 2 && sent.at(-1) !== killed, 'sent again on another connection');
    } finally {
      await db.destroy();
    }
  });

  Faults('a connection killed twice between two decodes (the pooled one, then its replacement): the decode still succeeds', async ({ admin, table }) => {
    let armed = false; // kill the next connection the pool creates, before its first statement
    const onCreateConnection = async (connection: DatabaseConnection): Promise<void> => {
      if (!armed) return;
      armed = false;
      const { rows } = await connection.executeQuery(CompiledQuery.raw(spec.idQuery));
      await spec.kill(admin, Number((rows[0] as { id: unknown }).id));
    };
    const db = open({ onCreateConnection }, { poolSize: 1 });
    try {
      const cereal = createSerializer({ format: msgpackFormat(), loaders: { users: kyselyLoader(db, { table }) } });
      const wire = cereal.encode([ref('users', 1), ref('users', 2)]);
      await cereal.decode(wire);
      const id = await connectionId(db);
      armed = true;
      await spec.kill(admin, id);
      const again = (await within(20_000, cereal.decode(wire))) as { name: string }[];
      assert.is(again[1]?.name, 'u2');
      assert.is(armed, false, 'the replacement connection was created, and killed');
    } finally {
      await db.destroy();
    }
  });

  Faults.run();
}
