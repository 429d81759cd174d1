/**
 * Knex's own log (the fixtures' connections), kept here instead of printed: the fault suites
 * kill connections on purpose, and Knex warns of each with a stack trace. A passing run prints none.
 */
export const knexLog: string[] = [];
const keep = (message: unknown): void => void knexLog.push(String(message));
export const captured = { warn: keep, error: keep, deprecate: keep, debug: keep };
