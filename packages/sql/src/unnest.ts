import type { PrimaryKey } from '@cereal/core';

/**
 * PostgreSQL, composite keys: `(a, b) in (select * from unnest($1::integer[], $2::text[]))`, one
 * array parameter per key column, in place of `(a, b) in (($1, $2), …)`. PostgreSQL plans a list
 * of row values item by item: on this machine 1000 two-part keys took 19.9 ms as a list and
 * 3.0 ms through unnest (250 keys: 2.6 against 1.2 ms; 10 keys: 0.38 against 0.45 ms), and a
 * list of 10 000 exceeds its stack depth (bench/composite.ts, printed by `pnpm bench` with CEREAL_PG_URL).
 */
export interface Unnest {
  /** Each key column's array type, for the cast: `integer[]`, `character varying[]`. */
  readonly types: readonly string[];
  /** The key parts by column: `columns[i][j]` is part i of key j. */
  readonly columns: readonly unknown[][];
}

/**
 * A declared type the array cast can carry as it is: anything `format_type` writes but a `?`
 * (a query builder's placeholder), quotes of strings, backslashes, comments and statement ends.
 */
const CASTABLE = /^[^?'\\;]+$/;

/**
 * The keys of a composite key, one array per column with its type, or undefined where a column's
 * type is unknown (no catalog) or not one to write into a cast.
 * @param types - the key columns' types to cast to (the catalog's `Column.base`), in key order
 */
export function unnestOf(pks: readonly PrimaryKey[], types: readonly string[] | undefined): Unnest | undefined {
  if (types === undefined || types.length < 2) return undefined;
  if (!types.every((type) => type.length > 0 && CASTABLE.test(type) && !type.includes('--') && !type.includes('/*'))) return undefined;
  const columns = types.map(() => new Array<unknown>(pks.length));
  for (let j = 0; j < pks.length; j++) {
    const pk = pks[j] as readonly unknown[];
    for (let i = 0; i < columns.length; i++) columns[i]![j] = pk[i];
  }
  return { types: types.map((type) => `${type}[]`), columns };
}
