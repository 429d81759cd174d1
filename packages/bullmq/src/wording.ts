import type { QueueWording } from '@cereal/queue';

/** How @cereal/bullmq's messages name it, what it reads, and what retries a job. */
export const BULLMQ: QueueWording = {
  label: 'bullmq',
  what: 'job data',
  writer: 'toJobData(serializer, value)',
  retryHint: 'give the job `attempts` and a `backoff` to retry it',
};
