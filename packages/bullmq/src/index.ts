export { toJobData, fromJobData } from './envelope.js';
export type { JobEnvelope } from './envelope.js';
export { withRefs } from './processor.js';
export type { RefProcessor, WithRefsOptions } from './processor.js';
