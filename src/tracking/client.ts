/**
 * The tracking client: what the training pipeline and the CLI use to log runs to an
 * MLflow-compatible tracking server (`mlship server`, `mlflow server`) or, for `sqlite:`/
 * `postgresql:` URIs, straight into a tracking database, as MLflow's own client does.
 *
 *   const client = await openTrackingClient();            // MLFLOW_TRACKING_URI
 *   const exp = await client.getOrCreateExperiment('california_housing_price');
 *   const run = await client.createRun({ experimentId: exp.experiment_id, runName: 'hgb' });
 *   await client.logBatch(run.info.run_id, { params, metrics, tags });
 *   await client.logArtifacts(run.info.run_id, 'out/model', 'model');
 *   await client.setTerminated(run.info.run_id, 'FINISHED');
 *
 * `client.api` holds the one-call-per-endpoint methods (client/api.ts); the methods here add what
 * MLflow's MlflowClient adds on top: log-batch split to the server's limits, complete metric
 * histories read page by page, get-or-create of an experiment, and artifacts written to and read
 * from wherever the run's artifact root is (client/artifacts.ts). HTTP behaviour — credentials,
 * retries and their safety, timeouts, error mapping — is in client/http.ts and client/config.ts.
 */
import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { InvalidParameterError, NotFoundError } from '../core/errors.js';
import type { CreateRunOptions, MetricPoint, Page, TrackingApi, UpdateRunOptions } from './client/api.js';
import { type RunArtifactStore, runArtifactStore } from './client/artifacts.js';
import { resolveTrackingTarget } from './client/config.js';
import { HttpTransport, PREFLIGHT_POLICY, type RetryNotice } from './client/http.js';
import { StoreTrackingApi } from './client/in-process.js';
import { RestTrackingApi } from './client/rest.js';
import type {
  DatasetInput,
  Experiment,
  ExperimentTag,
  FileInfo,
  Metric,
  Param,
  Run,
  RunInfo,
  RunStatus,
  RunTag,
} from './entities.js';
import { MlflowError } from './errors.js';
import { openTrackingStore } from './store/index.js';

export type {
  ArtifactListing,
  CreateRunOptions,
  MetricPoint,
  Page,
  TrackingApi,
  UpdateRunOptions,
} from './client/api.js';
export { resolveTrackingTarget, retryPolicyFromEnv, TRACKING_URI_ENV } from './client/config.js';
export {
  describeRetry,
  HttpTransport,
  MlflowRestError,
  PREFLIGHT_POLICY,
  type RetryNotice,
  TrackingConnectionError,
} from './client/http.js';

/** MLflow's per-call limits (mlflow/utils/validation.py MAX_METRICS_PER_BATCH, …). */
export const MAX_METRICS_PER_BATCH = 1000;
export const MAX_PARAMS_TAGS_PER_BATCH = 100;
export const MAX_ENTITIES_PER_BATCH = 1000;
/** The page size MLflow's client reads metric histories with (GET_METRIC_HISTORY_MAX_RESULTS). */
export const METRIC_HISTORY_PAGE_SIZE = 25000;
/** Files uploaded or downloaded at once by logArtifacts / downloadArtifacts. */
const ARTIFACT_CONCURRENCY = 4;

export interface OpenTrackingClientOptions {
  /** Environment to read MLFLOW_* settings from (default process.env). */
  env?: Record<string, string | undefined>;
  /**
   * For `sqlite:`/`postgresql:` URIs: the root under which new experiments keep their artifacts.
   * Default `./mlruns` resolved to an absolute path, as MLflow's client does.
   */
  artifactRoot?: string;
  /** Replaces the backoff sleep (tests). */
  wait?: (ms: number) => Promise<unknown>;
  /** Told about each retry of an HTTP call before its wait (the CLI prints describeRetry of it). */
  onRetry?: (notice: RetryNotice) => void;
}

/**
 * Open a client for `uri` (or MLFLOW_TRACKING_URI): an HTTP client for `http(s)://`, an
 * in-process store for `sqlite:`/`postgresql:`; anything else is refused with what to use instead.
 */
