/**
 * TrackingApi over a store opened in this process, for `sqlite:///…` and `postgresql://…` tracking
 * URIs — what MLflow's client does with such URIs (it opens a SqlAlchemyStore itself, no server
 * involved). Runs then get artifact roots under `defaultArtifactRoot` (MLflow's client uses
 * `./mlruns`, resolved to an absolute path), which the client writes directly. The same store
 * code as the server's runs underneath, so the rules and errors are the same ones.
 */
import type {
  DatasetInput,
  Experiment,
  ExperimentTag,
  Metric,
  Param,
  Run,
  RunInfo,
  RunTag,
} from '../entities.js';
import type { TrackingStore } from '../store/types.js';
import { redact } from '../store/uri.js';
import type {
  ArtifactListing,
  CreateRunOptions,
  MetricPoint,
  Page,
  SearchExperimentsOptions,
  SearchRunsOptions,
  TrackingApi,
  UpdateRunOptions,
} from './api.js';

/** SEARCH_MAX_RESULTS_DEFAULT, what MLflow's clients send when no max_results is given. */
const SEARCH_MAX_RESULTS_DEFAULT = 1000;

function page<T>(items: T[], token: string | undefined): Page<T> {
  return token ? { items, nextPageToken: token } : { items };
}

export class StoreTrackingApi implements TrackingApi {
  readonly target: string;

  constructor(
    private readonly store: TrackingStore,
    uri: string,
  ) {
    this.target = redact(uri);
  }

  createExperiment(name: string, options: { artifactLocation?: string; tags?: ExperimentTag[] } = {}) {
    return this.store.createExperiment(name, options.artifactLocation, options.tags);
  }

  getExperiment(experimentId: string): Promise<Experiment> {
    return this.store.getExperiment(experimentId);
  }

  getExperimentByName(name: string): Promise<Experiment | null> {
    return this.store.getExperimentByName(name);
  }

  async searchExperiments(options: SearchExperimentsOptions = {}): Promise<Page<Experiment>> {
    const r = await this.store.searchExperiments({
      viewType: options.viewType ?? 'ACTIVE_ONLY',
      filter: options.filter,
      orderBy: options.orderBy,
      maxResults: options.maxResults ?? SEARCH_MAX_RESULTS_DEFAULT,
      pageToken: options.pageToken,
    });
    return page(r.experiments, r.nextPageToken);
  }

  createRun(options: CreateRunOptions): Promise<Run> {
    return this.store.createRun({
      experimentId: options.experimentId,
      userId: options.userId ?? '',
      startTime: options.startTime ?? Date.now(),
      tags: options.tags ?? [],
      runName: options.runName,
    });
  }

  getRun(runId: string): Promise<Run> {
    return this.store.getRun(runId);
  }

  updateRun(runId: string, update: UpdateRunOptions): Promise<RunInfo> {
    return this.store.updateRunInfo(runId, update);
  }

  async searchRuns(options: SearchRunsOptions): Promise<Page<Run>> {
    const r = await this.store.searchRuns({
      experimentIds: options.experimentIds,
      filter: options.filter,
      runViewType: options.runViewType ?? 'ACTIVE_ONLY',
      maxResults: options.maxResults ?? SEARCH_MAX_RESULTS_DEFAULT,
      orderBy: options.orderBy,
      pageToken: options.pageToken,
    });
    return page(r.runs, r.nextPageToken);
  }

  logBatch(runId: string, batch: { metrics?: MetricPoint[]; params?: Param[]; tags?: RunTag[] }) {
    const metrics = (batch.metrics ?? []).map((m) => ({ ...m, step: m.step ?? 0 }));
    return this.store.logBatch(runId, metrics, batch.params ?? [], batch.tags ?? []);
  }

  logMetric(runId: string, m: MetricPoint): Promise<void> {
    return this.store.logMetric(runId, { ...m, step: m.step ?? 0 });
  }

  logParam(runId: string, key: string, value: string): Promise<void> {
    return this.store.logParam(runId, key, value);
  }

  setTag(runId: string, key: string, value: string): Promise<void> {
    return this.store.setTag(runId, key, value);
  }

  logInputs(runId: string, datasets: DatasetInput[]): Promise<void> {
    return this.store.logInputs(runId, datasets);
  }

  async getMetricHistory(
    runId: string,
    key: string,
    options: { maxResults?: number; pageToken?: string } = {},
  ): Promise<Page<Metric>> {
    const r = await this.store.getMetricHistory(runId, key, options);
    return page(r.metrics, r.nextPageToken);
  }

  async listArtifacts(): Promise<ArtifactListing | null> {
    return null;
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
