import type { Knex } from 'knex';
import { CerealError } from '@cereal/core';
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
 * @param db - a Knex instance or transaction
 * @param models - model name → table name or loader options
 * @returns a loader map for createSerializer, typed per model
 * @example knexLoaders(db, { users: 'users', orders: { table: 'orders', primaryKey: ['tenant_id', 'id'] } })
 */
export function knexLoaders<const C extends Readonly<Record<string, LoaderConfig>>>(db: Knex, models: C): { readonly [M in keyof C]: KnexLoader<ConfigRow<C[M]>> };
export function knexLoaders<Rows extends Record<string, object>>(db: Knex, models: { readonly [M in keyof Rows]: LoaderConfig }): { readonly [M in keyof Rows]: KnexLoader<Rows[M]> };
export function knexLoaders(db: Knex, models: Readonly<Record<string, LoaderConfig>>): Readonly<Record<string, KnexLoader>> {
  if (models === null || typeof models !== 'object') {
    throw new CerealError('INVALID_OPTION', '[knex] knexLoaders takes a map of model names to tables, e.g. { users: \'users\' }');
  }
  const loaders: Record<string, KnexLoader> = {};
  for (const [model, spec] of Object.entries(models)) {
    loaders[model] = knexLoader(db, typeof spec === 'string' ? { table: spec } : spec);
  }
  return Object.freeze(loaders);
}
