export { yamlFormat } from './format.js';
export type { YamlFormatOptions } from './format.js';
export { refTag, refsTag, pinTag, bigintTag } from './tags.js';
