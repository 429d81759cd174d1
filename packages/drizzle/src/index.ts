export { drizzleLoader } from './loader.js';
export type { DrizzleLoader } from './loader.js';
export { drizzleLoaders } from './loaders.js';
export type { DrizzleDatabase, DrizzleLoaderOptions, TableFor, FieldOf, LoadedRow, LoaderConfig, ConfigRow } from './rows.js';
