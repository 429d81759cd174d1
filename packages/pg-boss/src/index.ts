export { send } from './send.js';
export type { SendOptions, SendingBoss } from './send.js';
export type { SendDb, KnexLike } from './db.js';
export { work } from './work.js';
export type { WorkOptions, BossJob, RefHandler, WorkingBoss } from './work.js';
export { jobsFor } from './jobs.js';
export type { Jobs, JobsOptions } from './jobs.js';
export { toJobData, fromJobData } from './data.js';
export type { JobData, JobEnvelope, Serializers, Duration, MissingRetry } from '@cereal/queue';
