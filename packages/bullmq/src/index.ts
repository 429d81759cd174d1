export { toJobData } from './envelope.js';
export type { JobEnvelope, JobData, PayloadEncoding } from './envelope.js';
export { fromJobData } from './read.js';
export type { Serializers } from './accept.js';
export { withRefs } from './processor.js';
export type { RefProcessor, Processor, WithRefsOptions, MissingRetry } from './processor.js';
export type { Duration } from './duration.js';
export { jobsFor } from './jobs.js';
export type { Jobs, JobsOptions } from './jobs.js';
