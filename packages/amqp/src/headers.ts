import type { CerealError } from '@cereal/core';
import type { Message, Options } from 'amqplib';

/**
 * The headers cereal reads and writes. Header names are lower case, as RabbitMQ's own (`x-death`,
 * `x-first-death-queue`) are.
 */
export const HEADER = {
  /** The wire version of a cereal message: the number `1` (not the text `'1'`). A message without it is read as version 1. */
  version: 'x-cereal',
  /** The format that wrote the body, as in the content type: `msgpack`. */
  format: 'x-cereal-format',
  /**
   * This delivery's attempt, counted from 1 (absent: 1); a retry copy carries the next one, a
   * dead letter the attempt that failed last.
   */
  attempt: 'x-cereal-attempt',
  /** Why the message was retried or dead-lettered: the error code (`MISSING_ROW`, `LOAD_FAILED`, …). */
  error: 'x-cereal-error',
  /** The reason in words: the code, then the message (at most 1000 characters). */
  reason: 'x-cereal-reason',
  /** The keys of the refs concerned (`users:9`), at most {@link MAX_REF_KEYS} of them. */
  refs: 'x-cereal-refs',
  /** The queue the message was consumed from, on a dead-lettered copy. */
  queue: 'x-cereal-queue',
  /**
   * The routing key the message was first published with, as information only: a retry comes
   * back through the default exchange with the queue's name as its routing key, so the first one
   * is kept here. Dead-letter routing never reads it (a producer could forge it): a dead letter
   * goes out under `deadLetter.routingKey`, or the routing key it was delivered with.
   */
  routingKey: 'x-cereal-routing-key',
  /**
   * An id of this one copy (a retry or a dead letter), by which consume tells a copy the broker
   * returned as unroutable from the others in flight. Each copy gets a new one.
   */
  copy: 'x-cereal-copy',
} as const;

/** The wire version this package writes and reads. */
export const WIRE_VERSION = 1;

/** The most ref keys `x-cereal-refs` holds; the count of all of them is in the reason. */
export const MAX_REF_KEYS = 20;

/** The longest ref key written to `x-cereal-refs` (a composite key can be long). */
const MAX_KEY_LENGTH = 200;

/**
 * The keys of the refs a CerealError names, bounded in count and length, for `x-cereal-refs`.
 * Read defensively: a handler may throw a CerealError built with anything in `refs` (`[null]`),
 * and settling a message must not throw; what is not a ref with a string key is skipped.
 */
export function refKeys(err: unknown): string[] | undefined {
  let refs: unknown;
  try {
    refs = err !== null && typeof err === 'object' ? (err as Partial<CerealError>).refs : undefined;
  } catch {
    return undefined; // a getter that throws
  }
  if (!Array.isArray(refs)) return undefined;
  const keys: string[] = [];
  for (const r of refs.slice(0, MAX_REF_KEYS)) {
    const key: unknown = r !== null && typeof r === 'object' ? (r as { key?: unknown }).key : undefined;
    if (typeof key === 'string') keys.push(key.slice(0, MAX_KEY_LENGTH));
  }
  return keys.length === 0 ? undefined : keys;
}

/** The longest routing key (a shortstr): amqplib refuses to encode a longer one. */
export const MAX_SHORTSTR = 255;

/**
 * The routing key a message was first published with: `x-cereal-routing-key` when it is a string
 * amqplib can publish (at most 255 bytes; a longer one, which only a hostile or broken producer
 * writes, is ignored), else the routing key it was delivered with.
 */
export function firstRoutingKey(message: Message): string {
  const kept: unknown = message.properties.headers?.[HEADER.routingKey];
  if (typeof kept === 'string' && Buffer.byteLength(kept) <= MAX_SHORTSTR) return kept;
  return message.fields.routingKey;
}

/**
 * The attempt a delivery is: `x-cereal-attempt` when it is a whole number of at least 1 (a
 * number, or digits as text), else 1. A header a hostile producer wrote can only make the message
 * look older: a number past what counts exactly (`1e308`, `Infinity`, 20 digits) is taken for
 * `Number.MAX_SAFE_INTEGER`, past any last attempt, so it is dead-lettered rather than retried.
 */
export function attemptOf(message: Message): number {
  const raw: unknown = message.properties.headers?.[HEADER.attempt];
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d{1,400}$/.test(raw) ? Number(raw) : NaN;
  if (n > Number.MAX_SAFE_INTEGER) return Number.MAX_SAFE_INTEGER;
  return Number.isSafeInteger(n) && n >= 1 ? n : 1;
}

/**
 * When the message was created, in ms since the epoch, from its `timestamp` property. AMQP's
 * timestamp is in seconds (publish writes seconds, as the spec and RabbitMQ's management UI
 * read it); a producer that wrote milliseconds is read as such (a value past the year 5000 in
 * seconds is taken for milliseconds). Undefined without a usable timestamp.
 */
export function createdAtOf(message: Message): number | undefined {
  const raw: unknown = message.properties.timestamp;
  const t = typeof raw === 'number' ? raw : (raw as { value?: unknown } | null)?.value; // amqplib may give { '!': 'timestamp', value }
  if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0) return undefined;
  return t > 1e11 ? t : t * 1000;
}

/**
 * RabbitMQ's sender-selected distribution headers: more routing keys to route a publish with.
 * A copy must go where it is sent and nowhere else (a `CC` naming the work queue would multiply
 * every retry, or loop a dead letter back forever), so no copy carries them.
 */
export const ROUTING_HEADERS = ['CC', 'BCC'] as const;

/**
 * The properties to publish a copy of `message` with: all it had, but `expiration` (a dead
 * letter must not expire, a retry gets its own) and `userId` (RabbitMQ refuses a publish whose
 * userId is not the connection's user, which would close the channel); its headers with
 * `headers` over them, a header set to undefined removed, and without `CC` and `BCC` (see
 * {@link ROUTING_HEADERS}).
 */
export function copiedProperties(message: Message, headers: Record<string, unknown>): Options.Publish {
  const p = message.properties;
  const merged: Record<string, unknown> = { ...(p.headers ?? {}), ...headers };
  for (const [name, value] of Object.entries(merged)) if (value === undefined) delete merged[name];
  for (const name of ROUTING_HEADERS) delete merged[name];
  const out: Options.Publish = { headers: merged };
  const keep = ['contentType', 'contentEncoding', 'deliveryMode', 'priority', 'correlationId', 'replyTo', 'messageId', 'timestamp', 'type', 'appId'] as const;
  for (const name of keep) {
    const value: unknown = p[name];
    if (value !== undefined && value !== null) (out as Record<string, unknown>)[name] = value;
  }
  return out;
}
