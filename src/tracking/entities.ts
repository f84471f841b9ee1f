/**
 * MLflow tracking entities in the JSON shape the REST API 2.0 returns them (mlflow/protos/service.proto):
 * snake_case field names, int64 values as JSON numbers (MLflow undoes protobuf's int64-as-string),
 * enums as their names. Stores return these objects with every repeated field present (possibly
 * empty); the server passes them through `toMlflowJson`, which drops what MLflow omits.
 */

/** service.proto `RunStatus`. The server enforces no transition order between them. */
export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
export const RUN_STATUSES: readonly RunStatus[] = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];

/** mlflow/entities/lifecycle_stage.py: soft delete flips `active` to `deleted`; `mlflow gc` purges. */
export type LifecycleStage = 'active' | 'deleted';

/** service.proto `ViewType` (ACTIVE_ONLY = 1, DELETED_ONLY = 2, ALL = 3). */
export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';
export const VIEW_TYPES: readonly ViewType[] = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'];

/** The lifecycle stages a view type selects (LifecycleStage.view_type_to_stages). */
export function stagesOf(view: ViewType): LifecycleStage[] {
  if (view === 'ACTIVE_ONLY') return ['active'];
  if (view === 'DELETED_ONLY') return ['deleted'];
  return ['active', 'deleted'];
}

export interface ExperimentTag {
  key: string;
  value: string;
}

export interface Experiment {
  /** Decimal string; "0" is the Default experiment. */
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: LifecycleStage;
  /** Epoch milliseconds. */
  last_update_time: number;
  /** Epoch milliseconds. */
  creation_time: number;
  tags: ExperimentTag[];
}

export interface RunTag {
  key: string;
  value: string;
}

export interface Param {
  key: string;
  value: string;
}

export interface Metric {
  key: string;
  /** May be NaN or ±Infinity; `toMlflowJson` writes them as "NaN", "Infinity", "-Infinity". */
  value: number;
  /** Epoch milliseconds, ≥ 0. */
  timestamp: number;
  step: number;
  /** Set only by get-history-bulk-interval (service.proto Metric.run_id). */
  run_id?: string;
}

export interface RunInfo {
  run_id: string;
  /** Deprecated alias of run_id that MLflow still returns. */
  run_uuid: string;
  run_name: string;
  experiment_id: string;
  user_id: string;
  status: RunStatus;
  /** Epoch milliseconds. */
  start_time: number;
  /** Epoch milliseconds; absent while the run has not been ended. */
  end_time?: number;
  artifact_uri: string;
  lifecycle_stage: LifecycleStage;
}

export interface RunData {
  /** Only the latest value per key: the maximum of (step, timestamp, value). */
  metrics: Metric[];
  params: Param[];
  tags: RunTag[];
}

export interface InputTag {
  key: string;
  value: string;
}

export interface Dataset {
  name: string;
  digest: string;
  source_type: string;
  source: string;
  schema?: string;
  profile?: string;
}

export interface DatasetInput {
  tags: InputTag[];
  dataset: Dataset;
}

export interface RunInputs {
  dataset_inputs: DatasetInput[];
}

export interface Run {
  info: RunInfo;
  data: RunData;
  inputs: RunInputs;
}

/** An artifact listing entry; `path` is relative to the run's artifact root. */
export interface FileInfo {
  path: string;
  is_dir: boolean;
  file_size?: number;
}

/** The JSON value `toMlflowJson` produces. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * Turn an entity (or a whole response object) into what MLflow's server writes: it serialises
 * protobuf messages (proto2) with `preserving_proto_field_name`, so
 * - unset fields (here `undefined` or `null`) and empty repeated fields are omitted — a search with
 *   no hits is `{}`, not `{"runs": []}`;
 * - set scalars are kept even when empty ("" and 0 are written), and set sub-messages are kept even
 *   when empty (`"inputs": {}`);
 * - NaN and ±Infinity doubles are written as the strings protobuf's JSON mapping uses.
 */
export function toMlflowJson(value: unknown): JsonValue | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (value === Number.POSITIVE_INFINITY) return 'Infinity';
    if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
    return value;
  }
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) {
    const out: JsonValue[] = [];
    for (const item of value) {
      const v = toMlflowJson(item);
      if (v !== undefined) out.push(v);
    }
    return out.length === 0 ? undefined : out;
  }
  if (typeof value === 'object') {
    const out: { [key: string]: JsonValue } = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const j = toMlflowJson(v);
      if (j !== undefined) out[k] = j;
    }
    return out;
  }
  throw new TypeError(`toMlflowJson: cannot serialise a ${typeof value}`);
}
