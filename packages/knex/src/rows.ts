/**
 * Row types from what the user already wrote: Knex's `Tables` interface, which an application
 * declares once (`declare module 'knex/types/tables' { interface Tables { users: User } }`) for
 * Knex's own query types. Types only: no runtime code.
 */
import type { Knex } from 'knex';
import type { Tables } from 'knex/types/tables.js';
import type { KnexLoaderOptions } from './loader.js';

/** The row of a table: its type in Knex's `Tables` when declared there, else any record. */
export type TableRow<T> = T extends keyof Tables ? (Knex.ResolveTableType<Tables[T]> extends infer R extends object ? R : Record<string, unknown>) : Record<string, unknown>;

/** The row a knexLoaders entry loads: by its table name. */
export type ConfigRow<C> = C extends string ? TableRow<C> : C extends { readonly table: infer T } ? TableRow<T> : Record<string, unknown>;

/** A knexLoaders entry: a table name, or loader options. */
export type LoaderConfig = string | KnexLoaderOptions;
