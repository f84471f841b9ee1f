/**
 * The tracking endpoints of MLflow's REST API 2.0 (service.proto `MlflowService`), one handler each,
 * written after mlflow/server/handlers.py: the same schema checks in the same order, the same
 * defaults, the same response messages. Handlers return the response message as a plain object;
 * app.ts serialises it with `toMlflowJson` (unset and empty fields omitted, NaN as "NaN").
 */
import type { FastifyRequest, HTTPMethods } from 'fastify';
import type { ArtifactRepository } from '../artifacts/repository.js';
import {
  type DatasetInput,
  type Param,
  type RunStatus,
  type RunTag,
  toMlflowJson,
  type ViewType,
} from '../entities.js';
import { experimentNameNotFound, MlflowError } from '../errors.js';
import type { MetricInput, TrackingStore } from '../store/types.js';
import { LOG_BATCH_BODY_LIMIT, LOG_INPUTS_BODY_LIMIT } from './body-limits.js';
import * as M from './messages.js';
import {
  atMost,
  type Check,
  invalidValue,
  itemsHave,
  type Message,
  missingValue,
  readRequest,
  runIdOf,
} from './request.js';

const REQ: Check = 'required';
const TYPE: Check = 'type';

/** What a handler may use. */
export interface HandlerContext {
  store: TrackingStore;
  artifacts: ArtifactRepository;
}

/**
 * A response body to send as it is, not as a proto message (whose empty lists `toMlflowJson` drops):
 * for the few endpoints MLflow answers with Flask's `jsonify`.
 */
export class Verbatim {
  readonly body: unknown;
  constructor(body: unknown) {
    this.body = body;
  }
}

export interface Endpoint {
  method: HTTPMethods;
  /** below `/api/2.0` and `/ajax-api/2.0` */
  path: string;
  /** Body limit in bytes when not the server's default (body-limits.ts). */
  bodyLimit?: number;
  /** Routes MLflow serves only under `/ajax-api` (its UI's helpers). */
  ajaxOnly?: boolean;
  handle(request: FastifyRequest, context: HandlerContext): Promise<unknown>;
}

/** SEARCH_MAX_RESULTS_DEFAULT: runs/search's proto default, also used when experiments/search omits it. */
const SEARCH_MAX_RESULTS_DEFAULT = 1000;
/** handlers.MAX_RUNS_GET_METRIC_HISTORY_BULK and MAX_RESULTS_PER_RUN. */
const MAX_RUNS_BULK_INTERVAL = 100;
const MAX_RESULTS_PER_RUN = 2500;
/** get_metric_history_bulk_handler's MAX_HISTORY_RESULTS and MAX_RUN_IDS_PER_REQUEST. */
const MAX_HISTORY_RESULTS = 25000;
const MAX_RUN_IDS_BULK = 100;
/**
 * runs/search's experiment_ids: MLflow sets no limit, and 50,000 ids failed in the database (past
 * SQLite's 32,766 bound variables). mlship's limit, far above what a client sends (the UI compares
 * a handful of experiments).
 */
const MAX_SEARCH_EXPERIMENT_IDS = 1000;

/** A repeated field of at most `limit` items. */
function atMostItems(limit: number): Check {
  return (raw, field) =>
    Array.isArray(raw) && raw.length > limit
      ? MlflowError.invalidParameter(
          `'${field}' has ${raw.length} items; at most ${limit} are allowed in one request`,
        )
      : undefined;
}

/** environment_variables.MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH default. */
const ARTIFACT_LOCATION_MAX_LENGTH = 2048;

type KeyValue = { key?: string; value?: string };

function keyValues(items: unknown): { key: string; value: string }[] {
  // Proto defaults: an unset key or value reads as "" (RunTag(tag.key, tag.value) in MLflow).
  return ((items as KeyValue[] | undefined) ?? []).map((t) => ({ key: t.key ?? '', value: t.value ?? '' }));
}

function str(message: Message, field: string): string {
  return (message[field] as string | undefined) ?? '';
}

/**
 * handlers._validate_artifact_root_uri for an experiment's `artifact_location`. Stricter than
 * MLflow on `#` and `;` anywhere (MLflow only looks at the URL's fragment and last-segment
 * params). Accepting a location does not make the server read from it: the artifact routes only
 * serve locations inside the proxy's destination (artifacts/paths.ts proxiedKeyOf).
 */
