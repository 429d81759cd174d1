import { CerealError } from '@cereal/core';
import { describe } from '@cereal/core/format';

/**
 * @throws CerealError `INVALID_OPTION` when `boss` has no `method` (not a PgBoss instance)
 */
export function checkBoss(boss: unknown, method: 'send' | 'work'): void {
  if (boss === null || typeof boss !== 'object' || typeof (boss as Record<string, unknown>)[method] !== 'function') {
    throw new CerealError('INVALID_OPTION', `[pg-boss] \`boss\` must be a started PgBoss instance (new PgBoss(…), then await boss.start()), got ${describe(boss, 40)}`);
  }
}

/**
 * @throws CerealError `INVALID_OPTION` for options that are not an object (or undefined)
 */
export function checkOptions(options: unknown): void {
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options))) {
    throw new CerealError('INVALID_OPTION', `[pg-boss] options must be an object, got ${describe(options, 40)}`);
  }
}

/**
 * What pg-boss threw for a call's arguments, as cereal says it: pg-boss checks its options with
 * node:assert (`batchSize must be an integer > 0`), which is `INVALID_OPTION`; anything else (the
 * database down) passes as it is.
 */
export function refused(err: unknown): unknown {
  if ((err as { code?: unknown } | null)?.code === 'ERR_ASSERTION') {
    return new CerealError('INVALID_OPTION', `[pg-boss] ${describe(err, 300)}`, { cause: err });
  }
  return err;
}
