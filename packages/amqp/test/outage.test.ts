/**
 * A real database outage during consumption (CEREAL_AMQP_URL and CEREAL_PG_URL): the consumer
 * reaches PostgreSQL through a TCP proxy that the test takes down and brings back up. Messages
 * fail with LOAD_FAILED, wait in the retry queue, and are handled once the database is back.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import knex from 'knex';
import { createSerializer, ref } from '@cereal/core';
import { knexLoaders } from '@cereal/knex';
import { msgpackFormat } from '@cereal/msgpack';
import { consume, publish, HEADER, type Outcome } from '../src/index.js';
import { tcpProxy } from '@cereal/testkit';
import { harness, headersOf, until } from './_amqp.js';

const amqpUrl = process.env.CEREAL_AMQP_URL;
const pgUrl = process.env.CEREAL_PG_URL;

if (!amqpUrl || !pgUrl) {
  console.log('\n  !! SKIPPED: the AMQP database-outage suite did not run. Set both CEREAL_AMQP_URL and CEREAL_PG_URL to run it.\n');
} else {
  const Outage = suite('amqp: a PostgreSQL outage during consumption');

  Outage('messages fail with LOAD_FAILED while the database is down, wait in the retry queue, and are handled once it is back', async () => {
    const h = await harness(amqpUrl);
    const table = `cereal_${process.pid}_${Math.random().toString(36).slice(2, 8)}_amqp_outage`;
    const admin = knex({ client: 'pg', connection: pgUrl });
    await admin.schema.createTable(table, (t) => {
      t.integer('id').primary();
      t.string('name');
    });
    await admin(table).insert([{ id: 1, name: 'Ada' }, { id: 2, name: 'Grace' }]);
    const gate = tcpProxy(new URL(pgUrl));
    const port = await gate.up();
    const viaProxy = new URL(pgUrl);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(port);
    // Knex warns of each refused connection with a stack trace: the outage is on purpose, so its log is kept, not printed.
    const log: string[] = [];
    const keep = (message: unknown): void => void log.push(String(message));
    const db = knex({ client: 'pg', connection: viaProxy.toString(), pool: { min: 0, max: 2 }, acquireConnectionTimeout: 1000, log: { warn: keep, error: keep, deprecate: keep, debug: keep } });
    try {
      const cereal = createSerializer({ format: msgpackFormat(), loaders: knexLoaders(db, { users: table }) });
      assert.is(((await cereal.decode(cereal.encode({ u: ref('users', 1) }))) as { u: { name: string } }).u.name, 'Ada');
      const q = await h.queue();
      const dead = await h.deadLetters();
      const { channel } = await h.channel({ confirm: true, prefetch: 4 });
      const failures: Outcome[] = [];
      const handled: { name: string; attempt: unknown; at: number }[] = [];
      await gate.down();
      await consume<{ user: { name: string } }>(channel, q, cereal, ({ user }, m) => void handled.push({ name: user.name, attempt: headersOf(m)[HEADER.attempt], at: Date.now() }), {
        deadLetter: { exchange: dead.exchange },
        retry: { delay: 300 },
        maxAttempts: 10,
        onFailure: (o) => {
          failures.push(o);
          if (failures.length === 2) void gate.up();
        },
      });
      const published = Date.now();
      publish(channel, '', q, cereal, { user: ref('users', 2) });
      await admin(table).where({ id: 2 }).update({ name: 'Grace Hopper' });
      await until(() => handled.length === 1, 30_000, () => `handled; failures: ${failures.map((f) => f.message).join(' | ')}`);
      assert.is(handled[0]!.name, 'Grace Hopper');
      assert.is(handled[0]!.attempt, 3);
      assert.ok(handled[0]!.at - published >= 600, `two retries of 300 ms: ${handled[0]!.at - published} ms`);
      assert.is(failures.length, 2);
      assert.ok(failures.every((f) => f.action === 'retry' && /^LOAD_FAILED: \[cereal\] loading 1 row of model `users` failed/.test(f.message)), failures.map((f) => f.message).join(' | '));
      assert.is(dead.messages.length, 0);
    } finally {
      await h.close();
      await db.destroy();
      await gate.down();
      await admin.schema.dropTableIfExists(table);
      await admin.destroy();
    }
  });

  Outage.run();
}
