/**
 * Where the client sends its calls and how, read as MLflow's Python client reads it
 * (mlflow/tracking/_tracking_service/utils.py, mlflow/utils/rest_utils.py,
 * mlflow/environment_variables.py):
 * - the tracking URI: `--tracking-uri`, else MLFLOW_TRACKING_URI;
 * - credentials: MLFLOW_TRACKING_USERNAME + MLFLOW_TRACKING_PASSWORD (HTTP Basic), else
 *   MLFLOW_TRACKING_TOKEN (Bearer). rest_utils.http_request checks Basic first, so with both set
 *   Basic wins, as there. `user:password@` in the URI is used when neither is set (requests does
 *   that for MLflow; fetch refuses URLs that carry credentials, so they are moved to a header);
 * - retries: MLFLOW_HTTP_REQUEST_MAX_RETRIES (7), MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR (2),
 *   MLFLOW_HTTP_REQUEST_BACKOFF_JITTER (1.0), MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER (true), with
 *   MLflow's bounds (retries < 10, backoff factor < 120);
 * - MLFLOW_HTTP_REQUEST_TIMEOUT (120 s), applied as MLflow's (requests') timeout is: to the wait
 *   for the connection and between bytes, not to the whole transfer, so a large artifact never
 *   times out while it is moving.
 */
import { InvalidParameterError } from '../../core/errors.js';
import { redact } from '../store/uri.js';

export const TRACKING_URI_ENV = 'MLFLOW_TRACKING_URI';

/** MLflow's defaults (environment_variables.py). */
export const DEFAULT_MAX_RETRIES = 7;
export const DEFAULT_BACKOFF_FACTOR = 2;
export const DEFAULT_BACKOFF_JITTER = 1.0;
export const DEFAULT_TIMEOUT_SECONDS = 120;
/** _MLFLOW_HTTP_REQUEST_MAX_RETRIES_LIMIT and _MLFLOW_HTTP_REQUEST_MAX_BACKOFF_FACTOR_LIMIT. */
const MAX_RETRIES_LIMIT = 10;
const MAX_BACKOFF_FACTOR_LIMIT = 120;

export type Auth =
  | { scheme: 'basic'; username: string; password: string }
  | { scheme: 'bearer'; token: string };

export interface RetryPolicy {
  /** Retries after the first attempt (0 = one attempt only). */
  maxRetries: number;
  /** Seconds; the wait before retry n ≥ 2 is factor × 2^(n−1) (urllib3's Retry), the first is immediate. */
  backoffFactor: number;
  /** Seconds of uniform random jitter added to each backoff. */
  backoffJitter: number;
  /** Honour Retry-After on 413/429/503 (urllib3's RETRY_AFTER_STATUS_CODES). */
  respectRetryAfter: boolean;
}

export interface HttpSettings extends RetryPolicy {
  /** scheme://host[:port][/prefix], no trailing slash and no credentials. */
  baseUrl: string;
  auth?: Auth;
  /** Milliseconds to wait for a connection, a response, or the next bytes of a body. */
  timeoutMs: number;
}

/** What a tracking URI names. */
export type TrackingTarget =
  | { kind: 'http'; settings: HttpSettings }
  /** A database the client opens itself, as MLflow's client does for `sqlite:`/`postgresql:` URIs. */
  | { kind: 'database'; uri: string };

type Env = Record<string, string | undefined>;

function envNumber(env: Env, name: string, fallback: number, integer: boolean): number {
  const raw = env[name];
  // MLflow's _EnvironmentVariable.get treats an empty value as unset.
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new InvalidParameterError(
      `${name}=${JSON.stringify(raw)} is not ${integer ? 'an integer' : 'a number'}`,
    );
  }
  return n;
}

function envBool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = raw.toLowerCase();
  // _BooleanEnvironmentVariable accepts exactly these.
  if (!['true', 'false', '1', '0'].includes(v)) {
    throw new InvalidParameterError(`${name} must be one of true, false, 1, 0; got ${JSON.stringify(raw)}`);
  }
  return v === 'true' || v === '1';
}

