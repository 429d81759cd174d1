import { isConnectionLost } from './faults.js';

/** Times a statement is sent again after its connection was lost (see faults.ts). */
export const RESENDS = 2;

/**
 * Runs `send`, and outside a transaction sends it again, up to RESENDS times, when the server
 * closed its connection (a restart, a kill, an idle timeout): a read is safe to repeat, and the
 * pool hands the next attempt another connection. Inside a transaction the connection is the
 * transaction, so the failure stands (LOAD_FAILED, retryable by the caller).
 */
export async function withResends<T>(inTransaction: boolean, send: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await send();
    } catch (err) {
      if (inTransaction || attempt >= RESENDS || !isConnectionLost(err)) throw err;
    }
  }
}
