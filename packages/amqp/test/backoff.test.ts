/**
 * The back-off of a message whose retry or dead-letter copy did not land: how long the consumer
 * holds it before requeueing, per message, and the wait that ends early when the consumer stops.
 * No broker: CopyBackoff and pause are what consume's settler uses.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Message } from 'amqplib';
import { CopyBackoff, FIRST_BACKOFF_MS, MOST_BACKOFF_MS, pause } from '../src/backoff.js';

let tags = 0;
const message = (body: string, routingKey = 'mail', messageId?: unknown): Message => ({
  content: Buffer.from(body),
  fields: { deliveryTag: ++tags, redelivered: true, exchange: '', routingKey },
  properties: { messageId } as Message['properties'],
});

const Backoff = suite('amqp CopyBackoff: a wait that doubles per message, 250 ms to 30 s');

Backoff('doubles from 250 ms with each failure of the same message, to 30 s and no further', () => {
  assert.is(FIRST_BACKOFF_MS, 250);
  assert.is(MOST_BACKOFF_MS, 30_000);
  const b = new CopyBackoff();
  const m = message('a', 'mail', 'm-1');
  const waits = Array.from({ length: 12 }, () => b.failed(m));
  assert.equal(waits, [250, 500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000, 30_000, 30_000]);
  for (let i = 0; i < 2000; i++) b.failed(m);
  assert.is(b.failed(m), 30_000, 'after thousands of failures: still the cap, a number');
});

Backoff('known by messageId: another delivery of it (a new delivery tag, another body) counts on', () => {
  const b = new CopyBackoff();
  assert.is(b.failed(message('a', 'mail', 'm-1')), 250);
  assert.is(b.failed(message('b', 'orders', 'm-1')), 500, 'same messageId');
  assert.is(b.failed(message('a', 'mail', 'm-2')), 250, 'another messageId');
  assert.is(b.failed(message('a', 'mail')), 250, 'no messageId: known by its body, not by the ids of others');
});

Backoff('without a messageId (none, empty, not a string): known by its routing key and body', () => {
  const b = new CopyBackoff();
  assert.is(b.failed(message('body', 'mail')), 250);
  assert.is(b.failed(message('body', 'mail', '')), 500, 'an empty messageId is none');
  assert.is(b.failed(message('body', 'mail', 42)), 1000, 'a messageId that is not a string is none');
  assert.is(b.failed(message('body', 'orders')), 250, 'another routing key');
  assert.is(b.failed(message('other', 'mail')), 250, 'another body');
  // the routing key and the body are told apart: `ab` + `c` is not `a` + `bc`
  assert.is(b.failed(message('c', 'ab')), 250);
  assert.is(b.failed(message('bc', 'a')), 250);
  assert.is(b.failed(message('c', 'ab')), 500);
});

Backoff('a copy that landed starts its message over; others keep their count', () => {
  const b = new CopyBackoff();
  const m = message('a', 'mail', 'm-1');
  const other = message('b', 'mail', 'm-2');
  b.landed(m); // nothing remembered: nothing happens
  b.failed(m);
  b.failed(m);
  b.failed(other);
  b.landed(message('x', 'y', 'm-1')); // another delivery of m-1
  assert.is(b.failed(m), 250);
  assert.is(b.failed(other), 500);
  const digest = message('c', 'mail');
  b.failed(digest);
  b.landed(message('c', 'mail'));
  assert.is(b.failed(digest), 250, 'known by digest: landed forgets it too');
});

Backoff('remembers 10 000 messages: the one used longest ago is forgotten first', () => {
  const b = new CopyBackoff();
  const first = message('first', 'mail', 'first');
  b.failed(first);
  b.failed(first); // next: 1000
  for (let i = 0; i < 9_999; i++) b.failed(message('', 'mail', `other-${i}`));
  assert.is(b.failed(first), 1000, '10 000 remembered: the first is still there');
  b.failed(message('', 'mail', 'one more')); // the first was used last: other-0 is forgotten, not it
  assert.is(b.failed(first), 2000);
  assert.is(b.failed(message('', 'mail', 'other-0')), 250, 'forgotten');
  assert.is(b.failed(message('', 'mail', 'other-9998')), 500, 'remembered');
  for (let i = 0; i < 10_000; i++) b.failed(message('', 'mail', `later-${i}`));
  assert.is(b.failed(first), 250, 'past 10 000 others: forgotten');
});

const Pause = suite('amqp pause: a back-off wait that ends when the consumer stops');

const never = new Promise<void>(() => undefined);

// pause's timer is unref'd: a ref'd one keeps the test process alive while it waits
let alive: NodeJS.Timeout | undefined;
Pause.before.each(() => {
  alive = setTimeout(() => undefined, 10_000);
});
Pause.after.each(() => clearTimeout(alive));

Pause('waits the time given', async () => {
  const start = Date.now();
  await pause(30, never);
  const took = Date.now() - start;
  assert.ok(took >= 25 && took < 1000, `${took} ms`);
});

Pause('ends at once when stop has settled, or as it settles', async () => {
  let start = Date.now();
  await pause(60_000, Promise.resolve());
  assert.ok(Date.now() - start < 1000, 'stopped before');
  let stop!: () => void;
  const stopping = new Promise<void>((resolve) => (stop = resolve));
  start = Date.now();
  setTimeout(stop, 10);
  await pause(60_000, stopping);
  const took = Date.now() - start;
  assert.ok(took >= 5 && took < 1000, `${took} ms`);
});

Pause('its timer never keeps the process alive, and is cleared once stopped', async () => {
  const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length; // ref'd timers only
  const before = timers();
  let stop!: () => void;
  const stopping = new Promise<void>((resolve) => (stop = resolve));
  const waiting = pause(60_000, stopping);
  assert.is(timers(), before, 'unref\'d');
  stop();
  await waiting;
  assert.is(timers(), before);
});

Backoff.run();
Pause.run();
