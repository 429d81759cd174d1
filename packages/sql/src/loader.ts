import { CerealError, type Key, type Loader, type PrimaryKey, type Version } from '@cereal/core';
import { canonicalKey } from '@cereal/core/format';
import { binderOf, type Binder } from './binding.js';
import { catalogColumns, catalogStatement, type Statement } from './catalog.js';
import type { SqlDialect } from './dialect.js';
import { isBadKey, isBadStatement, isProtocolViolation, isTooLarge, isTransactionEnded, isUnknownSchema } from './faults.js';
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
   * @param types - PostgreSQL: the key columns' types to cast keys to (`Column.base`), in key
   *   order, for `unnest($1::integer[], $2::text[])` (see `unnestOf`); undefined where the
   *   loader read no such catalog
   */
  select(pks: readonly PrimaryKey[], exact: boolean, types?: readonly string[]): Promise<readonly Row[]>;
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
  /** The version column as the catalog names it, where it differs from `version` or may be checked there (`prepare()` refuses a table without it). */
  readonly versionColumn?: string;
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
  let ready: Promise<Plan> | undefined;
  const plan = (): Promise<Plan> => (ready ??= readPlan(source, table).catch((err: unknown) => {
    ready = undefined; // read again next time: the table may be created, the server back
    throw catalogFailure(source, table, err);
  }));
  const read = fieldReader(source.dialect);
  const single = fields[0]!;
  const keyOf: (row: Row) => Key | Key[] = fields.length === 1
    ? (row) => read(row, single) as Key
    : (row) => fields.map((field) => read(row, field)) as Key[];
  const version = table.version;
  let versionSeen = version === undefined;
  return {
    table: table.table,
    primaryKey: fields,
    arity: fields.length,
    chunkSize: table.chunkSize,
    async prepare() {
      await plan();
    },
    async load(requested) {
      const rows = await loadKeys(source, table, await plan(), keyOf, requested);
      if (!versionSeen && rows.length > 0) versionSeen = hasVersion(source.library, table, rows[0]!);
      return rows;
    },
    ...(version === undefined ? {} : { versionOf: (row: Row) => versionValue((row as Record<string, unknown>)[version]) }),
    keyOf,
  };
}

/**
 * How keyOf reads a key field off a row. MySQL and SQLite find columns whatever their case:
 * `primaryKey: 'ID'` finds the column `id`, and the rows carry it as `id` (`select *`) or as
 * `ID` (a column list naming it so). A row without the field as given is read by the one
 * property of the same name in another case (a table cannot have two such columns there).
 */
function fieldReader(dialect: SqlDialect): (row: object, field: string) => unknown {
  if (dialect.family !== 'mysql' && dialect.family !== 'sqlite') return (row, field) => (row as Record<string, unknown>)[field];
  return (row, field) => {
    const record = row as Record<string, unknown>;
    if (field in record) return record[field];
    const folded = field.toLowerCase();
    for (const name of Object.keys(record)) if (name.toLowerCase() === folded) return record[name];
    return undefined;
  };
}

const INTEGER_TEXT = /^-?\d{1,40}$/;
const DECIMAL_TEXT = /^-?\d{1,40}\.\d{1,40}$/;

/**
 * A row's version as cereal compares it. Drivers return PostgreSQL's `bigint` and `numeric`, and
 * MySQL's `DECIMAL`, as text, which would compare letter by letter (`'10' < '9'`): integer text
 * is a bigint, decimal text a number. Other text (an ISO timestamp) stays text.
 */
function versionValue(value: unknown): Version | null | undefined {
  if (typeof value !== 'string') return value as Version | null | undefined;
  if (INTEGER_TEXT.test(value)) return BigInt(value);
  return DECIMAL_TEXT.test(value) ? Number(value) : value;
}

/** A version column the rows lack would leave every pin unchecked: INVALID_OPTION at the first row. */
function hasVersion(library: string, table: SqlTable, row: object): true {
  if (!Object.hasOwn(row, table.version!)) {
    throw new CerealError('INVALID_OPTION', `[${library}] the rows of table \`${table.table}\` have no \`${table.version}\`, the loader's \`version\`: name a column of the table (and select it, if you list \`columns\`)`);
  }
  return true;
}

