export { kyselyLoader } from './loader.js';
export type { KyselyLoader, KyselyLoaderOptions } from './loader.js';
export { kyselyLoaders } from './loaders.js';
export type { DatabaseOf, TableName, ColumnName, KeyColumns, ScopeOf, TableRow, ConfigRow, LoaderConfig, KeyRequired } from './rows.js';
export { afterCommit, transaction, startTransaction } from './afterCommit.js';
export type { AfterCommitOptions } from './afterCommit.js';
