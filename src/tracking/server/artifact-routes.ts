/**
 * Artifact endpoints: the proxy (mlflow_artifacts.proto `MlflowArtifactsService`, handlers.py
 * `_download_artifact`, `_upload_artifact`, `_list_artifacts_mlflow_artifacts`,
 * `_delete_artifact_mlflow_artifacts`), a run's listing (`artifacts/list`, `list_artifacts_impl`)
 * and the UI's download (`/get-artifact`, `get_artifact_handler`).
 *
 * Every path from a request goes through validateArtifactPath (400 "Invalid path" on traversal,
 * absolute, encoded or otherwise hostile forms), every run artifact root through proxiedKeyOf
 * (served only when it lies inside this server's destination). Bodies stream both ways.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { attachmentDisposition, guessMimeType } from '../artifacts/mime.js';
import { joinArtifactKey, proxiedKeyOf, validateArtifactPath } from '../artifacts/paths.js';
import type { ArtifactRepository } from '../artifacts/repository.js';
import type { Run } from '../entities.js';
import { MlflowError } from '../errors.js';
import type { TrackingStore } from '../store/types.js';
import * as M from './messages.js';
import { missingValue, readRequest, runIdOf } from './request.js';
import type { Endpoint, HandlerContext } from './tracking-routes.js';

/** The storage key of a run's artifact root, or 400 when the run's root is not served here. */
function runRootKey(run: Run, artifacts: ArtifactRepository): string {
  const key = proxiedKeyOf(run.info.artifact_uri, artifacts.url);
  if (key === undefined) {
    throw MlflowError.invalidParameter(
      `The artifacts of run ${run.info.run_id} are at '${run.info.artifact_uri}', which this server does not proxy (it serves mlflow-artifacts:/ locations inside its artifacts destination); read them from their store directly.`,
    );
  }
  return key;
}

/** Send an artifact as MLflow does: an attachment, its guessed type, no content sniffing. */
async function sendArtifact(
  reply: FastifyReply,
  artifacts: ArtifactRepository,
  key: string,
): Promise<FastifyReply> {
  // HEAD only stats: opening the blob would read (for S3, download) all of it just to throw it
  // away, which is what fastify's automatic HEAD route would do with a stream. Either way the blob
  // is looked up before any header is set, so a 404 goes out as plain MLflow JSON.
  const head = reply.request.method === 'HEAD';
  const download = head ? { stream: undefined, size: await artifacts.size(key) } : await artifacts.open(key);
  reply
    .header('content-type', guessMimeType(key))
    .header('content-disposition', attachmentDisposition(key))
    .header('x-content-type-options', 'nosniff')
    .header('content-length', download.size);
  return reply.send(download.stream);
}

/** GET `artifacts/list`: a run's artifacts, paths relative to its artifact root. */
export const listRunArtifacts: Endpoint = {
  method: 'GET',
  path: '/mlflow/artifacts/list',
  async handle(request, { store, artifacts }) {
    const { message } = await readRequest(request, M.ListArtifacts, [
      ['run_id', ['type', 'required']],
      ['path', ['type']],
      ['page_token', ['type']],
    ]);
    // The path is checked before the run is looked up, as in list_artifacts_impl.
    const path =
      message.path === undefined ? '' : validateArtifactPath(message.path as string, { allowRoot: true });
    const run = await store.getRun(runIdOf(message));
    const entries = await artifacts.list(joinArtifactKey(runRootKey(run, artifacts), path));
    const files = entries.map((e) => ({ ...e, path: joinArtifactKey(path, e.path) }));
    return { root_uri: run.info.artifact_uri, files };
  },
};

/** The proxy's own endpoints; `path` is below `/api/2.0` and `/ajax-api/2.0`. */
export interface ProxyRoute {
  /** GET+HEAD for downloads: HEAD is served explicitly (stat only), not by fastify's automatic one. */
  method: 'GET' | 'PUT' | 'DELETE' | 'POST' | ['GET', 'HEAD'];
  path: string;
  handle(request: FastifyRequest, reply: FastifyReply, context: ProxyContext): Promise<unknown>;
}

