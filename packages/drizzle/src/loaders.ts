import { Table } from 'drizzle-orm';
import { is } from './_is.js';
import { invalidOption, isReplicaPair, replicaLoaders, type ReplicaPair } from '@cereal/sql';
import { drizzleLoader, type DrizzleLoader } from './loader.js';
import type { CheckedConfig, ConfigRow, DialectOf, DrizzleDatabase, LoaderConfig, TableFor } from './rows.js';

/**
 * Drizzle loaders for several models at once. A value is a table, or `{ table, …options }`; the
 * keys are the model names refs carry on the wire, so a table can be renamed, or an old model
 * name kept as a second key, without breaking payloads already queued. Each loader's rows are
 * its table's `$inferSelect`: no type argument.
 *
 * With `{ primary, replica }` in place of `db` (two Drizzle databases of one dialect), every
 * load reads the replica first; the refs whose rows it lacks, or holds older than their pins
 * (with a `version` field), are read again from the primary in one more statement per model.
 * Each loader's `served` counts the rows each side served, and `onServed` hears it after every load.
 *
 * @param db - a Drizzle database or transaction, or `{ primary, replica, onServed? }`
 * @param models - model name → table, or table with loader options
 * @returns a loader map for createSerializer, typed per model
 * @example drizzleLoaders(db, { users, lines: { table: lines, primaryKey: [lines.orderId, lines.line] } })
 */
export function drizzleLoaders<Db extends DrizzleDatabase, const M extends Readonly<Record<string, LoaderConfig>>>(
  db: Db | ReplicaPair<Db>,
  models: M & { readonly [K in keyof M]: CheckedConfig<DialectOf<Db>, M[K]> },
): { readonly [K in keyof M]: DrizzleLoader<ConfigRow<M[K]>> };
export function drizzleLoaders(db: DrizzleDatabase | ReplicaPair<DrizzleDatabase>, models: Readonly<Record<string, LoaderConfig>>): Readonly<Record<string, DrizzleLoader<object>>> {
  if (models === null || typeof models !== 'object' || is(models, Table)) {
    throw invalidOption('drizzle', 'drizzleLoaders takes a map of model names to tables, e.g. { users: usersTable, lines: { table: lines, primaryKey: [lines.orderId, lines.line] } }');
  }
  if (isReplicaPair(db, 'drizzle')) return Object.freeze(replicaLoaders('drizzle', db, models, (side, model, config) => modelLoader(side, model, config)));
  const loaders: Record<string, DrizzleLoader<object>> = {};
  for (const [model, config] of Object.entries(models)) loaders[model] = modelLoader(db, model, config);
  return Object.freeze(loaders);
}

/** The loader of one drizzleLoaders entry. */
function modelLoader(db: DrizzleDatabase, model: string, config: unknown): DrizzleLoader<object> {
  if (is(config, Table)) return drizzleLoader(db, config as TableFor<DrizzleDatabase>);
  if (config !== null && typeof config === 'object' && 'table' in config) {
    const { table, ...options } = config;
    return drizzleLoader(db, table as TableFor<DrizzleDatabase>, options);
  }
  throw invalidOption('drizzle', `model \`${model}\` must be a Drizzle table, or { table, primaryKey?, columns?, scope?, chunkSize?, version? }`);
}
