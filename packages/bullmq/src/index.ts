export { toJobData } from './envelope.js';
export type { JobEnvelope, JobData, PayloadEncoding } from './envelope.js';
export { fromJobData } from './read.js';
export type { Serializers } from './accept.js';
export { withRefs } from './processor.js';
export type { RefProcessor, Processor, WithRefsOptions } from './processor.js';
export { jobsFor } from './jobs.js';
export type { Jobs, JobsOptions } from './jobs.js';
