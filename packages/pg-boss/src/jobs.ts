import type { Encodable, Hydrated, Loaders, MissingMode, MissingOf, Serializer } from '@cereal/core';
import type { Serializers } from '@cereal/queue';
import { checkSerializer } from '@cereal/queue';
import { checkOptions } from './checks.js';
import { PG_BOSS } from './wording.js';
import { send, type SendingBoss, type SendOptions } from './send.js';
import { work, type RefHandler, type WorkingBoss, type WorkOptions } from './work.js';

/**
 * The pg-boss functions bound to one serializer, so that a job's type is named once and the rows
 * are typed by the serializer's loader map.
 */
export interface Jobs<L extends Loaders, D extends MissingMode> {
  /** send, checked like `encode`: a row of another model where a ref belongs does not compile. */
  send<T = unknown>(boss: SendingBoss, name: string, value: Encodable<T, L>, options?: SendOptions): Promise<string | null>;
  /** work, the handler's data typed by the loader map (`missing` is the serializer's own). */
  work<T = unknown, R = unknown>(boss: WorkingBoss, name: string, handler: RefHandler<Hydrated<T, L, MissingOf<D>>, R, T>, options?: WorkOptions): Promise<string>;
}

/** Options of {@link jobsFor}. */
export interface JobsOptions {
  /**
   * Serializers of other formats the worker also accepts, by format name: during a rolling
   * migration, the format producers are leaving (`{ msgpack: old }`). They must load the same
   * models (same loader map) for the typed rows to hold.
   */
  accept?: Readonly<Record<string, Serializer<Uint8Array | string>>>;
}

/**
 * The pg-boss functions for one serializer, typed by its loader map.
 *
 * @example
 * const jobs = jobsFor(cereal)
 * await db.transaction(async (trx) => jobs.send<Welcome>(boss, 'welcome', { user }, { db: trx }))
 * await jobs.work<Welcome>(boss, 'welcome', async ({ user }) => sendWelcome(user.email))
 */
export function jobsFor<W extends Uint8Array | string, L extends Loaders, D extends MissingMode>(serializer: Serializer<W, L, D>, options: JobsOptions = {}): Jobs<L, D> {
  checkSerializer(serializer, PG_BOSS);
  checkOptions(options);
  const reading: Serializers = options.accept === undefined ? serializer : { ...options.accept, [serializer.format]: serializer };
  // The typed surface is a view of the free functions, which check everything at run time.
  return {
    send: (boss, name, value, sendOptions) => send(boss, name, serializer as Serializer<Uint8Array | string, L>, value, sendOptions),
    work: (boss, name, handler, workOptions) => work(boss, name, reading, handler as never, workOptions),
  };
}
