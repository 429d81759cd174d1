import { CerealError, type Key, type Loader, type PrimaryKey, type Version } from '@cereal/core';
import { binderOf, type Binder } from './binding.js';
import { catalogColumns, catalogStatement, type Statement } from './catalog.js';
import type { SqlDialect } from './dialect.js';
import { isBadKey, isBadStatement } from './faults.js';
import { withResends } from './resend.js';
import type { Served } from './replica.js';
import { isWide } from './wide.js';

/**
 * What a query library gives the shared loader: its database, and the two statements a loader
 * runs. Everything else (key binding, chunks, wide keys, resends, error codes) is the loader's.
 */
export interface SqlSource<Row extends object> {
  /** The loader package, in messages: `knex`, `kysely`, `drizzle`. */
  readonly library: string;
  readonly dialect: SqlDialect;
  /** True when the handle is a transaction: a lost connection is then never resent. */
  readonly inTransaction: boolean;
  /**
   * True when keys beyond 2^53 need statements of their own (`select(…, true)`) to come back
   * exact: the driver rounds integers to doubles unless asked otherwise.
   */
  readonly splitsWide: boolean;
  /** Runs a catalog statement (`?` placeholders) and returns its rows as objects. */
  catalog(statement: Statement): Promise<readonly Record<string, unknown>[]>;
  /**
   * Reads the rows of `pks`, each already bound as its columns' types. With `exact`, the key
   * columns must come back exactly (see wide.ts); one attempt: the loader resends.
   */
  select(pks: readonly PrimaryKey[], exact: boolean): Promise<readonly Row[]>;
  /** What the user should do about a table the catalog does not have (where it is not named by the user). */
  readonly notFound?: string;
  /** What to throw in place of a library's own error that says something better known (a pool timeout). */
  explain?(err: unknown): Error | undefined;
}

/** The table a loader reads, as the database names it. */
export interface SqlTable {
  /** As the user named it: in messages. */
  readonly table: string;
  /** Where the catalog finds it: `['table']` or `['schema', 'table']`. */
  readonly path: readonly string[];
  /** The key columns, as the catalog names them. */
  readonly keys: readonly string[];
  /** The row properties holding the key parts, in the same order. @default keys */
  readonly fields?: readonly string[];
  /**
   * The row property holding the row's version (`updated_at`, `lock_version`): refs made from
   * rows are pinned to it, and `consistency: 'at-least'` checks it.
   */
  readonly version?: string;
  readonly chunkSize: number;
}

/** A Loader over one table, with what it was configured with. */
export interface SqlLoader<Row extends object = Record<string, unknown>> extends Loader<Row> {
  readonly table: string;
  /** The row properties holding the key, in the order refs carry its parts. */
  readonly primaryKey: readonly string[];
  readonly arity: number;
  readonly chunkSize: number;
  /**
   * Rows each side served, for a loader of a replica-aware map (`{ primary, replica }`); undefined
   * for a loader of one database.
   */
  readonly served?: Readonly<Served>;
  /**
   * Reads, once, the key columns' types from the database's catalog, so that each key part is
   * bound as its column's type (`42`, `42n` and `'42'` are one key on every database) and a key
   * that cannot exist (`'abc'` for an integer or uuid column) is left out: it is missing, never
   * a failed statement. `load` calls it; call it at startup to keep that read out of the first job.
   * @throws CerealError `INVALID_OPTION` when the table is not found, lacks a key column, or has
   *   a key column the driver returns as a Date or a Buffer (date, timestamp, binary types)
   */
  prepare(): Promise<void>;
}

/**
 * The loader every SQL package builds on: `select` in chunks of `chunkSize` keys, each key bound
 * as its columns' types (keys that can name no row are never sent), keys beyond 2^53 in
 * statements of their own, a statement whose connection was lost sent again outside a
 * transaction, and a key the server refuses as its column's type `INVALID_REF`.
 */
