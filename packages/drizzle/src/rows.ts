/**
 * Row types from what the user already wrote: the Drizzle table. A loader's rows are the table's
 * `$inferSelect` (what `db.select().from(table)` returns), narrowed to the fields `columns`
 * selects. Types only: no runtime code.
 */
import type { SQL, Table } from 'drizzle-orm';
import type { MySqlDatabase } from 'drizzle-orm/mysql-core';
import type { PgDatabase } from 'drizzle-orm/pg-core';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';

// `any`: the databases' schema and result generics are the user's.
type SqliteDb = BaseSQLiteDatabase<'sync' | 'async', any, any, any>;
type PgDb = PgDatabase<any, any, any>;
type MySqlDb = MySqlDatabase<any, any, any, any>;

/** A Drizzle database or transaction: drizzle-orm/better-sqlite3, node-postgres or mysql2 (checked when the loader is built). */
export type DrizzleDatabase = SqliteDb | PgDb | MySqlDb;

/** The dialect of a database's tables, as Drizzle's table types name it. */
export type DialectOf<Db> = Db extends SqliteDb ? 'sqlite' : Db extends PgDb ? 'pg' : Db extends MySqlDb ? 'mysql' : never;

/** A table of dialect `D`. */
type DialectTable<D extends string> = Table<{ name: string; schema: string | undefined; columns: Table['_']['columns']; dialect: D }>;

/** The tables of `Db`'s dialect: a pg table given to a SQLite database does not compile. */
export type TableFor<Db> = DialectTable<DialectOf<Db>>;

type Columns<T extends Table> = T['_']['columns'];
type FieldName<T extends Table> = keyof Columns<T> & string;

/** A column of table `T`, by its field name (`'orderId'`) or as the column itself (`lines.orderId`). */
export type FieldOf<T extends Table> = FieldName<T> | Columns<T>[FieldName<T>];

/** The field name of `F`, a field name or a column of `T`. */
type NameOf<T extends Table, F> = F extends string ? F : { [K in FieldName<T>]: Columns<T>[K] extends F ? K : never }[FieldName<T>];

/** The fields of the key the types can see: `primaryKey` when given, else the columns declared `.primaryKey()`. */
type KeyFields<T extends Table, O> = O extends { readonly primaryKey: infer P }
  ? P extends readonly (infer E)[] ? NameOf<T, E> : NameOf<T, P>
  : { [K in FieldName<T>]: Columns<T>[K]['_']['isPrimaryKey'] extends true ? K : never }[FieldName<T>];

/** The field of the version column: `version` when given. */
type VersionField<T extends Table, O> = O extends { readonly version: infer V } ? NameOf<T, V> : never;

/**
 * The row a loader of table `T` with options `O` loads: `T['$inferSelect']`, or with `columns`
 * only the fields listed, the key fields and the version field (see KeyFields: a composite key
 * declared in the table's extra config is not visible to the types; list its fields in `columns` too).
 */
export type LoadedRow<T extends Table, O = unknown> = O extends { readonly columns: readonly (infer C)[] }
  ? Pick<T['$inferSelect'], (NameOf<T, C> | KeyFields<T, O> | VersionField<T, O>) & keyof T['$inferSelect']>
  : T['$inferSelect'];

/** What a loader of table `T` may be configured with besides the table. */
export interface DrizzleLoaderOptions<T extends Table = Table> {
  /**
   * The key field, or the fields of a composite key in the order refs carry them: field names
   * (`'orderId'`) or the table's columns (`lines.orderId`). Default: the table's primary key as
   * its Drizzle definition declares it (`.primaryKey()`, or `primaryKey({ columns })` in the
   * table's extra config).
   */
  primaryKey?: FieldOf<T> | readonly FieldOf<T>[];
  /** Fields to select (names or columns); the key fields are added. Default: every column of the table. */
  columns?: readonly FieldOf<T>[];
  /**
   * A Drizzle condition every query is narrowed by, e.g. soft deletes (`isNull(users.deletedAt)`)
   * or a tenant (`eq(users.tenantId, 7)`). A row outside it is missing, exactly like a deleted
   * one. It forms one parenthesized group after the key filter (`WHERE id IN (…) AND (a OR b)`),
   * so an `or` never widens what is read. `undefined` (what `and()` of no condition gives) is
   * no scope.
   */
  scope?: SQL | undefined;
  /**
   * Most keys per statement. Default: as many as the driver's bound-parameter limit allows
   * (SQLite 32766, PostgreSQL and MySQL 65535) divided by the key's field count, less the
   * scope's own parameters (room for 100 is always kept); on PostgreSQL at most 2000 composite keys.
   */
  chunkSize?: number;
  /**
   * The field holding the row's version, by field name (`'updatedAt'`, `'lockVersion'`) or as
   * the column itself (`users.updatedAt`): a time or a counter that every write moves forward.
   * It is selected even when `columns` leaves it out. Refs made from rows are then pinned to it,
   * and decoding with `consistency: 'at-least'` refuses a row older than its ref's pin (`STALE`,
   * retryable); with `drizzleLoaders({ primary, replica }, …)` such rows are read again from the
   * primary.
   */
  version?: FieldOf<T>;
}

/** A drizzleLoaders entry: a table, or a table with loader options. */
export type LoaderConfig<T extends Table = Table> = T | ({ readonly table: T } & DrizzleLoaderOptions<T>);

/** The row a drizzleLoaders entry loads. */
export type ConfigRow<C> = C extends { readonly table: infer T extends Table } ? LoadedRow<T, C> : C extends Table ? LoadedRow<C> : never;

/** A drizzleLoaders entry checked against its own table and the database's dialect `D` (see DialectOf). */
export type CheckedConfig<D extends string, C> = C extends { readonly table: infer T extends Table }
  ? { readonly table: T & DialectTable<D> } & DrizzleLoaderOptions<T>
  : DialectTable<D>;
