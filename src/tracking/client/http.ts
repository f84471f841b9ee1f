/**
 * The HTTP side of the client: one `send` that every call goes through, with MLflow's retry
 * policy (mlflow/utils/request_utils.py `_get_request_session`: urllib3 `Retry` with
 * `allowed_methods=None`, so **every** method is retried, on connection and read errors and on the
 * statuses in `_TRANSIENT_FAILURE_RESPONSE_CODES` — 408, 429, 500, 502, 503, 504), its backoff
 * (no wait before the first retry, then factor × 2^(n−1) s plus jitter, at most 120 s; Retry-After
 * honoured on 413/429/503), a timeout between bytes rather than on the whole transfer, the
 * credentials header, and MLflow's error mapping (rest_utils.verify_rest_response):
 * - an MLflow JSON error body becomes an MlflowError with the server's error_code and message;
 * - any other failed response becomes an MlflowError whose code is derived from the status and
 *   whose message quotes the endpoint, the status and the start of the body;
 * - a server that cannot be reached becomes a TrackingConnectionError naming the URI.
 *
 * Retrying every method is MLflow's choice and it is kept, because the calls are safe to repeat
 * against MLflow's SQL store semantics: log-batch and log-metric points carry the client's
 * timestamp and a point identical in (key, value, timestamp, step) is stored once, so a batch that
 * is sent again after a lost response adds no duplicate points; params may be re-logged with the
 * same value; set-tag and runs/update overwrite. The exceptions are experiments/create (a retry
 * after a lost response answers RESOURCE_ALREADY_EXISTS — getOrCreateExperiment handles it) and
 * runs/create (a retry after a lost response can leave an extra, empty RUNNING run, exactly as
 * with MLflow's client).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { VERSION } from '../../core/version.js';
import { MlflowError, type MlflowErrorCode } from '../errors.js';
import { authorizationHeader, type HttpSettings } from './config.js';

/** urllib3 Retry's status_forcelist in MLflow. */
export const RETRY_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);
/** urllib3 Retry.RETRY_AFTER_STATUS_CODES. */
const RETRY_AFTER_STATUSES: ReadonlySet<number> = new Set([413, 429, 503]);
/** urllib3 Retry.DEFAULT_BACKOFF_MAX, seconds. */
const BACKOFF_MAX_SECONDS = 120;

/** rest_utils.get_error_code: the MLflow code for an HTTP status when the body is not MLflow JSON. */
const STATUS_CODES: Record<number, MlflowErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'ENDPOINT_NOT_FOUND',
  409: 'RESOURCE_CONFLICT',
  429: 'REQUEST_LIMIT_EXCEEDED',
  499: 'CANCELLED',
  501: 'NOT_IMPLEMENTED',
  503: 'TEMPORARILY_UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** The tracking server could not be reached (or kept timing out) after every retry. */
export class TrackingConnectionError extends MlflowError {
  constructor(message: string, options?: { cause?: unknown }) {
    // MLflow raises MlflowException (INTERNAL_ERROR) for these: "API request to … failed with exception …".
    super('INTERNAL_ERROR', message, options);
  }
  /** The URI is the user's and so is the fix (start the server, correct the URI): exit 2, not a bug. */
  override get exitCode(): number {
    return 2;
  }
}

/** One failed attempt that is about to be retried. */
export interface RetryNotice {
  baseUrl: string;
  method: string;
  path: string;
  /** what failed: the network error, or the HTTP status */
  failure: string;
  /** 1-based number of the attempt that failed, and how many attempts there are in all */
  attempt: number;
  attempts: number;
  /** seconds until the next attempt */
  waitSeconds: number;
}

/** The line a command prints for a retry: what failed, attempt n of N, the next wait. */
export function describeRetry(n: RetryNotice): string {
  const wait = Number.isInteger(n.waitSeconds) ? String(n.waitSeconds) : n.waitSeconds.toFixed(1);
  return `tracking server ${n.baseUrl}: ${n.method} ${n.path} failed (${n.failure}); attempt ${n.attempt} of ${n.attempts}, next in ${wait} s`;
}

/**
 * The check of the server made before any work (TrackingClient.checkReachable): a few seconds in
 * all, so a wrong URI or a server that is not running fails at once instead of after MLflow's
 * full policy (about 250 s); 3 retries waiting 0, 1 and 2 s (factor 0.5 in urllib3's formula),
 * and at most 10 s of silence per attempt.
 */
export const PREFLIGHT_POLICY = {
  maxRetries: 3,
  backoffFactor: 0.5,
  backoffJitter: 0,
  timeoutMs: 10_000,
} as const;

/** An error the server answered with; `status` is the HTTP status actually received. */
export class MlflowRestError extends MlflowError {
  readonly status: number;
  constructor(code: MlflowErrorCode, message: string, status: number) {
    super(code, message);
    this.status = status;
  }
}