export function sqlLoader<Row extends object>(source: SqlSource<Row>, table: SqlTable): SqlLoader<Row> {
  const fields = table.fields ?? table.keys;
  let ready: Promise<Binder> | undefined;
  const binder = (): Promise<Binder> => (ready ??= readBinder(source, table).catch((err: unknown) => {
    ready = undefined; // read again next time: the table may be created, the server back
    throw source.explain?.(err) ?? err;
  }));
  const single = fields[0]!;
  const version = table.version;
  let versionSeen = version === undefined;
  return {
    table: table.table,
    primaryKey: fields,
    arity: fields.length,
    chunkSize: table.chunkSize,
    async prepare() {
      await binder();
    },
    async load(requested) {
      const rows = await loadKeys(source, table, await binder(), requested);
      if (!versionSeen && rows.length > 0) versionSeen = hasVersion(source.library, table, rows[0]!);
      return rows;
    },
    ...(version === undefined ? {} : { versionOf: (row: Row) => (row as Record<string, unknown>)[version] as Version | null | undefined }),
    keyOf: fields.length === 1
      ? (row) => (row as Record<string, unknown>)[single] as Key
      : (row) => fields.map((field) => (row as Record<string, unknown>)[field]) as Key[],
  };
}

/** A version column the rows lack would leave every pin unchecked: INVALID_OPTION at the first row. */
function hasVersion(library: string, table: SqlTable, row: object): true {
  if (!Object.hasOwn(row, table.version!)) {
    throw new CerealError('INVALID_OPTION', `[${library}] the rows of table \`${table.table}\` have no \`${table.version}\`, the loader's \`version\`: name a column of the table (and select it, if you list \`columns\`)`);
  }
  return true;
}

async function readBinder<Row extends object>(source: SqlSource<Row>, table: SqlTable): Promise<Binder> {
  const statement = catalogStatement(source.dialect.family, table.path);
  if (statement === undefined) return binderOf(source.library, table.table, table.keys, undefined);
  const rows = await withResends(source.inTransaction, () => source.catalog(statement));
  return binderOf(source.library, table.table, table.keys, catalogColumns(source.dialect.family, rows), source.notFound);
}

async function loadKeys<Row extends object>(source: SqlSource<Row>, table: SqlTable, bind: Binder, requested: readonly PrimaryKey[]): Promise<Row[]> {
  const plain: PrimaryKey[] = [];
  const wide: PrimaryKey[] = [];
  for (const pk of requested) {
    const bound = bind(pk);
    if (bound !== undefined) (source.splitsWide && isWide(bound) ? wide : plain).push(bound);
  }
  const out: Row[] = [];
  const { chunkSize } = table;
  for (let i = 0; i < plain.length; i += chunkSize) await loadChunk(source, table, plain.slice(i, i + chunkSize), false, out);
  for (let i = 0; i < wide.length; i += chunkSize) await loadChunk(source, table, wide.slice(i, i + chunkSize), true, out);
  return out;
}

async function loadChunk<Row extends object>(source: SqlSource<Row>, table: SqlTable, pks: readonly PrimaryKey[], exact: boolean, out: Row[]): Promise<void> {
  let rows: readonly Row[];
  try {
    rows = await withResends(source.inTransaction, () => source.select(pks, exact));
  } catch (err) {
    const explained = source.explain?.(err);
    if (explained !== undefined) throw explained;
    if (isBadStatement(err)) {
      throw new CerealError('INVALID_OPTION', `[${source.library}] table \`${table.table}\` refused the loader's statement; check its \`columns\`, \`version\` and \`scope\`: ${driverMessage(err)}`, { cause: err });
    }
    if (!isBadKey(err)) throw err;
    throw new CerealError('INVALID_REF', `[${source.library}] table \`${table.table}\` cannot compare a key of these refs with its key column: ${driverMessage(err)}`, { cause: err });
  }
  for (const row of rows) out.push(row);
}

/** The driver's own words: Knex puts the whole statement (every key) before ` - ` in its messages. */
function driverMessage(err: unknown): string {
  const message = String((err as Error | undefined)?.message);
  const cut = message.indexOf(' - ');
  return /^\s*select\b/i.test(message) && cut >= 0 ? message.slice(cut + 3) : message;
}
