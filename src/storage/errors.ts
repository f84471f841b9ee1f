/**
 * The storage-specific error: a backend that is unreachable, refuses access or fails in a way that
 * is not the caller's input. It carries UNAVAILABLE (exit code 2: the remote or bucket is the
 * user's to fix, not a bug in mlship); missing blobs and buckets are NotFoundError and bad keys
 * InvalidInputError, as everywhere else.
 */
import { MlshipError } from '../core/errors.js';

export class StorageError extends MlshipError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('UNAVAILABLE', message, options);
  }
}

/** Node's system error code (ECONNREFUSED, ENOENT, …) of `e` or of its cause chain, if any. */
export function systemErrorCode(e: unknown): string | undefined {
  for (let cur: unknown = e, depth = 0; cur && depth < 5; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z0-9_]+$/.test(code)) return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'timed out',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'timed out waiting for response headers',
  UND_ERR_BODY_TIMEOUT: 'timed out reading the response body',
  UND_ERR_SOCKET: 'connection closed',
};

/** A short human reason for a network-level failure ("connection refused (ECONNREFUSED)"), or undefined. */
export function networkReason(e: unknown): string | undefined {
  // undici reports its own failures with UND_ERR_* codes, which the E[A-Z] pattern above misses.
  for (let cur: unknown = e, depth = 0; cur && depth < 5; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && code in NETWORK_REASONS) return `${NETWORK_REASONS[code]} (${code})`;
    if ((cur as { name?: unknown }).name === 'TimeoutError') return 'timed out';
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}
