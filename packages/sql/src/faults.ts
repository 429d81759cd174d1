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

/** One error of a chain, as the checks read it. */
interface Link {
  code?: unknown;
  errno?: unknown;
  message?: unknown;
}

/**
 * `err` and the errors it wraps (`cause`, and the driver adapter's error inside a Prisma error,
 * `meta.driverAdapterError.cause`), a few deep: ORMs wrap the driver's error (Drizzle's
 * DrizzleQueryError, Prisma's adapter errors), and the driver's code is what tells.
 */
function* chain(err: unknown): Generator<Link> {
  const seen = new Set<unknown>();
  const queue: [unknown, number][] = [[err, 0]];
  while (queue.length > 0) {
    const [e, depth] = queue.shift()!;
    if (e === null || typeof e !== 'object' || seen.has(e) || depth >= 5) continue;
    seen.add(e);
    yield e as Link;
    queue.push([(e as { cause?: unknown }).cause, depth + 1]);
    const adapter = (e as { meta?: { driverAdapterError?: { cause?: unknown } } }).meta?.driverAdapterError?.cause;
    if (adapter !== undefined) queue.push([adapter, depth + 1]);
  }
}

/** The MySQL/MariaDB error number of a link: mysql2's and the mariadb connector's `errno`, a Prisma adapter's numeric `code`. */
function errnoOf(link: Link): number | undefined {
  if (typeof link.errno === 'number') return link.errno;
  return typeof link.code === 'number' ? link.code : undefined;
}

/**
 * True when the server refused the statement as larger than it takes: MySQL and MariaDB's
 * `max_allowed_packet` (ER_NET_PACKET_TOO_LARGE, 1153, whose SQLSTATE 08S01 reads like a lost
 * connection). Sending it again fails again: the load is too large for the server, not retryable.
 */
export function isTooLarge(err: unknown): boolean {
  for (const link of chain(err)) {
    if (link.code === 'ER_NET_PACKET_TOO_LARGE' || errnoOf(link) === 1153) return true;
  }
  return false;
}

/**
 * True when SQLite refused a catalog statement for a schema that is not attached (`unknown
 * database nope`, from `pragma_table_info('users', 'nope')`): the table is not found, as it is
 * for a table the schema lacks.
 */
export function isUnknownSchema(err: unknown): boolean {
  for (const { message } of chain(err)) if (typeof message === 'string' && /^(?:SQLITE_ERROR: )?unknown database \S/.test(message)) return true;
  return false;
}

/** True when `err` (or an error it wraps) says the connection was lost, not that the statement was wrong. */
export function isConnectionLost(err: unknown): boolean {
  if (isTooLarge(err)) return false; // the server closes the connection after it, but a resend fails alike
  for (const { code, message } of chain(err)) {
    if ((typeof code === 'string' && CODES.has(code)) || (typeof message === 'string' && MESSAGES.test(message))) return true;
  }
  return false;
}

// MySQL/MariaDB: "Illegal mix of collations" (ER_CANT_AGGREGATE_2COLLATIONS, _3COLLATIONS,
// _NCOLLATIONS): a key with characters the key column's character set cannot hold (a CJK
// character for latin1, an emoji for utf8mb3). The loader leaves out such keys for the
// character sets it knows (keyTypes.ts); these cover the others.
const CHARSET_CODES = new Set(['ER_CANT_AGGREGATE_2COLLATIONS', 'ER_CANT_AGGREGATE_3COLLATIONS', 'ER_CANT_AGGREGATE_NCOLLATIONS']);
const CHARSET_ERRNOS = new Set([1267, 1270, 1271]);

/**
 * True when the server refused a key as its column's type (PostgreSQL's data exceptions, class
 * 22: `invalid input syntax for type date: "abc"`, a value out of range; MySQL's illegal mix of
 * collations, for a key its column's character set cannot hold). The key names no row and never
 * will: the load is not retryable. Key types the loader binds itself (integers, text, uuid)
 * never get here; this covers the types bound as given (numeric, inet…), and a domain's check
 * (23514), which a select only meets casting a key to a domain (unnest's arrays are cast to a
 * domain's base type, but a domain over a domain keeps one).
 */
export function isBadKey(err: unknown): boolean {
  for (const link of chain(err)) {
    const { code } = link;
    if (typeof code === 'string' && (/^22[0-9A-Z]{3}$/.test(code) || code === '23514')) return true;
    if ((typeof code === 'string' && CHARSET_CODES.has(code)) || CHARSET_ERRNOS.has(errnoOf(link) ?? 0)) return true;
  }
  return false;
}

/**
 * True when PostgreSQL refused the statement's wire message (SQLSTATE 08P01, protocol
 * violation): the loader built a statement the protocol cannot carry, most often more than
 * 65535 bound parameters (a `scope` binding many values next to a full chunk of keys, which
 * the protocol's 16-bit count wraps: `bind message has 99 parameter formats but 0 parameters`).
 * The same statement fails alike every time.
 */
export function isProtocolViolation(err: unknown): boolean {
  for (const { code } of chain(err)) if (code === '08P01') return true;
  return false;
}

// Knex, Kysely, Prisma (P2028, "Transaction already closed", "Transaction not found"): a query
// on a transaction that was committed or rolled back.
const ENDED = /Transaction query already complete|Transaction is already (?:committed|rolled back)|Transaction already closed|Transaction not found/i;

/**
 * True when the statement ran on a transaction that has ended (committed or rolled back): the
 * loader was built on a transaction and used after it. No retry brings it back.
 */
export function isTransactionEnded(err: unknown): boolean {
  for (const { message } of chain(err)) if (typeof message === 'string' && ENDED.test(message)) return true;
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
  for (const { code, message, errno } of chain(err)) {
    if (typeof code === 'string' && /^42[0-9A-Z]{3}$/.test(code) && code !== '42P01') return true;
    if (typeof code === 'string' && STATEMENT_CODES.has(code)) return true;
    if (typeof errno === 'number' && STATEMENT_ERRNOS.has(errno) && typeof code !== 'string') return true;
    if (code === 'SQLITE_ERROR' && typeof message === 'string' && SQLITE_STATEMENT.test(message)) return true;
  }
  return false;
}
