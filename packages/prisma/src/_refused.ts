import { CerealError } from '@cereal/core';

/**
 * A query Prisma refused before sending it. Every key part is converted to its field's type
 * first, and chunks stay under Prisma's bound-value limit, so what Prisma refuses is the
 * loader's configuration: a `scope` with an unknown field or a value of the wrong type
 * (PrismaClientValidationError), or one with so many values that a chunk no longer fits
 * (P2029). Every load would fail alike, and a retry too: `INVALID_OPTION`, with Prisma's reason
 * (the last line of its message, after the code frame of the call).
 */
export function refused(err: unknown, table: string): CerealError | undefined {
  const { name, code } = (err ?? {}) as { name?: unknown; code?: unknown };
  if (name !== 'PrismaClientValidationError' && code !== 'P2029') return undefined;
  // trimmed first, the message's last line is its last line with words on it
  const reason = String((err as Error).message).trim().split('\n').pop()!.trim();
  const fix = code === 'P2029' ? 'lower `chunkSize`, or the values in `scope`' : 'check its `scope` and `fields`';
  return new CerealError('INVALID_OPTION', `[prisma] table \`${table}\`: Prisma refused the loader's query (${fix}): ${reason}`, { cause: err });
}
