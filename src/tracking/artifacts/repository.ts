/**
 * The artifact proxy's view of its destination (`--artifacts-destination`): MLflow's artifact
 * repository operations (list one folder level, download, upload, delete a file or a folder) over a
 * BlobStore, so a local folder and S3 behave the same. Keys come from validateArtifactPath (paths.ts);
 * the store checks them again and, for a local folder, confines symlinks to the root.
 *
 * Storage failures are translated into MLflow errors here, once: a missing blob is 404
 * RESOURCE_DOES_NOT_EXIST (MLflow itself answers a missing download with a 500), a key the store
 * refuses is 400 INVALID_PARAMETER_VALUE; anything else (an unreachable bucket, a full disk) is
 * rethrown for the server to log and answer 500.
 */
import type { Readable } from 'node:stream';
import { finished, Transform } from 'node:stream';
import { InvalidInputError, InvalidParameterError, NotFoundError } from '../../core/errors.js';
import type { BlobStore } from '../../storage/types.js';
import type { FileInfo } from '../entities.js';
import { MlflowError } from '../errors.js';

/** An upload that went over the configured maximum; the server answers 413. */
export class PayloadTooLargeError extends MlflowError {
  readonly limit: number;
  constructor(limit: number, what: string) {
    super('INVALID_PARAMETER_VALUE', `${what} is too large: the limit is ${limit} bytes`);
    this.limit = limit;
  }
  override get httpStatus(): number {
    return 413;
  }
}

/** Storage errors that are the request's fault become MLflow errors; the rest pass through. */
export function toMlflowError(e: unknown): unknown {
  if (e instanceof MlflowError) return e;
  if (e instanceof NotFoundError) return MlflowError.notFound(e.message);
  if (e instanceof InvalidInputError || e instanceof InvalidParameterError) {
    return MlflowError.invalidParameter(e.message);
  }
  return e;
}

async function translated<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    throw toMlflowError(e);
  }
}

/** Counts bytes through a stream and fails it once they exceed `limit`. */
function byteLimit(limit: number, what: string): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > limit) callback(new PayloadTooLargeError(limit, what));
      else callback(null, chunk);
    },
  });
}

export interface Download {
  stream: Readable;
  /** bytes */
  size: number;
}

export class ArtifactRepository {
  readonly store: BlobStore;

  constructor(store: BlobStore) {
    this.store = store;
  }

  /** The destination's URL (a local folder's absolute path, or s3://bucket/prefix). */
  get url(): string {
    return this.store.url;
  }

  /**
   * The entries directly inside folder `dirKey` ('' = the root), sorted by name, as MLflow's
   * `list_artifacts` returns them: files with their size, sub-folders with `is_dir` and no size.
   * `path` is the entry's name; callers prefix it as their API requires. A missing folder, or a
   * key that is a file, lists nothing (MLflow: `{}`).
   */
  async list(dirKey: string): Promise<FileInfo[]> {
    const prefix = dirKey === '' ? '' : `${dirKey}/`;
    const files = new Map<string, number>();
    const dirs = new Set<string>();
    await translated(async () => {
      // BlobStore lists recursively; one level is folded out of it here (S3 has delimiters,
      // a local folder does not, and the interface keeps to what both do).
      for await (const blob of this.store.list(prefix)) {
        const rest = blob.key.slice(prefix.length);
        const slash = rest.indexOf('/');
        if (slash < 0) files.set(rest, blob.size);
        else dirs.add(rest.slice(0, slash));
      }
    });
    const entries: FileInfo[] = [
      ...[...dirs].map((name) => ({ path: name, is_dir: true })),
      ...[...files]
        .filter(([name]) => !dirs.has(name))
        .map(([name, size]) => ({
          path: name,
          is_dir: false,
          file_size: size,
        })),
    ];
    return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** The artifact's size in bytes; 404 when it is absent or a folder. */
  async size(key: string): Promise<number> {
    return translated(async () => {
      const info = await this.store.stat(key);
      if (info === null) throw MlflowError.notFound(`Artifact '${key}' does not exist`);
      return info.size;
    });
  }

  /** A stream of the artifact's bytes and its size; 404 when it is absent or a folder. */
  async open(key: string): Promise<Download> {
    const size = await this.size(key);
    return { stream: await translated(() => this.store.get(key)), size };
  }

  /**
   * Store `body` at `key`, streamed: it is never held whole in memory, and the store publishes it
   * atomically (temp file + rename, or an S3 upload that completes), so readers see the old
   * artifact or the whole new one. More than `maxBytes` fails with PayloadTooLargeError and leaves
   * nothing behind.
   */
  async upload(key: string, body: Readable, options: { maxBytes: number; size?: number }): Promise<void> {
    const { maxBytes, size } = options;
    if (size !== undefined && size > maxBytes) throw new PayloadTooLargeError(maxBytes, 'Artifact');
    const limited = byteLimit(maxBytes, 'Artifact');
    // A client that goes away mid-upload must fail the store's put, so the partial write is
    // discarded: `finished` reports an error or a premature close of the body. Once the put has
    // settled nothing more is forwarded (a late socket error must not hit a stream nobody reads).
    let settled = false;
    finished(body, (error) => {
      if (error && !settled) limited.destroy(error);
    });
    // The store's put observes `limited` failing through its own reading (an S3 upload stops
    // listening once it has given up, and pipe() re-emits an error nobody listens to as an uncaught
    // exception): this listener only keeps a refused upload from taking the process down.
    limited.on('error', () => {});
    body.pipe(limited);
    try {
      await this.store.put(key, limited, size === undefined ? {} : { size });
    } catch (e) {
      // The store gave up (or the limit was hit): stop feeding it; the caller answers the request.
      body.unpipe(limited);
      throw toMlflowError(e);
    } finally {
      settled = true;
    }
  }

  /**
   * Delete the artifact at `key`, or everything below it when it is a folder (MLflow's
   * `delete_artifacts`). Deleting what does not exist is not an error.
   */
  async delete(key: string): Promise<void> {
    await translated(async () => {
      const below: string[] = [];
      for await (const blob of this.store.list(`${key}/`)) below.push(blob.key);
      for (const child of below) await this.store.delete(child);
      // A key with children is a folder; otherwise delete the blob, if there is one (an empty local
      // folder left behind by earlier deletes stats as absent, and there is nothing to do).
      if (below.length === 0 && (await this.store.stat(key)) !== null) await this.store.delete(key);
    });
  }

  /**
   * Remove what uploads interrupted by a crash left in the store's staging area (local folders
   * stage there; S3 discards an unfinished upload itself). Returns how many were removed.
   */
  async removeStaleStaging(): Promise<number> {
    return (await this.store.removeStaleStaging?.()) ?? 0;
  }

  async close(): Promise<void> {
    await this.store.close?.();
  }
}