export async function openTrackingClient(
  uri?: string,
  options: OpenTrackingClientOptions = {},
): Promise<TrackingClient> {
  const target = resolveTrackingTarget(uri, options.env ?? process.env);
  if (target.kind === 'http') {
    const http = new HttpTransport(target.settings, options.wait, options.onRetry);
    return new TrackingClient(new RestTrackingApi(http), http);
  }
  const store = await openTrackingStore(target.uri, {
    defaultArtifactRoot: resolve(options.artifactRoot ?? 'mlruns'),
  });
  return new TrackingClient(new StoreTrackingApi(store, target.uri));
}

/** Artifact paths are relative, '/'-separated, without '.' or '..' (artifact_repo.verify_artifact_path). */
function checkArtifactPath(path: string | undefined): string {
  if (path === undefined || path === '') return '';
  const trimmed = path.replace(/\/+$/, '');
  const bad =
    trimmed.startsWith('/') ||
    trimmed.includes('\\') ||
    trimmed.includes('\0') ||
    trimmed.split('/').some((s) => s === '' || s === '.' || s === '..');
  if (bad) {
    throw new InvalidParameterError(
      `invalid artifact path ${JSON.stringify(path)}: it must be relative, '/'-separated, without '.' or '..' segments`,
    );
  }
  return trimmed;
}

function joinPath(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('/');
}

