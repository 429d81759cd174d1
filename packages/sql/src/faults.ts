/**
 * Connection-level failures: the statement never ran because the connection it was given had
 * been closed by the server (restart, `pg_terminate_backend`, MariaDB `KILL`, an idle timeout).
 * A read is safe to send again, on another connection (see resend.ts).
 */
const CODES = new Set([
  '57P01', // PostgreSQL admin_shutdown: terminated by an administrator
  '57P02', // crash_shutdown
  '08000', '08003', '08006', // connection_exception, connection_does_not_exist, connection_failure
  'ECONNRESET',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST', // mysql2: the server closed the connection
  'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED',
  '08S01', // MySQL's SQLSTATE for a communication link failure
  // the mariadb connector (Prisma's MariaDB adapter)
  'ER_CMD_CONNECTION_CLOSED', 'ER_SOCKET_UNEXPECTED_CLOSE', 'ER_CONNECTION_ALREADY_CLOSED',
]);
// node-postgres: `… is not queryable` when the client had already seen its connection close.
const MESSAGES = /connection terminated unexpectedly|connection ended unexpectedly|server has gone away|connection lost|connection is in closed state|terminating connection due to administrator command|is not queryable/i;

/**
 * `err` and the errors it wraps (`cause`, a few deep): ORMs wrap the driver's error (Drizzle's
 * DrizzleQueryError, Prisma's adapter errors), and the driver's code is what tells.
 */
function* chain(err: unknown): Generator<{ code?: unknown; message?: unknown }> {
  for (let depth = 0; depth < 4 && err !== null && typeof err === 'object'; depth++) {
    yield err as { code?: unknown; message?: unknown };
    err = (err as { cause?: unknown }).cause;
  }
}

/** True when `err` (or an error it wraps) says the connection was lost, not that the statement was wrong. */
export function isConnectionLost(err: unknown): boolean {
  for (const { code, message } of chain(err)) {
    if ((typeof code === 'string' && CODES.has(code)) || (typeof message === 'string' && MESSAGES.test(message))) return true;
  }
  return false;
}

/**
 * True when the server refused a key as its column's type (PostgreSQL's data exceptions, class
 * 22: `invalid input syntax for type date: "abc"`, a value out of range). The key names no row
 * and never will: the load is not retryable. Key types the loader binds itself (integers, text,
 * uuid) never get here; this covers the types bound as given (numeric, inet…).
 */
export function isBadKey(err: unknown): boolean {
  for (const { code } of chain(err)) if (typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code)) return true;
  return false;
}

// MySQL/MariaDB: ER_BAD_FIELD_ERROR, ER_PARSE_ERROR, ER_NON_UNIQ_ERROR (an ambiguous column),
// ER_WRONG_FIELD_WITH_GROUP… as codes mysql2 names; errno for the mariadb connector.
const STATEMENT_CODES = new Set(['ER_BAD_FIELD_ERROR', 'ER_PARSE_ERROR', 'ER_NON_UNIQ_ERROR', 'ER_SP_DOES_NOT_EXIST', 'ER_UNKNOWN_TABLE']);
const STATEMENT_ERRNOS = new Set([1054, 1064, 1052, 1305, 1109]);
// SQLite (better-sqlite3's SQLITE_ERROR carries no finer code): a column, function or syntax it cannot read.
const SQLITE_STATEMENT = /no such column|no such function|syntax error|ambiguous column name|misuse of aggregate/;

/**
 * True when the server refused the statement itself: a column it does not have (a `version`,
 * `columns` or `scope` naming one), a syntax error, an ambiguous name (PostgreSQL's class 42
 * except a missing table, MySQL's bad field or parse errors, SQLite's `no such column`). The
 * loader's configuration is wrong; no retry mends it. A table that went away since the loader
 * read it is not one of these (a migration may be under way): that stays retryable.
 */
export function isBadStatement(err: unknown): boolean {
  for (const { code, message, errno } of chain(err) as Generator<{ code?: unknown; message?: unknown; errno?: unknown }>) {
    if (typeof code === 'string' && /^42[0-9A-Z]{3}$/.test(code) && code !== '42P01') return true;
    if (typeof code === 'string' && STATEMENT_CODES.has(code)) return true;
    if (typeof errno === 'number' && STATEMENT_ERRNOS.has(errno) && typeof code !== 'string') return true;
    if (code === 'SQLITE_ERROR' && typeof message === 'string' && SQLITE_STATEMENT.test(message)) return true;
  }
  return false;
}
