import type { PrimaryKey } from './key.js';
import type { Version } from './version.js';

/** What cereal tells `load` beyond the keys. */
export interface LoadContext {
  /**
   * The pin of each key, by index (`pins[i]` is the pin of `pks[i]`), undefined for a key no
   * ref pinned. Present only when some ref of the load is pinned. A loader that reads from a
   * replica uses it to read again from the primary the rows the replica holds older than
   * their pins; any other loader may ignore it.
   */
  readonly pins?: readonly (Version | undefined)[];
}

/**
 * Fetches fresh rows of one model. cereal calls `load` once per model per payload, with the
 * unique primary keys of every ref to that model; rows may come back in any order, and a row
 * that does not exist is simply absent. Anything `load` throws becomes `LOAD_FAILED`
 * (retryable), except a CerealError, which passes through as it is. A loader that breaks this
 * contract (no array, a row whose `keyOf` is no key, two rows for one key) fails the decode
 * with `INVALID_OPTION`, which no retry repeats.
 */
export interface Loader<Row extends object = Record<string, unknown>> {
  /**
   * @param pks - unique primary keys (never empty)
   * @param context - the refs' pins, when some are pinned
   * @returns the rows that exist, in any order
   */
  load(pks: readonly PrimaryKey[], context?: LoadContext): Promise<readonly Row[]>;
  /**
   * @param row - a row that `load` returned
   * @returns its primary key; cereal matches rows to refs by the canonical form of it
   */
  keyOf(row: Row): PrimaryKey;
  /**
   * How many parts a key of this model has: 1 for a single column, k for a composite key of k
   * columns. When set, refs with another shape are `INVALID_REF` before anything is loaded.
   */
  readonly arity?: number;
  /**
   * The row's version (its `version` column: `updated_at`, `lock_version`), for a model whose
   * rows have one. With it, refs made from rows (`serializer.ref`, a hydrated row encoded
   * again) are pinned to the version they had, and `consistency: 'at-least'` checks pins.
   * Returns null for a row whose version is null (its ref is unpinned), and undefined for a row
   * read without its version column (a ref cannot be made from it: `INVALID_REF`).
   * @param row - a row that `load` returned, or one the application read itself
   */
  versionOf?(row: Row): Version | null | undefined;
}

/**
 * Loaders by model name; the names are what refs carry on the wire. A map of loaders of
 * different row types is one (`keyOf` takes its row as a method parameter): each keeps its row
 * type in the map's own type, which RowOf reads.
 */
export type Loaders = { readonly [model: string]: Loader<object> };
