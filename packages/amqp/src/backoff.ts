import { createHash } from 'node:crypto';
import type { Message } from 'amqplib';

/** The wait before requeueing a message after its first failed copy; each further failure doubles it. */
export const FIRST_BACKOFF_MS = 250;

/** The longest wait before requeueing a message whose copies keep failing. */
export const MOST_BACKOFF_MS = 30_000;

/** How many messages a consumer remembers the failed copies of (the oldest are forgotten first). */
const REMEMBERED = 10_000;

/**
 * The back-off of messages whose retry or dead-letter copy failed. Such a message is requeued,
 * never acked (its copy did not land), and a requeued message comes straight back: without a
 * wait, a dead-letter exchange with nothing bound would have the consumer run the handler and
 * publish at full speed forever. So the consumer holds the message (and its prefetch slot) for
 * a wait that doubles with each consecutive failure of the same message, from 250 ms to 30 s,
 * before it requeues it; a copy that lands forgets it.
 *
 * A message is known by its `messageId`, or else by a digest of its body and routing key (the
 * delivery tag changes with every delivery).
 */
export class CopyBackoff {
  private readonly failures = new Map<string, number>();

  /** Counts a failed copy of `message`; returns how long to wait before requeueing it, in ms. */
  failed(message: Message): number {
    const key = keyOf(message);
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.delete(key); // re-inserted last: the Map's order is the order of use
    this.failures.set(key, n);
    if (this.failures.size > REMEMBERED) this.failures.delete(this.failures.keys().next().value!);
    return Math.min(MOST_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** Math.min(n - 1, 20));
  }

  /** A copy of `message` landed: its next failure starts the back-off again. */
  landed(message: Message): void {
    if (this.failures.size > 0) this.failures.delete(keyOf(message));
  }
}

function keyOf(message: Message): string {
  const id: unknown = message.properties.messageId;
  if (typeof id === 'string' && id !== '') return `id:${id}`;
  return `sha1:${createHash('sha1').update(message.fields.routingKey).update('\0').update(message.content).digest('hex')}`;
}

/**
 * Waits `ms`, or less when `stop` settles first (a consumer being cancelled, or its channel
 * closed, does not wait out a back-off). The timer is unref'd: a back-off never keeps the
 * process alive.
 */
export function pause(ms: number, stop: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  return Promise.race([waited, stop]).finally(() => clearTimeout(timer));
}
