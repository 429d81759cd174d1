import type { QueueWording } from '@cereal/queue';

/** How @cereal/pg-boss's messages name it, what it reads, and what retries a job. */
export const PG_BOSS: QueueWording = {
  label: 'pg-boss',
  what: 'job data',
  writer: 'send(boss, name, serializer, value) (or jobsFor(serializer).send)',
  retryHint: 'give the queue or the job a `retryLimit` (and a `retryDelay`) to retry it',
};
