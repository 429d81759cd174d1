import { DrizzleQueryError } from 'drizzle-orm';

/** A DrizzleQueryError, of this copy of drizzle-orm or another (it carries no entity kind to tell it by). */
const isQueryError = (err: unknown): err is Error => err instanceof DrizzleQueryError || (err instanceof Error && err.constructor.name === 'DrizzleQueryError');

/**
 * Runs a statement once and throws the driver's own error when it fails. Drizzle (0.44 on) wraps
 * a failed statement's error in a DrizzleQueryError whose message is the statement and whose
 * `cause` is the driver's error: the shared loader reads the driver's `code` and message to tell
 * a lost connection (sent again) and a key the server refuses (INVALID_REF) from other failures,
 * and hands the error on as the LOAD_FAILED cause, as Knex throws it.
 *
 * The connection needs no handling here (@cereal/knex's needs some): outside a transaction Drizzle
 * sends each statement through the pool's own `query` (a pg `Pool`, a mysql2 pool), which retires
 * a connection lost under a statement. pg-pool's `query` releases the client with the
 * statement's error, which destroys it, even when the client had not seen its socket close yet;
 * mysql2 drops a pooled connection on its fatal error. So the resend takes another connection
 * (the faults suites kill connections to check it). A single `pg.Client` or mysql2 connection
 * given to `drizzle()` has no other: the resends fail too, and the load is LOAD_FAILED.
 */
export async function send<T>(statement: () => PromiseLike<T>): Promise<T> {
  try {
    return await statement();
  } catch (err) {
    throw isQueryError(err) && err.cause !== undefined ? err.cause : err;
  }
}
