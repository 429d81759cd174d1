export { prismaLoader } from './loader.js';
export type { PrismaLoader, PrismaLoaderOptions } from './loader.js';
export { prismaLoaders } from './loaders.js';
export type { ModelConfig, ConfigRow } from './loaders.js';
export type { ModelName, ModelRow, ModelField, ModelWhere } from './rows.js';
export { afterCommit, transaction } from './afterCommit.js';
export type { AfterCommitOptions, PrismaTransactional, TransactionClientOf } from './afterCommit.js';
