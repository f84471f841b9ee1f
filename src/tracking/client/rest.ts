/**
 * TrackingApi over MLflow's REST API 2.0, the requests shaped as MLflow's RestStore
 * (mlflow/store/tracking/rest_store.py) sends them — `run_uuid` alongside `run_id` where it does,
 * so older servers understand them too — and the responses filled back to complete entities:
 * MLflow omits empty repeated fields and writes NaN/±Infinity doubles as strings.
 */
import type {
  DatasetInput,
  Experiment,
  ExperimentTag,
  FileInfo,
  Metric,
  Param,
  Run,
  RunInfo,
  RunTag,
} from '../entities.js';
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
import { type HttpTransport, MlflowRestError } from './http.js';

const API = '/api/2.0/mlflow';

type Json = Record<string, unknown>;

/** A double as the server wrote it: a number, or "NaN" / "Infinity" / "-Infinity". */
function toDouble(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return Number.NaN;
  if (v === 'Infinity') return Number.POSITIVE_INFINITY;
  if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
  return Number(v);
}

function keyValues(v: unknown): { key: string; value: string }[] {
  return ((v as { key?: string; value?: string }[] | undefined) ?? []).map((t) => ({
    key: t.key ?? '',
    value: t.value ?? '',
  }));
}

export function toMetric(m: Json): Metric {
  const out: Metric = {
    key: (m.key as string) ?? '',
    value: toDouble(m.value),
    timestamp: Number(m.timestamp ?? 0),
    step: Number(m.step ?? 0),
  };
  if (typeof m.run_id === 'string') out.run_id = m.run_id;
  return out;
}

export function toExperiment(e: Json): Experiment {
  return {
    experiment_id: String(e.experiment_id),
    name: (e.name as string) ?? '',
    artifact_location: (e.artifact_location as string) ?? '',
    lifecycle_stage: (e.lifecycle_stage as Experiment['lifecycle_stage']) ?? 'active',
    last_update_time: Number(e.last_update_time ?? 0),
    creation_time: Number(e.creation_time ?? 0),
    tags: keyValues(e.tags),
  };
}

export function toRunInfo(i: Json): RunInfo {
  const info: RunInfo = {
    run_id: (i.run_id as string) ?? (i.run_uuid as string),
    run_uuid: (i.run_uuid as string) ?? (i.run_id as string),
    run_name: (i.run_name as string) ?? '',
    experiment_id: String(i.experiment_id ?? ''),
    user_id: (i.user_id as string) ?? '',
    status: (i.status as RunInfo['status']) ?? 'RUNNING',
    start_time: Number(i.start_time ?? 0),
    artifact_uri: (i.artifact_uri as string) ?? '',
    lifecycle_stage: (i.lifecycle_stage as RunInfo['lifecycle_stage']) ?? 'active',
  };
  if (i.end_time !== undefined && i.end_time !== null) info.end_time = Number(i.end_time);
  return info;
}

export function toRun(r: Json): Run {
  const data = (r.data ?? {}) as Json;
  const inputs = (r.inputs ?? {}) as Json;
  return {
    info: toRunInfo((r.info ?? {}) as Json),
    data: {
      metrics: ((data.metrics as Json[] | undefined) ?? []).map(toMetric),
      params: keyValues(data.params),
      tags: keyValues(data.tags),
    },
    inputs: {
      dataset_inputs: ((inputs.dataset_inputs as Json[] | undefined) ?? []).map((d) => ({
        tags: keyValues(d.tags),
        dataset: { ...(d.dataset as DatasetInput['dataset']) },
      })),
    },
  };
}

function page<T>(items: T[], token: unknown): Page<T> {
  // An empty token means none (rest_store._search_runs converts "" to None).
  return typeof token === 'string' && token !== '' ? { items, nextPageToken: token } : { items };
}

export class RestTrackingApi implements TrackingApi {
  readonly target: string;

  constructor(readonly http: HttpTransport) {
    this.target = http.baseUrl;
  }

  private get<T = Json>(endpoint: string, query: Record<string, string | number | undefined>): Promise<T> {
    return this.http.call<T>('GET', `${API}/${endpoint}`, { query });
  }

  private post<T = Json>(endpoint: string, body: Json): Promise<T> {
    return this.http.call<T>('POST', `${API}/${endpoint}`, { json: body });
  }

  async createExperiment(
    name: string,
    options: { artifactLocation?: string; tags?: ExperimentTag[] } = {},
  ): Promise<string> {
    const r = await this.post('experiments/create', {
      name,
      artifact_location: options.artifactLocation,
      tags: options.tags,
    });
    return String(r.experiment_id);
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    const r = await this.get('experiments/get', { experiment_id: experimentId });
    return toExperiment(r.experiment as Json);
  }

