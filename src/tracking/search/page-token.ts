/**
 * Page tokens as MLflow's SQL store makes them (SearchUtils.create_page_token /
 * parse_start_offset_from_page_token): base64 of the JSON `{"offset": N}` (Python's json.dumps
 * spacing). Clients treat them as opaque; a token that does not decode is INVALID_PARAMETER_VALUE
 * with MLflow's "Invalid page token, …" messages.
 */
import { pyReprValue } from '../../core/python.js';
import { MlflowError } from '../errors.js';

export function createPageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset }).replace(':', ': '), 'utf8').toString('base64');
}

/** Python's repr() of a bytes value. */
function pyBytesRepr(b: Buffer): string {
  let s = '';
  for (const byte of b) {
    if (byte === 0x5c) s += '\\\\';
    else if (byte === 0x27) s += "\\'";
    else if (byte === 0x0a) s += '\\n';
    else if (byte === 0x0d) s += '\\r';
    else if (byte === 0x09) s += '\\t';
    else if (byte < 0x20 || byte >= 0x7f) s += `\\x${byte.toString(16).padStart(2, '0')}`;
    else s += String.fromCharCode(byte);
  }
  return `b'${s}'`;
}

/** The offset a page token encodes; 0 for no token. */
export function parsePageToken(token: string | undefined | null): number {
  if (!token) return 0;
  // Python's b64decode (validate=False) drops characters outside the alphabet, then insists on
  // correct padding.
  const cleaned = token.replace(/[^A-Za-z0-9+/=]/g, '');
  if (cleaned.length % 4 !== 0 || /=[^=]/.test(cleaned) || /^=|={3,}/.test(cleaned)) {
    throw MlflowError.invalidParameter('Invalid page token, could not base64-decode');
  }
  const decoded = Buffer.from(cleaned, 'base64');
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoded.toString('utf8'));
  } catch {
    throw MlflowError.invalidParameter(`Invalid page token, decoded value=${pyBytesRepr(decoded)}`);
  }
  const offset =
    parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>).offset
      : undefined;
  if (!offset || (typeof offset !== 'number' && typeof offset !== 'string')) {
    throw MlflowError.invalidParameter(`Invalid page token, parsed value=${pyReprValue(parsed)}`);
  }
  const n =
    typeof offset === 'number'
      ? Math.trunc(offset)
      : /^\s*[-+]?\d+\s*$/.test(offset)
        ? Number(offset)
        : Number.NaN;
  if (Number.isNaN(n)) throw MlflowError.invalidParameter(`Invalid page token, not stringable ${offset}`);
  if (n < 0 || !Number.isSafeInteger(n)) {
    // MLflow would hand a negative offset to the database and fail there; refuse it here.
    throw MlflowError.invalidParameter(`Invalid page token, parsed value=${pyReprValue(parsed)}`);
  }
  return n;
}