/** The retry policy of the environment, checked against MLflow's limits (rest_utils._validate_*). */
export function retryPolicyFromEnv(env: Env = process.env): RetryPolicy {
  const maxRetries = envNumber(env, 'MLFLOW_HTTP_REQUEST_MAX_RETRIES', DEFAULT_MAX_RETRIES, true);
  if (maxRetries < 0 || maxRetries >= MAX_RETRIES_LIMIT) {
    throw new InvalidParameterError(
      `MLFLOW_HTTP_REQUEST_MAX_RETRIES must be from 0 to ${MAX_RETRIES_LIMIT - 1}; got ${maxRetries}`,
    );
  }
  const backoffFactor = envNumber(env, 'MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR', DEFAULT_BACKOFF_FACTOR, false);
  if (backoffFactor < 0 || backoffFactor >= MAX_BACKOFF_FACTOR_LIMIT) {
    throw new InvalidParameterError(
      `MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR must be at least 0 and below ${MAX_BACKOFF_FACTOR_LIMIT}; got ${backoffFactor}`,
    );
  }
  const backoffJitter = envNumber(env, 'MLFLOW_HTTP_REQUEST_BACKOFF_JITTER', DEFAULT_BACKOFF_JITTER, false);
  if (backoffJitter < 0) {
    throw new InvalidParameterError(
      `MLFLOW_HTTP_REQUEST_BACKOFF_JITTER must be at least 0; got ${backoffJitter}`,
    );
  }
  return {
    maxRetries,
    backoffFactor,
    backoffJitter,
    respectRetryAfter: envBool(env, 'MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER', true),
  };
}

function authFromEnv(env: Env, url: URL): Auth | undefined {
  const username = env.MLFLOW_TRACKING_USERNAME;
  const password = env.MLFLOW_TRACKING_PASSWORD;
  if (username && password) return { scheme: 'basic', username, password };
  if (env.MLFLOW_TRACKING_TOKEN) return { scheme: 'bearer', token: env.MLFLOW_TRACKING_TOKEN };
  if (url.username !== '') {
    return {
      scheme: 'basic',
      username: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
    };
  }
  return undefined;
}

const SUPPORTED =
  'http(s)://host:port for a tracking server (e.g. `mlship server`), or sqlite:///path.db / postgresql://user@host/db to use a database directly';

/**
 * Parse a tracking URI. A `file:` URI or a plain path names MLflow's file store (`./mlruns`),
 * which mlship does not implement: it is refused with a pointer to what works instead, rather
 * than silently writing a layout MLflow would not read.
 */
export function resolveTrackingTarget(uri: string | undefined, env: Env = process.env): TrackingTarget {
  const raw = (uri ?? env[TRACKING_URI_ENV] ?? '').trim();
  if (raw === '') {
    throw new InvalidParameterError(
      `no tracking URI: pass --tracking-uri or set ${TRACKING_URI_ENV} (${SUPPORTED})`,
    );
  }
  // MLflow takes the bare word `databricks` as a URI of that scheme, not as a folder.
  const scheme = raw === 'databricks' ? raw : /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(raw)?.[1]?.toLowerCase();
  // One letter before ':' is a Windows drive, i.e. a path.
  if (scheme === undefined || scheme.length === 1 || scheme === 'file') {
    throw new InvalidParameterError(
      `tracking URI ${JSON.stringify(raw)} names a local folder (MLflow's file store), which mlship does not implement; use ${SUPPORTED}`,
    );
  }
  if (scheme === 'http' || scheme === 'https') {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new InvalidParameterError(`invalid tracking URI ${JSON.stringify(redact(raw))}: not a valid URL`);
    }
    if (url.search !== '' || url.hash !== '') {
      throw new InvalidParameterError(
        `invalid tracking URI ${JSON.stringify(redact(raw))}: a tracking URI has no query or fragment`,
      );
    }
    const auth = authFromEnv(env, url);
    url.username = '';
    url.password = '';
    if (envBool(env, 'MLFLOW_TRACKING_INSECURE_TLS', false)) {
      // Node's fetch has no per-request switch for this without an extra dependency; the
      // process-wide NODE_TLS_REJECT_UNAUTHORIZED would silently weaken every other connection.
      throw new InvalidParameterError(
        'MLFLOW_TRACKING_INSECURE_TLS is not supported by mlship: trust the server instead with NODE_EXTRA_CA_CERTS=/path/to/ca.pem',
      );
    }
    const timeoutSeconds = envNumber(env, 'MLFLOW_HTTP_REQUEST_TIMEOUT', DEFAULT_TIMEOUT_SECONDS, false);
    if (timeoutSeconds <= 0) {
      throw new InvalidParameterError(`MLFLOW_HTTP_REQUEST_TIMEOUT must be positive; got ${timeoutSeconds}`);
    }
    return {
      kind: 'http',
      settings: {
        baseUrl: url.toString().replace(/\/+$/, ''),
        auth,
        timeoutMs: timeoutSeconds * 1000,
        ...retryPolicyFromEnv(env),
      },
    };
  }
  const dialect = scheme.split('+')[0];
  if (dialect === 'sqlite' || dialect === 'postgresql' || dialect === 'postgres') {
    return { kind: 'database', uri: raw };
  }
  throw new InvalidParameterError(
    `unsupported tracking URI scheme "${scheme}:" in ${JSON.stringify(redact(raw))}: use ${SUPPORTED}`,
  );
}

/** The Authorization header value for `auth`. */
export function authorizationHeader(auth: Auth): string {
  if (auth.scheme === 'bearer') return `Bearer ${auth.token}`;
  return `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`;
}