/** What the catalog tells a loader: how to bind keys, and the most bytes a statement may take. */
interface Plan {
  readonly bind: Binder;
  readonly maxBytes?: number;
  /** PostgreSQL: the key columns' types to cast keys to, in key order, from the catalog. */
  readonly types?: readonly string[];
}

async function readPlan<Row extends object>(source: SqlSource<Row>, table: SqlTable): Promise<Plan> {
  const statement = catalogStatement(source.dialect.family, table.path);
  if (statement === undefined) return { bind: binderOf(source.library, table.table, table.keys, undefined) };
  let rows: readonly Record<string, unknown>[];
  try {
    rows = await withResends(source.inTransaction, () => source.catalog(statement));
  } catch (err) {
    if (source.dialect.family !== 'sqlite' || !isUnknownSchema(err)) throw err;
    rows = []; // a schema SQLite has not attached: no such table
  }
  const columns = catalogColumns(source.dialect.family, rows);
  const bind = binderOf(source.library, table.table, table.keys, columns, source.notFound);
  if (table.versionColumn !== undefined && columns.get(table.versionColumn) === undefined) {
    throw new CerealError('INVALID_OPTION', `[${source.library}] table \`${table.table}\` has no column \`${table.versionColumn}\`, the loader's \`version\`: name a column every write moves forward (\`updated_at\`, \`lock_version\`)`);
  }
  const bases = table.keys.map((key) => columns.get(key)?.base);
  const types = bases.every((base): base is string => base !== undefined && base.length > 0) ? bases : undefined;
  return { bind, ...(types === undefined ? {} : { types }), ...(columns.maxBytes === undefined ? {} : { maxBytes: columns.maxBytes }) };
}

/**
 * Reads the keys of `requested` that can name a row, in statements of at most `chunkSize` keys
 * (and, where the server limits a statement's bytes, of at most that many bytes), keys beyond
 * 2^53 in statements of their own where the source needs it. Two keys the database finds equal
 * (`'abc'` and `'ABC'` under a case-insensitive collation, `'9007199254740993'` and
 * `'9007199254740993e0'` on a numeric column) may go out in different statements, and their row
 * then comes back from each: a row whose key an earlier statement of this load returned already
 * is left out. Within one statement two rows for one key stay: a key column that is not unique
 * is the loader's configuration, and hydrate says so.
 */
async function loadKeys<Row extends object>(source: SqlSource<Row>, table: SqlTable, plan: Plan, keyOf: (row: Row) => Key | Key[], requested: readonly PrimaryKey[]): Promise<Row[]> {
  const plain: PrimaryKey[] = [];
  const wide: PrimaryKey[] = [];
  for (const pk of requested) {
    const bound = plan.bind(pk);
    if (bound !== undefined) (source.splitsWide && isWide(bound) ? wide : plain).push(bound);
  }
  const budget = plan.maxBytes === undefined ? undefined : plan.maxBytes - Math.min(STATEMENT_BYTES, Math.floor(plan.maxBytes / 4));
  const statements: [PrimaryKey[], boolean][] = [
    ...chunksOf(plain, table.chunkSize, budget).map((pks): [PrimaryKey[], boolean] => [pks, false]),
    ...chunksOf(wide, table.chunkSize, budget).map((pks): [PrimaryKey[], boolean] => [pks, true]),
  ];
  const out: Row[] = [];
  const returned = new Set<string>(); // the keys of the rows earlier statements returned
  for (const [pks, exact] of statements) {
    const rows = await loadChunk(source, table, pks, exact, plan.types);
    if (statements.length === 1) return [...rows];
    const keys: string[] = [];
    for (const row of rows) {
      const key = canonicalKey(keyOf(row));
      if (key !== undefined && returned.has(key)) continue;
      if (key !== undefined) keys.push(key);
      out.push(row);
    }
    for (const key of keys) returned.add(key);
  }
  return out;
}

/** Bytes kept free in each statement for all but its keys: the select list, the table, the scope. */
const STATEMENT_BYTES = 64 * 1024;

/**
 * An upper bound of the bytes a key takes in a statement: text as UTF-8, each byte perhaps
 * escaped (`'` as `\'`), with its quotes and comma; a number or bigint as its digits.
 */
