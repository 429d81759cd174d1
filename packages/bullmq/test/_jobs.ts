import type { Job } from 'bullmq';
import type { JobEnvelope } from '../src/index.js';

/** The part of a BullMQ Job that withRefs touches, recording its log lines. */
export const fakeJob = (data: unknown, fields: { timestamp?: number; attemptsMade?: number; opts?: { attempts?: number } } = {}) => {
  const logs: string[] = [];
  return { job: { data, ...fields, log: async (line: string) => logs.push(line) } as unknown as Job<JobEnvelope>, logs };
};
