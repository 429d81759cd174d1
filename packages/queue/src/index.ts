// What @cereal/bullmq, @cereal/pg-boss and @cereal/amqp share, in one place: the envelope job
// data travels in, the serializers a worker accepts, the content types of bare messages, and the
// one classification of read failures into retry, fail or discard.
export { toJobData } from './envelope.js';
export type { JobEnvelope, JobData, PayloadEncoding } from './envelope.js';
export { envelopeOf, wireOf, readJobData, readJobDataMany, asCerealError } from './read.js';
export { checkSerializer } from './writing.js';
export { accepting, serializerFor } from './accept.js';
export type { Accepted, Serializers } from './accept.js';
export { durationMs } from './duration.js';
export type { Duration } from './duration.js';
export { failurePolicy, classify, refsOf } from './failure.js';
export type { RefOptions, MissingRetry, QueueWording, FailurePolicy, Attempt, Outcome } from './failure.js';
export { refsInResult } from './result.js';
export { contentTypeOf, formatOfContentType, CONTENT_TYPE_PREFIX } from './contentType.js';
export { QUEUE, type Via } from './via.js';