function validateArtifactLocation(value: string, field: string): void {
  if (value.includes('#') || value.includes(';')) {
    throw MlflowError.invalidParameter(`'${field}' URL can't include fragments or params.`);
  }
  const q = value.indexOf('?');
  if (q >= 0) {
    // uri.validate_query_string: `..` in the decoded query could be resolved as part of the path.
    let query = value.slice(q + 1);
    for (let i = 0; i < 10; i++) {
      let decoded: string;
      try {
        decoded = decodeURIComponent(query);
      } catch {
        break;
      }
      if (decoded === query) break;
      query = decoded;
    }
    if (query.includes('..')) throw MlflowError.invalidParameter('Invalid query string');
  }
  if (value.startsWith('runs:')) {
    throw MlflowError.invalidParameter(`Artifact location cannot be a runs:/ URI. Given: '${value}'`);
  }
  if (value.length > ARTIFACT_LOCATION_MAX_LENGTH) {
    throw MlflowError.invalidParameter(
      `Invalid artifact path length. The length of the artifact path cannot be greater than ${ARTIFACT_LOCATION_MAX_LENGTH} characters. To configure this limit, please set the MLFLOW_ARTIFACT_LOCATION_MAX_LENGTH environment variable.`,
    );
  }
}

// --- experiments ---------------------------------------------------------------------------------

const createExperiment: Endpoint = {
  method: 'POST',
  path: '/mlflow/experiments/create',
  async handle(request, { store }) {
    const { message } = await readRequest(request, M.CreateExperiment, [
      ['name', [REQ, TYPE]],
      ['artifact_location', [TYPE]],
      ['tags', [TYPE]],
    ]);
    const location = str(message, 'artifact_location');
    if (location) validateArtifactLocation(location, 'artifact_location');
    const id = await store.createExperiment(
      str(message, 'name'),
      location || undefined,
      keyValues(message.tags),
    );
    return { experiment_id: id };
  },
};

const getExperiment: Endpoint = {
  method: 'GET',
  path: '/mlflow/experiments/get',
  async handle(request, { store }) {
    const { message } = await readRequest(request, M.GetExperiment, [['experiment_id', [REQ, TYPE]]]);
    return { experiment: await store.getExperiment(str(message, 'experiment_id')) };
  },
};

const getExperimentByName: Endpoint = {
  method: 'GET',
  path: '/mlflow/experiments/get-by-name',
  async handle(request, { store }) {
    const { message } = await readRequest(request, M.GetExperimentByName, [['experiment_name', [REQ, TYPE]]]);
    const name = str(message, 'experiment_name');
    const experiment = await store.getExperimentByName(name);
    if (experiment === null) throw experimentNameNotFound(name);
    return { experiment };
  },
};

/**
 * Run `fn` with a signal that fires if the request's connection closes before the answer is sent,
 * so the store abandons (on PostgreSQL: cancels) a search nobody waits for any more (issue 8 §5.1).
 */
async function whileConnected<T>(
  request: FastifyRequest,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const socket = request.raw.socket;
  const onClose = () => controller.abort();
  if (socket?.destroyed) controller.abort();
  else socket?.once('close', onClose);
  try {
    return await fn(controller.signal);
  } finally {
    socket?.off('close', onClose);
  }
}

async function searchExperiments(request: FastifyRequest, { store }: HandlerContext): Promise<unknown> {
  const { message } = await readRequest(request, M.SearchExperiments, [
    ['view_type', [TYPE]],
    ['max_results', [TYPE]],
    ['order_by', [TYPE]],
    ['filter', [TYPE]],
    ['page_token', [TYPE]],
  ]);
  const page = await whileConnected(request, (signal) =>
    store.searchExperiments({
      viewType: (message.view_type as ViewType | undefined) ?? 'ACTIVE_ONLY',
      // The proto leaves the default to the server ("Servers may select a desired default"); MLflow's
      // own passes 0 and then refuses it, which only its clients (they always send one) never hit.
      maxResults: (message.max_results as number | undefined) ?? SEARCH_MAX_RESULTS_DEFAULT,
      orderBy: message.order_by as string[] | undefined,
      filter: (message.filter as string | undefined) || undefined,
      pageToken: (message.page_token as string | undefined) || undefined,
      signal,
    }),
  );
  return { experiments: page.experiments, next_page_token: page.nextPageToken || undefined };
}

