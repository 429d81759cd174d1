import { invalidOption, isReplicaPair, replicaLoaders, type ReplicaPair } from '@cereal/sql';
import { isClient } from './_client.js';
import { prismaLoader, type PrismaLoader, type PrismaLoaderOptions } from './loader.js';
import type { ModelName, ModelRow, SelectedRow } from './rows.js';

/** A prismaLoaders entry: a model's delegate name (`'user'`), or loader options for one. */
export type ModelConfig<C> = ModelName<C> | { [K in ModelName<C>]: PrismaLoaderOptions<C, K> }[ModelName<C>];

/** The row a prismaLoaders entry loads: its model's, as `findMany` returns it. */
export type ConfigRow<C, X> = X extends ModelName<C> ? ModelRow<C, X> : X extends { readonly model: infer K extends ModelName<C> } ? SelectedRow<ModelRow<C, K>, X> : never;

/**
 * Prisma loaders for several models at once. A value is a model's delegate name or
 * {@link PrismaLoaderOptions}; the keys are the model names refs carry on the wire, so a model
 * can be renamed, or an old name kept as a second key, without breaking payloads already queued.
 * Every row type comes from the client: no type argument, nothing to declare.
 *
 * With `{ primary, replica }` in place of `prisma` (two clients of one schema: one on the
 * primary, one on a read replica), every load reads the replica first; the refs whose rows it
 * lacks, or holds older than their pins (with a `version` field), are read again from the
 * primary in one more query per model. Each loader's `served` counts the rows each side served,
 * and `onServed` hears it after every load.
 *
 * @param prisma - a PrismaClient, or an interactive transaction's client, or `{ primary, replica, onServed? }`
 * @param models - model name on the wire → delegate name or loader options
 * @returns a loader map for createSerializer, typed per model
 * @example prismaLoaders(prisma, { users: 'user', lines: { model: 'orderLine', scope: { deletedAt: null } } })
 */
export function prismaLoaders<C extends object, const M extends Readonly<Record<string, ModelConfig<C>>>>(prisma: C | ReplicaPair<C>, models: M): { readonly [N in keyof M]: PrismaLoader<ConfigRow<C, M[N]>> };
export function prismaLoaders(prisma: object, models: Readonly<Record<string, string | { model: string }>>): Readonly<Record<string, PrismaLoader<object>>> {
  if (models === null || typeof models !== 'object' || Array.isArray(models)) {
    throw invalidOption('prisma', "prismaLoaders takes a map of model names to the client's delegates, e.g. { users: 'user' }");
  }
  // A client with models named Primary and Replica has `primary` and `replica` delegates: still a client.
  if (isReplicaPair(prisma, 'prisma') && !isClient(prisma)) {
    return Object.freeze(replicaLoaders('prisma', prisma as ReplicaPair<object>, models, (side, _model, spec) => prismaLoader(side, (typeof spec === 'string' ? { model: spec } : spec) as PrismaLoaderOptions<object>)));
  }
  const loaders: Record<string, PrismaLoader<object>> = {};
  for (const [model, spec] of Object.entries(models)) {
    loaders[model] = prismaLoader(prisma, (typeof spec === 'string' ? { model: spec } : spec) as PrismaLoaderOptions<object>);
  }
  return Object.freeze(loaders);
}
