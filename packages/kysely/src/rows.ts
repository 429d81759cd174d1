/**
 * Row types from what the user already wrote: the database interface of their `Kysely<DB>`.
 * Types only: no runtime code.
 */
import type { Expression, ExpressionBuilder, Kysely, Selectable, SqlBool, TransactionBuilder } from 'kysely';
import type { KyselyLoaderOptions } from './loader.js';

/**
 * The database interface of a Kysely instance or transaction: `DB` of `Kysely<DB>`,
 * `Transaction<DB>`, `ControlledTransaction<DB>`. Read off `transaction()`, which each of them
 * declares with its own `DB`: inferring `DB` from a `Transaction<DB>` given for a `Kysely<DB>`
 * goes through every member and does not find it.
 */
export type DatabaseOf<D extends Kysely<any>> = D extends { transaction(): TransactionBuilder<infer DB> } ? DB : never;

/** A table of `DB`, as `selectFrom` takes it. */
export type TableName<DB> = keyof DB & string;

/** A column of table `T`. */
export type ColumnName<DB, T extends TableName<DB>> = keyof DB[T] & string;

/** A key: its column, or the columns of a composite key in the order refs carry them. */
export type KeyColumns<DB, T extends TableName<DB>> = ColumnName<DB, T> | readonly ColumnName<DB, T>[];

/** A scope over table `T`: where conditions from Kysely's expression builder. */
export type ScopeOf<DB, T extends TableName<DB>> = (eb: ExpressionBuilder<DB, T>) => Expression<SqlBool>;

/**
 * The row a loader of table `T` returns: `Selectable<DB[T]>`, as `selectAll()` would, or only
 * the `columns` it selects, the key columns `K` and the version column `V`.
 */
export type TableRow<DB, T extends TableName<DB>, K = 'id', C = undefined, V = never> = [C] extends [readonly (infer Column)[]]
  ? Pick<Selectable<DB[T]>, Extract<Column | (K extends readonly (infer Part)[] ? Part : K) | V, keyof Selectable<DB[T]>>>
  : Selectable<DB[T]>;

/** Without `primaryKey`, the key is `id`: a table without one must name its key. */
export type KeyRequired<DB, T extends TableName<DB>> = 'id' extends ColumnName<DB, T> ? unknown : { primaryKey: KeyColumns<DB, T> };

/** Loader options for one of `DB`'s tables, told apart by `table`: each checked against its own table. */
type OptionsFor<DB> = { [T in TableName<DB>]: KyselyLoaderOptions<DB, T> & KeyRequired<DB, T> }[TableName<DB>];

/** Tables a name alone can load: those with an `id` column. */
type TableWithId<DB> = { [T in TableName<DB>]: 'id' extends ColumnName<DB, T> ? T : never }[TableName<DB>];

/** A kyselyLoaders entry: a table name, or loader options. */
export type LoaderConfig<DB> = TableWithId<DB> | OptionsFor<DB>;

/** The row a kyselyLoaders entry loads. */
export type ConfigRow<DB, E> = E extends TableName<DB>
  ? Selectable<DB[E]>
  : E extends { readonly table: infer T extends TableName<DB> }
    ? TableRow<DB, T, E extends { readonly primaryKey: infer K } ? K : 'id', E extends { readonly columns: infer C } ? C : undefined, E extends { readonly version: infer V } ? V : never>
    : Record<string, unknown>;
