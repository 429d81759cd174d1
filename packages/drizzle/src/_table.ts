import { getTableColumns, getTableName, Table, type Column } from 'drizzle-orm';
import { is } from './_is.js';
import { getTableConfig as mysqlConfig, MySqlTable } from 'drizzle-orm/mysql-core';
import { getTableConfig as pgConfig, PgTable } from 'drizzle-orm/pg-core';
import { getTableConfig as sqliteConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { invalidOption, type SqlFamily } from '@cereal/sql';

/** A field of the table: the row property (`orderId`), its column, and the column's name in the database (`order_id`). */
export interface Field {
  readonly field: string;
  readonly column: Column;
  readonly name: string;
}

/** A Drizzle table as the loader reads it. */
export interface TableInfo {
  /** `schema.name` or `name`: in messages. */
  readonly label: string;
  /** Where the catalog finds it: `['name']` or `['schema', 'name']`. */
  readonly path: readonly string[];
  /** Every field of the table, by field name. */
  readonly fields: ReadonlyMap<string, Field>;
  /** The primary key of its definition, or undefined when it declares none. */
  readonly definedKey: readonly Field[] | undefined;
}

interface Config {
  name: string;
  schema?: string | undefined;
  columns: Column[];
  primaryKeys: { columns: Column[] }[];
}

const CORES: { family: SqlFamily; dialect: string; owns(table: Table): boolean; config(table: Table): Config }[] = [
  { family: 'sqlite', dialect: 'SQLite', owns: (table) => is(table, SQLiteTable), config: (table) => sqliteConfig(table as SQLiteTable) },
  { family: 'postgres', dialect: 'PostgreSQL', owns: (table) => is(table, PgTable), config: (table) => pgConfig(table as PgTable) },
  { family: 'mysql', dialect: 'MySQL', owns: (table) => is(table, MySqlTable), config: (table) => mysqlConfig(table as MySqlTable) },
];

/** The column's name in the database: Drizzle's `casing` option renames columns declared without a name. */
function columnName(db: unknown, column: Column): string {
  const casing = (db as { dialect?: { casing?: { getColumnCasing?(column: Column): string } } }).dialect?.casing;
  return typeof casing?.getColumnCasing === 'function' ? casing.getColumnCasing(column) : column.name;
}

/**
 * `table` read through its dialect's `getTableConfig`: name, schema, fields and the primary key
 * of its definition (a composite `primaryKey({ columns })` in its extra config, or the column
 * declared `.primaryKey()`).
 * @throws CerealError `INVALID_OPTION` when `table` is no Drizzle table of `family`'s dialect
 */
export function tableInfo(db: unknown, table: unknown, family: SqlFamily, driver: string): TableInfo {
  if (!is(table, Table)) throw invalidOption('drizzle', `the table must be a Drizzle table object (\`sqliteTable(…)\`, \`pgTable(…)\`, \`mysqlTable(…)\`), got ${table === null ? 'null' : typeof table}`);
  const core = CORES.find((c) => c.owns(table));
  const mine = CORES.find((c) => c.family === family);
  if (core === undefined || core !== mine) {
    throw invalidOption('drizzle', `table \`${getTableName(table)}\` is ${core === undefined ? 'of no dialect the loader knows' : `a ${core.dialect} table`}, and \`db\` is a ${driver} database: define it with ${mine?.dialect ?? family}'s table function`);
  }
  const config = core.config(table);
  const fields = new Map(Object.entries(getTableColumns(table)).map(([field, column]) => [field, { field, column, name: columnName(db, column) }]));
  // PostgreSQL's and MySQL's extra config gets copies of the columns (for indexes): find them by name.
  const tableField = (column: Column): Field => [...fields.values()].find((f) => f.column === column || f.column.name === column.name)!;
  const composite = config.primaryKeys[0]?.columns;
  const primary = config.columns.filter((column) => column.primary);
  const definedKey = composite !== undefined && composite.length > 0 ? composite : primary.length > 0 ? primary : undefined;
  const path = config.schema === undefined ? [config.name] : [config.schema, config.name];
  return { label: path.join('.'), path, fields, definedKey: definedKey?.map(tableField) };
}