export interface SendOptions {
  /** Query parameters; an array repeats its key, as MLflow's GET requests do. */
  query?: Record<string, string | number | boolean | readonly string[] | undefined>;
  /** A JSON body (sent with Content-Type application/json). */
  json?: unknown;
  /**
   * A streamed body. A factory, because a retry must send the body again from its start (a file
   * is reopened for each attempt); `onProgress` must be called as bytes are produced, to keep the
   * idle timeout from firing during a long upload.
   */
  body?: (onProgress: () => void) => AsyncIterable<Uint8Array>;
  headers?: Record<string, string>;
}

/**
 * Reads a response's body within the attempt that produced it. A failure while reading the body
 * (connection cut, idle timeout) is thrown as a BodyReadError and retried like a connection error;
 * anything else the consumer throws ends the call.
 */
export type Consumer<T> = (response: Response, body: () => AsyncIterable<Uint8Array>) => Promise<T>;

/** The connection failed while a response body was being read. */
class BodyReadError extends Error {}

class IdleTimeout {
  readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  fired = false;
  constructor(private readonly ms: number) {
    this.touch();
  }
  touch = (): void => {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.fired = true;
      this.controller.abort(new Error(`no response for ${this.ms / 1000} s`));
    }, this.ms);
    this.timer.unref?.();
  };
  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** The text of a network failure: fetch wraps the real cause ("connect ECONNREFUSED …"). */
function describeFailure(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  const cause = e?.cause;
  if (cause?.message)
    return cause.code && !cause.message.includes(cause.code)
      ? `${cause.code}: ${cause.message}`
      : cause.message;
  return e?.message ?? String(err);
}

function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** Retry-After in seconds (delta-seconds or an HTTP date), or undefined. */
function retryAfterSeconds(header: string | null): number | undefined {
  if (header === null) return undefined;
  if (/^\s*\d+\s*$/.test(header)) return Number(header);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}