function bytesOf(pk: PrimaryKey): number {
  if (Array.isArray(pk)) return pk.reduce<number>((sum, part) => sum + bytesOf(part as PrimaryKey), 4);
  return typeof pk === 'string' ? 2 * Buffer.byteLength(pk) + 8 : 48;
}

/** `keys` in chunks of at most `size` keys and, with a budget, of at most `budget` bytes (never less than one key). */
function chunksOf(keys: readonly PrimaryKey[], size: number, budget: number | undefined): PrimaryKey[][] {
  const chunks: PrimaryKey[][] = [];
  if (budget === undefined) {
    for (let i = 0; i < keys.length; i += size) chunks.push(keys.slice(i, i + size));
    return chunks;
  }
  let chunk: PrimaryKey[] = [];
  let bytes = 0;
  for (const pk of keys) {
    const more = bytesOf(pk);
    if (chunk.length > 0 && (chunk.length >= size || bytes + more > budget)) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(pk);
    bytes += more;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

async function loadChunk<Row extends object>(source: SqlSource<Row>, table: SqlTable, pks: readonly PrimaryKey[], exact: boolean, types: readonly string[] | undefined): Promise<readonly Row[]> {
  try {
    return await withResends(source.inTransaction, () => source.select(pks, exact, types));
  } catch (err) {
    throw selectFailure(source, table, err);
  }
}

const ENDED = 'the transaction this loader was built on has ended (committed or rolled back); build loaders per transaction, inside it, or on the database';

/** What a failed catalog read throws: a transaction that has ended is INVALID_OPTION; else the source's explanation, or the error as it is. */
function catalogFailure<Row extends object>(source: SqlSource<Row>, table: SqlTable, err: unknown): unknown {
  if (err instanceof CerealError) return err;
  if (isTransactionEnded(err)) return new CerealError('INVALID_OPTION', `[${source.library}] table \`${table.table}\`: ${ENDED}`, { cause: err });
  return source.explain?.(err) ?? err;
}

/**
 * What a failed select throws. What no retry mends is a CerealError of its own: a transaction
 * that has ended, or a statement the server refuses (PostgreSQL's protocol, MySQL's
 * max_allowed_packet, a column the table lacks) is the loader's configuration or the load's
 * size; a key the server cannot compare with its column is INVALID_REF. Anything else (a server
 * down, a table gone) is the error as it is: LOAD_FAILED, retryable, in hydrate.
 */
function selectFailure<Row extends object>(source: SqlSource<Row>, table: SqlTable, err: unknown): unknown {
  if (err instanceof CerealError) return err;
  const named = `[${source.library}] table \`${table.table}\``;
  if (isTransactionEnded(err)) return new CerealError('INVALID_OPTION', `${named}: ${ENDED}`, { cause: err });
  if (isTooLarge(err)) {
    return new CerealError('LIMIT', `${named}: a statement of the loader exceeded the server's max_allowed_packet; lower \`chunkSize\` (or raise max_allowed_packet on the server): ${driverMessage(err)}`, { cause: err });
  }
  if (isProtocolViolation(err)) {
    return new CerealError('INVALID_OPTION', `${named}: the server refused the loader's statement as malformed, most often more bound parameters than its protocol carries (65535 per statement, keys and \`scope\` together); lower \`chunkSize\`, or bind fewer values in \`scope\`: ${driverMessage(err)}`, { cause: err });
  }
  const explained = source.explain?.(err);
  if (explained !== undefined) return explained;
  if (isBadStatement(err)) {
    return new CerealError('INVALID_OPTION', `${named} refused the loader's statement; check its \`columns\`, \`version\` and \`scope\`: ${driverMessage(err)}`, { cause: err });
  }
  if (isBadKey(err)) return new CerealError('INVALID_REF', `${named} cannot compare a key of these refs with its key column: ${driverMessage(err)}`, { cause: err });
  return err;
}

/**
 * The driver's own words: Knex puts the whole statement (every key) before ` - ` in its
 * messages. At most 500 characters: a message never carries a load's worth of keys.
 */
function driverMessage(err: unknown): string {
  const message = String((err as Error | undefined)?.message);
  const cut = message.lastIndexOf(' - ');
  const own = /^\s*select\b/i.test(message) && cut >= 0 ? message.slice(cut + 3) : message;
  return own.length > 500 ? `${own.slice(0, 500)}…` : own;
}
