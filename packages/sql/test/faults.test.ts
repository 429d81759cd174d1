/**
 * How the loaders tell a failed statement's cause from the error a driver (or the ORM around it)
 * threw: a lost connection (sent again), a key its column refuses (no row), a malformed statement
 * or one too large (no retry mends it). The errors are shaped as each driver throws them.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isBadKey, isBadStatement, isConnectionLost, isProtocolViolation, isTooLarge, isTransactionEnded } from '../src/index.js';

const Faults = suite('faults');

const coded = (code: unknown, message = 'failed', extra: object = {}) => Object.assign(new Error(message), { code }, extra);
/** `err` wrapped `depth` times in `cause`, as ORMs wrap the driver's error. */
const wrapped = (err: unknown, depth: number): unknown => (depth === 0 ? err : new Error(`wrapper ${depth}`, { cause: wrapped(err, depth - 1) }));

Faults('a lost connection, by each driver\'s code', () => {
  const codes = ['57P01', '57P02', '08000', '08003', '08006', 'ECONNRESET', 'EPIPE', 'PROTOCOL_CONNECTION_LOST', 'ER_SERVER_SHUTDOWN', 'ER_CONNECTION_KILLED', '08S01', 'ER_CMD_CONNECTION_CLOSED', 'ER_SOCKET_UNEXPECTED_CLOSE', 'ER_CONNECTION_ALREADY_CLOSED'];
  for (const code of codes) assert.ok(isConnectionLost(coded(code)), code);
  for (const code of ['57P03', '08001', 'ECONNREFUSED', 'ETIMEDOUT', '23505', '42P01', 57, null]) assert.not.ok(isConnectionLost(coded(code, 'x')), String(code));
});

Faults('a lost connection, by the words of a driver that gives no code', () => {
  const messages = [
    'Connection terminated unexpectedly', 'Connection ended unexpectedly', 'MySQL server has gone away', 'Connection lost: The server closed the connection.',
    'Can\'t add new command when connection is in closed state', 'terminating connection due to administrator command', 'Client has encountered a connection error and is not queryable',
    'CONNECTION TERMINATED UNEXPECTEDLY',
  ];
  for (const message of messages) assert.ok(isConnectionLost(new Error(message)), message);
  for (const message of ['connection refused', 'relation "users" does not exist', 'timeout exceeded when trying to connect']) assert.not.ok(isConnectionLost(new Error(message)), message);
  assert.not.ok(isConnectionLost({ message: 42 }));
  assert.not.ok(isConnectionLost(null));
  assert.not.ok(isConnectionLost('Connection terminated unexpectedly'), 'a string thrown is no error the driver threw');
});

Faults('the chain: a cause four deep is read, five deep is not; Prisma\'s adapter error is read; cycles end', () => {
  const lost = coded('ECONNRESET');
  for (const depth of [0, 1, 4]) assert.ok(isConnectionLost(wrapped(lost, depth)), `${depth} deep`);
  assert.not.ok(isConnectionLost(wrapped(lost, 5)), 'five deep');
  const prisma = coded('P2010', 'Invalid invocation', { meta: { driverAdapterError: { cause: { kind: 'postgres', code: '57P01' } } } });
  assert.ok(isConnectionLost(prisma));
  assert.ok(isConnectionLost(new Error('outer', { cause: prisma })));
  const a: { cause?: unknown; code: string } = { code: 'x' };
  const b = { cause: a, code: 'y' };
  a.cause = b;
  assert.not.ok(isConnectionLost(a));
  assert.not.ok(isBadKey(a));
  assert.not.ok(isBadStatement(a));
});