/** Run `fn` over `items`, at most `limit` at once; the first failure is thrown once all settle. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && failure === undefined) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
}

export class TrackingClient {
  private readonly artifactStores = new Map<string, RunArtifactStore>();

  constructor(
    /** One method per REST endpoint. */
    readonly api: TrackingApi,
    /** The tracking server's transport; undefined for an in-process store. */
    readonly http?: HttpTransport,
  ) {}

  /**
   * Make sure the server answers before any work is started, within PREFLIGHT_POLICY (a few
   * seconds), instead of discovering a wrong URI or a stopped server through MLflow's full retry
   * policy (about 250 s). It asks for `/health`, which MLflow's server (mlflow/server/__init__.py
   * `health`) and mlship's both serve; any response at all proves the server is there — an
   * authentication or routing error is left to the first real call, which reports it with the
   * server's own message. A database client has nothing to check: opening it connected already.
   */
  async checkReachable(): Promise<void> {
    if (this.http === undefined) return;
    // fewer retries than the preflight's when the user asked for fewer (MLFLOW_HTTP_REQUEST_MAX_RETRIES)
    const maxRetries = Math.min(PREFLIGHT_POLICY.maxRetries, this.http.settings.maxRetries);
    const preflight = this.http.withPolicy({ ...PREFLIGHT_POLICY, maxRetries });
    await preflight.request('GET', '/health', {}, async (_response, body) => {
      for await (const _ of body()) {
        // drained, so the connection is reused by the calls that follow
      }
    });
  }

  /** What the client talks to (a server URL or a database URI, password redacted). */
  get target(): string {
    return this.api.target;
  }

  // --- experiments -------------------------------------------------------------------------------

  createExperiment(name: string, options?: { artifactLocation?: string; tags?: ExperimentTag[] }) {
    return this.api.createExperiment(name, options);
  }

  getExperiment(experimentId: string): Promise<Experiment> {
    return this.api.getExperiment(experimentId);
  }

  getExperimentByName(name: string): Promise<Experiment | null> {
    return this.api.getExperimentByName(name);
  }

  searchExperiments(options?: Parameters<TrackingApi['searchExperiments']>[0]): Promise<Page<Experiment>> {
    return this.api.searchExperiments(options);
  }

  /**
   * The active experiment named `name`, created when there is none (mlflow.set_experiment). Two
   * clients racing to create it both end up with the same one. A deleted experiment of that name
   * blocks the name (MLflow keeps names of deleted experiments), which is said with the way out.
   */
  async getOrCreateExperiment(name: string): Promise<Experiment> {
    let experiment = await this.api.getExperimentByName(name);
    if (experiment === null) {
      try {
        experiment = await this.api.getExperiment(await this.api.createExperiment(name));
      } catch (err) {
        if (!(err instanceof MlflowError && err.errorCode === 'RESOURCE_ALREADY_EXISTS')) throw err;
        experiment = await this.api.getExperimentByName(name);
        if (experiment === null) throw err;
      }
    }
    if (experiment.lifecycle_stage === 'deleted') {
      throw new InvalidParameterError(
        `experiment "${name}" (id ${experiment.experiment_id}) on ${this.target} is deleted: restore it, or log to another experiment`,
      );
    }
    return experiment;
  }

  // --- runs ----------------------------------------------------------------------------------------

  createRun(options: CreateRunOptions): Promise<Run> {
    return this.api.createRun(options);
  }

  getRun(runId: string): Promise<Run> {
    return this.api.getRun(runId);
  }

  updateRun(runId: string, update: UpdateRunOptions): Promise<RunInfo> {
    return this.api.updateRun(runId, update);
  }

  /** End a run: status (FINISHED by default) and end time now (MlflowClient.set_terminated). */
  setTerminated(
    runId: string,
    status: RunStatus = 'FINISHED',
    endTime: number = Date.now(),
  ): Promise<RunInfo> {
    return this.api.updateRun(runId, { status, endTime });
  }

  searchRuns(options: Parameters<TrackingApi['searchRuns']>[0]): Promise<Page<Run>> {
    return this.api.searchRuns(options);
  }

  // --- run data ------------------------------------------------------------------------------------

  /**
   * Log any number of metrics, params and tags, split into calls within the server's limits the
   * way MLflow's client splits them (TrackingServiceClient.log_batch): params and tags 100 at a
   * time, each call topped up with metrics to 1000 entities, then the remaining metrics 1000 at
   * a time. Calls go one after another, so points keep their order.
   */
  async logBatch(
    runId: string,
    batch: { metrics?: readonly MetricPoint[]; params?: readonly Param[]; tags?: readonly RunTag[] },
  ): Promise<void> {
    let metrics = [...(batch.metrics ?? [])];
    const params = [...(batch.params ?? [])];
    const tags = [...(batch.tags ?? [])];
    const calls = Math.max(
      Math.ceil(params.length / MAX_PARAMS_TAGS_PER_BATCH),
      Math.ceil(tags.length / MAX_PARAMS_TAGS_PER_BATCH),
    );
    for (let i = 0; i < calls; i++) {
      const p = params.slice(i * MAX_PARAMS_TAGS_PER_BATCH, (i + 1) * MAX_PARAMS_TAGS_PER_BATCH);
      const t = tags.slice(i * MAX_PARAMS_TAGS_PER_BATCH, (i + 1) * MAX_PARAMS_TAGS_PER_BATCH);
      const room = Math.max(0, Math.min(MAX_ENTITIES_PER_BATCH - p.length - t.length, MAX_METRICS_PER_BATCH));
      const m = metrics.slice(0, room);
      metrics = metrics.slice(room);
      await this.api.logBatch(runId, { metrics: m, params: p, tags: t });
    }
    for (let i = 0; i < metrics.length; i += MAX_METRICS_PER_BATCH) {
      await this.api.logBatch(runId, { metrics: metrics.slice(i, i + MAX_METRICS_PER_BATCH) });
    }
  }

  logMetric(runId: string, metric: MetricPoint): Promise<void> {
    return this.api.logMetric(runId, metric);
  }

  logParam(runId: string, key: string, value: string): Promise<void> {
    return this.api.logParam(runId, key, value);
  }

  setTag(runId: string, key: string, value: string): Promise<void> {
    return this.api.setTag(runId, key, value);
  }

  logInputs(runId: string, datasets: DatasetInput[]): Promise<void> {
    return this.api.logInputs(runId, datasets);
  }

  /**
   * Every point of a metric, in logging order, read in pages of 25,000 as MLflow's client reads
   * them (TrackingServiceClient.get_metric_history).
   */
  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    const points: Metric[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.api.getMetricHistory(runId, key, {
        maxResults: METRIC_HISTORY_PAGE_SIZE,
        pageToken,
      });
      points.push(...page.items);
      pageToken = page.nextPageToken;
    } while (pageToken);
    return points;
  }

  // --- artifacts -----------------------------------------------------------------------------------

  /** Where the run's artifacts live, resolved once per run (MLflow caches it the same way). */
  async artifactStore(runId: string): Promise<RunArtifactStore> {
    let store = this.artifactStores.get(runId);
    if (store === undefined) {
      const run = await this.api.getRun(runId);
      store = runArtifactStore(run.info.artifact_uri, this.http);
      this.artifactStores.set(runId, store);
    }
    return store;
  }

  /** Upload one file to `<artifactPath>/<its name>` (MlflowClient.log_artifact). */
  async logArtifact(runId: string, localFile: string, artifactPath?: string): Promise<void> {
    const dir = checkArtifactPath(artifactPath);
    const info = await stat(localFile).catch(() => undefined);
    if (!info?.isFile()) throw new NotFoundError(`cannot log artifact ${localFile}: not a file`);
    const store = await this.artifactStore(runId);
    await store.putFile(joinPath(dir, basename(localFile)), localFile, info.size);
  }

  /**
   * Upload a directory's files, recursively, under `artifactPath` (MlflowClient.log_artifacts):
   * `logArtifacts(id, 'out/model', 'model')` gives `model/MLmodel`, `model/model.json`, ….
   * Symbolic links are followed; their targets are uploaded.
   */
  async logArtifacts(runId: string, localDir: string, artifactPath?: string): Promise<void> {
    const dir = checkArtifactPath(artifactPath);
    const info = await stat(localDir).catch(() => undefined);
    if (!info?.isDirectory())
      throw new NotFoundError(`cannot log artifacts from ${localDir}: not a directory`);
    const files: { rel: string; abs: string; size: number }[] = [];
    const walk = async (abs: string, rel: string, seen: Set<string>): Promise<void> => {
      const entries: Dirent[] = await readdir(abs, { withFileTypes: true });
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const entry of entries) {
        const childAbs = join(abs, entry.name);
        const childRel = joinPath(rel, entry.name);
        const s = await stat(childAbs);
        if (s.isDirectory()) {
          // A symlink loop would otherwise recurse forever.
          const real = await realpath(childAbs);
          if (seen.has(real)) continue;
          await walk(childAbs, childRel, new Set(seen).add(real));
        } else if (s.isFile()) {
          files.push({ rel: childRel, abs: childAbs, size: s.size });
        }
      }
    };
    await walk(localDir, '', new Set([await realpath(localDir)]));
    const store = await this.artifactStore(runId);
    await pool(files, ARTIFACT_CONCURRENCY, (f) => store.putFile(joinPath(dir, f.rel), f.abs, f.size));
  }

  /**
   * One level of a run's artifacts under `path`, through its artifact store
   * (MlflowClient.list_artifacts). `client.api.listArtifacts` is the server's `artifacts/list`.
   */
  async listArtifacts(runId: string, path?: string): Promise<FileInfo[]> {
    return (await this.artifactStore(runId)).list(checkArtifactPath(path));
  }

  /**
   * Download the artifact file or directory at `path` ('' = everything) into `dstDir`, keeping
   * its relative path; returns the local path of what `path` names. A path whose listing is empty
   * is taken as a file, as MLflow's ArtifactRepository._is_directory decides.
   */
  async downloadArtifacts(runId: string, path: string, dstDir: string): Promise<string> {
    const root = checkArtifactPath(path);
    const store = await this.artifactStore(runId);
    const files: string[] = [];
    const walk = async (dir: string): Promise<boolean> => {
      const entries = await store.list(dir);
      for (const e of entries) {
        if (e.is_dir) await walk(e.path);
        else files.push(e.path);
      }
      return entries.length > 0;
    };
    const isDir = await walk(root);
    if (!isDir) {
      if (root === '') throw new NotFoundError(`run ${runId} has no artifacts (${store.rootUri})`);
      files.push(root);
    }
    await pool(files, ARTIFACT_CONCURRENCY, (f) => store.getFile(f, join(dstDir, ...f.split('/'))));
    return join(dstDir, ...root.split('/').filter((s) => s !== ''));
  }

  /** Release the store connection (in-process) and artifact stores. Idempotent. */
  async close(): Promise<void> {
    const stores = [...this.artifactStores.values()];
    this.artifactStores.clear();
    await Promise.allSettled(stores.map((s) => s.close()));
    await this.api.close();
  }
}