const searchExperimentsPost: Endpoint = {
  method: 'POST',
  path: '/mlflow/experiments/search',
  handle: searchExperiments,
};
const searchExperimentsGet: Endpoint = {
  method: 'GET',
  path: '/mlflow/experiments/search',
  handle: searchExperiments,
};

const updateExperiment: Endpoint = {
  method: 'POST',
  path: '/mlflow/experiments/update',
  async handle(request, { store }) {
    const { message } = await readRequest(request, M.UpdateExperiment, [
      ['experiment_id', [REQ, TYPE]],
      ['new_name', [TYPE, REQ]],
    ]);
    await store.renameExperiment(str(message, 'experiment_id'), str(message, 'new_name'));
    return {};
  },
};

const deleteExperiment: Endpoint = {
  method: 'POST',
  path: '/mlflow/experiments/delete',
  async handle(request, { store }) {
    const { message } = await readRequest(request, M.DeleteExperiment, [['experiment_id', [REQ, TYPE]]]);
    await store.deleteExperiment(str(message, 'experiment_id'));
    return {};
  },
};

const restoreExperiment: Endpoint = {
  method: 'POST',
  path: '/mlflow/experiments/restore',
  async handle(request, { store }) {
    const { message } = await readRequest(request, M.RestoreExperiment, [['experiment_id', [REQ, TYPE]]]);
    await store.restoreExperiment(str(message, 'experiment_id'));
    return {};
  },
};

const setExperimentTag: Endpoint = {
  method: 'POST',
  path: '/mlflow/experiments/set-experiment-tag',
  async handle(request, { store }) {
    const { message } = await readRequest(request, M.SetExperimentTag, [
      ['experiment_id', [REQ, TYPE]],
      ['key', [REQ, TYPE]],
      ['value', [TYPE]],
    ]);
    await store.setExperimentTag(str(message, 'experiment_id'), str(message, 'key'), str(message, 'value'));
    return {};
  },
};

const deleteExperimentTag: Endpoint = {
  method: 'POST',
  path: '/mlflow/experiments/delete-experiment-tag',
  async handle(request, { store }) {
    const { message } = await readRequest(request, M.DeleteExperimentTag, [
      ['experiment_id', [REQ, TYPE]],
      ['key', [REQ, TYPE]],
    ]);
    await store.deleteExperimentTag(str(message, 'experiment_id'), str(message, 'key'));
    return {};
  },
};

// --- runs ------------------------------------------------------------------------------------------

const createRun: Endpoint = {
  method: 'POST',
  path: '/mlflow/runs/create',
  async handle(request, { store }) {
    const { message } = await readRequest(request, M.CreateRun, [
      ['experiment_id', [TYPE]],
      ['start_time', [TYPE]],
      ['run_name', [TYPE]],
    ]);
    const runName = str(message, 'run_name');
    const run = await store.createRun({
      // The Default experiment when none is named (the store contract; MLflow's clients always send one).
      experimentId: str(message, 'experiment_id') || '0',
      userId: str(message, 'user_id'),
      // MLflow stores proto's default 0 (1970) when start_time is absent; "now" is what was meant.
      startTime: (message.start_time as number | undefined) ?? Date.now(),
      tags: keyValues(message.tags),
      runName: runName === '' ? undefined : runName,
    });
    return { run };
  },
};

const updateRun: Endpoint = {
  method: 'POST',
  path: '/mlflow/runs/update',
  async handle(request, { store }) {
    const { message } = await readRequest(request, M.UpdateRun, [
      ['run_id', [REQ, TYPE]],
      ['end_time', [TYPE]],
      ['status', [TYPE]],
      ['run_name', [TYPE]],
    ]);
    const runInfo = await store.updateRunInfo(runIdOf(message), {
      status: message.status as RunStatus | undefined,
      endTime: message.end_time as number | undefined,
      runName: message.run_name as string | undefined,
    });
    return { run_info: runInfo };
  },
};

const deleteRun: Endpoint = {
  method: 'POST',
  path: '/mlflow/runs/delete',
  async handle(request, { store }) {
    const { message } = await readRequest(request, M.DeleteRun, [['run_id', [REQ, TYPE]]]);
    await store.deleteRun(runIdOf(message));
    return {};
  },
};