  async getExperimentByName(name: string): Promise<Experiment | null> {
    try {
      const r = await this.get('experiments/get-by-name', { experiment_name: name });
      return toExperiment(r.experiment as Json);
    } catch (err) {
      // rest_store.get_experiment_by_name: RESOURCE_DOES_NOT_EXIST means "none", nothing else does.
      if (err instanceof MlflowRestError && err.errorCode === 'RESOURCE_DOES_NOT_EXIST') return null;
      throw err;
    }
  }

  async searchExperiments(options: SearchExperimentsOptions = {}): Promise<Page<Experiment>> {
    const r = await this.post('experiments/search', {
      view_type: options.viewType,
      max_results: options.maxResults,
      page_token: options.pageToken,
      order_by: options.orderBy,
      filter: options.filter,
    });
    return page(((r.experiments as Json[] | undefined) ?? []).map(toExperiment), r.next_page_token);
  }

  async createRun(options: CreateRunOptions): Promise<Run> {
    const r = await this.post('runs/create', {
      experiment_id: options.experimentId,
      user_id: options.userId,
      start_time: options.startTime ?? Date.now(),
      tags: options.tags,
      run_name: options.runName,
    });
    return toRun(r.run as Json);
  }

  async getRun(runId: string): Promise<Run> {
    const r = await this.get('runs/get', { run_uuid: runId, run_id: runId });
    return toRun(r.run as Json);
  }

  async updateRun(runId: string, update: UpdateRunOptions): Promise<RunInfo> {
    const r = await this.post('runs/update', {
      run_uuid: runId,
      run_id: runId,
      status: update.status,
      end_time: update.endTime,
      run_name: update.runName,
    });
    return toRunInfo(r.run_info as Json);
  }

  async searchRuns(options: SearchRunsOptions): Promise<Page<Run>> {
    const r = await this.post('runs/search', {
      experiment_ids: options.experimentIds,
      filter: options.filter,
      run_view_type: options.runViewType,
      max_results: options.maxResults,
      order_by: options.orderBy,
      page_token: options.pageToken,
    });
    return page(((r.runs as Json[] | undefined) ?? []).map(toRun), r.next_page_token);
  }

  async logBatch(
    runId: string,
    batch: { metrics?: MetricPoint[]; params?: Param[]; tags?: RunTag[] },
  ): Promise<void> {
    await this.post('runs/log-batch', {
      run_id: runId,
      metrics: batch.metrics?.map((m) => ({
        key: m.key,
        value: m.value,
        timestamp: m.timestamp,
        step: m.step ?? 0,
      })),
      params: batch.params,
      tags: batch.tags,
    });
  }

  async logMetric(runId: string, m: MetricPoint): Promise<void> {
    await this.post('runs/log-metric', {
      run_uuid: runId,
      run_id: runId,
      key: m.key,
      value: m.value,
      timestamp: m.timestamp,
      step: m.step ?? 0,
    });
  }

  async logParam(runId: string, key: string, value: string): Promise<void> {
    await this.post('runs/log-parameter', { run_uuid: runId, run_id: runId, key, value });
  }

  async setTag(runId: string, key: string, value: string): Promise<void> {
    await this.post('runs/set-tag', { run_uuid: runId, run_id: runId, key, value });
  }

  async logInputs(runId: string, datasets: DatasetInput[]): Promise<void> {
    await this.post('runs/log-inputs', { run_id: runId, datasets });
  }

  async getMetricHistory(
    runId: string,
    key: string,
    options: { maxResults?: number; pageToken?: string } = {},
  ): Promise<Page<Metric>> {
    const r = await this.get('metrics/get-history', {
      run_uuid: runId,
      run_id: runId,
      metric_key: key,
      max_results: options.maxResults,
      page_token: options.pageToken,
    });
    return page(((r.metrics as Json[] | undefined) ?? []).map(toMetric), r.next_page_token);
  }

  async listArtifacts(runId: string, path?: string, pageToken?: string): Promise<ArtifactListing> {
    const r = await this.get('artifacts/list', {
      run_uuid: runId,
      run_id: runId,
      path: path || undefined,
      page_token: pageToken,
    });
    const files = ((r.files as FileInfo[] | undefined) ?? []).map((f) => {
      const out: FileInfo = { path: f.path, is_dir: Boolean(f.is_dir) };
      if (f.file_size !== undefined && f.file_size !== null) out.file_size = Number(f.file_size);
      return out;
    });
    const listing: ArtifactListing = { rootUri: (r.root_uri as string) ?? '', files };
    if (typeof r.next_page_token === 'string' && r.next_page_token !== '')
      listing.nextPageToken = r.next_page_token;
    return listing;
  }

  async close(): Promise<void> {
    // fetch keeps no state of ours to release; idle pooled sockets do not hold the process open.
  }
}