export interface ProxyContext extends HandlerContext {
  /** Largest artifact an upload may carry, in bytes. */
  maxArtifactBytes: number;
}

/** The artifact path in a proxy URL; fastify has decoded it once, validateArtifactPath does the rest. */
function proxyKey(request: FastifyRequest): string {
  const raw = (request.params as Record<string, string>)['*'] ?? '';
  return validateArtifactPath(raw);
}

function contentLength(request: FastifyRequest): number | undefined {
  const header = request.headers['content-length'];
  return header === undefined || !/^\d+$/.test(header) ? undefined : Number(header);
}

export const PROXY_ROUTES: readonly ProxyRoute[] = [
  {
    method: ['GET', 'HEAD'],
    path: '/mlflow-artifacts/artifacts/*',
    async handle(request, reply, { artifacts }) {
      return sendArtifact(reply, artifacts, proxyKey(request));
    },
  },
  {
    method: 'PUT',
    path: '/mlflow-artifacts/artifacts/*',
    async handle(request, _reply, { artifacts, maxArtifactBytes }) {
      const key = proxyKey(request);
      // The proxy routes' content parser hands the body over unread; a body-less PUT stores an
      // empty file, as MLflow's handler does.
      const body = (request.body ?? request.raw) as NodeJS.ReadableStream;
      await artifacts.upload(key, body as never, {
        maxBytes: maxArtifactBytes,
        size: contentLength(request),
      });
      return {};
    },
  },
  {
    method: 'DELETE',
    path: '/mlflow-artifacts/artifacts/*',
    async handle(request, _reply, { artifacts }) {
      // DeleteArtifact has no fields: MLflow parses (and ignores) the body; nothing to read here.
      await artifacts.delete(proxyKey(request));
      return {};
    },
  },
  {
    method: 'GET',
    path: '/mlflow-artifacts/artifacts',
    async handle(request, _reply, { artifacts }) {
      const { message } = await readRequest(request, M.ListProxyArtifacts);
      const dir =
        message.path === undefined ? '' : validateArtifactPath(message.path as string, { allowRoot: true });
      return { files: await artifacts.list(dir) };
    },
  },
  // Multipart uploads exist in MLflow for S3-like destinations only; everywhere else it answers
  // NOT_IMPLEMENTED, which its client takes as "use a single PUT" — which streams here anyway.
  ...(['create', 'complete', 'abort'] as const).map(
    (step): ProxyRoute => ({
      method: 'POST',
      path: `/mlflow-artifacts/mpu/${step}/*`,
      async handle(request) {
        proxyKey(request);
        throw new MlflowError(
          'NOT_IMPLEMENTED',
          'Multipart upload is not supported for the current artifact repository',
        );
      },
    }),
  ),
];

/**
 * GET `/get-artifact?run_id=&path=` (not under /api): the UI's download of one run artifact.
 * MLflow answers a missing `path` with Flask's HTML 400; here it is MLflow's JSON missing-value 400.
 */
export async function getRunArtifact(
  request: FastifyRequest,
  reply: FastifyReply,
  { store, artifacts }: { store: TrackingStore; artifacts: ArtifactRepository },
): Promise<FastifyReply> {
  const query = (request.query ?? {}) as Record<string, string | string[] | undefined>;
  const first = (name: string) => {
    const v = query[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const runId = first('run_id') || first('run_uuid');
  const rawPath = first('path');
  if (rawPath === undefined) throw missingValue('path');
  const path = validateArtifactPath(rawPath);
  if (!runId) throw missingValue('run_id');
  const run = await store.getRun(runId);
  return sendArtifact(reply, artifacts, joinArtifactKey(runRootKey(run, artifacts), path));
}