const restoreRun: Endpoint = {
  method: 'POST',
  path: '/mlflow/runs/restore',
  async handle(request, { store }) {
    const { message } = await readRequest(request, M.RestoreRun, [['run_id', [REQ, TYPE]]]);
    await store.restoreRun(runIdOf(message));
    return {};
  },
};

const getRun: Endpoint = {
  method: 'GET',
  path: '/mlflow/runs/get',
  async handle(request, { store }) {
    const { message } = await readRequest(request, M.GetRun, [['run_id', [REQ, TYPE]]]);
    return { run: await store.getRun(runIdOf(message)) };
  },
};

const searchRuns: Endpoint = {
  method: 'POST',
  path: '/mlflow/runs/search',
  async handle(request, { store }) {
    const { message } = await readRequest(request, M.SearchRuns, [
      ['experiment_ids', [TYPE, atMostItems(MAX_SEARCH_EXPERIMENT_IDS)]],
      ['filter', [TYPE]],
      ['max_results', [TYPE, atMost(50000)]],
      ['order_by', [TYPE]],
    ]);
    const page = await whileConnected(request, (signal) =>
      store.searchRuns({
        experimentIds: (message.experiment_ids as string[] | undefined) ?? [],
        filter: (message.filter as string | undefined) || undefined,
        runViewType: (message.run_view_type as ViewType | undefined) ?? 'ACTIVE_ONLY',
        maxResults: (message.max_results as number | undefined) ?? SEARCH_MAX_RESULTS_DEFAULT,
        orderBy: message.order_by as string[] | undefined,
        pageToken: (message.page_token as string | undefined) || undefined,
        signal,
      }),
    );
    return { runs: page.runs, next_page_token: page.nextPageToken || undefined };
  },
};

// --- run data --------------------------------------------------------------------------------------

const logMetric: Endpoint = {
  method: 'POST',
  path: '/mlflow/runs/log-metric',
  async handle(request, { store }) {
    const { message } = await readRequest(request, M.LogMetric, [
      ['run_id', [REQ, TYPE]],
      ['key', [REQ, TYPE]],
      ['value', [REQ, TYPE]],
      ['timestamp', [TYPE, REQ]],
      ['step', [TYPE]],
      ['model_id', [TYPE]],
      ['dataset_name', [TYPE]],
      ['dataset_digest', [TYPE]],
    ]);
    await store.logMetric(runIdOf(message), {
      key: str(message, 'key'),
      value: message.value as number,
      timestamp: message.timestamp as number,
      step: (message.step as number | undefined) ?? 0,
    });
    return {};
  },
};

const logParam: Endpoint = {
  method: 'POST',
  path: '/mlflow/runs/log-parameter',
  async handle(request, { store }) {
    const { message } = await readRequest(request, M.LogParam, [
      ['run_id', [REQ, TYPE]],
      ['key', [REQ, TYPE]],
      ['value', [TYPE]],
    ]);
    await store.logParam(runIdOf(message), str(message, 'key'), str(message, 'value'));
    return {};
  },
};

const setTag: Endpoint = {
  method: 'POST',
  path: '/mlflow/runs/set-tag',
  async handle(request, { store }) {
    const { message } = await readRequest(request, M.SetTag, [
      ['run_id', [REQ, TYPE]],
      ['key', [REQ, TYPE]],
      ['value', [TYPE]],
    ]);
    await store.setTag(runIdOf(message), str(message, 'key'), str(message, 'value'));
    return {};
  },
};

const deleteTag: Endpoint = {
  method: 'POST',
  path: '/mlflow/runs/delete-tag',
  async handle(request, { store }) {
    const { message } = await readRequest(request, M.DeleteTag, [
      ['run_id', [REQ, TYPE]],
      ['key', [REQ, TYPE]],
    ]);
    await store.deleteTag(runIdOf(message), str(message, 'key'));
    return {};
  },
};

