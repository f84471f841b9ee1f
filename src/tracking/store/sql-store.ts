/**
 * The TrackingStore over any SqlDatabase: MLflow's SQL-store semantics
 * (mlflow/store/tracking/sqlalchemy_store.py) written once for SQLite and PostgreSQL. Each
 * method is one transaction; every multi-row write (log-batch, create-run with tags, delete of
 * an experiment with its runs, log-inputs) is all-or-nothing.
 */
import { randomUUID } from 'node:crypto';
import type {
  Dataset,
  DatasetInput,
  Experiment,
  ExperimentTag,
  InputTag,
  LifecycleStage,
  Metric,
  Param,
  Run,
  RunInfo,
  RunStatus,
  RunTag,
} from '../entities.js';
import { RUN_STATUSES, stagesOf } from '../entities.js';
import {
  cannotRenameDeletedExperiment,
  experimentAlreadyExists,
  experimentNotActive,
  experimentNotFound,
  MlflowError,
  paramChanged,
  paramsChanged,
  runNotActive,
  runNotFound,
  tagNotFound,
} from '../errors.js';
import {
  createPageToken,
  experimentFilterSql,
  experimentOrderSql,
  parseExperimentFilter,
  parseExperimentOrderBy,
  parsePageToken,
  parseRunFilter,
  parseRunOrderBy,
  runFilterSql,
  runOrderSql,
} from '../search/index.js';
import {
  checkStoredString,
  checkTimestamp,
  validateArtifactLocation,
  validateBatch,
  validateDatasetInputs,
  validateExperimentName,
  validateExperimentTag,
  validateMaxResults,
  validateMetric,
  validateParam,
  validateRunId,
  validateRunName,
  validateSearchStrings,
  validateTag,
} from '../validation.js';
import { appendToUriPath } from './artifact-uri.js';
import {
  chunks,
  IN_CHUNK,
  isUniqueViolation,
  placeholders,
  type SqlDatabase,
  type SqlExecutor,
} from './db.js';
import { migrate } from './migrations/index.js';
import { randomRunName } from './names.js';
import type {
  BulkIntervalInput,
  CreateRunInput,
  ExperimentsPage,
  MetricHistoryInput,
  MetricHistoryPage,
  MetricInput,
  OpenStoreOptions,
  RunsPage,
  SearchExperimentsInput,
  SearchRunsInput,
  TrackingStore,
  UpdateRunInput,
} from './types.js';

export const DEFAULT_EXPERIMENT_ID = '0';
export const DEFAULT_EXPERIMENT_NAME = 'Default';
const RUN_NAME_TAG = 'mlflow.runName';
/** handlers.get_metric_history_bulk_interval_impl: points per run fetched for the sampled steps. */
const MAX_RESULTS_GET_METRIC_HISTORY = 25_000;

interface ExperimentRow {
  experiment_id: number;
  name: string;
  artifact_location: string | null;
  lifecycle_stage: LifecycleStage;
  creation_time: number | null;
  last_update_time: number | null;
}

interface RunRow {
  run_uuid: string;
  name: string | null;
  experiment_id: number;
  user_id: string | null;
  status: RunStatus;
  start_time: number | null;
  end_time: number | null;
  lifecycle_stage: LifecycleStage;
  artifact_uri: string | null;
}

interface MetricRow {
  run_uuid: string;
  key: string;
  value: number;
  timestamp: number;
  step: number;
  is_nan: boolean | number;
}

interface KeyValueRow {
  run_uuid: string;
  key: string;
  value: string | null;
}

/** A SQL experiment id: MLflow's are autoincrement integers; anything else names no experiment. */
function experimentKey(id: string): number | null {
  const s = id === '' ? DEFAULT_EXPERIMENT_ID : id;
  if (!/^\d{1,10}$/.test(s)) return null;
  const n = Number(s);
  return n <= 2_147_483_647 ? n : null;
}

function toMetric(row: MetricRow): Metric {
  return {
    key: row.key,
    value: row.is_nan ? Number.NaN : Number(row.value),
    timestamp: Number(row.timestamp),
    step: Number(row.step),
  };
}

/** A point as stored: NaN becomes 0 with is_nan set (SQLite cannot store NaN), as MLflow does. */
function storedValue(value: number): { value: number; isNan: boolean } {
  return Number.isNaN(value) ? { value: 0, isNan: true } : { value, isNan: false };
}

/** MLflow's order of "latest": the greater (step, timestamp, value), NaN counting as 0. */
function isLater(a: MetricInput, b: MetricInput): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  return storedValue(a.value).value > storedValue(b.value).value;
}

