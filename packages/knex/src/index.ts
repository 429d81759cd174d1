export { knexLoader } from './loader.js';
export type { KnexLoader, KnexLoaderOptions } from './loader.js';
export { knexLoaders } from './loaders.js';
