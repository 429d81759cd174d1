/**
 * A consumer killed with messages in hand, on a real RabbitMQ (CEREAL_AMQP_URL): what it had not
 * acked is redelivered to the other consumer and handled; nothing is lost.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ref } from '@cereal/core';
import { consume, publish } from '../src/index.js';
import { harness, sleep, until, type Harness, type User } from './_amqp.js';

const url = process.env.CEREAL_AMQP_URL;

if (url === undefined || url === '') {
  console.log('\n  !! SKIPPED: the RabbitMQ killed-consumer suite did not run. Set CEREAL_AMQP_URL=amqp://guest:guest@127.0.0.1:5672 to run it.\n');
} else {
  const Killed = suite<{ h: Harness }>('amqp: a consumer killed with messages unacked', {} as never);
  Killed.before.each(async (ctx) => {
    ctx.h = await harness(url);
  });
  Killed.after.each(async (ctx) => {
    await ctx.h.close();
  });

  Killed('its connection closed while handlers run (prefetch 10): the unacked messages go to the other consumer, all 200 handled', async ({ h }) => {
    const q = await h.queue();
    const producer = await h.channel();
    for (let i = 1; i <= 200; i++) publish(producer.channel, '', q, h.cereal, { user: ref('users', i), seq: i });

    // The first consumer takes its prefetch and hangs in every handler.
    const doomed = await h.channel({ prefetch: 10 });
    const inHand = new Set<number>();
    let release!: () => void;
    const hang = new Promise<void>((r) => (release = r));
    const lateErrors: unknown[] = [];
    await consume<{ user: User; seq: number }>(doomed.channel, q, h.cereal, async ({ seq }) => {
      inHand.add(seq);
      await hang;
    }, { onError: (err) => lateErrors.push(err) });
    await until(() => inHand.size === 10, 10_000, () => `10 in hand, got ${inHand.size}`);

    // killed: its connection goes away with 10 messages unacked
    await doomed.connection.close();

    const acked = new Map<number, number>();
    const redelivered = new Set<number>();
    const survivor = await h.channel({ prefetch: 10 });
    await consume<{ user: User; seq: number }>(survivor.channel, q, h.cereal, async ({ user, seq }, m) => {
      assert.is(user.id, seq);
      if (m.fields.redelivered) redelivered.add(seq);
      acked.set(seq, (acked.get(seq) ?? 0) + 1);
    });
    await until(() => acked.size === 200, 30_000, () => `200 handled, got ${acked.size}`);
    await sleep(200);
    assert.ok([...acked.values()].every((n) => n === 1), 'each handled once by the survivor');
    assert.equal([...redelivered].sort((a, b) => a - b), [...inHand].sort((a, b) => a - b)); // exactly the ones the dead consumer held
    assert.is((await producer.channel.checkQueue(q)).messageCount, 0);

    // the dead consumer's handlers finish: their acks cannot be sent, and say so
    release();
    await until(() => lateErrors.length === 10, 5000, () => `10 late errors, got ${lateErrors.length}`);
    assert.match(String((lateErrors[0] as Error).message), /closed/i);
  });

  Killed.run();
}
