/**
 * A database server under the testkit's suites and the Knex loader's own: `runServerSuites(spec)`
 * in each server's test file, which runs them when its variable is set and says loudly when not.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import knex, { type Knex } from 'knex';
import { createSerializer, hydrate, ref } from '@cereal/core';
import { msgpackFormat } from '@cereal/msgpack';
import { rejects, testFaults, useRowsTable, testLoader, testServer, within } from '@cereal/testkit';
import { knexLoader } from '../../src/index.js';
import { testKnex } from './knex.js';
import { knexServerTarget, knexTarget, type ServerAccess } from './target.js';

/** A database server reached through an environment variable, as its test file describes it. */
export interface ServerSpec extends ServerAccess {
  name: string;
  /** The variable holding its URL, e.g. `CEREAL_PG_URL`, and an example value. */
  variable: string;
  example: string;
  client: string;
  /** Knex's `connection` for a URL. */
  connection(url: string): Knex.Config['connection'];
  /** The server's id of a driver connection, as the pool's `afterCreate` hook receives it. */
  idOf(connection: unknown): number;
  /** The schema unqualified table names resolve to, for a URL. */
  schema(url: string): string;
}

type Connect = (options?: Partial<Knex.Config> & { port?: number }) => Knex;

/**
 * Knex's own log, kept here instead of printed: the fault suites kill connections on purpose,
 * and Knex warns of each with a stack trace. A passing run prints none of them.
 */
export const knexLog: string[] = [];
const keep = (message: unknown): void => void knexLog.push(String(message));
const captured = { warn: keep, error: keep, deprecate: keep, debug: keep };

export function runServerSuites(spec: ServerSpec): void {
  const url = process.env[spec.variable];
  if (url === undefined || url === '') {
    console.log(`\n  !! SKIPPED: the ${spec.name} suites did not run. Set ${spec.variable}=${spec.example} to run them.\n`);
    return;
  }
  const connect: Connect = ({ port, ...options } = {}) => {
    const target = new URL(url);
    if (port !== undefined) target.port = String(port);
    return knex({ client: spec.client, connection: spec.connection(target.toString()), pool: { min: 0, max: 4 }, log: captured, ...options });
  };
  const loaderTarget = knexTarget(spec.name, (open) => connect({
    ...(open?.port === undefined ? {} : { port: open.port }),
    ...(open?.poolSize === undefined ? {} : { pool: { min: 0, max: open.poolSize } }),
    ...(open?.acquireTimeoutMs === undefined ? {} : { acquireConnectionTimeout: open.acquireTimeoutMs }),
  }), spec.schema(url));
  const target = knexServerTarget(loaderTarget, spec);
  testLoader(target);
  testKnex(target);
  testServer(target);
  testFaults(target);
  testKnexFaults(spec, connect);
}

/** What Knex's pool adds to the faults: the connection a resend goes out on, and its hooks. */
function testKnexFaults(spec: ServerSpec, connect: Connect): void {
  const Faults = suite<{ admin: Knex; table: string }>(`knexLoader(${spec.name}): faults`, {} as never);
  useRowsTable(Faults, () => connect(), 'kf');

  Faults('a statement is never sent again on the connection that was killed', async ({ admin, table }) => {
    const db = connect({ pool: { min: 1, max: 1 } });
    const used: string[] = []; // the pool's id of the connection each statement went out on
    db.on('query', (query: { __knexUid: string }) => void used.push(query.__knexUid));
    try {
      const cereal = createSerializer({ format: msgpackFormat(), loaders: { users: knexLoader(db, { table }) } });
      const wire = cereal.encode([ref('users', 1), ref('users', 2)]);
      await cereal.decode(wire);
      const killed = used.at(-1);
      await spec.kill(admin, await spec.connectionId(db));
      used.length = 0;
      await within(20_000, cereal.decode(wire));
      assert.ok(used.filter((uid) => uid === killed).length <= 1, `sent again on the killed connection: ${used}`);
    } finally {
      await db.destroy();
    }
  });

  Faults('a connection killed twice between two decodes (the pooled one, then its replacement): the decode still succeeds', async ({ admin, table }) => {
    let armed = false; // kill the next connection the pool creates, before its first statement
    const afterCreate = (connection: unknown, done: (err: unknown, connection: unknown) => void): void => {
      if (!armed) return done(null, connection);
      armed = false;
      spec.kill(admin, spec.idOf(connection)).then(() => done(null, connection), (err: unknown) => done(err, connection));
    };
    const db = connect({ pool: { min: 0, max: 1, afterCreate } });
    try {
      const cereal = createSerializer({ format: msgpackFormat(), loaders: { users: knexLoader(db, { table }) } });
      const wire = cereal.encode([ref('users', 1), ref('users', 2)]);
      await cereal.decode(wire);
      const id = await spec.connectionId(db);
      armed = true;
      await spec.kill(admin, id);
      const again = (await within(20_000, cereal.decode(wire))) as { name: string }[];
      assert.is(again[1]?.name, 'u2');
      assert.is(armed, false, 'the replacement connection was created, and killed');
    } finally {
      await db.destroy();
    }
  });

  Faults('inside a transaction, a statement whose connection was lost is not sent again: the transaction is gone with it', async ({ admin, table }) => {
    const db = connect();
    const sent: string[] = [];
    db.on('query', (query: { sql: string }) => void sent.push(query.sql));
    const trx = await db.transaction();
    try {
      const users = knexLoader(trx, { table });
      await users.prepare();
      await spec.kill(admin, await spec.connectionId(trx));
      sent.length = 0;
      const err = await rejects(() => within(20_000, hydrate([ref('users', 1)], { users })));
      assert.is(err.code, 'LOAD_FAILED');
      assert.is(sent.filter((sql) => sql.includes(table)).length, 1, sent.join('\n'));
    } finally {
      await trx.rollback().catch(() => undefined);
      await db.destroy();
    }
  });

  Faults.run();
}
