/**
 * Where a run's artifacts are written and read, chosen from its `artifact_uri` as MLflow's client
 * chooses an artifact repository (mlflow/store/artifact/artifact_repository_registry.py):
 * - `mlflow-artifacts:/<path>` (what `mlflow server` and `mlship server` give runs by default),
 *   `mlflow-artifacts://host:port/<path>` and `http(s)://host/api/2.0/mlflow-artifacts/artifacts/<path>`
 *   go through the tracking server's artifact proxy (MlflowArtifactsRepository / HttpArtifactRepository):
 *   PUT to upload, GET to download, GET `…/artifacts?path=` to list — with the tracking server's
 *   credentials, retries and timeouts;
 * - a local path, `file://` or `s3://` root is written directly through src/storage (as MLflow's
 *   LocalArtifactRepository and S3ArtifactRepository do): the server never sees those bytes.
 *
 * Uploads and downloads are streamed: a file is read from disk in chunks for each attempt, and a
 * download goes to a temp file renamed into place only once it is complete.
 */
import { createReadStream } from 'node:fs';
import { InvalidParameterError } from '../../core/errors.js';
import { writeFileAtomic } from '../../core/fs.js';
import { openStore } from '../../storage/index.js';
import type { BlobStore } from '../../storage/types.js';
import { guessMimeType } from '../artifacts/mime.js';
import { proxiedKeyOf } from '../artifacts/paths.js';
import type { FileInfo } from '../entities.js';
import { collectText, errorFromResponse, type HttpTransport } from './http.js';

const PROXY = '/api/2.0/mlflow-artifacts/artifacts';

export interface RunArtifactStore {
  /** The run's artifact root, for messages. */
  readonly rootUri: string;
  /** Upload one local file of `size` bytes to `path` (relative to the run's artifact root). */
  putFile(path: string, localFile: string, size: number): Promise<void>;
  /** One directory level under `dir` ('' = the root); paths relative to the run's artifact root. */
  list(dir: string): Promise<FileInfo[]>;
  /** Download the artifact at `path` to `localFile`, atomically. */
  getFile(path: string, localFile: string): Promise<void>;
  close(): Promise<void>;
}

function joinPath(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('/');
}

function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/** Artifacts through a tracking server's proxy; `root` is the proxy path of the run's artifact root. */
export class ProxyArtifactStore implements RunArtifactStore {
  constructor(
    private readonly http: HttpTransport,
    private readonly root: string,
    readonly rootUri: string,
  ) {}

  async putFile(path: string, localFile: string, size: number): Promise<void> {
    const endpoint = `${PROXY}/${encodePath(joinPath(this.root, path))}`;
    await this.http.request(
      'PUT',
      endpoint,
      {
        // A fresh read stream per attempt, so a retried upload sends the whole file again.
        body: (progress) => readChunks(localFile, progress),
        headers: { 'content-type': guessMimeType(path), 'content-length': String(size) },
      },
      async (response, body) => {
        const text = await collectText(body());
        if (response.status !== 200) throw errorFromResponse(response.status, text, endpoint);
      },
    );
  }

  async list(dir: string): Promise<FileInfo[]> {
    const body = await this.http.call<{ files?: FileInfo[] }>('GET', PROXY, {
      query: { path: joinPath(this.root, dir) },
    });
    // The proxy names entries relative to the listed directory (HttpArtifactRepository.list_artifacts).
    return (body.files ?? []).map((f) => {
      const out: FileInfo = { path: joinPath(dir, f.path), is_dir: Boolean(f.is_dir) };
      if (f.file_size !== undefined && f.file_size !== null) out.file_size = Number(f.file_size);
      return out;
    });
  }

  async getFile(path: string, localFile: string): Promise<void> {
    const endpoint = `${PROXY}/${encodePath(joinPath(this.root, path))}`;
    await this.http.request('GET', endpoint, {}, async (response, body) => {
      if (response.status !== 200)
        throw errorFromResponse(response.status, await collectText(body()), endpoint);
      await writeFileAtomic(localFile, body());
    });
  }

