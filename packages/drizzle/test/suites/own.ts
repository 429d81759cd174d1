/**
 * This package's own tables, on every database: Drizzle field names that are not the column
 * names, values Drizzle maps (a boolean, a Date), a composite key declared in the table's extra
 * config, and a bigint key read as a number.
 */
import type { Knex } from 'knex';
import type { Column } from 'drizzle-orm';
import type { TableFor } from '../../src/index.js';
import type { ColumnKit } from './columns.js';
import { insert, type Db } from './target.js';

export type OwnNames = Record<'accounts' | 'lines' | 'wide', string>;

// The tables' Drizzle definitions, loosely typed: the suites run them on three dialects.
type Loose = TableFor<Db> & Record<string, Column>;

export interface Own {
  /** id (`.primaryKey()`), displayName, isActive, createdAt, deletedAt. */
  accounts: Loose;
  /** orderId, line, sku; the key `primaryKey({ columns: [orderId, line] })` in the extra config. */
  lines: Loose;
  /** id (a bigint read as a number, `.primaryKey()`), small, huge (a bigint read as a number). */
  wide: Loose;
  /** The same table with its key read as a bigint (`{ mode: 'bigint' }`), where the dialect has that mode. */
  wideBig: Loose | undefined;
}

/**
 * The Drizzle tables over `t`. With `named` false the columns are declared without a name: the
 * database's names then come from Drizzle's `casing` option (`displayName` → `display_name`).
 */
export function ownTables(kit: ColumnKit, t: OwnNames, named = true): Own {
  const n = (name: string): string => (named ? name : '');
  return {
    accounts: kit.table(undefined, t.accounts, {
      id: kit.integer(n('id')).primaryKey(),
      displayName: kit.string(n('display_name'), 64),
      isActive: kit.boolean(n('is_active')),
      createdAt: kit.dateTime(n('created_at')),
      deletedAt: kit.dateTime(n('deleted_at')),
    }) as unknown as Loose,
    lines: kit.table(undefined, t.lines, { orderId: kit.integer(n('order_id')), line: kit.integer(n('line')), sku: kit.string(n('sku'), 16) }, ['orderId', 'line']) as unknown as Loose,
    wide: kit.table(undefined, t.wide, { id: kit.bigint(n('id')).primaryKey(), small: kit.integer(n('small')), huge: kit.bigint(n('huge')) }) as unknown as Loose,
    wideBig: kit.bigint64 === undefined ? undefined : (kit.table(undefined, t.wide, { id: kit.bigint64(n('id')).primaryKey(), small: kit.integer(n('small')) }) as unknown as Loose),
  };
}

export const CREATED = new Date('2026-01-02T03:04:05Z');
export const WIDE = 2n ** 62n + 1n;

/** Creates the tables with Knex, as the testkit does, and writes their rows through Drizzle (wide ones through Knex: Drizzle would round them). */
export async function createOwn(f: Knex, db: Db, t: OwnNames, own: Own): Promise<void> {
  await f.schema.createTable(t.accounts, (tb) => {
    tb.integer('id').primary();
    tb.string('display_name', 64);
    tb.boolean('is_active');
    tb.dateTime('created_at', { useTz: false });
    tb.dateTime('deleted_at', { useTz: false }).nullable();
  });
  await f.schema.createTable(t.lines, (tb) => {
    tb.integer('order_id');
    tb.integer('line');
    tb.string('sku', 16);
    tb.primary(['order_id', 'line']);
  });
  await f.schema.createTable(t.wide, (tb) => {
    tb.bigInteger('id').primary();
    tb.integer('small');
    tb.bigInteger('huge');
  });
  for (const row of [
    { id: 1, displayName: 'Ada', isActive: true, createdAt: CREATED, deletedAt: null },
    { id: 2, displayName: 'Grace', isActive: false, createdAt: CREATED, deletedAt: null },
    { id: 3, displayName: 'Edsger', isActive: true, createdAt: CREATED, deletedAt: CREATED },
  ]) await insert(db, own.accounts, row);
  for (const row of [{ orderId: 7, line: 1, sku: 'a' }, { orderId: 7, line: 2, sku: 'b' }, { orderId: 8, line: 1, sku: 'c' }]) await insert(db, own.lines, row);
  await f(t.wide).insert([{ id: 2n ** 62n, small: 7, huge: 2n ** 60n + 1n }, { id: WIDE, small: 8, huge: 3 }]);
}
