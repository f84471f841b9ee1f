/**
 * The tracking store contract: what the HTTP server (src/tracking/server) calls, implemented by the
 * SQLite and PostgreSQL stores with MLflow's SQL-store semantics (mlflow/store/tracking/
 * sqlalchemy_store.py). Every method is async; every failure MLflow reports as an API error is
 * thrown as an `MlflowError` (src/tracking/errors.ts) with MLflow's code and message, so the server
 * only maps `err.httpStatus` / `err.toJSON()`. Anything else thrown is a bug or an outage (500).
 *
 * Division of work with the server: the server parses and type-checks requests (required fields,
 * "Missing value for required parameter…", enums by name or number, step defaulting to 0,
 * run_uuid as an alias of run_id, experiment_id defaulting to "0" on runs/create) and shapes
 * responses with `toMlflowJson`. The store validates values as MLflow's store does (key names,
 * lengths, batch limits, timestamps, param immutability, lifecycle state, filter grammar, page
 * tokens, max_results bounds) so that every caller — server, CLI, tests — gets the same rules.
 *
 * Room for what comes later: the model registry (registered models, versions, aliases) and auth
 * get their own interfaces over the same database; `migrations/` numbers schema changes globally,
 * so their tables are simply further migrations, and a store exposes nothing here that they would
 * have to change.
 */
import type {
  DatasetInput,
  Experiment,
  ExperimentTag,
  Metric,
  Param,
  Run,
  RunInfo,
  RunStatus,
  RunTag,
  ViewType,
} from '../entities.js';

export interface OpenStoreOptions {
  /**
   * Root under which experiments get their artifact location `<root>/<experiment_id>` when created
   * without one, e.g. `mlflow-artifacts:` → `mlflow-artifacts:/1` (what `mlflow server` with the
   * artifact proxy does), or `./mlruns`, `s3://bucket/prefix`. Joined as MLflow's
   * `append_to_uri_path` does: exactly one `/` between root and id.
   */
  defaultArtifactRoot: string;
}

export interface CreateRunInput {
  experimentId: string;
  userId: string;
  /** Epoch milliseconds. */
  startTime: number;
  tags: RunTag[];
  /**
   * When absent the store uses the `mlflow.runName` tag, else generates a random name; the
   * `mlflow.runName` tag is always set to the run name (sqlalchemy_store.create_run).
   */
  runName?: string;
}

export interface UpdateRunInput {
  status?: RunStatus;
  /** Epoch milliseconds. */
  endTime?: number;
  /** A non-empty name renames the run and its `mlflow.runName` tag. */
  runName?: string;
}

export interface SearchExperimentsInput {
  viewType: ViewType;
  filter?: string;
  orderBy?: string[];
  /** 1..50000 (SEARCH_MAX_RESULTS_THRESHOLD); others → INVALID_PARAMETER_VALUE. */
  maxResults: number;
  pageToken?: string;
  /** Abandon the search when this fires (e.g. its HTTP client disconnected): CANCELLED. */
  signal?: AbortSignal;
}

export interface SearchRunsInput {
  experimentIds: string[];
  filter?: string;
  runViewType: ViewType;
  /** ≤ 50000; larger → INVALID_PARAMETER_VALUE. */
  maxResults: number;
  orderBy?: string[];
  pageToken?: string;
  /** Abandon the search when this fires (e.g. its HTTP client disconnected): CANCELLED. */
  signal?: AbortSignal;
}

export interface ExperimentsPage {
  experiments: Experiment[];
  /** Present when more may follow (MLflow looks one ahead for experiments). */
  nextPageToken?: string;
}

export interface RunsPage {
  runs: Run[];
  /** Present whenever the page is full, as in MLflow's SQL store (the next page may be empty). */
  nextPageToken?: string;
}

export interface MetricHistoryInput {
  /** Page size; absent = every point. */
  maxResults?: number;
  pageToken?: string;
}

export interface MetricHistoryPage {
  /**
   * Every logged point of the key ordered by (timestamp, step) as MLflow does; points at the same
   * timestamp and step keep the order they were logged in (MLflow breaks that tie by value).
   */
  metrics: Metric[];
  nextPageToken?: string;
}

export interface BulkIntervalInput {
  startStep?: number;
  endStep?: number;
  /** Sample size, as MLflow's handler: 1..2500 (MAX_RESULTS_PER_RUN); the server checks the range. */
  maxResults: number;
}

/** A metric point to log; the same fields the API's Metric carries (step defaults to 0 in the server). */
export type MetricInput = Pick<Metric, 'key' | 'value' | 'timestamp' | 'step'>;

