export { toJobData } from './envelope.js';
export type { JobEnvelope, PayloadEncoding } from './envelope.js';
export { fromJobData } from './read.js';
export type { Serializers } from './accept.js';
export { withRefs } from './processor.js';
export type { RefProcessor, WithRefsOptions } from './processor.js';
