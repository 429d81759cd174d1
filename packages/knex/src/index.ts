export { knexLoader } from './loader.js';
export type { KnexLoader, KnexLoaderOptions } from './loader.js';
export { knexLoaders } from './loaders.js';
export type { TableRow, ConfigRow, LoaderConfig } from './rows.js';
export { afterCommit } from './afterCommit.js';
export type { AfterCommitOptions } from './afterCommit.js';
