/**
 * The suites' tables as Drizzle tables. The testkit creates its tables with Knex; each dialect's
 * ColumnKit says which Drizzle column matches each Knex column type there, and the shapes below
 * say, once for every dialect, which columns each of the testkit's tables has.
 */
import type { Table } from 'drizzle-orm';

/** A Drizzle column builder, of any dialect. */
export interface Builder {
  primaryKey(): Builder;
}

/** One dialect's Drizzle columns for the Knex column types the suites create. */
export interface ColumnKit {
  integer(name: string): Builder;
  /** `bigint` read as a number (`{ mode: 'number' }`): beyond 2^53 Drizzle rounds it. */
  bigint(name: string): Builder;
  /** `bigint` read as a bigint (`{ mode: 'bigint' }`); undefined where Drizzle has none for an integer column (SQLite). */
  bigint64?(name: string): Builder;
  string(name: string, length: number): Builder;
  uuid(name: string): Builder;
  boolean(name: string): Builder;
  /** Knex `timestamp` (with the time zone where the database has one), read as a Date. */
  timestamp(name: string): Builder;
  /** Knex `dateTime(name, { useTz: false })`, read as a Date. */
  dateTime(name: string): Builder;
  date(name: string): Builder;
  binary(name: string, length: number): Builder;
  decimal(name: string, precision: number, scale: number): Builder;
  /** A table in `schema` (undefined: the default one) with a composite key in its extra config when `key` is given. */
  table(schema: string | undefined, name: string, columns: Record<string, Builder>, key?: readonly string[]): Table;
}

/** Whether the table as created has a column (true when the table's creation was not seen). */
export type Has = (column: string) => boolean;

/**
 * The Drizzle table for one of the testkit's tables, by its name: `…_users`, `…_orders`, and the
 * tables its tests create ad hoc (`…_users_gone`, `…_users_dupes`, `…_ids_kinds`, …). Two suites
 * create tables of one name with other columns (the loader suite's users have `visits` and
 * `deleted_at`, the server suite's do not): `has` says which were created. Field names are the
 * column names, as the testkit reads rows.
 */
export function testkitTable(kit: ColumnKit, schema: string | undefined, name: string, has: Has): Table {
  const [, base, extra] = /_(users|orders|big|codes|pairs|ids)(?:_(gone|dupes|nope|kinds|numbers))?$/.exec(name) ?? [];
  const table = (columns: Record<string, Builder>, key?: readonly string[]): Table => kit.table(schema, name, columns, key);
  // testReplicas' tables (suffix `rep`): a `lock_version` counter on each.
  const replicas = /^cereal_\d+_[0-9a-z]{6}rep_(users|lines)$/.exec(name)?.[1];
  if (replicas === 'users') return table({ id: kit.integer('id').primaryKey(), name: kit.string('name', 255), lock_version: kit.integer('lock_version') });
  if (replicas === 'lines') return table({ order_id: kit.integer('order_id'), line: kit.integer('line'), sku: kit.string('sku', 255), lock_version: kit.integer('lock_version') }, ['order_id', 'line']);
  switch (extra ?? base) {
    case 'users':
    case 'nope':
      return table({
        id: kit.integer('id').primaryKey(),
        name: kit.string('name', 64),
        ...(has('visits') ? { visits: kit.integer('visits'), deleted_at: kit.timestamp('deleted_at') } : {}),
      });
    case 'gone':
      return table({ id: kit.integer('id').primaryKey() });
    case 'dupes': // no key in the database: a Drizzle definition that says `id` is one is what the test is about
      return table({ id: kit.integer('id').primaryKey(), name: kit.string('name', 16) });
    case 'orders':
      return table({ tenant_id: kit.integer('tenant_id'), id: kit.integer('id'), total: kit.integer('total') }, ['tenant_id', 'id']);
    case 'big':
      return table({ id: kit.bigint('id').primaryKey(), visits: kit.integer('visits') });
    case 'codes':
      return table({ code: kit.string('code', 64).primaryKey(), ...(has('label') ? { label: kit.string('label', 64) } : { n: kit.integer('n') }) });
    case 'pairs':
      return table({ tenant_id: kit.integer('tenant_id'), code: kit.string('code', 32), label: kit.string('label', 16) }, ['tenant_id', 'code']);
    case 'ids':
      return table({ id: kit.uuid('id').primaryKey(), label: kit.string('label', 16) });
    case 'kinds':
      return table({ day: kit.date('day'), at: kit.timestamp('at'), moment: kit.dateTime('moment'), bytes: kit.binary('bytes', 16) });
    case 'numbers':
      return table({ n: kit.decimal('n', 20, 0).primaryKey() });
    default:
      throw new Error(`no Drizzle shape for the testkit's table ${name}`);
  }
}
