/**
 * storage/: blob stores behind one interface — a local folder, S3 (and S3-compatible servers),
 * and read-only HTTP(S). Used by data/ (DVC remotes and cache transfers) and by the tracking
 * server's artifact store. Imports only from core/.
 *
 * Keys are relative, '/'-separated paths ("files/md5/d1/c473…", "1/abc/artifacts/model/MLmodel").
 * Every implementation validates keys with checkKey(): no absolute paths, no '.' or '..' segments,
 * no backslashes, no NUL bytes, no empty segments — a key can never address anything outside the
 * store's root.
 */
import type { Readable } from 'node:stream';

export interface BlobInfo {
  /** key relative to the store root */
  key: string;
  /** bytes */
  size: number;
  /** modification time, ms since the epoch, when the backend knows it */
  mtimeMs?: number;
  /**
   * The entity tag, when the backend has one (S3, HTTP servers that send ETag), without its
   * surrounding double quotes (a weak tag keeps its W/ prefix). DVC records it as an import's
   * source checksum (`etag` for S3, `checksum` for HTTP).
   */
  etag?: string;
}

export interface PutOptions {
  /** byte length, when known in advance (lets S3 use a single PUT for small bodies) */
  size?: number;
  contentType?: string;
}

export interface BlobStore {
  /** the URL the store was opened from, for messages */
  readonly url: string;
  /** true for stores that refuse put/delete (HTTP) */
  readonly readOnly: boolean;
  /** A stream of the blob's bytes; NotFoundError when absent. Never buffers the whole blob. */
  get(key: string): Promise<Readable>;
  /**
   * Store a blob. Atomic: readers see the old blob or the whole new one, never a partial write
   * (local: temp file + rename; S3: single or multipart upload, visible on completion).
   */
  put(key: string, body: Readable | Uint8Array, options?: PutOptions): Promise<void>;
  /** size and mtime, or null when absent */
  stat(key: string): Promise<BlobInfo | null>;
  exists(key: string): Promise<boolean>;
  /** Every blob whose key starts with `prefix` ('' = all), recursively, in no guaranteed order. */
  list(prefix: string): AsyncIterable<BlobInfo>;
  /** Remove a blob; no error when absent. */
  delete(key: string): Promise<void>;
  /**
   * Remove staged data of puts whose process died mid-write (local: the staging folder's files of
   * dead processes); returns how many were removed. Optional: stores without staging skip it. A
   * server calls it at start.
   */
  removeStaleStaging?(): Promise<number>;
  /**
   * Release pooled connections, for stores that hold them (S3). Optional: a short CLI command can
   * skip it (idle pooled sockets do not keep Node alive); a long-running server should call it.
   */
  close?(): Promise<void>;
}
