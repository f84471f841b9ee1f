/**
 * The origin of an `import-url` output: a URL (http(s)://, s3://) or a local path, opened as a
 * blob store on its parent with the last path segment as the key. DVC records the source's own
 * checksum in the dependency under the name its filesystem uses [dvc `dvc/output.py`
 * `_compute_hash_info_from_meta`, dvc-data `Meta.from_info`]: `md5` for local files, `etag` for
 * S3, `checksum` (the ETag or Content-MD5 header) for HTTP.
 */
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { InvalidParameterError } from '../core/errors.js';
import { openStore } from '../storage/index.js';
import type { BlobInfo, BlobStore } from '../storage/types.js';
import { urlScheme } from './config.js';

export interface Source {
  /** the URL or path as written in the `.dvc` file */
  url: string;
  scheme: string;
  store: BlobStore;
  key: string;
}

/** The dependency key DVC uses for a source's checksum. */
export function checksumKey(scheme: string): 'md5' | 'etag' | 'checksum' {
  if (scheme === '') return 'md5';
  if (scheme === 'http' || scheme === 'https') return 'checksum';
  return 'etag';
}

/** Open a source; `wdir` resolves a relative local path. */
export function openSource(url: string, wdir: string): Source {
  const scheme = urlScheme(url);
  if (scheme === '') {
    const abs = isAbsolute(url) ? url : resolve(wdir, url);
    return { url, scheme, store: openStore(dirname(abs)), key: basename(abs) };
  }
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/]+(?:\/.*)?)\/([^/?#]+)$/.exec(url.replace(/[?#].*$/, ''));
  if (!m) throw new InvalidParameterError(`import-url: cannot tell the file name in ${JSON.stringify(url)}`);
  let key = m[2];
  if (scheme === 'http' || scheme === 'https') {
    try {
      // HttpStore percent-encodes keys itself, so it is given the decoded name
      key = decodeURIComponent(key);
    } catch {
      throw new InvalidParameterError(`import-url: invalid percent-encoding in ${JSON.stringify(url)}`);
    }
  }
  return { url, scheme, store: openStore(m[1]), key };
}

/** An entity tag when the store reports one (an optional extension of BlobInfo). */
export function etagOf(info: BlobInfo): string | undefined {
  const etag = (info as BlobInfo & { etag?: unknown }).etag;
  return typeof etag === 'string' && etag !== '' ? etag : undefined;
}
