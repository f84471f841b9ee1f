/**
 * A read-only blob store over HTTP(S): key "files/md5/d1/c4…" is GET <base>/files/md5/d1/c4….
 * This is how DVC reads an HTTP remote and how `import-url` fetches a public source. HTTP has no
 * listing, and a plain web server takes no uploads, so list/put/delete refuse clearly.
 *
 * Options are DVC's HTTP remote options: `auth` (basic | custom), `user`, `password`,
 * `custom_auth_header`, `connect_timeout` and `read_timeout` (seconds). Credentials in the URL
 * (https://user:pass@host/…) become basic auth, since fetch refuses such URLs; they never appear
 * in `url` or in messages.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { InvalidParameterError, MlshipError, NotFoundError } from '../core/errors.js';
import { networkReason, StorageError } from './errors.js';
import { checkKey } from './keys.js';
import { mapStreamErrors } from './streams.js';
import { etagValue, redactUrl } from './text.js';
import type { BlobInfo, BlobStore } from './types.js';

export interface HttpStoreOptions {
  auth?: string;
  user?: string;
  password?: string;
  custom_auth_header?: string;
  /** seconds; added to read_timeout for the wait until response headers. Default 10. */
  connect_timeout?: string | number;
  /** seconds the server may stay silent, before headers and between body chunks. Default 60. */
  read_timeout?: string | number;
}

function seconds(name: string, value: string | number | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback * 1000;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    throw new InvalidParameterError(
      `HTTP option ${name} must be a positive number of seconds, got ${JSON.stringify(value)}`,
    );
  }
  return Math.round(n * 1000);
}

function timeoutError(ms: number): Error {
  return Object.assign(new Error(`no response within ${ms} ms`), { name: 'TimeoutError' });
}

export class HttpStore implements BlobStore {
  /** the base URL without credentials and without a trailing '/' */
  readonly url: string;
  readonly readOnly = true;
  private readonly base: URL;
  private readonly headers: Record<string, string> = {};
  private readonly firstByteTimeoutMs: number;
  private readonly readTimeoutMs: number;

  constructor(baseUrl: string, options: HttpStoreOptions = {}) {
    let base: URL;
    try {
      base = new URL(baseUrl);
    } catch {
      throw new InvalidParameterError(`invalid HTTP store URL ${JSON.stringify(redactUrl(baseUrl))}`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new InvalidParameterError(
        `HTTP store URL must start with http:// or https://, got ${base.protocol}`,
      );
    }
    let user = options.user;
    let password = options.password;
    let auth = options.auth?.toLowerCase();
    if (base.username !== '' || base.password !== '') {
      user ??= decodeURIComponent(base.username);
      password ??= decodeURIComponent(base.password);
      auth ??= 'basic';
      base.username = '';
      base.password = '';
    }
    if (auth === 'basic') {
      if (user === undefined)
        throw new InvalidParameterError('HTTP option auth = basic needs user (and password)');
      this.headers.authorization = `Basic ${Buffer.from(`${user}:${password ?? ''}`).toString('base64')}`;
    } else if (auth === 'custom') {
      if (!options.custom_auth_header || password === undefined) {
        throw new InvalidParameterError('HTTP option auth = custom needs custom_auth_header and password');
      }
      this.headers[options.custom_auth_header.toLowerCase()] = password;
    } else if (auth !== undefined) {
      throw new InvalidParameterError(
        `HTTP option auth = ${auth} is not supported (supported: basic, custom)`,
      );
    }
    // A trailing '/' makes relative resolution append keys to the base path instead of replacing
    // its last segment.
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    this.base = base;
    this.url = base.href.replace(/\/$/, '');
    this.readTimeoutMs = seconds('read_timeout', options.read_timeout, 60);
    this.firstByteTimeoutMs = seconds('connect_timeout', options.connect_timeout, 10) + this.readTimeoutMs;
  }

  /** The URL of a key. Every segment is percent-encoded, so "%2e%2e" reaches the server literally. */
  urlOf(key: string): string {
    return new URL(checkKey(key).split('/').map(encodeURIComponent).join('/'), this.base).href;
  }

  private fail(e: unknown, method: string, url: string): Error {
    if (e instanceof MlshipError) return e;
    const net = networkReason(e);
    if (net !== undefined) return new StorageError(`cannot ${method} ${url}: ${net}`, { cause: e });
    return new StorageError(`${method} ${url} failed: ${(e as Error).message ?? String(e)}`, { cause: e });
  }

  private statusError(method: string, url: string, res: Response): Error {
    const status = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
    if (res.status === 404 || res.status === 410) return new NotFoundError(`${url} not found (${status})`);
    if (res.status === 401 || res.status === 403) {
      return new StorageError(
        `${method} ${url} refused (${status}): check the remote's auth, user and password`,
      );
    }
    return new StorageError(`${method} ${url} failed: ${status}`);
  }

  /**
   * One request with a deadline for the response headers. Returns the response and the
   * controller that still governs its body.
   */
  private async request(
    method: 'GET' | 'HEAD',
    url: string,
    extraHeaders: Record<string, string> = {},
  ): Promise<{ res: Response; controller: AbortController }> {
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(timeoutError(this.firstByteTimeoutMs)),
      this.firstByteTimeoutMs,
    );
    try {
      const res = await fetch(url, {
        method,
        headers: { ...this.headers, ...extraHeaders },
        redirect: 'follow',
        signal: controller.signal,
      });
      return { res, controller };
    } catch (e) {
      throw this.fail(controller.signal.aborted ? controller.signal.reason : e, method, url);
    } finally {
      clearTimeout(timer);
    }
  }

