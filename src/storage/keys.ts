/**
 * Blob keys: the one gate every store passes a key through before it touches a file, an object or
 * a URL. The rules are in types.ts's header; they exist so that a key taken from a hostile input
 * (a `.dvc` file, a `.dir` manifest, an artifact path in an HTTP request) can never address
 * anything outside the store's root, on any backend.
 *
 * Keys are never URL-decoded here or by a store: "%2e%2e" is a literal five-character name. A
 * caller that receives keys URL-encoded (an HTTP route, a URI) must decode them *before* calling
 * checkKey, or a "%2e%2e" that its own later decoding turns into ".." would slip past.
 */
import { InvalidInputError } from '../core/errors.js';

function refuse(key: string, rule: string): never {
  // JSON.stringify shows NUL and other control bytes visibly instead of printing them raw.
  throw new InvalidInputError(`invalid storage key ${JSON.stringify(key)}: ${rule}`);
}

/** Throw InvalidInputError naming the key and the broken rule unless `key` is a safe relative key. */
export function checkKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0) refuse(String(key), 'a key must be a non-empty string');
  if (key.includes('\0')) refuse(key, 'NUL bytes are not allowed');
  if (key.includes('\\')) refuse(key, "backslashes are not allowed (use '/' as the separator)");
  if (key.startsWith('/')) refuse(key, "keys are relative: no leading '/'");
  for (const segment of key.split('/')) {
    if (segment === '') refuse(key, "empty path segments ('//' or a trailing '/') are not allowed");
    if (segment === '.' || segment === '..') refuse(key, `'${segment}' segments are not allowed`);
  }
  return key;
}

/**
 * Check a listing prefix. A prefix may end in the middle of a name, as S3's does ("files/md5/d1/c4"
 * matches "files/md5/d1/c47…"), or with '/'. Everything before its last '/' must be a valid key;
 * the partial name after it only has to be free of separators and NUL, since it is only ever
 * compared against names, never used as a path.
 */
export function checkPrefix(prefix: string): string {
  if (prefix === '') return prefix;
  const slash = prefix.lastIndexOf('/');
  const partial = prefix.slice(slash + 1);
  if (partial.includes('\0') || partial.includes('\\')) {
    throw new InvalidInputError(
      `invalid storage prefix ${JSON.stringify(prefix)}: NUL bytes and backslashes are not allowed`,
    );
  }
  if (slash >= 0) {
    try {
      checkKey(prefix.slice(0, slash));
    } catch (e) {
      throw new InvalidInputError(
        `invalid storage prefix ${JSON.stringify(prefix)}: ${(e as Error).message.replace(/^invalid storage key [^:]*: /, '')}`,
      );
    }
  }
  return prefix;
}

/**
 * Join key parts with '/'. Empty parts are skipped, so a store-level prefix of '' joins away
 * cleanly; every other part must already be a valid key (a part may hold several segments), so
 * joining can never build a key that checkKey would refuse.
 */
export function joinKey(...parts: string[]): string {
  return checkKey(parts.filter((p) => p !== '').join('/'));
}
