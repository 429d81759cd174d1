export { drizzleLoader } from './loader.js';
export type { DrizzleLoader } from './loader.js';
export { drizzleLoaders } from './loaders.js';
export type { DrizzleDatabase, DrizzleLoaderOptions, TableFor, FieldOf, LoadedRow, LoaderConfig, ConfigRow } from './rows.js';
export { afterCommit, transaction } from './afterCommit.js';
export type { AfterCommitOptions, TransactionOf } from './afterCommit.js';