function byKey<T extends { key: string }>(a: T, b: T): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/**
 * handlers._get_sampled_steps_from_steps, kept exactly (including comparing the index with the
 * number of steps in range rather than the end index): at most `maxResults` steps of `allSteps`
 * (sorted) within [start, end], evenly spaced, plus the last one.
 */
export function sampleSteps(start: number, end: number, maxResults: number, allSteps: number[]): Set<number> {
  let startIdx = 0;
  while (startIdx < allSteps.length && allSteps[startIdx]! < start) startIdx++;
  let endIdx = startIdx;
  while (endIdx < allSteps.length && allSteps[endIdx]! <= end) endIdx++;
  if (endIdx - startIdx <= maxResults) return new Set(allSteps.slice(startIdx, endIdx));
  const numSteps = endIdx - startIdx;
  const interval = numSteps / maxResults;
  const sampled: number[] = [];
  for (let i = 0; i < maxResults; i++) {
    const idx = startIdx + Math.trunc(i * interval);
    if (idx < numSteps) sampled.push(allSteps[idx]!);
  }
  sampled.push(allSteps[endIdx - 1]!);
  return new Set(sampled);
}

export class SqlTrackingStore implements TrackingStore {
  readonly dialect: 'sqlite' | 'postgresql';

  private constructor(
    private readonly db: SqlDatabase,
    private readonly defaultArtifactRoot: string,
  ) {
    this.dialect = db.dialect;
  }

  /** Migrate the database, create the Default experiment on a new store, and return the store. */
  static async open(db: SqlDatabase, options: OpenStoreOptions): Promise<SqlTrackingStore> {
    const store = new SqlTrackingStore(db, options.defaultArtifactRoot);
    try {
      await migrate(db, (tx) => store.seedDefaultExperiment(tx));
    } catch (err) {
      await db.close();
      throw err;
    }
    return store;
  }

  /** SqlAlchemyStore._create_default_experiment: experiment 0 "Default" when there is none yet. */
  private async seedDefaultExperiment(tx: SqlExecutor): Promise<void> {
    const row = await tx.get<{ n: number }>('SELECT COUNT(*) AS n FROM experiments');
    if (Number(row?.n ?? 0) > 0) return;
    const now = Date.now();
    await tx.run(
      'INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (?, ?, ?, ?, ?, ?)',
      [
        0,
        DEFAULT_EXPERIMENT_NAME,
        appendToUriPath(this.defaultArtifactRoot, DEFAULT_EXPERIMENT_ID),
        'active',
        now,
        now,
      ],
    );
  }

  private read<T>(fn: (tx: SqlExecutor) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.db.transaction(fn, { write: false, signal });
  }

