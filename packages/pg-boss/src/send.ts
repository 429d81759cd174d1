import type { Encodable, Loaders, Serializer } from '@cereal/core';
import { checkSerializer, toJobData, type JobData } from '@cereal/queue';
import type { PgBoss, SendOptions as BossSendOptions } from 'pg-boss';
import { bossDb, type SendDb } from './db.js';
import { PG_BOSS } from './wording.js';
import { checkBoss, checkOptions, refused } from './checks.js';

/**
 * Options of {@link send}: pg-boss's own send options (`retryLimit`, `retryDelay`,
 * `startAfter`, `singletonKey`, `deadLetter`, …), and `db` to insert the job inside your own
 * transaction.
 */
export interface SendOptions extends Omit<BossSendOptions, 'db'> {
  /**
   * The transaction to insert the job in: a Knex transaction (the one that wrote the rows the job
   * refers to), or a pg-boss `Db`. The job commits with your rows and vanishes with them on a
   * rollback, so no worker can run it before its rows are there.
   */
  db?: SendDb;
}

/** The part of a PgBoss instance `send` uses. */
export type SendingBoss = Pick<PgBoss, 'send'>;

/**
 * Encodes `value` as job data and sends it: refs and hydrated rows travel as references.
 *
 * @param boss - a started PgBoss instance
 * @param name - the queue (created with `boss.createQueue(name, …)`)
 * @param serializer - the serializer of the format to write (the worker must accept it)
 * @param value - anything the serializer can encode
 * @param options - pg-boss's send options, and `db`: see {@link SendOptions}
 * @returns the job's id, or null when pg-boss did not create one (a singleton or throttle key already taken)
 * @throws CerealError any error of `serializer.encode`, or `INVALID_OPTION` for a `db` that is
 *   neither a Knex transaction nor a pg-boss Db, a Knex transaction that has ended, or an option
 *   pg-boss refuses
 * @example await db.transaction(async (trx) => { const [user] = await trx('users').insert(u).returning('*'); await send(boss, 'welcome', cereal, { user: ref('users', user.id) }, { db: trx }) })
 */
export async function send<T = unknown, L extends Loaders = Loaders>(
  boss: SendingBoss,
  name: string,
  serializer: Serializer<Uint8Array | string, L>,
  value: Encodable<T, L>,
  options: SendOptions = {},
): Promise<string | null> {
  checkBoss(boss, 'send');
  checkOptions(options);
  checkSerializer(serializer, PG_BOSS);
  const data: JobData<T> = toJobData<T, L>(serializer, value);
  const { db, ...rest } = options ?? {};
  try {
    return await boss.send(name, data, db === undefined ? rest : { ...rest, db: bossDb(db) });
  } catch (err) {
    throw refused(err);
  }
}
