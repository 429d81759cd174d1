/**
 * Replica lag on demand, for the tests that read from a PostgreSQL streaming replica
 * (scripts/pg-replica.sh makes one of the local PostgreSQL on 127.0.0.1:5433). The lag is the
 * standby's `recovery_min_apply_delay`: a sighup setting, so it changes without a restart, and
 * going back to 0 releases a standby waiting on a commit at once.
 */
import pg from 'pg';

/** The replica's URL from `CEREAL_PG_REPLICA_URL`, or undefined when unset or empty. */
export const replicaUrl = (): string | undefined => {
  const url = process.env.CEREAL_PG_REPLICA_URL;
  return url === undefined || url === '' ? undefined : url;
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const withClient = async <T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> => {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
};

/**
 * Delays the replay of each commit on the replica by `ms` (0 switches the delay off): ALTER SYSTEM
 * on the replica, reload, and wait until the server reports the new value (pg_settings gives
 * `show recovery_min_apply_delay` in milliseconds, whatever unit `show` picks).
 */
export const setReplicaDelay = async (url: string, ms: number, timeoutMs = 10_000): Promise<void> => {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`setReplicaDelay: ms must be a non-negative integer, got ${ms}`);
  await withClient(url, async (client) => {
    // ALTER SYSTEM takes no bind parameters; ms is a checked integer
    await client.query(`alter system set recovery_min_apply_delay = '${ms}ms'`);
    await client.query('select pg_reload_conf()');
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await client.query<{ ms: string }>("select setting as ms from pg_settings where name = 'recovery_min_apply_delay'");
      if (Number(rows[0]?.ms) === ms) return;
      if (Date.now() > deadline) throw new Error(`setReplicaDelay: the replica still reports recovery_min_apply_delay = ${rows[0]?.ms}ms, not ${ms}ms, after ${timeoutMs} ms`);
      await sleep(10);
    }
  });
};

/**
 * Waits until the replica has replayed everything the primary had written when called (its
 * pg_last_wal_replay_lsn() reaches the primary's pg_current_wal_lsn()): what was committed on
 * the primary before the call is then visible on the replica. With a delay set, this waits the delay.
 */
export const waitForReplica = async (primaryUrl: string, replicaUrl: string, timeoutMs = 30_000): Promise<void> => {
  const { rows } = await withClient(primaryUrl, (client) => client.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn'));
  const target = rows[0]!.lsn;
  await withClient(replicaUrl, async (client) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows: [at] } = await client.query<{ done: boolean; lsn: string | null; standby: boolean }>(
        'select coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) as done, pg_last_wal_replay_lsn()::text as lsn, pg_is_in_recovery() as standby',
        [target],
      );
      if (at!.done) return;
      if (!at!.standby) throw new Error(`waitForReplica: ${replicaUrl} is not a standby (pg_is_in_recovery() is false)`);
      if (Date.now() > deadline) throw new Error(`waitForReplica: the replica replayed up to ${at!.lsn ?? 'nothing'}, not ${target}, within ${timeoutMs} ms`);
      await sleep(20);
    }
  });
};
