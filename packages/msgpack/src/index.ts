export { msgpackFormat } from './format.js';
export type { MsgpackFormatOptions } from './format.js';
export { REF_TYPE, MAP_TYPE, LIST_TYPE, PIN_TYPE } from './extension.js';
