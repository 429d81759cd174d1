import { mysqlKeyType, pgKeyType, sqliteKeyType, type Column } from './keyTypes.js';
import type { SqlFamily } from './dialect.js';

/** A table's columns, found by name as the database finds them. */
export interface Columns {
  /** How many columns the table has: 0 when the database found no such table. */
  readonly size: number;
  /** The column the database finds by `name`, with its name as the database spells it. */
  get(name: string): (Column & { readonly name?: string }) | undefined;
  /**
   * The most bytes one statement may take, where the server says (MySQL's and MariaDB's
   * `max_allowed_packet`): chunks are cut to fit.
   */
  readonly maxBytes?: number;
}

/** A statement with `?` placeholders and the values they bind, in order. */
export interface Statement {
  readonly sql: string;
  readonly params: readonly unknown[];
}

/** One row of a catalog statement: a column's name and type, as the database spells them. */
type CatalogRow = Record<string, unknown>;

/** How a database family's catalog is read: the statement for a table, and its rows as Columns. */
interface Catalog {
  statement(path: readonly string[]): Statement;
  columns(rows: readonly CatalogRow[]): Columns;
}

function columnsOf(rows: readonly (Column & { name: string })[], caseless: boolean, maxBytes?: number): Columns {
  const fold = (name: string): string => (caseless ? name.toLowerCase() : name);
  const byName = new Map(rows.map((row) => [fold(row.name), { name: row.name, declared: row.declared, key: row.key, ...(row.base === undefined ? {} : { base: row.base }) }]));
  return { size: byName.size, get: (name) => byName.get(fold(name)), ...(maxBytes === undefined ? {} : { maxBytes }) };
}

const text = (value: unknown): string => String(value ?? '');

// Every column cast to text: some clients cannot read the catalog's own types (Prisma refuses
// `"char"`, pg_type.typcategory's type, in raw results).
const PG_COLUMNS = `select a.attname::text as name, format_type(a.atttypid, a.atttypmod) as declared,
  coalesce(base.typname, t.typname)::text as type, coalesce(base.typcategory, t.typcategory)::text as category,
  format_type(coalesce(base.oid, t.oid), null) as base
  from pg_attribute a join pg_type t on t.oid = a.atttypid left join pg_type base on base.oid = t.typbasetype
  where a.attrelid = to_regclass(?) and a.attnum > 0 and not a.attisdropped`;

const MYSQL_COLUMNS = `select column_name as name, data_type as type, column_type as declared,
  character_set_name as charset, @@max_allowed_packet as packet
  from information_schema.columns where table_schema = coalesce(?, database()) and table_name = ?`;

const CATALOGS: Partial<Record<SqlFamily, Catalog>> = {
  /** PostgreSQL: to_regclass resolves the name exactly as the statements do (search_path, schema). */
  postgres: {
    statement: (path) => ({ sql: PG_COLUMNS, params: [path.map((part) => `"${part.replace(/"/g, '""')}"`).join('.')] }),
    columns: (rows) => columnsOf(rows.map((r) => ({ name: text(r.name), declared: text(r.declared), base: text(r.base), key: pgKeyType(text(r.type), text(r.category)) })), false),
  },
  /** MySQL and MariaDB: `db.table`, or the connection's database; column names ignore case. */
  mysql: {
    statement: (path) => ({ sql: MYSQL_COLUMNS, params: [path.length > 1 ? path[0]! : null, path.at(-1)!] }),
    // information_schema's column names come back upper-case on MySQL 8, as written on MariaDB
    columns: (rows) => {
      const lowered = rows.map(lowerKeys);
      const packet = Number(lowered[0]?.packet);
      return columnsOf(lowered.map((row) => ({
        name: text(row.name),
        declared: text(row.declared),
        key: mysqlKeyType(text(row.type).toLowerCase(), text(row.declared), text(row.charset)),
      })), true, Number.isSafeInteger(packet) && packet > 0 ? packet : undefined);
    },
  },
  /** SQLite: `schema.table` for an attached database; column names ignore case. */
  sqlite: {
    statement: (path) => {
      const args = path.length > 1 ? [path.at(-1)!, path[0]!] : [...path];
      return { sql: `select name, type from pragma_table_info(${args.map(() => '?').join(', ')})`, params: args };
    },
    columns: (rows) => columnsOf(rows.map((r) => ({ name: text(r.name), declared: text(r.type), key: sqliteKeyType(text(r.type)) })), true),
  },
};

function lowerKeys(row: CatalogRow): CatalogRow {
  const out: CatalogRow = {};
  for (const key of Object.keys(row)) out[key.toLowerCase()] = row[key];
  return out;
}

/**
 * The statement that reads the columns of the table at `path` (`['table']` or
 * `['schema', 'table']`, as the database names them), or undefined for a database whose catalog
 * the loaders do not read (keys are then bound as given).
 */
export function catalogStatement(family: SqlFamily, path: readonly string[]): Statement | undefined {
  return CATALOGS[family]?.statement(path);
}

/** The rows of `catalogStatement` as Columns. */
export function catalogColumns(family: SqlFamily, rows: readonly CatalogRow[]): Columns {
  const catalog = CATALOGS[family];
  if (catalog === undefined) throw new Error(`no catalog for ${family}`);
  return catalog.columns(rows);
}

/**
 * A name as a path of identifiers: `schema.table` is `['schema', 'table']`, `items as i` is
 * `['items']`. For libraries that take names as text (Kysely); Knex's own wrapping is used where
 * a Knex instance is at hand (its `wrapIdentifier` hook may rename).
 */
export function nameParts(name: string): string[] {
  const alias = name.toLowerCase().indexOf(' as ');
  return (alias === -1 ? name : name.slice(0, alias)).trim().split('.');
}

/** `statement` as the pieces of a tagged template (`sql(strings, ...params)`): split at each `?`. */
export function templateOf(statement: Statement): [TemplateStringsArray, unknown[]] {
  const strings = statement.sql.split('?');
  return [Object.assign(strings, { raw: [...strings] }) as unknown as TemplateStringsArray, [...statement.params]];
}
