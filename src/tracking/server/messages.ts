/**
 * The request messages of the tracking API, transcribed from mlflow/protos/service.proto (and
 * mlflow_artifacts.proto): field names, scalar types, enums and which fields repeat. The parser
 * (request.ts) reads JSON bodies and query strings onto these the way protobuf's
 * `json_format.ParseDict` does for MLflow's server, so types are checked against the proto, not
 * guessed from the JSON. Only what a handler reads is listed; other fields are ignored like any
 * unknown field.
 */

export type Scalar = 'string' | 'int64' | 'int32' | 'double' | 'bool';

export interface EnumType {
  kind: 'enum';
  name: string;
  /** value name → proto number */
  values: Readonly<Record<string, number>>;
}

export interface MessageType {
  kind: 'message';
  name: string;
  fields: Readonly<Record<string, FieldSpec>>;
}

export interface FieldSpec {
  type: Scalar | EnumType | MessageType;
  repeated?: boolean;
}

function message(
  name: string,
  fields: Record<string, Scalar | EnumType | MessageType | FieldSpec>,
): MessageType {
  const specs: Record<string, FieldSpec> = {};
  for (const [field, spec] of Object.entries(fields)) {
    specs[field] = typeof spec === 'object' && 'type' in spec ? spec : { type: spec };
  }
  return { kind: 'message', name, fields: specs };
}

function repeated(type: Scalar | EnumType | MessageType): FieldSpec {
  return { type, repeated: true };
}

/** service.proto `ViewType`. */
export const ViewTypeEnum: EnumType = {
  kind: 'enum',
  name: 'ViewType',
  values: { ACTIVE_ONLY: 1, DELETED_ONLY: 2, ALL: 3 },
};

/** service.proto `RunStatus`. */
export const RunStatusEnum: EnumType = {
  kind: 'enum',
  name: 'RunStatus',
  values: { RUNNING: 1, SCHEDULED: 2, FINISHED: 3, FAILED: 4, KILLED: 5 },
};

const KeyValue = (name: string) => message(name, { key: 'string', value: 'string' });
const RunTag = KeyValue('RunTag');
const ExperimentTag = KeyValue('ExperimentTag');
const Param = KeyValue('Param');
const InputTag = KeyValue('InputTag');

const Metric = message('Metric', {
  key: 'string',
  value: 'double',
  timestamp: 'int64',
  step: 'int64',
  dataset_name: 'string',
  dataset_digest: 'string',
  model_id: 'string',
  run_id: 'string',
});

const Dataset = message('Dataset', {
  name: 'string',
  digest: 'string',
  source_type: 'string',
  source: 'string',
  schema: 'string',
  profile: 'string',
});

const DatasetInput = message('DatasetInput', { tags: repeated(InputTag), dataset: Dataset });
const ModelInput = message('ModelInput', { model_id: 'string' });

export const CreateExperiment = message('CreateExperiment', {
  name: 'string',
  artifact_location: 'string',
  tags: repeated(ExperimentTag),
});
export const GetExperiment = message('GetExperiment', { experiment_id: 'string' });
export const GetExperimentByName = message('GetExperimentByName', { experiment_name: 'string' });
export const SearchExperiments = message('SearchExperiments', {
  max_results: 'int64',
  page_token: 'string',
  filter: 'string',
  order_by: repeated('string'),
  view_type: ViewTypeEnum,
});
export const UpdateExperiment = message('UpdateExperiment', { experiment_id: 'string', new_name: 'string' });
export const DeleteExperiment = message('DeleteExperiment', { experiment_id: 'string' });
export const RestoreExperiment = message('RestoreExperiment', { experiment_id: 'string' });
export const SetExperimentTag = message('SetExperimentTag', {
  experiment_id: 'string',
  key: 'string',
  value: 'string',
});
export const DeleteExperimentTag = message('DeleteExperimentTag', { experiment_id: 'string', key: 'string' });

export const CreateRun = message('CreateRun', {
  experiment_id: 'string',
  user_id: 'string',
  run_name: 'string',
  start_time: 'int64',
  tags: repeated(RunTag),
});
export const UpdateRun = message('UpdateRun', {
  run_id: 'string',
  run_uuid: 'string',
  status: RunStatusEnum,
  end_time: 'int64',
  run_name: 'string',
});
// DeleteRun, RestoreRun, DeleteTag, LogBatch and LogInputs have no `run_uuid` field in the proto;
// it is listed here anyway so the deprecated alias works on every run endpoint (see request.ts).
export const DeleteRun = message('DeleteRun', { run_id: 'string', run_uuid: 'string' });
export const RestoreRun = message('RestoreRun', { run_id: 'string', run_uuid: 'string' });
export const GetRun = message('GetRun', { run_id: 'string', run_uuid: 'string' });
export const LogMetric = message('LogMetric', {
  run_id: 'string',
  run_uuid: 'string',
  key: 'string',
  value: 'double',
  timestamp: 'int64',
  step: 'int64',
  model_id: 'string',
  dataset_name: 'string',
  dataset_digest: 'string',
});
export const LogParam = message('LogParam', {
  run_id: 'string',
  run_uuid: 'string',
  key: 'string',
  value: 'string',
});
export const SetTag = message('SetTag', {
  run_id: 'string',
  run_uuid: 'string',
  key: 'string',
  value: 'string',
});
export const DeleteTag = message('DeleteTag', { run_id: 'string', run_uuid: 'string', key: 'string' });
export const LogBatch = message('LogBatch', {
  run_id: 'string',
  run_uuid: 'string',
  metrics: repeated(Metric),
  params: repeated(Param),
  tags: repeated(RunTag),
});
export const LogInputs = message('LogInputs', {
  run_id: 'string',
  run_uuid: 'string',
  datasets: repeated(DatasetInput),
  models: repeated(ModelInput),
});
export const SearchRuns = message('SearchRuns', {
  experiment_ids: repeated('string'),
  filter: 'string',
  run_view_type: ViewTypeEnum,
  max_results: 'int32',
  order_by: repeated('string'),
  page_token: 'string',
});
export const ListArtifacts = message('ListArtifacts', {
  run_id: 'string',
  run_uuid: 'string',
  path: 'string',
  page_token: 'string',
});
export const GetMetricHistory = message('GetMetricHistory', {
  run_id: 'string',
  run_uuid: 'string',
  metric_key: 'string',
  page_token: 'string',
  max_results: 'int32',
});
export const GetMetricHistoryBulkInterval = message('GetMetricHistoryBulkInterval', {
  run_ids: repeated('string'),
  metric_key: 'string',
  start_step: 'int32',
  end_step: 'int32',
  max_results: 'int32',
});

/** mlflow_artifacts.proto `ListArtifacts` (the proxy's listing) and the field-less DeleteArtifact. */
export const ListProxyArtifacts = message('ListArtifacts', { path: 'string' });
export const DeleteArtifact = message('DeleteArtifact', {});
