import type { SqlFamily, Statement } from '@cereal/sql';

type Row = Record<string, unknown>;
type Raw = { $queryRawUnsafe(sql: string, ...params: unknown[]): Promise<Row[]> };

/**
 * Runs the shared loader's catalog statement through the client's `$queryRawUnsafe`: on
 * PostgreSQL its placeholders are numbered (`$1`).
 */
export function catalogRows(client: object, family: SqlFamily, { sql, params }: Statement): Promise<readonly Row[]> {
  let n = 0;
  const text = family === 'postgres' ? sql.replace(/\?/g, () => `$${++n}`) : sql;
  return (client as Raw).$queryRawUnsafe(text, ...params);
}