const logBatch: Endpoint = {
  method: 'POST',
  path: '/mlflow/runs/log-batch',
  bodyLimit: LOG_BATCH_BODY_LIMIT,
  async handle(request, { store }) {
    const { message } = await readRequest(request, M.LogBatch, [
      ['run_id', [TYPE, REQ]],
      ['metrics', [TYPE, itemsHave('key', 'value', 'timestamp')]],
      ['params', [TYPE, itemsHave('key')]],
      ['tags', [TYPE, itemsHave('key')]],
    ]);
    type MetricMessage = { key?: string; value?: number; timestamp?: number; step?: number };
    const metrics: MetricInput[] = ((message.metrics as MetricMessage[] | undefined) ?? []).map((m) => ({
      key: m.key ?? '',
      value: m.value ?? 0,
      timestamp: m.timestamp ?? 0,
      step: m.step ?? 0,
    }));
    const params: Param[] = keyValues(message.params);
    const tags: RunTag[] = keyValues(message.tags);
    await store.logBatch(runIdOf(message), metrics, params, tags);
    return {};
  },
};

/**
 * log-inputs: the proto marks a dataset input's `dataset` and the dataset's name, digest,
 * source_type and source (and input tags' key and value) `validate_required`; MLflow's handler does
 * not enforce it and stores empty strings. They are enforced here: a nameless dataset is unusable.
 */
function datasetsComplete(raw: unknown, field: string): MlflowError | undefined {
  if (!Array.isArray(raw)) return undefined;
  for (let i = 0; i < raw.length; i++) {
    const input = raw[i] as { dataset?: Record<string, unknown>; tags?: unknown } | null;
    const dataset = input?.dataset;
    if (typeof dataset !== 'object' || dataset === null) return missingValue(`${field}[${i}].dataset`);
    for (const key of ['name', 'digest', 'source_type', 'source']) {
      if (dataset[key] === undefined || dataset[key] === null || dataset[key] === '') {
        return missingValue(`${field}[${i}].dataset.${key}`);
      }
    }
    const tags = Array.isArray(input?.tags) ? (input.tags as Record<string, unknown>[]) : [];
    for (let j = 0; j < tags.length; j++) {
      for (const key of ['key', 'value']) {
        const v = tags[j]?.[key];
        if (v === undefined || v === null || v === '')
          return missingValue(`${field}[${i}].tags[${j}].${key}`);
      }
    }
  }
  return undefined;
}

const logInputs: Endpoint = {
  method: 'POST',
  path: '/mlflow/runs/log-inputs',
  bodyLimit: LOG_INPUTS_BODY_LIMIT,
  async handle(request, { store }) {
    const { message } = await readRequest(request, M.LogInputs, [
      ['run_id', [REQ, TYPE]],
      ['datasets', [TYPE, datasetsComplete]],
      ['models', [TYPE]],
    ]);
    type InputMessage = { tags?: KeyValue[]; dataset: DatasetInput['dataset'] };
    const datasets: DatasetInput[] = ((message.datasets as InputMessage[] | undefined) ?? []).map((d) => ({
      tags: keyValues(d.tags),
      dataset: { ...d.dataset },
    }));
    if ((message.models as unknown[] | undefined)?.length) {
      // LoggedModel inputs belong to MLflow 3's logged-model API, which mlship does not have yet.
      throw new MlflowError(
        'NOT_IMPLEMENTED',
        'Logging model inputs (LoggedModels) is not supported by this server',
      );
    }
    await store.logInputs(runIdOf(message), datasets);
    return {};
  },
};

// --- metric history --------------------------------------------------------------------------------

const getMetricHistory: Endpoint = {
  method: 'GET',
  path: '/mlflow/metrics/get-history',
  async handle(request, { store }) {
    const { message } = await readRequest(request, M.GetMetricHistory, [
      ['run_id', [TYPE, REQ]],
      ['metric_key', [TYPE, REQ]],
      ['page_token', [TYPE]],
    ]);
    // Proto's unset int32 reads as 0 in MLflow's handler, and both mean "every point".
    const maxResults = message.max_results as number | undefined;
    const page = await store.getMetricHistory(runIdOf(message), str(message, 'metric_key'), {
      maxResults: maxResults === undefined || maxResults === 0 ? undefined : maxResults,
      pageToken: (message.page_token as string | undefined) || undefined,
    });
    return { metrics: page.metrics, next_page_token: page.nextPageToken || undefined };
  },
};

function runIdsAtMost(limit: number): Check {
  return (raw) =>
    Array.isArray(raw) && raw.length > limit
      ? MlflowError.invalidParameter(
          `GetMetricHistoryBulkInterval request must specify at most ${limit} run_ids. Received ${raw.length} run_ids. See the API docs for more information about request parameters.`,
        )
      : undefined;
}

