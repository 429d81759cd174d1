export { toJobData } from '@cereal/queue';
export type { JobEnvelope, JobData, PayloadEncoding, Serializers, Duration, MissingRetry } from '@cereal/queue';
export { fromJobData } from './read.js';
export { withRefs } from './processor.js';
export type { RefProcessor, Processor, WithRefsOptions } from './processor.js';
export { jobsFor } from './jobs.js';
export type { Jobs, JobsOptions } from './jobs.js';
