import type { Kysely } from 'kysely';
import { CerealError } from '@cereal/core';
import { kyselyLoader, type KyselyLoader } from './loader.js';
import type { ConfigRow, DatabaseOf, LoaderConfig } from './rows.js';

/**
 * Kysely loaders for several models at once. A value is a table name or {@link KyselyLoaderOptions};
 * the keys are the model names refs carry on the wire, so a table can be renamed, or an old
 * model name kept as a second key, without breaking payloads already queued. Rows are typed
 * from the Kysely's database interface, with no type argument.
 *
 * @param db - a Kysely instance or transaction
 * @param models - model name → table name or loader options
 * @returns a loader map for createSerializer, typed per model
 * @example kyselyLoaders(db, { users: 'users', orders: { table: 'orders', primaryKey: ['tenant_id', 'id'] } })
 */
export function kyselyLoaders<D extends Kysely<any>, const C extends Readonly<Record<string, LoaderConfig<DatabaseOf<D>>>>>(db: D, models: C): { readonly [M in keyof C]: KyselyLoader<ConfigRow<DatabaseOf<D>, C[M]>> } {
  if (models === null || typeof models !== 'object') {
    throw new CerealError('INVALID_OPTION', '[kysely] kyselyLoaders takes a map of model names to tables, e.g. { users: \'users\' }');
  }
  const loaders: Record<string, KyselyLoader> = {};
  for (const [model, spec] of Object.entries(models as Record<string, unknown>)) {
    loaders[model] = kyselyLoader(db as Kysely<any>, typeof spec === 'string' ? { table: spec } : (spec as never));
  }
  return Object.freeze(loaders) as never;
}