  async close(): Promise<void> {}
}

async function* readChunks(file: string, progress: () => void): AsyncIterable<Uint8Array> {
  for await (const chunk of createReadStream(file)) {
    progress();
    yield chunk as Buffer;
  }
}

/** Artifacts in a blob store the client writes itself (local folder, file://, s3://). */
export class BlobArtifactStore implements RunArtifactStore {
  constructor(
    private readonly store: BlobStore,
    readonly rootUri: string,
  ) {}

  async putFile(path: string, localFile: string, size: number): Promise<void> {
    await this.store.put(path, createReadStream(localFile), { size, contentType: guessMimeType(path) });
  }

  async list(dir: string): Promise<FileInfo[]> {
    const prefix = dir === '' ? '' : `${dir}/`;
    const children = new Map<string, FileInfo>();
    // BlobStore.list is recursive (S3 has no directories): fold it into one level.
    for await (const blob of this.store.list(prefix)) {
      const rest = blob.key.slice(prefix.length);
      const slash = rest.indexOf('/');
      const name = slash < 0 ? rest : rest.slice(0, slash);
      const path = joinPath(dir, name);
      if (slash >= 0) children.set(path, { path, is_dir: true });
      else if (!children.has(path)) children.set(path, { path, is_dir: false, file_size: blob.size });
    }
    return [...children.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async getFile(path: string, localFile: string): Promise<void> {
    await writeFileAtomic(localFile, await this.store.get(path));
  }

  async close(): Promise<void> {
    await this.store.close?.();
  }
}

/**
 * The artifact store for a run's `artifact_uri`. `http` is the tracking server's transport, or
 * undefined when the client talks to a database directly (then a proxied root cannot be reached,
 * which is said plainly).
 */
export function runArtifactStore(artifactUri: string, http: HttpTransport | undefined): RunArtifactStore {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(artifactUri)?.[1]?.toLowerCase();
  const proxied =
    scheme === 'mlflow-artifacts' ||
    ((scheme === 'http' || scheme === 'https') && artifactUri.includes(`${PROXY}/`));
  if (proxied) {
    if (http === undefined) {
      throw new InvalidParameterError(
        `the artifacts at ${artifactUri} are served by a tracking server's artifact proxy; use an http:// tracking URI to reach them`,
      );
    }
    const root = proxiedKeyOf(artifactUri);
    if (root === undefined) {
      throw new InvalidParameterError(`cannot resolve the artifact URI ${JSON.stringify(artifactUri)}`);
    }
    return new ProxyArtifactStore(proxyTransport(artifactUri, scheme!, http), root, artifactUri);
  }
  // Anything else is a storage URL (local path, file://, s3://; http(s) is read-only there).
  return new BlobArtifactStore(openStore(artifactUri), artifactUri);
}

/**
 * MlflowArtifactsRepository.resolve_uri: `mlflow-artifacts://host:port/…` names the host to use
 * with the tracking URI's scheme; `mlflow-artifacts:/…` means the tracking server itself; an
 * http(s) proxy URI names its own server.
 */
function proxyTransport(artifactUri: string, scheme: string, http: HttpTransport): HttpTransport {
  if (scheme === 'http' || scheme === 'https') {
    const url = new URL(artifactUri);
    const at = url.pathname.indexOf(`${PROXY}/`);
    const base = `${url.origin}${url.pathname.slice(0, at)}`;
    return base === http.baseUrl ? http : http.withBaseUrl(base);
  }
  const authority = /^mlflow-artifacts:\/\/([^/]*)/i.exec(artifactUri)?.[1];
  if (!authority) return http;
  if (/^\d+$/.test(authority)) {
    throw new InvalidParameterError(
      `The mlflow-artifacts uri was supplied with a port number: ${authority}, but no host was defined.`,
    );
  }
  const tracking = new URL(http.baseUrl);
  const base = `${tracking.protocol}//${authority}${tracking.pathname.replace(/\/+$/, '')}`;
  return base === http.baseUrl ? http : http.withBaseUrl(base);
}
