import type { Knex } from 'knex';
import { mysqlKeyType, pgKeyType, sqliteKeyType, type Column } from './_keyTypes.js';

/** A table's columns, found by name as the database finds them. */
export interface Columns {
  /** How many columns the table has: 0 when the database found no such table. */
  readonly size: number;
  get(name: string): Column | undefined;
}

/** Reads a table's columns and their types from the database's catalog. */
export type ColumnReader = (db: Knex, table: string) => Promise<Columns>;

/**
 * A name as the statements spell it: Knex's own wrapping (and any `wrapIdentifier` hook of the
 * config) applied, then unquoted. `s.items` is `['s', 'items']`, `items as i` is `['items']`.
 */
export function identifier(db: Knex, name: string): string[] {
  const alias = name.toLowerCase().indexOf(' as ');
  const wrapped = db.raw('??', [alias === -1 ? name : name.slice(0, alias)]).toQuery();
  return Array.from(wrapped.matchAll(/"((?:[^"]|"")*)"|`((?:[^`]|``)*)`/g), (m) => m[1]?.replace(/""/g, '"') ?? m[2]!.replace(/``/g, '`'));
}

function columns(rows: readonly (Column & { name: string })[], caseless: boolean): Columns {
  const fold = (name: string): string => (caseless ? name.toLowerCase() : name);
  const byName = new Map(rows.map((row) => [fold(row.name), { declared: row.declared, key: row.key }]));
  return { size: byName.size, get: (name) => byName.get(fold(name)) };
}

const PG_COLUMNS = `select a.attname as name, format_type(a.atttypid, a.atttypmod) as declared,
  coalesce(base.typname, t.typname) as type, coalesce(base.typcategory, t.typcategory) as category
  from pg_attribute a join pg_type t on t.oid = a.atttypid left join pg_type base on base.oid = t.typbasetype
  where a.attrelid = to_regclass(?) and a.attnum > 0 and not a.attisdropped`;

/** PostgreSQL: to_regclass resolves the name exactly as the statements do (search_path, schema). */
export const pgColumns: ColumnReader = async (db, table) => {
  const quoted = identifier(db, table).map((part) => `"${part.replace(/"/g, '""')}"`).join('.');
  const { rows } = (await db.raw(PG_COLUMNS, [quoted])) as { rows: { name: string; declared: string; type: string; category: string }[] };
  return columns(rows.map((r) => ({ name: r.name, declared: r.declared, key: pgKeyType(r.type, r.category) })), false);
};

const MYSQL_COLUMNS = `select column_name as name, data_type as type, column_type as declared
  from information_schema.columns where table_schema = coalesce(?, database()) and table_name = ?`;

/** MySQL and MariaDB: `db.table`, or the connection's database; column names ignore case. */
export const mysqlColumns: ColumnReader = async (db, table) => {
  const path = identifier(db, table);
  const [rows] = (await db.raw(MYSQL_COLUMNS, [path.length > 1 ? path[0]! : null, path.at(-1)!])) as [{ name: string; type: string; declared: string }[]];
  return columns(rows.map((r) => ({ name: r.name, declared: r.declared, key: mysqlKeyType(r.type.toLowerCase(), r.declared) })), true);
};

/** SQLite: `schema.table` for an attached database; column names ignore case. */
export const sqliteColumns: ColumnReader = async (db, table) => {
  const path = identifier(db, table);
  const args = path.length > 1 ? [path.at(-1)!, path[0]!] : path;
  const rows = (await db.raw(`select name, type from pragma_table_info(${args.map(() => '?').join(', ')})`, args)) as { name: string; type: string }[];
  return columns(rows.map((r) => ({ name: r.name, declared: r.type, key: sqliteKeyType(r.type) })), true);
};
