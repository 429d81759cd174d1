/**
 * The SQL loader that @cereal/knex, @cereal/kysely, @cereal/drizzle and @cereal/prisma share: key binding by
 * column type, chunks under each driver's parameter limit, exact keys beyond 2^53, resends after
 * a lost connection, and the error codes. A query library gives it a SqlSource; see
 * docs/extending.md in the cereal repository.
 */
export { sqlLoader } from './loader.js';
export type { SqlLoader, SqlSource, SqlTable } from './loader.js';
export { dialectOf } from './dialect.js';
export type { SqlDialect, SqlFamily } from './dialect.js';
export { catalogStatement, catalogColumns, nameParts, templateOf } from './catalog.js';
export type { Columns, Statement } from './catalog.js';
export { binderOf, bindable } from './binding.js';
export type { Binder } from './binding.js';
export type { Column, KeyType } from './keyTypes.js';
export { isConnectionLost, isBadKey, isBadStatement, isTooLarge, isProtocolViolation, isTransactionEnded } from './faults.js';
export { withResends, RESENDS } from './resend.js';
export { unnestOf } from './unnest.js';
export type { Unnest } from './unnest.js';
export { isWide, isSafeBigint, exactAlias, restoreExact, EXACT_TEXT } from './wide.js';
export { keyColumns, chunkSizeOf, selectedColumns, tableName, versionColumn, invalidOption, SCOPE_ROOM } from './options.js';
export { replicaLoader, replicaLoaders, isReplicaPair } from './replica.js';
export type { ReplicaLoader, ReplicaPair, Served, ServedEvent } from './replica.js';
export { AfterCommits, describeValue } from './afterCommit.js';
export type { AfterCommitOptions, CommitScope } from './afterCommit.js';
