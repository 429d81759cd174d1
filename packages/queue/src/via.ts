/**
 * Which queue package is reading, for messages: `[bullmq] job data is not a cereal envelope …;
 * write it with toJobData(serializer, value)`.
 */
export interface Via {
  /** The package, in brackets at the start of each message: `bullmq`, `pg-boss`, `amqp`. */
  readonly label: string;
  /** What is read, as the queue calls it: `job data`, `the message`. */
  readonly what: string;
  /** The call that writes it, the fix a message names: `toJobData(serializer, value)`. */
  readonly writer: string;
}

/** The generic wording, for calls that name no queue. */
export const QUEUE: Via = { label: 'queue', what: 'job data', writer: 'toJobData(serializer, value)' };