export interface TrackingStore {
  /** Which SQL dialect backs the store ("sqlite" | "postgresql"), for logs and /version details. */
  readonly dialect: 'sqlite' | 'postgresql';

  // --- experiments ---------------------------------------------------------------------------
  /** → the new experiment's id (autoincrement integer as a string). Duplicate name (deleted ones
   * included) → RESOURCE_ALREADY_EXISTS. */
  createExperiment(name: string, artifactLocation?: string, tags?: ExperimentTag[]): Promise<string>;
  /** Deleted experiments too. Unknown → RESOURCE_DOES_NOT_EXIST. */
  getExperiment(experimentId: string): Promise<Experiment>;
  /** null when no experiment has that name (the server turns it into 404). */
  getExperimentByName(name: string): Promise<Experiment | null>;
  searchExperiments(input: SearchExperimentsInput): Promise<ExperimentsPage>;
  /** Deleted experiment → INVALID_STATE "Cannot rename a non-active experiment."; taken name →
   * RESOURCE_ALREADY_EXISTS. */
  renameExperiment(experimentId: string, newName: string): Promise<void>;
  /** Soft delete of the experiment and all its runs; an already-deleted one → 404 as in MLflow. */
  deleteExperiment(experimentId: string): Promise<void>;
  /** Restores the experiment and its runs; an active one → 404 as in MLflow. */
  restoreExperiment(experimentId: string): Promise<void>;
  /** Upsert. Deleted experiment → INVALID_PARAMETER_VALUE. */
  setExperimentTag(experimentId: string, key: string, value: string): Promise<void>;
  /** Absent key → RESOURCE_DOES_NOT_EXIST. */
  deleteExperimentTag(experimentId: string, key: string): Promise<void>;

  // --- runs ----------------------------------------------------------------------------------
  /** status RUNNING, lifecycle active, artifact_uri `<experiment artifact_location>/<run_id>/artifacts`. */
  createRun(input: CreateRunInput): Promise<Run>;
  /** Deleted runs too. Unknown → RESOURCE_DOES_NOT_EXIST "Run with id=<id> not found". */
  getRun(runId: string): Promise<Run>;
  updateRunInfo(runId: string, update: UpdateRunInput): Promise<RunInfo>;
  deleteRun(runId: string): Promise<void>;
  restoreRun(runId: string): Promise<void>;
  searchRuns(input: SearchRunsInput): Promise<RunsPage>;

  // --- run data ------------------------------------------------------------------------------
  /**
   * One transaction: all of it is written or none. Limits: 1000 metrics, 100 params, 100 tags,
   * 1000 in total. Param values over 6000 chars and tag values over 8000 are truncated (MLflow's
   * default MLFLOW_TRUNCATE_LONG_VALUES=true); re-logging a param with the same value is a no-op,
   * a different value → INVALID_PARAMETER_VALUE. A point identical in (key, value, timestamp,
   * step) to one already logged is stored once, as MLflow's primary key makes it.
   */
  logBatch(runId: string, metrics: MetricInput[], params: Param[], tags: RunTag[]): Promise<void>;
  logMetric(runId: string, metric: MetricInput): Promise<void>;
  logParam(runId: string, key: string, value: string): Promise<void>;
  /** Upsert; setting `mlflow.runName` also renames the run. */
  setTag(runId: string, key: string, value: string): Promise<void>;
  /** Absent key → RESOURCE_DOES_NOT_EXIST "No tag with name: <key> in run with id <id>". */
  deleteTag(runId: string, key: string): Promise<void>;
  /** Datasets are shared per experiment by (name, digest); re-logging the same input is a no-op. */
  logInputs(runId: string, datasets: DatasetInput[]): Promise<void>;

  // --- metric history ------------------------------------------------------------------------
  /** Unknown run → RESOURCE_DOES_NOT_EXIST. An unknown key gives no points. maxResults ≥ 1. */
  getMetricHistory(runId: string, key: string, input?: MetricHistoryInput): Promise<MetricHistoryPage>;
  /**
   * Sampled history of `key` across runs (handlers.get_metric_history_bulk_interval_impl): the
   * steps logged by any of the runs within [startStep, endStep] (default [0, last step]) are
   * sampled down to `maxResults` evenly spaced ones (first and last kept), each run's own min and max
   * step in range are added back, and every point of each run at those steps is returned sorted by
   * (step, timestamp), runs in the order given, each point carrying `run_id`. Only one of
   * startStep/endStep, or startStep > endStep → INVALID_PARAMETER_VALUE with MLflow's text.
   */
  getMetricHistoryBulkInterval(runIds: string[], key: string, input: BulkIntervalInput): Promise<Metric[]>;

  /** Release connections. Idempotent. */
  close(): Promise<void>;
}
