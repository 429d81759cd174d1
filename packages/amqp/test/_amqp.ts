/**
 * What the RabbitMQ suites share. Each test builds its own harness (its own database, queues,
 * exchanges and connections) and closes it, deleting what it declared, so no test depends on
 * what another did; every wait has a timeout, so a broken run fails instead of hanging.
 */
import amqp, { type Channel, type ChannelModel, type ConsumeMessage, type GetMessage, type Message } from 'amqplib';
import knex, { type Knex } from 'knex';
import { createSerializer, type Loader, type Serializer } from '@cereal/core';
import { knexLoader } from '@cereal/knex';
import { msgpackFormat } from '@cereal/msgpack';
import { retryQueueName } from '../src/index.js';

export type User = { id: number; name: string; email: string };

/** The retry delays the suites use: their retry queues are deleted after each test. */
const DELAYS = [0, 20, 40, 50, 80, 100, 160, 200, 300, 320, 400, 1000, 5000];

/** A test's own database, serializer, connections, queues and exchanges. */
export interface Harness {
  /** An in-memory SQLite database with `users` 1 to 1000 (`user 7`, `u7@example.com`). */
  readonly db: Knex;
  /** The loader of `users`, for serializers of other formats. */
  readonly users: Loader;
  /** A msgpack serializer over `users`. */
  readonly cereal: Serializer<Uint8Array>;
  /** A channel on a new connection of its own (closed by `close`, unless closed before). */
  channel(options?: { confirm?: boolean; prefetch?: number }): Promise<{ connection: ChannelModel; channel: Channel }>;
  /** A new queue with a name of its own, declared (not durable) and deleted by `close`, with its retry queues. */
  queue(): Promise<string>;
  /** A new fanout exchange with a queue bound to it, collecting what arrives in `messages`. */
  deadLetters(): Promise<{ exchange: string; queue: string; messages: ConsumeMessage[] }>;
  /** Closes every connection, deletes the queues and exchanges, drops the database. */
  close(): Promise<void>;
}

let harnesses = 0;

/** A harness on RabbitMQ at `url`. */
export async function harness(url: string): Promise<Harness> {
  const prefix = `cereal-${process.pid}-${++harnesses}-${Math.random().toString(36).slice(2, 8)}`;
  const connections: ChannelModel[] = [];
  const queues: string[] = [];
  const exchanges: string[] = [];
  let names = 0;
  const connect = async (): Promise<ChannelModel> => {
    const connection = await amqp.connect(url);
    connection.on('error', () => undefined); // a test that closes a connection under a consumer expects it
    connections.push(connection);
    return connection;
  };
  const admin = await (await connect()).createChannel();
  const db = knex({ client: 'better-sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
  await db.schema.createTable('users', (t) => {
    t.integer('id').primary();
    t.string('name');
    t.string('email');
  });
  await db.batchInsert('users', Array.from({ length: 1000 }, (_, i) => ({ id: i + 1, name: `user ${i + 1}`, email: `u${i + 1}@example.com` })), 400);
  const users = knexLoader(db, { table: 'users' });
  return {
    db,
    users,
    cereal: createSerializer({ format: msgpackFormat(), loaders: { users } }),
    async channel({ confirm = false, prefetch } = {}) {
      const connection = await connect();
      const channel = confirm ? await connection.createConfirmChannel() : await connection.createChannel();
      channel.on('error', () => undefined);
      if (prefetch !== undefined) await channel.prefetch(prefetch);
      return { connection, channel };
    },
    async queue() {
      const name = `${prefix}-q${++names}`;
      await admin.assertQueue(name, { durable: false });
      queues.push(name);
      return name;
    },
    async deadLetters() {
      const exchange = `${prefix}-dlx${++names}`;
      const queue = `${prefix}-dead${names}`;
      await admin.assertExchange(exchange, 'fanout', { durable: false, autoDelete: false });
      await admin.assertQueue(queue, { durable: false });
      await admin.bindQueue(queue, exchange, '');
      exchanges.push(exchange);
      queues.push(queue);
      const messages: ConsumeMessage[] = [];
      await admin.consume(queue, (m) => void (m !== null && messages.push(m)), { noAck: true });
      return { exchange, queue, messages };
    },
    async close() {
      // the consumers' connections first: deleting a queue under its consumer would cancel it
      for (const c of connections) await c.close().catch(() => undefined);
      const cleanup = await (await connect()).createChannel();
      for (const q of queues) {
        await cleanup.deleteQueue(q);
        for (const ms of DELAYS) await cleanup.deleteQueue(retryQueueName(q, ms));
      }
      for (const e of exchanges) await cleanup.deleteExchange(e);
      for (const c of connections) await c.close().catch(() => undefined);
      await db.destroy();
    },
  };
}

/** Resolves once `check()` is true, polling; rejects after `ms` with `what` and what `check` last saw. */
export async function until(check: () => boolean, ms: number, what: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Waits `ms`. */
/** An exchange of `type` with nothing bound, deleted with its queue at the end. */
export async function unbound(h: Harness, type: 'fanout' | 'direct'): Promise<{ admin: Channel; exchange: string }> {
  const { channel: admin } = await h.channel();
  const exchange = `${await h.queue()}-x`;
  await admin.assertExchange(exchange, type, { durable: false });
  return { admin, exchange };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The headers of a message, as an object. */
export const headersOf = (m: Message): Record<string, unknown> => (m.properties.headers ?? {}) as Record<string, unknown>;

/** The next `count` messages of `queue`, got (and acked) one by one; rejects after `ms`. */
export async function getMessages(channel: Channel, queue: string, count: number, ms = 5000): Promise<GetMessage[]> {
  const got: GetMessage[] = [];
  const deadline = Date.now() + ms;
  while (got.length < count) {
    const m = await channel.get(queue, { noAck: true });
    if (m !== false) got.push(m);
    else if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms: ${got.length} of ${count} messages in ${queue}`);
    else await sleep(10);
  }
  return got;
}
