// Maps low-level database failures to errors users can act on: 503 while the database is unreachable.

/** The database cannot be reached; the request may be retried later (RFC 6749 temporarily_unavailable). */
export class DatabaseUnavailable extends Error {
  override name = 'DatabaseUnavailable';
  readonly status = 503;
  readonly statusCode = 503;
  readonly expose = true;
  readonly error_description = 'The service cannot reach its database right now. Please try again in a moment.';
  constructor(readonly reason?: unknown) {
    // oidc-provider renders `message` as the OAuth error code of exposed errors.
    super('temporarily_unavailable');
  }
}

const connectionErrorCodes = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOENT',
  '57P01', '57P02', '57P03', // admin_shutdown, crash_shutdown, cannot_connect_now
  '08000', '08001', '08003', '08004', '08006', // connection exceptions
  '53300', // too_many_connections
]);

/** True when err means the database is unreachable (not a bad query). */
export function isConnectionError(err: unknown): boolean {
  // Duck-typed, not `instanceof Error`: socket errors are created by Node's core modules, which may live in
  // another realm (vm contexts, test runners) than this module's Error.
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && connectionErrorCodes.has(code)) return true;
  return typeof message === 'string' && /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect|Cannot use a pool after calling end/i.test(message);
}

/** Rethrows connection failures as DatabaseUnavailable, everything else unchanged. */
export function translateDatabaseError(err: unknown): never {
  if (err instanceof DatabaseUnavailable) throw err;
  if (isConnectionError(err)) throw new DatabaseUnavailable(err);
  throw err;
}

/** The PostgreSQL error code of err (e.g. '23505' for unique_violation), if any. */
export function pgErrorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
