/**
 * The streaming replica (CEREAL_PG_REPLICA_URL, scripts/pg-replica.sh) of the PostgreSQL at
 * CEREAL_PG_URL: rows reach it, lag comes on demand and goes, and it refuses writes.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import pg from 'pg';
import { replicaUrl, setReplicaDelay, waitForReplica } from '../src/replica.js';

const primary = process.env.CEREAL_PG_URL;
const replica = replicaUrl();

const connect = async (url: string) => {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  return client;
};

if (primary === undefined || primary === '' || replica === undefined) {
  console.log('\n  !! SKIPPED: the PostgreSQL replica suite did not run. Set CEREAL_PG_REPLICA_URL=postgres://postgres@127.0.0.1:5433/test (scripts/pg-replica.sh creates it) and CEREAL_PG_URL to run it.\n');
} else {
  const Replica = suite('PostgreSQL streaming replica');

  Replica('rows reach the replica, a delay holds them back until waitForReplica, and the replica refuses writes', async () => {
    const table = `cereal_replica_${process.pid}_${Date.now().toString(36)}`;
    const p = await connect(primary);
    const r = await connect(replica);
    const seen = async (id: number) => (await r.query(`select count(*)::int as n from ${table} where id = $1`, [id])).rows[0].n === 1;
    try {
      await setReplicaDelay(replica, 0); // a run killed mid-test may have left one
      await p.query(`create table ${table} (id int primary key, name text not null)`);
      await p.query(`insert into ${table} values (1, 'one')`);
      await waitForReplica(primary, replica, 30_000);
      assert.equal((await r.query(`select id, name from ${table}`)).rows, [{ id: 1, name: 'one' }]);

      try {
        await setReplicaDelay(replica, 2000);
        await p.query(`insert into ${table} values (2, 'two')`);
        const inserted = Date.now();
        assert.not.ok(await seen(2), 'the delayed replica shows the new row at once');
        await waitForReplica(primary, replica, 30_000);
        assert.ok(await seen(2), 'the replica shows the new row after waitForReplica');
        const waited = Date.now() - inserted;
        assert.ok(waited >= 1500, `waitForReplica waited the delay out (${waited} ms)`);
      } finally {
        await setReplicaDelay(replica, 0);
      }

      const write = await r.query(`insert into ${table} values (3, 'three')`).then(() => undefined, (error: unknown) => error);
      assert.ok(write instanceof Error, 'a write on the replica fails');
      assert.is((write as Error & { code?: string }).code, '25006'); // read_only_sql_transaction
      assert.ok(!(await seen(3)));
    } finally {
      await r.end();
      await p.query(`drop table if exists ${table}`).finally(() => p.end());
    }
  });

  Replica.run();
}
