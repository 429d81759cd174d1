import type { Knex } from 'knex';
import { CerealError } from '@cereal/core';
import { isReplicaPair, replicaLoaders, type ReplicaPair } from '@cereal/sql';
import { knexLoader, type KnexLoader } from './loader.js';
import type { ConfigRow, LoaderConfig } from './rows.js';

/**
 * Knex loaders for several models at once. A value is a table name or {@link KnexLoaderOptions};
 * the keys are the model names refs carry on the wire, so a table can be renamed, or an old
 * model name kept as a second key, without breaking payloads already queued.
 *
 * Row types come from what you already wrote: name them (`knexLoaders<{ users: User }>(db, …)`;
 * every model of the row map must be configured, and only those), or let them come from Knex's
 * `Tables` interface where you declared it.
 *
 * With `{ primary, replica }` in place of `db`, every load reads the replica first; the refs
 * whose rows it lacks, or holds older than their pins (with a `version` column), are read again
 * from the primary in one more statement per model. Each loader's `served` counts the rows each
 * side served, and `onServed` hears it after every load.
 *
 * @param db - a Knex instance or transaction, or `{ primary, replica, onServed? }`
 * @param models - model name → table name or loader options
 * @returns a loader map for createSerializer, typed per model
 * @example knexLoaders(db, { users: 'users', orders: { table: 'orders', primaryKey: ['tenant_id', 'id'] } })
 */
export function knexLoaders<const C extends Readonly<Record<string, LoaderConfig>>>(db: Knex | ReplicaPair<Knex>, models: C): { readonly [M in keyof C]: KnexLoader<ConfigRow<C[M]>> };
export function knexLoaders<Rows extends Record<string, object>>(db: Knex | ReplicaPair<Knex>, models: { readonly [M in keyof Rows]: LoaderConfig }): { readonly [M in keyof Rows]: KnexLoader<Rows[M]> };
export function knexLoaders(db: Knex | ReplicaPair<Knex>, models: Readonly<Record<string, LoaderConfig>>): Readonly<Record<string, KnexLoader<object>>> {
  if (models === null || typeof models !== 'object') {
    throw new CerealError('INVALID_OPTION', '[knex] knexLoaders takes a map of model names to tables, e.g. { users: \'users\' }');
  }
  if (isReplicaPair(db, 'knex')) {
    return Object.freeze(replicaLoaders('knex', db, models, (side, _model, spec) => knexLoader(side, typeof spec === 'string' ? { table: spec } : (spec as LoaderConfig & object))));
  }
  const loaders: Record<string, KnexLoader<object>> = {};
  for (const [model, spec] of Object.entries(models)) {
    loaders[model] = knexLoader(db, typeof spec === 'string' ? { table: spec } : spec);
  }
  return Object.freeze(loaders);
}
