/**
 * Connection-level failures: the statement never ran because the connection it was given had
 * been closed by the server (restart, `pg_terminate_backend`, MariaDB `KILL`, an idle timeout).
 * The pool notices such a connection only once it has failed, so the next statement usually
 * gets a fresh one: a read is safe to send again.
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
]);
const MESSAGES = /connection terminated unexpectedly|connection ended unexpectedly|server has gone away|connection lost|connection is in closed state|terminating connection due to administrator command/i;

/** True when `err` says the connection was lost, not that the statement was wrong. */
export function isConnectionLost(err: unknown): boolean {
  if (err === null || typeof err !== 'object') return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  return (typeof code === 'string' && CODES.has(code)) || (typeof message === 'string' && MESSAGES.test(message));
}
