import type { Kysely } from 'kysely';
import { CerealError } from '@cereal/core';
import { isReplicaPair, replicaLoaders, type ReplicaPair } from '@cereal/sql';
import { kyselyLoader, type KyselyLoader } from './loader.js';
import type { ConfigRow, DatabaseOf, LoaderConfig } from './rows.js';

/**
 * Kysely loaders for several models at once. A value is a table name or {@link KyselyLoaderOptions};
 * the keys are the model names refs carry on the wire, so a table can be renamed, or an old
 * model name kept as a second key, without breaking payloads already queued. Rows are typed
 * from the Kysely's database interface, with no type argument.
 *
 * With `{ primary, replica }` in place of `db` (two Kysely instances of one database interface),
 * every load reads the replica first; the refs whose rows it lacks, or holds older than their
 * pins (with a `version` column), are read again from the primary in one more statement per
 * model. Each loader's `served` counts the rows each side served, and `onServed` hears it after
 * every load.
 *
 * @param db - a Kysely instance or transaction, or `{ primary, replica, onServed? }`
 * @param models - model name → table name or loader options
 * @returns a loader map for createSerializer, typed per model
 * @example kyselyLoaders(db, { users: 'users', orders: { table: 'orders', primaryKey: ['tenant_id', 'id'] } })
 */
export function kyselyLoaders<D extends Kysely<any>, const C extends Readonly<Record<string, LoaderConfig<DatabaseOf<D>>>>>(db: D | ReplicaPair<D>, models: C): { readonly [M in keyof C]: KyselyLoader<ConfigRow<DatabaseOf<D>, C[M]>> } {
  if (models === null || typeof models !== 'object') {
    throw new CerealError('INVALID_OPTION', '[kysely] kyselyLoaders takes a map of model names to tables, e.g. { users: \'users\' }');
  }
  if (isReplicaPair(db, 'kysely')) {
    return Object.freeze(replicaLoaders('kysely', db, models, (side, _model, spec) => kyselyLoader(side as Kysely<any>, typeof spec === 'string' ? { table: spec } : (spec as never)))) as never;
  }
  const loaders: Record<string, KyselyLoader> = {};
  for (const [model, spec] of Object.entries(models as Record<string, unknown>)) {
    loaders[model] = kyselyLoader(db as Kysely<any>, typeof spec === 'string' ? { table: spec } : (spec as never));
  }
  return Object.freeze(loaders) as never;
}
