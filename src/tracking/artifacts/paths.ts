/**
 * Artifact path safety: the one gate every artifact path taken from a request (proxy routes,
 * artifacts/list `path`, get-artifact `path`) and every artifact root read back from the store
 * (a run's `artifact_uri`) passes before it becomes a storage key.
 *
 * The rules start from MLflow's `validate_path_is_safe` (mlflow/utils/uri.py) and add what MLflow's
 * CVE history says it missed or tolerates (shared/specs/mlflow-rest-api.md §4.5, §7):
 * 1. percent-decode repeatedly until the text stops changing (CVE-2024-1560, double encoding);
 *    more than 10 rounds is refused, as MLflow's `_decode` gives up there;
 * 2. refuse `#` (CVE-2024-1483/1594, fragment smuggling) and `;` (CVE-2024-1593, path parameters);
 * 3. refuse backslashes (CVE-2023-2780: MLflow on Linux takes `..\..\x` as a file name) and
 *    control characters, NUL included (MLflow only escapes them);
 * 4. refuse `..` segments, absolute POSIX paths (`/x`, `//host`), Windows drive paths (`C:x`,
 *    `C:\x`) and `file:` URIs (MLflow turns them into local paths, which are then absolute);
 * 5. drop `.` and empty segments (`a//b`, `a/./b`, `dir/`), which address nothing new, so the
 *    result is a storage key `checkKey` accepts;
 * 6. refuse a name over 255 bytes or a path over 4096 (the file system's limits), naming the limit.
 * A refusal is MLflow's 400 INVALID_PARAMETER_VALUE "Invalid path". The storage layer then checks
 * the key again (`checkKey`) and, for a local folder, resolves symlinks and refuses anything that
 * lands outside the root — three independent layers.
 */
import { MlflowError } from '../errors.js';

/** MLflow's `_decode` gives up after 10 rounds of decoding. */
const MAX_DECODE_ROUNDS = 10;
/**
 * The file system's limits (Linux NAME_MAX and PATH_MAX, in bytes of UTF-8): a longer name could
 * never be stored in a local destination, so it is refused up front with the limit named, the same
 * way for every destination, rather than failing in the file system (issue 8 §5.5: a 500).
 */
export const MAX_NAME_BYTES = 255;
export const MAX_PATH_BYTES = 4096;

function invalidPath(): MlflowError {
  return MlflowError.invalidParameter('Invalid path');
}

/**
 * Python's `urllib.parse.unquote`: each valid `%XX` run becomes the bytes it encodes, read as UTF-8
 * with invalid sequences replaced; a `%` not followed by two hex digits stays as it is. (JavaScript's
 * decodeURIComponent throws on those instead, which would turn a file named "100%.txt" into an error.)
 */
export function pyUnquote(text: string): string {
  if (!text.includes('%')) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (text[i] === '%' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      const bytes: number[] = [];
      while (text[i] === '%' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
        bytes.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
        i += 3;
      }
      out += Buffer.from(bytes).toString('utf8');
    } else {
      out += text[i];
      i++;
    }
  }
  return out;
}

/** Decode until stable; undefined when it never settles within MLflow's 10 rounds. */
export function decodeFully(text: string): string | undefined {
  let current = text;
  for (let round = 0; round < MAX_DECODE_ROUNDS; round++) {
    const decoded = pyUnquote(current);
    if (decoded === current) return current;
    current = decoded;
  }
  return undefined;
}

/**
 * Check an artifact path from a request and return it as a storage key ('' for the root, which
 * only listing accepts). Throws MLflow's 400 "Invalid path" on any of the patterns above.
 */
