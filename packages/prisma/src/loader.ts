import { sqlLoader, type SqlLoader } from '@cereal/sql';
import { planOf, type RawOptions } from './_plan.js';
import { decimalKey } from './_values.js';
import type { ModelField, ModelName, ModelRow, ModelWhere, SelectedRow } from './rows.js';

/** Options of {@link prismaLoader}, for model `K` of client `C`. */
export interface PrismaLoaderOptions<C, K extends ModelName<C> = ModelName<C>> {
  /** The model's delegate on the client: `'user'` for `prisma.user`, `'orderLine'` for `prisma.orderLine`. */
  model: K;
  /**
   * The key field, or the fields of a composite key in the order refs carry them. Default: the
   * model's `@id` or `@@id` fields, as the client's schema declares them. Key fields are Int,
   * BigInt, String or Decimal; see {@link PrismaLoader.prepare}.
   */
  primaryKey?: ModelField<C, K> | readonly ModelField<C, K>[];
  /** Fields to read (Prisma's `select`); the key fields are added. Default: every scalar field. */
  fields?: readonly ModelField<C, K>[];
  /**
   * Narrows every query with a where of the model, e.g. soft deletes (`{ deletedAt: null }`) or a
   * tenant (`{ tenantId }`). A row outside the scope is missing, exactly like a deleted one. The
   * loader reads `{ AND: [keys, scope] }`, so no `OR` in the scope ever widens what is read.
   */
  scope?: ModelWhere<C, K>;
  /**
   * Most keys per statement. Default: as many as Prisma's bound-value limit allows (SQLite 999,
   * PostgreSQL 32 766, MySQL 65 535, less what Prisma adds itself) divided by the number of key
   * fields, less room for the scope's own values; at most 2000 composite keys on the servers.
   */
  chunkSize?: number;
  /**
   * The field holding the row's version: a time (`updatedAt`, DateTime) or a counter
   * (`lockVersion`, Int or BigInt) that every write moves forward. It is read even when `fields`
   * leaves it out. Refs made from rows are then pinned to it, and decoding with
   * `consistency: 'at-least'` refuses a row older than its ref's pin (`STALE`, retryable); with
   * `prismaLoaders({ primary, replica }, …)` such rows are read again from the primary.
   */
  version?: ModelField<C, K>;
}

/**
 * A Loader over one model, with what it was configured with. `prepare()` reads, once per
 * loader, the key columns' types from the database's catalog, so that each key part is bound as
 * its column's type (`42`, `42n` and `'42'` are one key on every database) and a key that cannot
 * exist (`'abc'` for an Int field) is left out: it is missing, never a failed query.
 */
export type PrismaLoader<Row extends object = Record<string, unknown>> = SqlLoader<Row>;

/**
 * A Loader that fetches fresh rows of one Prisma model: `findMany({ where: { id: { in: […] } } })`,
 * or an `OR` of the key fields for a composite key, chunked under Prisma's bound-value limit.
 * Rows come back as Prisma returns them (`@map`'d fields by their field names, BigInt as bigint,
 * the client's result extensions applied), typed as the model.
 *
 * @param prisma - a PrismaClient (extended or not), or the client of an interactive
 *   transaction, `prisma.$transaction(async (tx) => …)`: loads then see its uncommitted writes
 * @param options - see {@link PrismaLoaderOptions}
 * @returns a Loader for createSerializer's loader map
 * @example prismaLoader(prisma, { model: 'orderLine', primaryKey: ['orderId', 'line'] })
 */
export function prismaLoader<C extends object, K extends ModelName<C>, const O extends PrismaLoaderOptions<C, K>>(prisma: C, options: O & PrismaLoaderOptions<C, K>): PrismaLoader<SelectedRow<ModelRow<C, K>, O>>;
export function prismaLoader(prisma: object, options: RawOptions): PrismaLoader<object> {
  const { table, source, decimalKey: decimal } = planOf(prisma, options);
  const loader = sqlLoader(source, table);
  if (!decimal) return loader;
  const keyOf = loader.keyOf;
  return {
    ...loader,
    keyOf: (row) => {
      const pk = keyOf(row as Record<string, unknown>);
      return (Array.isArray(pk) ? pk.map(decimalKey) : decimalKey(pk)) as never;
    },
  };
}
