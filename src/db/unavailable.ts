/** postgres.js connection failures, socket errors, and SQLSTATEs that mean "the server cannot serve now". */
const UNAVAILABLE_CODES: ReadonlySet<string> = new Set([
  'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECTION_CLOSED', 'CONNECT_TIMEOUT',
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EPIPE',
  '57P01', '57P02', '57P03', // admin_shutdown, crash_shutdown, cannot_connect_now
  '53300', // too_many_connections
]);

/**
 * True when an error (or its cause: Drizzle wraps driver errors) says the database cannot be reached, as
 * opposed to a query that failed: the request is then refused with 503, never served half-way.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  let current = error;
  for (let depth = 0; current instanceof Error && depth < 5; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
    if (current.message === 'PGlite is closed') return true;
    current = current.cause;
  }
  return false;
}