export function validateArtifactPath(path: string, { allowRoot = false } = {}): string {
  const decoded = decodeFully(path);
  if (decoded === undefined) throw invalidPath();
  // Control characters (NUL, newline, DEL…) are never part of an artifact name a client logs, and
  // a NUL would truncate the path in some file APIs.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(decoded)) throw invalidPath();
  if (decoded.includes('#') || decoded.includes(';') || decoded.includes('\\')) throw invalidPath();
  if (/^file:/i.test(decoded)) throw invalidPath();
  if (decoded.startsWith('/')) throw invalidPath();
  // A drive letter: "C:", "C:x", "C:/x" — absolute or drive-relative on Windows.
  if (/^[a-zA-Z]:/.test(decoded)) throw invalidPath();
  const segments: string[] = [];
  for (const segment of decoded.split('/')) {
    if (segment === '..') throw invalidPath();
    if (segment === '' || segment === '.') continue;
    const bytes = Buffer.byteLength(segment);
    if (bytes > MAX_NAME_BYTES) {
      throw MlflowError.invalidParameter(
        `Invalid path: the name ${JSON.stringify(`${segment.slice(0, 32)}…`)} is ${bytes} bytes long; a name can be at most ${MAX_NAME_BYTES} bytes`,
      );
    }
    segments.push(segment);
  }
  const key = segments.join('/');
  const bytes = Buffer.byteLength(key);
  if (bytes > MAX_PATH_BYTES) {
    throw MlflowError.invalidParameter(
      `Invalid path: it is ${bytes} bytes long; an artifact path can be at most ${MAX_PATH_BYTES} bytes`,
    );
  }
  if (key === '' && !allowRoot) throw invalidPath();
  return key;
}

/** Join a validated root key and a validated relative key ('' parts are skipped). */
export function joinArtifactKey(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('/');
}

/** The route anchor an http(s) proxied artifact URI carries (handlers._get_proxied_run_artifact_destination_path). */
const HTTP_ANCHOR = '/api/2.0/mlflow-artifacts/artifacts/';

/**
 * The storage key under the proxy's destination that a run's (or experiment's) artifact URI names,
 * as MLflow's server resolves proxied roots (handlers._get_proxied_run_artifact_destination_path):
 * - `mlflow-artifacts:/1/abc/artifacts` or `mlflow-artifacts://host:port/1/abc/artifacts` → its path;
 * - `http(s)://host/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts` → what follows the anchor;
 * - a URI inside the destination itself (`s3://bucket/prefix/1/abc/artifacts` when the destination
 *   is `s3://bucket/prefix`, a local path or `file://` URL under a local destination) → its
 *   relative part.
 * Anything else (another bucket, an arbitrary local path) is not served: reading from wherever a
 * stored URI points is how MLflow's local-file-read CVEs worked. Returns undefined then, and also
 * for a URI with a query or fragment, which no artifact root has (CVE-2023-6909, CVE-2024-1483
 * smuggled `..` through them). The path found is validated like a request path, because a run's
 * artifact URI comes from user input too (an experiment's `artifact_location`).
 */
export function proxiedKeyOf(artifactUri: string, destinationUrl?: string): string | undefined {
  if (/[?#]/.test(artifactUri)) return undefined;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(artifactUri)?.[1]?.toLowerCase();
  let path: string | undefined;
  if (scheme === 'mlflow-artifacts') {
    // MLflow strips the leading slashes: the path is relative to the destination.
    path = afterAuthority(artifactUri.slice(scheme.length + 1)).replace(/^\/+/, '');
  } else if (scheme === 'http' || scheme === 'https') {
    const rest = afterAuthority(artifactUri.slice(scheme.length + 1));
    const at = rest.indexOf(HTTP_ANCHOR);
    if (at >= 0) path = rest.slice(at + HTTP_ANCHOR.length);
  } else if (destinationUrl !== undefined) {
    path = under(artifactUri, destinationUrl);
    // A local destination is a plain path; runs may name it as a file:// URL too.
    if (path === undefined && scheme === 'file' && destinationUrl.startsWith('/')) {
      path = under(artifactUri.replace(/^file:(\/\/(localhost)?)?/i, ''), destinationUrl);
    }
  }
  if (path === undefined) return undefined;
  try {
    return validateArtifactPath(path, { allowRoot: true });
  } catch {
    return undefined;
  }
}

/** "//host:port/a/b" → "/a/b"; "/a/b" → "/a/b" (the path of a URI after its scheme). */
function afterAuthority(rest: string): string {
  if (!rest.startsWith('//')) return rest;
  const slash = rest.indexOf('/', 2);
  return slash < 0 ? '' : rest.slice(slash);
}

/** The part of `uri` below `root`, or undefined when `uri` is not `root` or inside it. */
function under(uri: string, root: string): string | undefined {
  const base = root.replace(/\/+$/, '');
  if (uri === base) return '';
  return uri.startsWith(`${base}/`) ? uri.slice(base.length + 1) : undefined;
}
