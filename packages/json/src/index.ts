export { jsonFormat } from './format.js';
export type { JsonFormatOptions } from './format.js';
