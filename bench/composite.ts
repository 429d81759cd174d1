/**
 * PostgreSQL composite keys (with CEREAL_PG_URL): the statement @cereal/knex sends for two-part
 * keys, `(a, b) in (select * from unnest($1::integer[], $2::integer[]))`, against the list of row
 * values `(a, b) in (($1, $2), …)` that Knex's own `whereIn` writes, both through raw `pg` on an
 * analyzed 200 000-row table, and the knex loader end to end: the choice of unnest, by measurement.
 */
import knex from 'knex';
import pg from 'pg';
import { knexLoaders } from '@cereal/knex';
import { ms, ratio, verdict, type Table } from './_table.js';
import { timeSideBySide } from './_time.js';

const SIZES = [10, 250, 2000];
const ROWS = 200_000;

export async function measureCompositePostgres(url: string, runs: number): Promise<Table> {
  const table = `cereal_bench_pairs_${process.pid}`;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const db = knex({ client: 'pg', connection: url, pool: { min: 0, max: 1 } });
  try {
    await client.query(`create table ${table} (shop_id integer, id integer, status text, total integer, primary key (shop_id, id))`);
    await client.query(`insert into ${table} select g % 100, g, 'paid', g from generate_series(1, ${ROWS}) g`);
    await client.query(`analyze ${table}`); // statistics, as a table in production has them
    const loader = knexLoaders(db, { pairs: { table, primaryKey: ['shop_id', 'id'] } }).pairs;
    await loader.prepare();
    const rows: string[][] = [];
    const notes: string[] = [];
    for (const size of SIZES) {
      const keys = Array.from({ length: size }, (_, i) => [((i * 13) % 100) + 0, i * 13 + 100]);
      const list = `select * from ${table} where (shop_id, id) in (${keys.map((_, i) => `($${2 * i + 1}, $${2 * i + 2})`).join(', ')})`;
      const unnest = `select * from ${table} where (shop_id, id) in (select * from unnest($1::integer[], $2::integer[]))`;
      const columns = [keys.map((k) => k[0]), keys.map((k) => k[1])];
      // 20 statements a run: one statement of 10 keys takes a fraction of a millisecond
      const repeat = (fn: () => Promise<unknown>) => async () => {
        for (let i = 0; i < 20; i++) await fn();
      };
      const [l, u, c] = await timeSideBySide(
        [repeat(() => client.query(list, keys.flat())), repeat(() => client.query(unnest, columns)), repeat(() => loader.load(keys))],
        { runs, warmup: 1 },
      );
      const times = { list: l!.median / 20, unnest: u!.median / 20, loader: c!.median / 20 };
      const found = (await loader.load(keys)).length;
      if (found !== size) throw new Error(`composite bench: ${found} rows for ${size} keys`);
      rows.push([String(size), ms(times.list), ms(times.unnest), ratio(times.unnest, times.list), ms(times.loader), ratio(times.loader, times.unnest)]);
      if (size >= 250) notes.push(`- target: unnest faster than the list at ${size} keys: ${ratio(times.unnest, times.list)} its time, ${verdict(times.unnest < times.list)}`);
    }
    return {
      title: `PostgreSQL composite keys: two-part keys on an analyzed ${ROWS.toLocaleString('en')}-row table, raw pg`,
      header: ['keys', 'list of row values ms', 'unnest ms', 'unnest vs list', '@cereal/knex loader ms', 'loader vs unnest'],
      rows,
      notes: [...notes, '- the loader sends unnest for composite keys on PostgreSQL, in chunks of 2000 keys; at 10 keys the two are within noise.'],
    };
  } finally {
    await client.query(`drop table if exists ${table}`).catch(() => undefined);
    await client.end();
    await db.destroy();
  }
}