Faults('too large: max_allowed_packet by code or number, never a lost connection', () => {
  for (const err of [coded('ER_NET_PACKET_TOO_LARGE'), { errno: 1153 }, { code: 1153 }, wrapped({ errno: 1153, code: '08S01' }, 2)]) {
    assert.ok(isTooLarge(err));
    assert.not.ok(isConnectionLost(err));
  }
  for (const err of [{ errno: 1152 }, { code: '1153' }, coded('08S01'), { errno: '1153' }]) assert.not.ok(isTooLarge(err), JSON.stringify(err));
});

Faults('a refused key: PostgreSQL\'s data exceptions (class 22) and a domain\'s check; MySQL\'s mix of collations by code or number', () => {
  for (const code of ['22P02', '22003', '22007', '22008', '22001', '2200D', '23514', 'ER_CANT_AGGREGATE_2COLLATIONS', 'ER_CANT_AGGREGATE_3COLLATIONS', 'ER_CANT_AGGREGATE_NCOLLATIONS']) {
    assert.ok(isBadKey(coded(code)), code);
  }
  for (const errno of [1267, 1270, 1271]) {
    assert.ok(isBadKey({ errno }), String(errno));
    assert.ok(isBadKey({ code: errno }), `code ${errno}`);
  }
  for (const code of ['23505', '23503', '2200', '22P023', 'x22P02', '22p02', '42703', '08006', 22003]) assert.not.ok(isBadKey(coded(code)), String(code));
  for (const errno of [1268, 1054, 0]) assert.not.ok(isBadKey({ errno }), String(errno));
  assert.not.ok(isBadKey({}));
});

Faults('a bad statement: PostgreSQL\'s class 42 except a missing table, MySQL\'s by code or number, SQLite\'s by its words', () => {
  for (const code of ['42703', '42601', '42702', '42883', 'ER_BAD_FIELD_ERROR', 'ER_PARSE_ERROR', 'ER_NON_UNIQ_ERROR', 'ER_SP_DOES_NOT_EXIST', 'ER_UNKNOWN_TABLE']) {
    assert.ok(isBadStatement(coded(code)), code);
  }
  for (const errno of [1054, 1064, 1052, 1305, 1109]) assert.ok(isBadStatement({ errno }), String(errno));
  assert.not.ok(isBadStatement(coded('42P01')), 'a missing table may come back: retryable');
  assert.not.ok(isBadStatement(coded('ER_NO_SUCH_TABLE', 'x', { errno: 1146 })));
  assert.not.ok(isBadStatement(coded('HY000', 'x', { errno: 1054 })), 'a number under a code of another kind');
  for (const code of ['4270', '427030', 'x42703', '22P02']) assert.not.ok(isBadStatement(coded(code)), code);
  for (const message of ['no such column: "versionx"', 'no such function: lower2', 'near "x": syntax error', 'ambiguous column name: id', 'misuse of aggregate: max()']) {
    assert.ok(isBadStatement(coded('SQLITE_ERROR', message)), message);
  }
  assert.not.ok(isBadStatement(coded('SQLITE_ERROR', 'no such table: users')));
  assert.not.ok(isBadStatement(coded('SQLITE_BUSY', 'no such column: x')));
  assert.not.ok(isBadStatement(new Error('no such column: x')));
});

Faults('a protocol violation is 08P01 alone; an ended transaction by each library\'s words', () => {
  assert.ok(isProtocolViolation(wrapped(coded('08P01'), 3)));
  for (const code of ['08P02', '08006', undefined]) assert.not.ok(isProtocolViolation(coded(code)), String(code));
  const ended = ['Transaction query already complete', 'Transaction is already committed', 'Transaction is already rolled back', 'Transaction already closed', 'Transaction not found. Transaction ID is invalid', 'transaction QUERY already complete'];
  for (const message of ended) assert.ok(isTransactionEnded(wrapped(new Error(message), 1)), message);
  for (const message of ['Transaction is already started', 'Transaction failed', '']) assert.not.ok(isTransactionEnded(new Error(message)), message);
  assert.not.ok(isTransactionEnded({ message: ['Transaction already closed'] }));
});

Faults.run();
