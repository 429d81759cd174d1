import type { Knex } from 'knex';

/** The part of a better-sqlite3 Database the floor uses. */
interface Sqlite {
  prepare(sql: string): { all(params: readonly unknown[]): unknown[] };
}

/** A table, its key columns, and how many keys one statement takes. */
export interface FloorTable {
  table: string;
  columns: readonly string[];
  chunk: number;
}

/**
 * The floor of loading rows by key: better-sqlite3 itself, no Knex and no cereal, running the
 * chunked `IN` statements a careful hand would write (`(a, b) IN (VALUES …)` for a composite key).
 */
export async function floorLoader(db: Knex): Promise<(spec: FloorTable, keys: readonly unknown[]) => unknown[]> {
  const sqlite = (await db.client.acquireConnection()) as Sqlite;
  await db.client.releaseConnection(sqlite);
  return ({ table, columns, chunk }, keys) => {
    const out: unknown[] = [];
    const one = columns.length === 1 ? '?' : `(${columns.map(() => '?').join(', ')})`;
    const target = columns.length === 1 ? columns[0] : `(${columns.join(', ')})`;
    for (let i = 0; i < keys.length; i += chunk) {
      const part = keys.slice(i, i + chunk);
      const list = new Array(part.length).fill(one).join(', ');
      const sql = columns.length === 1 ? `select * from ${table} where ${target} in (${list})` : `select * from ${table} where ${target} in (values ${list})`;
      const rows = sqlite.prepare(sql).all(columns.length === 1 ? part : part.flat());
      for (const row of rows) out.push(row);
    }
    return out;
  };
}
