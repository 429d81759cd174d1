/**
 * The driver's error inside Prisma's. Prisma wraps what the driver says in its own error
 * (PrismaClientKnownRequestError P2010, P2039, P1017…, or a bare DriverAdapterError), with the
 * driver's code in `meta.driverAdapterError.cause`; the shared loader decides by the driver's
 * code: a lost connection is sent again, a data exception (SQLSTATE class 22) is INVALID_REF.
 * So the source throws those two kinds as a DriverError with the code the loader knows, and
 * `unwrap` gives users Prisma's own error back wherever the loader does not turn it into its own.
 */

/** What a Prisma driver adapter says about a failed query. */
interface AdapterCause {
  kind?: string;
  originalCode?: string;
  originalMessage?: string;
  /** PostgreSQL: the SQLSTATE; MySQL: the error number. */
  code?: unknown;
  /** MySQL: the SQLSTATE. */
  state?: unknown;
  message?: string;
}

/** A lost connection or a refused key, as the shared loader recognizes them; `cause` is Prisma's error. */
export class DriverError extends Error {
  override readonly name = 'DriverError';
  constructor(message: string, readonly code: string, cause: unknown) {
    super(message, { cause });
  }
}

/** The adapter's account of a Prisma error, or of a DriverAdapterError thrown as it is. */
export function adapterCause(err: unknown): AdapterCause | undefined {
  const e = err as { name?: unknown; cause?: unknown; meta?: { driverAdapterError?: { cause?: unknown } } } | null;
  const cause = e?.meta?.driverAdapterError?.cause ?? (e?.name === 'DriverAdapterError' ? e.cause : undefined);
  return cause !== null && typeof cause === 'object' ? (cause as AdapterCause) : undefined;
}

// MySQL and MariaDB: the server went away (2006, 2013), shut down (1053), killed the connection
// (1927); the MariaDB connector found it closed (45001, 45009: socket closed, 45013: closed
// before the command).
const MYSQL_LOST = new Set([1053, 1927, 2006, 2013, 45001, 45009, 45013]);
// PostgreSQL: an administrator or a crash ended the session; class 08, the connection failed.
const PG_LOST = /^(?:57P0[12]|08\w{3})$/;
const CONNECTION_FAILURE = '08006';

/** The driver's code for a lost connection (as `08006` where its own is not the loader's) or a data exception. */
function codeOf(cause: AdapterCause): string | undefined {
  if (cause.kind === 'ConnectionClosed') return CONNECTION_FAILURE;
  const state = typeof cause.state === 'string' ? cause.state : undefined;
  if (cause.kind === 'mysql') {
    if (MYSQL_LOST.has(Number(cause.code)) || state?.startsWith('08') === true) return CONNECTION_FAILURE;
    return state?.startsWith('22') === true ? state : undefined;
  }
  const code = cause.originalCode ?? (typeof cause.code === 'string' ? cause.code : undefined);
  return code !== undefined && (PG_LOST.test(code) || /^22\w{3}$/.test(code)) ? code : undefined;
}

/** `err` as the shared loader should see it: a DriverError for a lost connection or a refused key. */
export function exposed(err: unknown): unknown {
  const cause = adapterCause(err);
  const code = cause === undefined ? undefined : codeOf(cause);
  if (code === undefined) return err;
  return new DriverError(cause!.originalMessage ?? cause!.message ?? String((err as Error).message), code, err);
}

/** Prisma's own error again, where the loader throws `err` as it is (a lost connection it gave up on). */
export function unwrap(err: unknown): Error | undefined {
  return err instanceof DriverError && !/^22/.test(err.code) ? (err.cause as Error) : undefined;
}