  async get(key: string): Promise<Readable> {
    const url = this.urlOf(key);
    const { res, controller } = await this.request('GET', url);
    if (!res.ok || res.body === null) {
      await res.body?.cancel().catch(() => {});
      if (res.ok) throw new StorageError(`GET ${url}: the response has no body`);
      throw this.statusError('GET', url, res);
    }
    const body = Readable.fromWeb(res.body as unknown as NodeReadableStream<Uint8Array>);
    return mapStreamErrors(
      body,
      (e) => this.fail(e, 'GET', url),
      this.readTimeoutMs,
      () => controller.abort(timeoutError(this.readTimeoutMs)),
    );
  }

  async stat(key: string): Promise<BlobInfo | null> {
    const url = this.urlOf(key);
    const { res } = await this.request('HEAD', url);
    if (res.status === 404 || res.status === 410) return null;
    const info = (size: number, from: Response = res): BlobInfo => {
      const out: BlobInfo = { key, size };
      const mtimeMs = Date.parse(from.headers.get('last-modified') ?? '');
      if (!Number.isNaN(mtimeMs)) out.mtimeMs = mtimeMs;
      const etag = from.headers.get('etag');
      if (etag) out.etag = etagValue(etag);
      return out;
    };
    if (res.ok) {
      const length = res.headers.get('content-length');
      if (length !== null && /^\d+$/.test(length)) return info(Number(length));
    } else if (res.status !== 405 && res.status !== 501) {
      throw this.statusError('HEAD', url, res);
    }
    // No usable HEAD (not allowed, or no Content-Length): ask for one byte and read the total
    // from Content-Range, which costs no more than the HEAD would have.
    const { res: ranged } = await this.request('GET', url, { range: 'bytes=0-0' });
    await ranged.body?.cancel().catch(() => {});
    if (ranged.status === 404 || ranged.status === 410) return null;
    const total = /\/(\d+)$/.exec(ranged.headers.get('content-range') ?? '')?.[1];
    if (ranged.status === 206 && total !== undefined) return info(Number(total), ranged);
    const length = ranged.headers.get('content-length');
    if (ranged.status === 200 && length !== null && /^\d+$/.test(length)) return info(Number(length), ranged);
    if (!ranged.ok) throw this.statusError('GET', url, ranged);
    throw new StorageError(`HEAD ${url}: the server reports no size (no Content-Length or Content-Range)`);
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== null;
  }

  // biome-ignore lint/correctness/useYield: refusing is the whole behaviour; the signature is the interface's
  async *list(prefix: string): AsyncIterable<BlobInfo> {
    throw new InvalidParameterError(
      `cannot list ${JSON.stringify(prefix)} in HTTP store ${this.url}: HTTP has no directory listing (use a local or S3 remote)`,
    );
  }

  async put(key: string): Promise<void> {
    throw new InvalidParameterError(`cannot put ${JSON.stringify(key)}: HTTP store ${this.url} is read-only`);
  }

  async delete(key: string): Promise<void> {
    throw new InvalidParameterError(
      `cannot delete ${JSON.stringify(key)}: HTTP store ${this.url} is read-only`,
    );
  }
}