function maxResultsInRange(raw: unknown): MlflowError | undefined {
  const n = Number(raw);
  return n >= 1 && n <= MAX_RESULTS_PER_RUN
    ? undefined
    : MlflowError.invalidParameter(
        `max_results must be between 1 and ${MAX_RESULTS_PER_RUN}. See the API docs for more information about request parameters.`,
      );
}

const getMetricHistoryBulkInterval: Endpoint = {
  method: 'GET',
  path: '/mlflow/metrics/get-history-bulk-interval',
  async handle(request, { store }) {
    const { message } = await readRequest(request, M.GetMetricHistoryBulkInterval, [
      ['run_ids', [REQ, TYPE, runIdsAtMost(MAX_RUNS_BULK_INTERVAL)]],
      ['metric_key', [REQ, TYPE]],
      ['start_step', [TYPE]],
      ['end_step', [TYPE]],
      ['max_results', [TYPE, maxResultsInRange]],
    ]);
    const metrics = await store.getMetricHistoryBulkInterval(
      message.run_ids as string[],
      str(message, 'metric_key'),
      {
        startStep: message.start_step as number | undefined,
        endStep: message.end_step as number | undefined,
        maxResults: (message.max_results as number | undefined) ?? MAX_RESULTS_PER_RUN,
      },
    );
    return { metrics };
  },
};

/**
 * The UI's older bulk history (mlflow/server/__init__.py serve_get_metric_history_bulk, under
 * /ajax-api only): every point of `metric_key` for up to 100 runs, each run's sorted by (timestamp,
 * step, value), at most `max_results` (≤ 25000) in all. Flask's jsonify writes it, so `metrics` is
 * present even when empty.
 */
const getMetricHistoryBulk: Endpoint = {
  method: 'GET',
  path: '/mlflow/metrics/get-history-bulk',
  ajaxOnly: true,
  async handle(request, { store }) {
    const query = (request.query ?? {}) as Record<string, string | string[] | undefined>;
    const all = (name: string) => {
      const v = query[name];
      return v === undefined ? [] : Array.isArray(v) ? v : [v];
    };
    const runIds = all('run_id');
    if (runIds.length === 0) {
      throw MlflowError.invalidParameter('GetMetricHistoryBulk request must specify at least one run_id.');
    }
    if (runIds.length > MAX_RUN_IDS_BULK) {
      throw MlflowError.invalidParameter(
        `GetMetricHistoryBulk request cannot specify more than ${MAX_RUN_IDS_BULK} run_ids. Received ${runIds.length} run_ids.`,
      );
    }
    const metricKey = all('metric_key')[0];
    if (metricKey === undefined) {
      throw MlflowError.invalidParameter('GetMetricHistoryBulk request must specify a metric_key.');
    }
    const rawMax = all('max_results')[0];
    let maxResults = MAX_HISTORY_RESULTS;
    if (rawMax !== undefined) {
      if (!/^[+-]?\d+$/.test(rawMax.trim())) throw invalidValue('max_results', rawMax);
      maxResults = Math.min(Number(rawMax), MAX_HISTORY_RESULTS);
    }
    const points: unknown[] = [];
    for (const runId of [...runIds].sort()) {
      const { metrics } = await store.getMetricHistory(runId, metricKey, { maxResults });
      metrics.sort((a, b) => a.timestamp - b.timestamp || a.step - b.step || a.value - b.value);
      for (const m of metrics) {
        points.push(
          toMlflowJson({ key: m.key, value: m.value, timestamp: m.timestamp, step: m.step, run_id: runId }),
        );
      }
    }
    return new Verbatim({ metrics: points.slice(0, Math.max(0, maxResults)) });
  },
};

export const TRACKING_ENDPOINTS: readonly Endpoint[] = [
  createExperiment,
  getExperiment,
  getExperimentByName,
  searchExperimentsPost,
  searchExperimentsGet,
  updateExperiment,
  deleteExperiment,
  restoreExperiment,
  setExperimentTag,
  deleteExperimentTag,
  createRun,
  updateRun,
  deleteRun,
  restoreRun,
  getRun,
  searchRuns,
  logMetric,
  logParam,
  setTag,
  deleteTag,
  logBatch,
  logInputs,
  getMetricHistory,
  getMetricHistoryBulkInterval,
  getMetricHistoryBulk,
];