/** The MlflowError for a failed response (rest_utils.verify_rest_response). */
export function errorFromResponse(status: number, text: string, endpoint: string): MlflowRestError {
  try {
    const body = JSON.parse(text) as { error_code?: unknown; message?: unknown };
    if (body && typeof body === 'object' && typeof body.error_code === 'string') {
      return new MlflowRestError(
        body.error_code as MlflowErrorCode,
        typeof body.message === 'string' ? body.message : `${body.error_code} (HTTP ${status})`,
        status,
      );
    }
  } catch {
    // not JSON: fall through to the status-derived error, as MLflow does
  }
  const code = STATUS_CODES[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST');
  return new MlflowRestError(
    code,
    `API request to endpoint ${endpoint} failed with error code ${status} != 200. Response body: '${oneLine(text)}'`,
    status,
  );
}

export class HttpTransport {
  readonly baseUrl: string;
  private readonly headers: Record<string, string>;

  constructor(
    readonly settings: HttpSettings,
    /** Injected by tests to observe or skip the backoff waits. */
    private readonly wait: (ms: number) => Promise<unknown> = sleep,
    /** Told about each retry before its wait, so a command can say why it is waiting. */
    private readonly onRetry?: (notice: RetryNotice) => void,
  ) {
    this.baseUrl = settings.baseUrl;
    this.headers = { 'user-agent': `mlship/${VERSION}` };
    if (settings.auth) this.headers.authorization = authorizationHeader(settings.auth);
  }

  /** A transport for another host of the same deployment (mlflow-artifacts://host:port/… roots). */
  withBaseUrl(baseUrl: string): HttpTransport {
    return new HttpTransport({ ...this.settings, baseUrl }, this.wait, this.onRetry);
  }

  /** The same transport with another retry policy or timeout (the bounded preflight). */
  withPolicy(
    policy: Partial<Pick<HttpSettings, 'maxRetries' | 'backoffFactor' | 'backoffJitter' | 'timeoutMs'>>,
  ): HttpTransport {
    const timeoutMs = Math.min(policy.timeoutMs ?? this.settings.timeoutMs, this.settings.timeoutMs);
    return new HttpTransport({ ...this.settings, ...policy, timeoutMs }, this.wait, this.onRetry);
  }

  /** Report a retry, then wait for it. */
  private async retryAfter(method: string, path: string, failure: string, attempt: number, seconds: number) {
    this.onRetry?.({
      baseUrl: this.baseUrl,
      method,
      path,
      failure,
      attempt: attempt + 1,
      attempts: this.settings.maxRetries + 1,
      waitSeconds: seconds,
    });
    await this.wait(seconds * 1000);
  }

  url(path: string, query?: SendOptions['query']): string {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v === undefined) continue;
      for (const item of Array.isArray(v) ? v : [v]) params.append(k, String(item));
    }
    const qs = params.toString();
    return `${this.baseUrl}${path}${qs ? `?${qs}` : ''}`;
  }

  /** Seconds to wait before retry number `retry` (1-based), as urllib3's Retry.get_backoff_time. */
  backoffSeconds(retry: number): number {
    if (retry <= 1) return 0;
    const { backoffFactor, backoffJitter } = this.settings;
    let value = backoffFactor * 2 ** (retry - 1);
    if (backoffJitter !== 0) value += Math.random() * backoffJitter;
    return Math.max(0, Math.min(BACKOFF_MAX_SECONDS, value));
  }

  /**
   * Send a request with retries and hand the first response that is not retried (any status: the
   * consumer decides what a non-2xx means) to `consume`, within the same attempt and idle timer.
   */
  async request<T>(method: string, path: string, options: SendOptions, consume: Consumer<T>): Promise<T> {
    const url = this.url(path, options.query);
    const { maxRetries, respectRetryAfter, timeoutMs } = this.settings;
    for (let attempt = 0; ; attempt++) {
      const idle = new IdleTimeout(timeoutMs);
      const headers: Record<string, string> = { ...this.headers, ...options.headers };
      let body: RequestInit['body'];
      if (options.json !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(options.json, jsonReplacer);
      } else if (options.body) {
        body = ReadableStream.from(options.body(idle.touch)) as unknown as RequestInit['body'];
      }
      let failure: unknown;
      let response: Response | undefined;
      try {
        response = await fetch(url, {
          method,
          headers,
          body,
          signal: idle.controller.signal,
          // Required by fetch for a streamed request body.
          ...(options.body ? { duplex: 'half' } : {}),
        } as RequestInit);
      } catch (err) {
        // fetch rejects with a TypeError ("fetch failed", the cause inside) on network errors and
        // with an AbortError when the idle timer fires.
        failure = err;
        if (describeFailure(err) === 'bad port') {
          // The Fetch standard's blocked ports (6000, 6665–6669, …): no retry can succeed.
          idle.clear();
          throw new TrackingConnectionError(
            `cannot reach the tracking server at ${this.baseUrl}: its port is one the Fetch standard blocks ("bad port"); run the server on another port, such as 5000`,
            { cause: err },
          );
        }
      }
      if (response !== undefined && RETRY_STATUSES.has(response.status) && attempt < maxRetries) {
        // Drain so the connection can be reused, then wait as urllib3 would.
        await response.arrayBuffer().catch(() => undefined);
        idle.clear();
        const after =
          respectRetryAfter && RETRY_AFTER_STATUSES.has(response.status)
            ? retryAfterSeconds(response.headers.get('retry-after'))
            : undefined;
        const seconds = Math.min(after ?? this.backoffSeconds(attempt + 1), BACKOFF_MAX_SECONDS);
        await this.retryAfter(method, path, `HTTP ${response.status}`, attempt, seconds);
        continue;
      }
      if (response !== undefined) {
        try {
          return await consume(response, () => readBody(response, idle));
        } catch (err) {
          // A consumer's own error (an MLflow error status, a local file it cannot write) is
          // final; only a failure of the connection while reading the body is retried.
          if (!(err instanceof BodyReadError)) throw err;
          failure = err;
        } finally {
          idle.clear();
        }
      }
      idle.clear();
      const text = idle.fired ? `timed out (${describeFailure(failure)})` : describeFailure(failure);
      if (attempt < maxRetries) {
        await this.retryAfter(method, path, text, attempt, this.backoffSeconds(attempt + 1));
        continue;
      }
      throw this.connectionError(method, path, attempt, text, idle.fired, failure);
    }
  }

  /** A JSON call: the parsed response object on 200, an MlflowError otherwise. */
  call<T>(method: string, path: string, options: SendOptions = {}): Promise<T> {
    return this.request(method, path, options, async (response, body) => {
      const text = await collectText(body());
      if (response.status !== 200) throw errorFromResponse(response.status, text, path);
      if (text.trim() === '') return {} as T;
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new MlflowError(
          'INTERNAL_ERROR',
          `API request to endpoint ${path} was successful but the response body was not in a valid JSON format. Response body: '${oneLine(text)}'`,
        );
      }
    });
  }

  private connectionError(
    method: string,
    path: string,
    retries: number,
    failure: string,
    timedOut: boolean,
    cause: unknown,
  ): TrackingConnectionError {
    const tries = retries === 0 ? '' : ` (after ${retries} ${retries === 1 ? 'retry' : 'retries'})`;
    const hint = timedOut
      ? '; to wait longer, set MLFLOW_HTTP_REQUEST_TIMEOUT (seconds)'
      : '; is the server running (`mlship server`)?';
    return new TrackingConnectionError(
      `cannot reach the tracking server at ${this.baseUrl}: ${method} ${path} failed${tries}: ${failure}${hint}`,
      { cause },
    );
  }
}

async function* readBody(response: Response, idle: IdleTimeout): AsyncIterable<Uint8Array> {
  if (!response.body) return;
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      idle.touch();
      yield chunk;
    }
  } catch (err) {
    throw new BodyReadError(describeFailure(err), { cause: err });
  }
}

/** The whole body as UTF-8 text. */
export async function collectText(body: AsyncIterable<Uint8Array>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * JSON for MLflow's proto parser: doubles NaN and ±Infinity are written as protobuf's JSON
 * mapping writes them ("NaN", "Infinity", "-Infinity"), which JSON.stringify would turn into null.
 */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  }
  return value;
}
