/**
 * The drivers' own errors for a connection that did not come in time, and the setting that
 * bounds the wait: pg-pool's `connectionTimeoutMillis` ("timeout exceeded when trying to
 * connect" while every pooled connection is busy, "Connection terminated due to connection
 * timeout" for a server that does not answer), mysql2's `connectTimeout` (ETIMEDOUT).
 */
const TIMEOUTS: Record<string, { is(err: unknown): boolean; setting: string; why: string; ms(client: unknown): unknown }> = {
  pg: {
    is: (err) => /timeout exceeded when trying to connect|terminated due to connection timeout/i.test(String((err as Error | null)?.message)),
    setting: 'connectionTimeoutMillis',
    why: 'the server is down or unreachable, or every pooled connection is busy',
    ms: (client) => (client as { options?: { connectionTimeoutMillis?: unknown } } | undefined)?.options?.connectionTimeoutMillis,
  },
  mysql2: {
    is: (err) => (err as { code?: unknown } | null)?.code === 'ETIMEDOUT',
    setting: 'connectTimeout',
    why: 'the server is down or unreachable', // mysql2's pool waits for a busy connection without limit
    // a callback pool, the promise pool around one, or a single connection
    ms: (client) => {
      const c = client as { pool?: unknown; config?: { connectionConfig?: { connectTimeout?: unknown }; connectTimeout?: unknown } } | undefined;
      const config = (c?.pool as typeof c | undefined)?.config ?? c?.config;
      return config?.connectionConfig?.connectTimeout ?? config?.connectTimeout;
    },
  },
};

/**
 * What a timeout waiting for a connection means, in place of the driver's terse message, or
 * undefined when `err` is no such timeout. Thrown as a plain Error: hydrate makes it
 * LOAD_FAILED (retryable), with the refs concerned.
 *
 * @param client - the database's `$client` (the pool), where the timeout is configured
 */
export function connectTimeout(driver: string, client: unknown, table: string, err: unknown): Error | undefined {
  const timeout = TIMEOUTS[driver];
  if (timeout === undefined || !timeout.is(err)) return undefined;
  const ms = timeout.ms(client);
  const within = typeof ms === 'number' && ms > 0 ? `within ${timeout.setting} (${ms} ms)` : `within the driver's ${timeout.setting}`;
  return new Error(`[drizzle] no database connection ${within} to read table \`${table}\`: ${timeout.why}`, { cause: err });
}
