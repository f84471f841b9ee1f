/**
 * The tracking calls the client makes, one method per MLflow REST endpoint (service.proto
 * `MlflowService`), with the request fields as typed options and the response entities in the
 * complete shape of entities.ts (every repeated field present, even when the server omitted it
 * because it was empty). Two implementations: RestTrackingApi (HTTP, any MLflow-compatible
 * server) and StoreTrackingApi (a SQLite or PostgreSQL store opened in this process).
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
  RunStatus,
  RunTag,
  ViewType,
} from '../entities.js';

/** A metric point to log; `step` defaults to 0 as in MLflow. */
export interface MetricPoint {
  key: string;
  value: number;
  /** Epoch milliseconds. */
  timestamp: number;
  step?: number;
}

export interface CreateRunOptions {
  experimentId: string;
  /** Epoch milliseconds; now when absent. */
  startTime?: number;
  tags?: RunTag[];
  /** When absent the server generates one (and sets the `mlflow.runName` tag). */
  runName?: string;
  /** Deprecated in MLflow in favour of the `mlflow.user` tag, which MLflow's client copies here. */
  userId?: string;
}

export interface UpdateRunOptions {
  status?: RunStatus;
  /** Epoch milliseconds. */
  endTime?: number;
  runName?: string;
}

export interface SearchExperimentsOptions {
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
  viewType?: ViewType;
}

export interface SearchRunsOptions {
  experimentIds: string[];
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
  runViewType?: ViewType;
}

export interface Page<T> {
  items: T[];
  /** Present when another page may follow. */
  nextPageToken?: string;
}

export interface ArtifactListing {
  /** The run's artifact root. */
  rootUri: string;
  /** Paths relative to the run's artifact root. */
  files: FileInfo[];
  nextPageToken?: string;
}

export interface TrackingApi {
  /** What the client talks to, for messages: a server URL or a redacted database URI. */
  readonly target: string;

  createExperiment(
    name: string,
    options?: { artifactLocation?: string; tags?: ExperimentTag[] },
  ): Promise<string>;
  getExperiment(experimentId: string): Promise<Experiment>;
  /** null when no experiment has that name (MLflow's client does the same on a 404). */
  getExperimentByName(name: string): Promise<Experiment | null>;
  searchExperiments(options?: SearchExperimentsOptions): Promise<Page<Experiment>>;

  createRun(options: CreateRunOptions): Promise<Run>;
  getRun(runId: string): Promise<Run>;
  updateRun(runId: string, update: UpdateRunOptions): Promise<RunInfo>;
  searchRuns(options: SearchRunsOptions): Promise<Page<Run>>;

  /** One log-batch call: at most 1000 metrics, 100 params, 100 tags (TrackingClient.logBatch splits). */
  logBatch(
    runId: string,
    batch: { metrics?: MetricPoint[]; params?: Param[]; tags?: RunTag[] },
  ): Promise<void>;
  logMetric(runId: string, metric: MetricPoint): Promise<void>;
  logParam(runId: string, key: string, value: string): Promise<void>;
  setTag(runId: string, key: string, value: string): Promise<void>;
  logInputs(runId: string, datasets: DatasetInput[]): Promise<void>;

  /** One page of a metric's history (every logged point when maxResults is absent). */
  getMetricHistory(
    runId: string,
    key: string,
    options?: { maxResults?: number; pageToken?: string },
  ): Promise<Page<Metric>>;

  /**
   * `artifacts/list` on the server: one directory level of a run's artifacts. Only a server that
   * proxies the run's artifacts can answer it; StoreTrackingApi has no server and returns null,
   * and the client then lists through the artifact store itself.
   */
  listArtifacts(runId: string, path?: string, pageToken?: string): Promise<ArtifactListing | null>;

  close(): Promise<void>;
}
