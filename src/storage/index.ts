/**
 * storage/: blob stores behind one interface (types.ts) — a local folder, S3 and S3-compatible
 * servers, and read-only HTTP(S) — and openStore(), which picks one from a URL. It owns key
 * validation, atomic puts, streaming, and turning backend failures into one-line errors. It knows
 * nothing of DVC or MLflow: data/ (DVC remotes and cache) and tracking/ (artifact stores) build on
 * it. Imports only from core/.
 */
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidParameterError } from '../core/errors.js';
import { HttpStore, type HttpStoreOptions } from './http.js';
import { LocalStore } from './local.js';
import { S3Store, type S3StoreOptions } from './s3.js';
import { redactUrl } from './text.js';
import type { BlobStore } from './types.js';

export { StorageError } from './errors.js';
export { HttpStore, type HttpStoreOptions } from './http.js';
export { checkKey, checkPrefix, joinKey } from './keys.js';
export { LocalStore } from './local.js';
export { resolveS3Settings, type S3Settings, S3Store, type S3StoreOptions } from './s3.js';
export { etagValue, redactUrl } from './text.js';
export type { BlobInfo, BlobStore, PutOptions } from './types.js';

const SUPPORTED = 's3://bucket/prefix, http://…, https://…, file:///path, or a local path';

/**
 * Options a DVC remote section may hold that concern the transfer around the store, not the store
 * itself (data/ reads `jobs` and `verify`); openStore accepts and ignores them so a whole remote
 * section can be handed over as it is.
 */
const GENERAL_OPTIONS = new Set(['url', 'jobs', 'checksum_jobs', 'verify']);

const S3_OPTIONS = new Set([
  'endpointurl',
  'region',
  'access_key_id',
  'secret_access_key',
  'session_token',
  'profile',
  'connect_timeout',
  'read_timeout',
]);
const HTTP_OPTIONS = new Set([
  'auth',
  'user',
  'password',
  'custom_auth_header',
  'connect_timeout',
  'read_timeout',
]);

/**
 * DVC options that mlship accepts only at their default value: at that value they change nothing,
 * and any other value asks for a behaviour mlship does not have — better refused than ignored.
 */
const DEFAULT_ONLY: Record<string, string> = {
  use_ssl: 'true',
  ssl_verify: 'true',
  allow_anonymous_login: 'false',
  version_aware: 'false',
  worktree: 'false',
  ask_password: 'false',
};

function checkOptions(scheme: string, options: Record<string, string>, allowed: Set<string>): void {
  for (const [name, value] of Object.entries(options)) {
    if (name === 'baseDir' || GENERAL_OPTIONS.has(name) || allowed.has(name)) continue;
    if (name in DEFAULT_ONLY && String(value).toLowerCase() === DEFAULT_ONLY[name]) continue;
    const supported = [...allowed].sort().join(', ') || 'none';
    throw new InvalidParameterError(
      name in DEFAULT_ONLY
        ? `remote option ${name} = ${value} is not supported by mlship's ${scheme} store (only ${DEFAULT_ONLY[name]})`
        : `remote option ${name} is not supported by mlship's ${scheme} store (supported: ${supported})`,
    );
  }
}

/**
 * Open the store a URL names:
 * - `s3://bucket[/prefix]` → S3Store (options: DVC's S3 remote options; see s3.ts for precedence)
 * - `http(s)://host/path` → HttpStore, read-only
 * - `file:///abs/path` or a plain path → LocalStore. A relative path is resolved against
 *   `options.baseDir` when given — DVC resolves a local remote's url relative to the directory of
 *   the config file that holds it — else against the working directory.
 */
export function openStore(url: string, options: Record<string, string> = {}): BlobStore {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(url)?.[1]?.toLowerCase();
  // One letter before ':' is a Windows drive ("C:\data"), not a scheme.
  if (scheme === undefined || scheme.length === 1) {
    checkOptions('local', options, new Set());
    if (url === '') throw new InvalidParameterError(`empty store URL: expected ${SUPPORTED}`);
    return new LocalStore(isAbsolute(url) ? url : resolve(options.baseDir ?? process.cwd(), url));
  }
  switch (scheme) {
    case 's3': {
      checkOptions('S3', options, S3_OPTIONS);
      const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/i.exec(url);
      if (!m)
        throw new InvalidParameterError(`invalid S3 URL ${JSON.stringify(url)}: expected s3://bucket/prefix`);
      return new S3Store(m[1], m[2] ?? '', options as S3StoreOptions);
    }
    case 'http':
    case 'https':
      checkOptions('HTTP', options, HTTP_OPTIONS);
      return new HttpStore(url, options as HttpStoreOptions);
    case 'file': {
      checkOptions('local', options, new Set());
      let path: string;
      try {
        path = fileURLToPath(url);
      } catch (e) {
        throw new InvalidParameterError(`invalid file URL ${JSON.stringify(url)}: ${(e as Error).message}`);
      }
      return new LocalStore(path);
    }
    default:
      throw new InvalidParameterError(
        `unsupported store URL scheme "${scheme}:" in ${JSON.stringify(redactUrl(url))}: expected ${SUPPORTED}`,
      );
  }
}
