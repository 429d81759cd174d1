import type { Knex } from 'knex';
import { CerealError, type Loaders } from '@cereal/core';
import { knexLoader, type KnexLoader, type KnexLoaderOptions } from './loader.js';

/**
 * Knex loaders for several models at once. A value is a table name or {@link KnexLoaderOptions};
 * the keys are the model names refs carry on the wire, so a table can be renamed, or an old
 * model name kept as a second key, without breaking payloads already queued.
 *
 * @param db - a Knex instance or transaction
 * @param models - model name → table name or loader options
 * @returns a loader map for createSerializer
 * @example knexLoaders(db, { users: 'users', orders: { table: 'orders', primaryKey: ['tenant_id', 'id'] } })
 */
export function knexLoaders(db: Knex, models: Readonly<Record<string, string | KnexLoaderOptions>>): Loaders {
  if (models === null || typeof models !== 'object') {
    throw new CerealError('INVALID_OPTION', '[knex] knexLoaders takes a map of model names to tables, e.g. { users: \'users\' }');
  }
  const loaders: Record<string, KnexLoader> = {};
  for (const [model, spec] of Object.entries(models)) {
    loaders[model] = knexLoader(db, typeof spec === 'string' ? { table: spec } : spec);
  }
  return Object.freeze(loaders);
}