  private write<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.db.transaction(fn, { write: true });
  }

  // --- experiments -----------------------------------------------------------------------------

  async createExperiment(
    name: string,
    artifactLocation?: string,
    tags: ExperimentTag[] = [],
  ): Promise<string> {
    validateExperimentName(name);
    validateArtifactLocation(artifactLocation);
    for (const t of tags) validateExperimentTag(t.key, t.value);
    return this.write(async (tx) => {
      const now = Date.now();
      let id: number;
      try {
        const row = await tx.get<{ experiment_id: number }>(
          'INSERT INTO experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (?, ?, ?, ?, ?) RETURNING experiment_id',
          [name, artifactLocation || null, 'active', now, now],
        );
        id = Number(row!.experiment_id);
      } catch (err) {
        if (isUniqueViolation(err)) throw experimentAlreadyExists(name);
        throw err;
      }
      if (!artifactLocation) {
        await tx.run('UPDATE experiments SET artifact_location = ? WHERE experiment_id = ?', [
          appendToUriPath(this.defaultArtifactRoot, String(id)),
          id,
        ]);
      }
      const unique = new Map(tags.map((t) => [t.key, t.value]));
      await tx.insertMany(
        'experiment_tags',
        ['experiment_id', 'key', 'value'],
        [...unique].map(([k, v]) => [id, k, v]),
      );
      return String(id);
    });
  }

  private async experimentRow(tx: SqlExecutor, experimentId: string): Promise<ExperimentRow> {
    const key = experimentKey(experimentId);
    const row =
      key === null
        ? undefined
        : await tx.get<ExperimentRow>('SELECT * FROM experiments WHERE experiment_id = ?', [key]);
    if (!row) throw experimentNotFound(experimentId === '' ? DEFAULT_EXPERIMENT_ID : experimentId);
    return row;
  }

  private async experimentsWithTags(tx: SqlExecutor, rows: ExperimentRow[]): Promise<Experiment[]> {
    const tags = new Map<number, ExperimentTag[]>();
    for (const ids of chunks(
      rows.map((r) => r.experiment_id),
      IN_CHUNK,
    )) {
      const found = await tx.all<{ experiment_id: number; key: string; value: string | null }>(
        `SELECT experiment_id, key, value FROM experiment_tags WHERE experiment_id IN (${placeholders(ids.length)}) ORDER BY key`,
        ids,
      );
      for (const t of found) {
        const id = Number(t.experiment_id);
        let list = tags.get(id);
        if (!list) tags.set(id, (list = []));
        list.push({ key: t.key, value: t.value ?? '' });
      }
    }
    return rows.map((r) => ({
      experiment_id: String(r.experiment_id),
      name: r.name,
      artifact_location: r.artifact_location ?? '',
      lifecycle_stage: r.lifecycle_stage,
      last_update_time: Number(r.last_update_time ?? 0),
      creation_time: Number(r.creation_time ?? 0),
      tags: tags.get(Number(r.experiment_id)) ?? [],
    }));
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    return this.read(async (tx) => {
      const [e] = await this.experimentsWithTags(tx, [await this.experimentRow(tx, experimentId)]);
      return e!;
    });
  }

  async getExperimentByName(name: string): Promise<Experiment | null> {
    checkStoredString('experiment_name', name);
    return this.read(async (tx) => {
      const row = await tx.get<ExperimentRow>('SELECT * FROM experiments WHERE name = ?', [name]);
      if (!row) return null;
      const [e] = await this.experimentsWithTags(tx, [row]);
      return e!;
    });
  }

  async searchExperiments(input: SearchExperimentsInput): Promise<ExperimentsPage> {
    const { maxResults } = input;
    validateMaxResults(maxResults);
    validateSearchStrings(input.filter, input.orderBy);
    const filter = experimentFilterSql(parseExperimentFilter(input.filter), this.dialect);
    const orderBy = experimentOrderSql(parseExperimentOrderBy(input.orderBy));
    const offset = parsePageToken(input.pageToken);
    const stages = stagesOf(input.viewType);
    return this.read(async (tx) => {
      const rows = await tx.all<ExperimentRow>(
        `SELECT e.* FROM experiments e WHERE e.lifecycle_stage IN (${placeholders(stages.length)})` +
          `${filter.sql ? ` AND ${filter.sql}` : ''} ORDER BY ${orderBy} LIMIT ? OFFSET ?`,
        [...stages, ...filter.params, maxResults + 1, offset],
      );
      // MLflow's experiment search looks one ahead, so its tokens are exact.
      const page = rows.slice(0, maxResults);
      const experiments = await this.experimentsWithTags(tx, page);
      return rows.length > maxResults
        ? { experiments, nextPageToken: createPageToken(offset + maxResults) }
        : { experiments };
    }, input.signal);
  }

  async renameExperiment(experimentId: string, newName: string): Promise<void> {
    validateExperimentName(newName);
    await this.write(async (tx) => {
      const row = await this.experimentRow(tx, experimentId);
      if (row.lifecycle_stage !== 'active') throw cannotRenameDeletedExperiment();
      try {
        await tx.run('UPDATE experiments SET name = ?, last_update_time = ? WHERE experiment_id = ?', [
          newName,
          Date.now(),
          row.experiment_id,
        ]);
      } catch (err) {
        if (isUniqueViolation(err)) throw experimentAlreadyExists(newName);
        throw err;
      }
    });
  }

  /** Deleting needs an active experiment and restoring a deleted one; otherwise 404, as MLflow. */
  private async setExperimentStage(
    experimentId: string,
    from: LifecycleStage,
    to: LifecycleStage,
  ): Promise<void> {
    await this.write(async (tx) => {
      const row = await this.experimentRow(tx, experimentId);
      if (row.lifecycle_stage !== from) throw experimentNotFound(experimentId);
      const now = Date.now();
      await tx.run(
        'UPDATE experiments SET lifecycle_stage = ?, last_update_time = ? WHERE experiment_id = ?',
        [to, now, row.experiment_id],
      );
      // MLflow moves every run of the experiment with it.
      await tx.run('UPDATE runs SET lifecycle_stage = ?, deleted_time = ? WHERE experiment_id = ?', [
        to,
        to === 'deleted' ? now : null,
        row.experiment_id,
      ]);
    });
  }

  deleteExperiment(experimentId: string): Promise<void> {
    return this.setExperimentStage(experimentId, 'active', 'deleted');
  }

  restoreExperiment(experimentId: string): Promise<void> {
    return this.setExperimentStage(experimentId, 'deleted', 'active');
  }

  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    validateExperimentTag(key, value);
    await this.write(async (tx) => {
      const row = await this.experimentRow(tx, experimentId);
      if (row.lifecycle_stage !== 'active')
        throw experimentNotActive(String(row.experiment_id), row.lifecycle_stage);
      await tx.run(
        'INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?) ON CONFLICT (experiment_id, key) DO UPDATE SET value = excluded.value',
        [row.experiment_id, key, value ?? ''],
      );
    });
  }

  async deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    checkStoredString('key', key);
    await this.write(async (tx) => {
      const row = await this.experimentRow(tx, experimentId);
      if (row.lifecycle_stage !== 'active')
        throw experimentNotActive(String(row.experiment_id), row.lifecycle_stage);
      const n = await tx.run('DELETE FROM experiment_tags WHERE experiment_id = ? AND key = ?', [
        row.experiment_id,
        key,
      ]);
      if (n === 0) {
        throw MlflowError.notFound(`No tag with name: ${key} in experiment with id ${row.experiment_id}`);
      }
    });
  }

  // --- runs ------------------------------------------------------------------------------------

  async createRun(input: CreateRunInput): Promise<Run> {
    const tags = (input.tags ?? []).map((t) => validateTag(t));
    const nameTag = tags.find((t) => t.key === RUN_NAME_TAG)?.value;
    if (input.runName && nameTag && input.runName !== nameTag) {
      throw MlflowError.invalidParameter(
        "Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values " +
          `(run_name='${input.runName}', mlflow.runName='${nameTag}').`,
      );
    }
    validateRunName(input.runName);
    checkStoredString('user_id', input.userId);
    checkTimestamp('start_time', input.startTime);
    const runName = input.runName || nameTag || randomRunName();
    if (!nameTag) tags.push({ key: RUN_NAME_TAG, value: runName });
    return this.write(async (tx) => {
      const exp = await this.experimentRow(tx, input.experimentId);
      if (exp.lifecycle_stage !== 'active')
        throw experimentNotActive(String(exp.experiment_id), exp.lifecycle_stage);
      // uuid4 hex: lower case only, which MLflow's IN filter relies on.
      const runId = randomUUID().replaceAll('-', '');
      await tx.run(
        'INSERT INTO runs (run_uuid, name, experiment_id, user_id, status, start_time, end_time, deleted_time, lifecycle_stage, artifact_uri) VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?)',
        [
          runId,
          runName,
          exp.experiment_id,
          input.userId ?? '',
          'RUNNING',
          input.startTime,
          'active',
          appendToUriPath(exp.artifact_location ?? '', runId, 'artifacts'),
        ],
      );
      const unique = new Map(tags.map((t) => [t.key, t.value]));
      await tx.insertMany(
        'tags',
        ['run_uuid', 'key', 'value'],
        [...unique].map(([k, v]) => [runId, k, v]),
      );
      const [run] = await this.loadRuns(tx, [runId]);
      return run!;
    });
  }

  private async runRow(tx: SqlExecutor, runId: string): Promise<RunRow> {
    // Every lookup of a run by the caller's id comes through here.
    checkStoredString('run_id', runId);
    const row = await tx.get<RunRow>('SELECT * FROM runs WHERE run_uuid = ?', [runId]);
    if (!row) throw runNotFound(runId);
    return row;
  }

  private async activeRunRow(tx: SqlExecutor, runId: string): Promise<RunRow> {
    const row = await this.runRow(tx, runId);
    if (row.lifecycle_stage !== 'active') throw runNotActive(runId, row.lifecycle_stage);
    return row;
  }

  private static runInfo(r: RunRow): RunInfo {
    const info: RunInfo = {
      run_id: r.run_uuid,
      run_uuid: r.run_uuid,
      run_name: r.name ?? '',
      experiment_id: String(r.experiment_id),
      user_id: r.user_id ?? '',
      status: r.status,
      start_time: Number(r.start_time ?? 0),
      artifact_uri: r.artifact_uri ?? '',
      lifecycle_stage: r.lifecycle_stage,
    };
    // RunInfo.to_proto sets end_time only when it is truthy.
    if (r.end_time) info.end_time = Number(r.end_time);
    return info;
  }

  /** Whole runs (info, latest metrics, params, tags, dataset inputs) in the order of `ids`. */
  private async loadRuns(tx: SqlExecutor, ids: string[]): Promise<Run[]> {
    const rows = new Map<string, RunRow>();
    const metrics = new Map<string, Metric[]>();
    const params = new Map<string, Param[]>();
    const tags = new Map<string, RunTag[]>();
    const push = <T>(m: Map<string, T[]>, id: string, v: T) => {
      let list = m.get(id);
      if (!list) m.set(id, (list = []));
      list.push(v);
    };
    for (const part of chunks(ids, IN_CHUNK)) {
      const inList = `(${placeholders(part.length)})`;
      for (const r of await tx.all<RunRow>(`SELECT * FROM runs WHERE run_uuid IN ${inList}`, part)) {
        rows.set(r.run_uuid, r);
      }
      for (const m of await tx.all<MetricRow>(
        `SELECT * FROM latest_metrics WHERE run_uuid IN ${inList} ORDER BY key`,
        part,
      )) {
        push(metrics, m.run_uuid, toMetric(m));
      }
      for (const p of await tx.all<KeyValueRow>(
        `SELECT * FROM params WHERE run_uuid IN ${inList} ORDER BY key`,
        part,
      )) {
        push(params, p.run_uuid, { key: p.key, value: p.value ?? '' });
      }
      for (const t of await tx.all<KeyValueRow>(
        `SELECT * FROM tags WHERE run_uuid IN ${inList} ORDER BY key`,
        part,
      )) {
        push(tags, t.run_uuid, { key: t.key, value: t.value ?? '' });
      }
    }
    const inputs = await this.loadInputs(tx, ids);
    return ids
      .filter((id) => rows.has(id))
      .map((id) => ({
        info: SqlTrackingStore.runInfo(rows.get(id)!),
        data: { metrics: metrics.get(id) ?? [], params: params.get(id) ?? [], tags: tags.get(id) ?? [] },
        inputs: { dataset_inputs: inputs.get(id) ?? [] },
      }));
  }

  private async loadInputs(tx: SqlExecutor, runIds: string[]): Promise<Map<string, DatasetInput[]>> {
    const out = new Map<string, DatasetInput[]>();
    for (const part of chunks(runIds, IN_CHUNK)) {
      const rows = await tx.all<{
        input_uuid: string;
        run_uuid: string;
        name: string;
        digest: string;
        dataset_source_type: string;
        dataset_source: string;
        dataset_schema: string | null;
        dataset_profile: string | null;
      }>(
        'SELECT i.input_uuid, i.destination_id AS run_uuid, d.name, d.digest, d.dataset_source_type, d.dataset_source, d.dataset_schema, d.dataset_profile ' +
          "FROM inputs i JOIN datasets d ON d.dataset_uuid = i.source_id WHERE i.source_type = 'DATASET' AND i.destination_type = 'RUN' " +
          `AND i.destination_id IN (${placeholders(part.length)}) ORDER BY d.name, d.digest`,
        part,
      );
      if (rows.length === 0) continue;
      const tagsByInput = new Map<string, InputTag[]>();
      for (const inputIds of chunks(
        rows.map((r) => r.input_uuid),
        IN_CHUNK,
      )) {
        const tagRows = await tx.all<{ input_uuid: string; name: string; value: string }>(
          `SELECT input_uuid, name, value FROM input_tags WHERE input_uuid IN (${placeholders(inputIds.length)}) ORDER BY name`,
          inputIds,
        );
        for (const t of tagRows) {
          let list = tagsByInput.get(t.input_uuid);
          if (!list) tagsByInput.set(t.input_uuid, (list = []));
          list.push({ key: t.name, value: t.value });
        }
      }
      for (const r of rows) {
        const dataset: Dataset = {
          name: r.name,
          digest: r.digest,
          source_type: r.dataset_source_type,
          source: r.dataset_source,
        };
        if (r.dataset_schema !== null) dataset.schema = r.dataset_schema;
        if (r.dataset_profile !== null) dataset.profile = r.dataset_profile;
        let list = out.get(r.run_uuid);
        if (!list) out.set(r.run_uuid, (list = []));
        list.push({ tags: tagsByInput.get(r.input_uuid) ?? [], dataset });
      }
    }
    return out;
  }

  async getRun(runId: string): Promise<Run> {
    return this.read(async (tx) => {
      await this.runRow(tx, runId);
      const [run] = await this.loadRuns(tx, [runId]);
      return run!;
    });
  }

  async updateRunInfo(runId: string, update: UpdateRunInput): Promise<RunInfo> {
    if (update.status !== undefined && !RUN_STATUSES.includes(update.status)) {
      throw MlflowError.invalidParameter(`Invalid value for run status: '${update.status}'`);
    }
    validateRunName(update.runName);
    checkTimestamp('end_time', update.endTime);
    return this.write(async (tx) => {
      await this.activeRunRow(tx, runId);
      if (update.status !== undefined)
        await tx.run('UPDATE runs SET status = ? WHERE run_uuid = ?', [update.status, runId]);
      if (update.endTime !== undefined && update.endTime !== null) {
        await tx.run('UPDATE runs SET end_time = ? WHERE run_uuid = ?', [update.endTime, runId]);
      }
      if (update.runName) await this.renameRun(tx, runId, update.runName);
      return SqlTrackingStore.runInfo(await this.runRow(tx, runId));
    });
  }

  /** The run name lives in the runs row and in the mlflow.runName tag; keep them together. */
  private async renameRun(tx: SqlExecutor, runId: string, name: string): Promise<void> {
    await tx.run('UPDATE runs SET name = ? WHERE run_uuid = ?', [name, runId]);
    await tx.run(
      'INSERT INTO tags (run_uuid, key, value) VALUES (?, ?, ?) ON CONFLICT (run_uuid, key) DO UPDATE SET value = excluded.value',
      [runId, RUN_NAME_TAG, name],
    );
  }

  private async setRunStage(runId: string, stage: LifecycleStage): Promise<void> {
    await this.write(async (tx) => {
      await this.runRow(tx, runId);
      await tx.run('UPDATE runs SET lifecycle_stage = ?, deleted_time = ? WHERE run_uuid = ?', [
        stage,
        stage === 'deleted' ? Date.now() : null,
        runId,
      ]);
    });
  }

  deleteRun(runId: string): Promise<void> {
    return this.setRunStage(runId, 'deleted');
  }

  restoreRun(runId: string): Promise<void> {
    return this.setRunStage(runId, 'active');
  }

  async searchRuns(input: SearchRunsInput): Promise<RunsPage> {
    const { maxResults } = input;
    validateMaxResults(maxResults);
    validateSearchStrings(input.filter, input.orderBy);
    const filter = runFilterSql(parseRunFilter(input.filter), this.dialect);
    const order = runOrderSql(parseRunOrderBy(input.orderBy));
    const offset = parsePageToken(input.pageToken);
    const experimentIds = input.experimentIds.map(experimentKey).filter((k): k is number => k !== null);
    const stages = stagesOf(input.runViewType ?? 'ACTIVE_ONLY');
    if (experimentIds.length === 0) return { runs: [] };
    return this.read(async (tx) => {
      const rows = await tx.all<{ run_uuid: string }>(
        `SELECT r.run_uuid FROM runs r WHERE r.experiment_id IN (${placeholders(experimentIds.length)}) ` +
          `AND r.lifecycle_stage IN (${placeholders(stages.length)})${filter.sql ? ` AND ${filter.sql}` : ''} ` +
          `ORDER BY ${order.sql} LIMIT ? OFFSET ?`,
        [...experimentIds, ...stages, ...filter.params, ...order.params, maxResults, offset],
      );
      const runs = await this.loadRuns(
        tx,
        rows.map((r) => r.run_uuid),
      );
      // MLflow's run search hands out a token whenever the page is full.
      return runs.length === maxResults
        ? { runs, nextPageToken: createPageToken(offset + maxResults) }
        : { runs };
    }, input.signal);
  }

  // --- run data --------------------------------------------------------------------------------

  /**
   * Params first (a changed value fails the whole batch before anything is written), then metric
   * points and latest values, then tags — sqlalchemy_store.log_batch's order, in one transaction.
   */
  private async writeRunData(
    tx: SqlExecutor,
    runId: string,
    metrics: MetricInput[],
    params: Param[],
    tags: RunTag[],
    singleParam = false,
  ): Promise<void> {
    await this.activeRunRow(tx, runId);
    if (params.length > 0) {
      await tx.insertMany(
        'params',
        ['run_uuid', 'key', 'value'],
        params.map((p) => [runId, p.key, p.value]),
        'ON CONFLICT (run_uuid, key) DO NOTHING',
      );
      // Read back after inserting: a value logged before (or concurrently, committed first) that
      // differs is an error, and the rollback undoes this batch's inserts.
      const existing = new Map<string, string>();
      for (const part of chunks(params, IN_CHUNK)) {
        const rows = await tx.all<{ key: string; value: string }>(
          `SELECT key, value FROM params WHERE run_uuid = ? AND key IN (${placeholders(part.length)})`,
          [runId, ...part.map((p) => p.key)],
        );
        for (const r of rows) existing.set(r.key, r.value);
      }
      const changed = params
        .filter((p) => existing.get(p.key) !== p.value)
        .map((p) => ({ key: p.key, old_value: existing.get(p.key) ?? '', new_value: p.value }));
      if (changed.length > 0) {
        const c = changed[0]!;
        throw singleParam
          ? paramChanged(c.key, c.old_value, runId, c.new_value)
          : paramsChanged(changed, runId);
      }
    }
    if (metrics.length > 0) {
      // Identical points within the request are logged once (MLflow dedupes them too).
      const seen = new Set<string>();
      const rows: unknown[][] = [];
      const latest = new Map<string, MetricInput>();
      for (const m of metrics) {
        const { value, isNan } = storedValue(m.value);
        const id = `${m.key}\u0000${m.timestamp}\u0000${m.step}\u0000${isNan ? 'nan' : value}`;
        if (!seen.has(id)) {
          seen.add(id);
          rows.push([runId, m.key, value, m.timestamp, m.step, isNan]);
        }
        const best = latest.get(m.key);
        if (!best || isLater(m, best)) latest.set(m.key, m);
      }
      await tx.insertMany(
        'metrics',
        ['run_uuid', 'key', 'value', 'timestamp', 'step', 'is_nan'],
        rows,
        'ON CONFLICT (run_uuid, key, timestamp, step, value, is_nan) DO NOTHING',
      );
      // One upsert per key, in key order so concurrent batches lock rows in the same order (no
      // deadlock); the WHERE re-checks "later than" against the row as committed.
      const upserts = [...latest.values()].sort(byKey).map((m) => {
        const { value, isNan } = storedValue(m.value);
        return [runId, m.key, value, m.timestamp, m.step, isNan];
      });
      await tx.insertMany(
        'latest_metrics',
        ['run_uuid', 'key', 'value', 'timestamp', 'step', 'is_nan'],
        upserts,
        'ON CONFLICT (run_uuid, key) DO UPDATE SET value = excluded.value, timestamp = excluded.timestamp, ' +
          'step = excluded.step, is_nan = excluded.is_nan ' +
          'WHERE (excluded.step, excluded.timestamp, excluded.value) > (latest_metrics.step, latest_metrics.timestamp, latest_metrics.value)',
      );
    }
    if (tags.length > 0) {
      // The last value of a key repeated in one request wins (MLflow's _set_tags).
      const unique = new Map(tags.map((t) => [t.key, t.value]));
      const name = unique.get(RUN_NAME_TAG);
      if (name !== undefined) await tx.run('UPDATE runs SET name = ? WHERE run_uuid = ?', [name, runId]);
      await tx.insertMany(
        'tags',
        ['run_uuid', 'key', 'value'],
        [...unique].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [runId, k, v]),
        'ON CONFLICT (run_uuid, key) DO UPDATE SET value = excluded.value',
      );
    }
  }

  async logBatch(runId: string, metrics: MetricInput[], params: Param[], tags: RunTag[]): Promise<void> {
    const checked = validateBatch(runId, metrics ?? [], params ?? [], tags ?? []);
    await this.write((tx) => this.writeRunData(tx, runId, metrics ?? [], checked.params, checked.tags));
  }

  async logMetric(runId: string, metric: MetricInput): Promise<void> {
    validateMetric(metric);
    await this.write((tx) => this.writeRunData(tx, runId, [metric], [], []));
  }

  async logParam(runId: string, key: string, value: string): Promise<void> {
    const param = validateParam({ key, value });
    await this.write((tx) => this.writeRunData(tx, runId, [], [param], [], true));
  }

  async setTag(runId: string, key: string, value: string): Promise<void> {
    const tag = validateTag({ key, value });
    await this.write((tx) => this.writeRunData(tx, runId, [], [], [tag]));
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    checkStoredString('key', key);
    await this.write(async (tx) => {
      await this.activeRunRow(tx, runId);
      const n = await tx.run('DELETE FROM tags WHERE run_uuid = ? AND key = ?', [runId, key]);
      if (n === 0) throw tagNotFound(key, runId);
    });
  }

  async logInputs(runId: string, datasets: DatasetInput[]): Promise<void> {
    validateRunId(runId);
    validateDatasetInputs(datasets ?? []);
    await this.write(async (tx) => {
      const run = await this.activeRunRow(tx, runId);
      // The first input of each (name, digest) wins, as in MLflow's _log_inputs_impl.
      const unique = new Map<string, DatasetInput>();
      for (const d of datasets ?? []) {
        const k = `${d.dataset.name}\u0000${d.dataset.digest}`;
        if (!unique.has(k)) unique.set(k, d);
      }
      for (const input of unique.values()) {
        const d = input.dataset;
        await tx.run(
          'INSERT INTO datasets (dataset_uuid, experiment_id, name, digest, dataset_source_type, dataset_source, dataset_schema, dataset_profile) ' +
            'VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (experiment_id, name, digest) DO NOTHING',
          [
            randomUUID().replaceAll('-', ''),
            run.experiment_id,
            d.name,
            d.digest,
            d.source_type,
            d.source,
            d.schema ?? null,
            d.profile ?? null,
          ],
        );
        const ds = await tx.get<{ dataset_uuid: string }>(
          'SELECT dataset_uuid FROM datasets WHERE experiment_id = ? AND name = ? AND digest = ?',
          [run.experiment_id, d.name, d.digest],
        );
        const inputId = randomUUID().replaceAll('-', '');
        const inserted = await tx.run(
          'INSERT INTO inputs (input_uuid, source_type, source_id, destination_type, destination_id) VALUES (?, ?, ?, ?, ?) ' +
            'ON CONFLICT (source_type, source_id, destination_type, destination_id) DO NOTHING',
          [inputId, 'DATASET', ds!.dataset_uuid, 'RUN', runId],
        );
        // Tags belong to the input edge; an input logged again keeps its first tags (MLflow).
        if (inserted > 0) {
          const tags = new Map((input.tags ?? []).map((t) => [t.key, t.value]));
          await tx.insertMany(
            'input_tags',
            ['input_uuid', 'name', 'value'],
            [...tags].map(([k, v]) => [inputId, k, v]),
          );
        }
      }
    });
  }

  // --- metric history --------------------------------------------------------------------------

  async getMetricHistory(
    runId: string,
    key: string,
    input: MetricHistoryInput = {},
  ): Promise<MetricHistoryPage> {
    const { maxResults } = input;
    if (maxResults !== undefined && maxResults !== null) validateMaxResults(maxResults);
    checkStoredString('metric_key', key);
    const offset = parsePageToken(input.pageToken);
    return this.read(async (tx) => {
      await this.runRow(tx, runId);
      const limit = maxResults ? maxResults + 1 : Number.MAX_SAFE_INTEGER;
      // MLflow orders by (timestamp, step, value); points at the same timestamp and step keep
      // the order they were logged in here.
      const rows = await tx.all<MetricRow>(
        'SELECT run_uuid, key, value, timestamp, step, is_nan FROM metrics WHERE run_uuid = ? AND key = ? ' +
          'ORDER BY timestamp, step, seq LIMIT ? OFFSET ?',
        [runId, key, limit, offset],
      );
      if (maxResults && rows.length > maxResults) {
        return {
          metrics: rows.slice(0, maxResults).map(toMetric),
          nextPageToken: createPageToken(offset + maxResults),
        };
      }
      return { metrics: rows.map(toMetric) };
    });
  }

  async getMetricHistoryBulkInterval(
    runIds: string[],
    key: string,
    input: BulkIntervalInput,
  ): Promise<Metric[]> {
    let { startStep, endStep } = input;
    const maxResults = input.maxResults;
    for (const runId of runIds) checkStoredString('run_ids', runId);
    checkStoredString('metric_key', key);
    if (startStep !== undefined && endStep !== undefined) {
      if (startStep > endStep) {
        throw MlflowError.invalidParameter(
          `end_step must be greater than start_step. Found start_step=${startStep} and end_step=${endStep}.`,
        );
      }
    } else if (startStep !== undefined || endStep !== undefined) {
      throw MlflowError.invalidParameter(
        'If either start step or end step are specified, both must be specified.',
      );
    }
    if (!Number.isInteger(maxResults) || maxResults < 1) {
      throw MlflowError.invalidParameter('max_results must be between 1 and 2500.');
    }
    return this.read(async (tx) => {
      // The steps each run logged: sampling works on steps that exist, not on a range.
      const perRun: number[][] = [];
      for (const runId of runIds) {
        const rows = await tx.all<{ step: number }>(
          'SELECT DISTINCT step FROM metrics WHERE run_uuid = ? AND key = ? ORDER BY step',
          [runId, key],
        );
        perRun.push(rows.map((r) => Number(r.step)));
      }
      const allSteps = [...new Set(perRun.flat())].sort((a, b) => a - b);
      if (startStep === undefined || endStep === undefined) {
        startStep = 0;
        endStep = allSteps.length > 0 ? allSteps[allSteps.length - 1]! : 0;
      }
      const lo = startStep;
      const hi = endStep;
      // Each run's first and last step in range are always shown.
      const minsAndMaxes = perRun
        .filter((s) => s.length > 0)
        .flatMap((s) => [s[0]!, s[s.length - 1]!])
        .filter((s) => lo <= s && s <= hi);
      const steps = [...new Set([...sampleSteps(lo, hi, maxResults, allSteps), ...minsAndMaxes])].sort(
        (a, b) => a - b,
      );
      const out: Metric[] = [];
      if (steps.length === 0) return out;
      for (const runId of runIds) {
        const found: MetricRow[] = [];
        for (const part of chunks(steps, IN_CHUNK)) {
          found.push(
            ...(await tx.all<MetricRow>(
              `SELECT run_uuid, key, value, timestamp, step, is_nan FROM metrics WHERE run_uuid = ? AND key = ? AND step IN (${placeholders(part.length)})`,
              [runId, key, ...part],
            )),
          );
        }
        found.sort(
          (a, b) => a.step - b.step || a.timestamp - b.timestamp || Number(a.value) - Number(b.value),
        );
        for (const row of found.slice(0, MAX_RESULTS_GET_METRIC_HISTORY))
          out.push({ ...toMetric(row), run_id: runId });
      }
      return out;
    });
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
