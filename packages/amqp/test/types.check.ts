/**
 * Type tests of the AMQP functions (compiled by the type-check, never run): a message type named
 * once, rows typed by the serializer's loader map.
 */
import type { Channel, ConsumeMessage } from 'amqplib';
import { createSerializer, ref, type Format, type Loader, type Ref } from '@cereal/core';
import { is, type Equal } from '@cereal/testkit';
import { amqpFor, consume, fromMessage, publish, republish, type Consumer, type Duration } from '../src/index.js';

interface User { id: number; email: string }
interface Order { id: number; total: number }
declare const users: Loader<User>;
declare const orders: Loader<Order>;
declare const format: Format<Uint8Array>;
declare const channel: Channel;
const cereal = createSerializer({ format, loaders: { users, orders } });
const mail = amqpFor(cereal);

interface Confirm { order: Ref<'orders'>; to: Ref<'users'> }
declare const order: Order;
declare const user: User;

const sent = mail.publish<Confirm>(channel, 'mail', 'confirm', { order, to: ref('users', 1) }, { persistent: true, messageId: 'o-1', headers: { tenant: 'acme' } });
is<Equal<typeof sent, boolean>>(true);
// @ts-expect-error a user where an order belongs
mail.publish<Confirm>(channel, 'mail', 'confirm', { order: user, to: user });
// @ts-expect-error a ref to a model the serializer does not know
mail.publish(channel, 'mail', 'confirm', { order: ref('invoices', 1) });
// @ts-expect-error the content type is cereal's
mail.publish(channel, 'mail', 'confirm', { order }, { contentType: 'application/json' });

async function consuming(): Promise<void> {
  const consumer = await mail.consume<Confirm>(channel, 'mail', async ({ order, to }, message) => {
    is<Equal<typeof order, Order>>(true);
    is<Equal<typeof to.email, string>>(true);
    is<Equal<typeof message, ConsumeMessage>>(true);
    // @ts-expect-error an Order has no email
    return order.email;
  }, { deadLetter: { exchange: 'mail.dead' }, retry: { delay: '5s', backoff: 'exponential', maxDelay: '1m' }, maxAttempts: 5 });
  is<Equal<typeof consumer, Consumer>>(true);
  await consumer.cancel();
}

// A serializer with `missing: 'null'`: a missing row is null in the handler.
const lenient = amqpFor(createSerializer({ format, loaders: { users }, missing: 'null' }));
void lenient.consume<{ to: Ref<'users'> }>(channel, 'mail', ({ to }) => {
  is<Equal<typeof to, User | null>>(true);
});

// Options: decode options and the failure options pass through; `missing` is the serializer's own.
void mail.consume<Confirm>(channel, 'mail', () => undefined, { maxBytes: 1024, onMissingRow: 'discard', onDiscard: (outcome) => console.log(outcome.message) });
// @ts-expect-error missing is the serializer's own
void mail.consume<Confirm>(channel, 'mail', () => undefined, { missing: 'null' });
// @ts-expect-error acks are always manual
void mail.consume<Confirm>(channel, 'mail', () => undefined, { consumer: { noAck: true } });
// @ts-expect-error a backoff cereal does not know
void mail.consume<Confirm>(channel, 'mail', () => undefined, { retry: { backoff: 'linear' } });
// @ts-expect-error the dead-letter exchange is required
void mail.consume<Confirm>(channel, 'mail', () => undefined, { deadLetter: { routingKey: 'dead' } });
// @ts-expect-error a unit other than ms, s, m or h
void mail.consume<Confirm>(channel, 'mail', () => undefined, { retry: { delay: '5 seconds' } });
void mail.consume<Confirm>(channel, 'mail', () => undefined, { missingRetry: { within: '30s' } });
const delays: Duration[] = ['500ms', '5s', '1m', '1h', 250];
void delays;

// The free functions, typed as far as inference allows: the value is checked against the
// serializer's loader map; the handler sees rows as objects.
publish(channel, '', 'mail', cereal, { order: ref('orders', 1) });
// @ts-expect-error a ref to a model the serializer does not know
publish(channel, '', 'mail', cereal, { order: ref('invoices', 1) });
void consume<Confirm>(channel, 'mail', cereal, async ({ order }) => order);
void consume(channel, 'mail', { msgpack: cereal }, async (data) => console.log(data));
void consuming;

// fromMessage reads a MISSING_ROW dead letter with `missing`; republish sends it back.
declare const deadLetter: ConsumeMessage;
void fromMessage(cereal, deadLetter, { missing: 'null' });
// @ts-expect-error not a missing mode
void fromMessage(cereal, deadLetter, { missing: 'drop' });
is<Equal<ReturnType<typeof republish>, boolean>>(true);
void consume(channel, 'mail', cereal, () => undefined).then((c) => c.cancel({ timeout: '5s' }));
