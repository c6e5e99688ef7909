/** What a failed statement says about the database: whether it could be reached at all. */

/**
 * Whether `error` says the database could not be reached or dropped the connection (the server
 * restarting, a failover, an administrator ending sessions, a network cut), rather than refusing
 * the statement. Such a request did not fail for its own reasons: the app answers 503 with
 * Retry-After, and the pool has already discarded the broken client, so the next request connects
 * afresh. SQLSTATE classes: 08 (connection exception), 57P01–57P03 (the server shutting down or
 * starting), 53300 (too many connections).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 5; depth += 1) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string') {
      if (code.startsWith('08') || /^57P0[123]$/.test(code) || code === '53300') return true;
      if (unreachableSocketCodes.has(code)) return true;
    }
    if (typeof message === 'string' && unavailableMessages.test(message)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

const unreachableSocketCodes = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// node-postgres' own words when the socket went away or a connection could not be had in time.
const unavailableMessages =
  /^(Connection terminated|Client has encountered a connection error|Client was closed and is not queryable|timeout exceeded when trying to connect|Connection terminated due to connection timeout)/;
