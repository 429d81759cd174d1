import { invalidOption } from '@cereal/sql';
import { prismaLoader, type PrismaLoader, type PrismaLoaderOptions } from './loader.js';
import type { ModelName, ModelRow } from './rows.js';

/** A prismaLoaders entry: a model's delegate name (`'user'`), or loader options for one. */
export type ModelConfig<C> = ModelName<C> | { [K in ModelName<C>]: PrismaLoaderOptions<C, K> }[ModelName<C>];

/** The row a prismaLoaders entry loads: its model's, as `findMany` returns it. */
export type ConfigRow<C, X> = X extends ModelName<C> ? ModelRow<C, X> : X extends { readonly model: infer K extends ModelName<C> } ? ModelRow<C, K> : never;

/**
 * Prisma loaders for several models at once. A value is a model's delegate name or
 * {@link PrismaLoaderOptions}; the keys are the model names refs carry on the wire, so a model
 * can be renamed, or an old name kept as a second key, without breaking payloads already queued.
 * Every row type comes from the client: no type argument, nothing to declare.
 *
 * @param prisma - a PrismaClient, or an interactive transaction's client
 * @param models - model name on the wire → delegate name or loader options
 * @returns a loader map for createSerializer, typed per model
 * @example prismaLoaders(prisma, { users: 'user', lines: { model: 'orderLine', scope: { deletedAt: null } } })
 */
export function prismaLoaders<C extends object, const M extends Readonly<Record<string, ModelConfig<C>>>>(prisma: C, models: M): { readonly [N in keyof M]: PrismaLoader<ConfigRow<C, M[N]>> };
export function prismaLoaders(prisma: object, models: Readonly<Record<string, string | { model: string }>>): Readonly<Record<string, PrismaLoader<object>>> {
  if (models === null || typeof models !== 'object' || Array.isArray(models)) {
    throw invalidOption('prisma', "prismaLoaders takes a map of model names to the client's delegates, e.g. { users: 'user' }");
  }
  const loaders: Record<string, PrismaLoader<object>> = {};
  for (const [model, spec] of Object.entries(models)) {
    loaders[model] = prismaLoader(prisma, (typeof spec === 'string' ? { model: spec } : spec) as PrismaLoaderOptions<object>);
  }
  return Object.freeze(loaders);
}
