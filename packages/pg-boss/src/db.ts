import { CerealError } from '@cereal/core';
import { describe } from '@cereal/core/format';
import { fromKnex, type Db } from 'pg-boss';
import { PG_BOSS } from './wording.js';

/**
 * What `send`'s `db` option takes: pg-boss's own `Db` (anything with `executeSql`, such as the
 * `db` a transactional worker hands its handler, or `fromKysely(trx)` / `fromDrizzle(tx)` /
 * `fromPrisma(tx)` from pg-boss), or a Knex transaction, which is wrapped with pg-boss's own
 * `fromKnex`.
 */
export type SendDb = Db | KnexLike;

/** The part of a Knex transaction `fromKnex` uses. */
export interface KnexLike {
  raw(sql: string, bindings?: readonly unknown[]): PromiseLike<unknown>;
}

/**
 * `db` as pg-boss's `Db`. A Knex transaction goes through pg-boss's own adapter: pg-boss's SQL
 * repeats `$N` placeholders and uses jsonb `?` operators that a hand-rolled `knex.raw` misbinds.
 *
 * @throws CerealError `INVALID_OPTION` for anything else, a Knex instance that is not a
 *   transaction, or a Knex transaction that has ended
 */
export function bossDb(db: unknown): Db {
  const candidate = db as { executeSql?: unknown; raw?: unknown; isCompleted?: unknown } | null;
  if (candidate !== null && typeof candidate === 'object' && typeof candidate.executeSql === 'function') return candidate as Db;
  if (candidate !== null && (typeof candidate === 'object' || typeof candidate === 'function') && typeof candidate.raw === 'function') {
    // The Knex instance where its transaction was meant (`{ db }` for `{ db: trx }`) would insert
    // the job at once, outside the transaction: the very race `db` is there to prevent.
    if ((candidate as { isTransaction?: unknown }).isTransaction !== true) {
      throw new CerealError('INVALID_OPTION', '[pg-boss] `db` is a Knex instance, not a transaction: the job would be inserted at once, outside your transaction; pass the transaction (`{ db: trx }` inside `db.transaction(async (trx) => …)`), or leave `db` out to send on its own');
    }
    // A Knex transaction that has ended would run the insert on a pooled connection, outside it.
    if (typeof candidate.isCompleted === 'function' && candidate.isCompleted() === true) {
      throw new CerealError('INVALID_OPTION', '[pg-boss] `db` is a Knex transaction that has ended; send inside the transaction (before it commits), or send without `db`');
    }
    return fromKnex(candidate as Parameters<typeof fromKnex>[0]);
  }
  throw new CerealError('INVALID_OPTION', `[${PG_BOSS.label}] \`db\` must be a Knex transaction or a pg-boss Db (with executeSql), got ${describe(db, 40)}`);
}
