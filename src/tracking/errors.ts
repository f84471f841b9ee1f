/**
 * MLflow's error model: every failure the tracking API reports carries one of MLflow's error codes
 * (mlflow/protos/databricks.proto `ErrorCode`) and is sent as `{"error_code": …, "message": …}` with
 * the HTTP status MLflow's server picks for that code (mlflow/exceptions.py ERROR_CODE_TO_HTTP_STATUS,
 * summarised in shared/specs/mlflow-rest-api.md §1). Message texts below are MLflow's own, from
 * mlflow/store/tracking/sqlalchemy_store.py and mlflow/utils/validation.py, because clients and
 * people match on them.
 */
import { type ErrorCode, MlshipError } from '../core/errors.js';
import { pyRepr } from '../core/python.js';

export type MlflowErrorCode =
  | 'INTERNAL_ERROR'
  | 'TEMPORARILY_UNAVAILABLE'
  | 'IO_ERROR'
  | 'BAD_REQUEST'
  | 'INVALID_PARAMETER_VALUE'
  | 'ENDPOINT_NOT_FOUND'
  | 'MALFORMED_REQUEST'
  | 'INVALID_STATE'
  | 'PERMISSION_DENIED'
  | 'FEATURE_DISABLED'
  | 'CUSTOMER_UNAUTHORIZED'
  | 'REQUEST_LIMIT_EXCEEDED'
  | 'RESOURCE_DOES_NOT_EXIST'
  | 'RESOURCE_ALREADY_EXISTS'
  | 'UNAUTHENTICATED'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'RESOURCE_CONFLICT'
  | 'ABORTED'
  | 'RESOURCE_EXHAUSTED'
  | 'CANCELLED'
  | 'DATA_LOSS'
  | 'NOT_IMPLEMENTED'
  | 'DEADLINE_EXCEEDED';

const HTTP_STATUS: Partial<Record<MlflowErrorCode, number>> = {
  INVALID_PARAMETER_VALUE: 400,
  BAD_REQUEST: 400,
  // MLflow answers a duplicate with 400, not 409.
  RESOURCE_ALREADY_EXISTS: 400,
  UNAUTHENTICATED: 401,
  CUSTOMER_UNAUTHORIZED: 401,
  PERMISSION_DENIED: 403,
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  RESOURCE_CONFLICT: 409,
  ABORTED: 409,
  REQUEST_LIMIT_EXCEEDED: 429,
  RESOURCE_EXHAUSTED: 429,
  CANCELLED: 499,
  INTERNAL_ERROR: 500,
  INVALID_STATE: 500,
  DATA_LOSS: 500,
  NOT_IMPLEMENTED: 501,
  TEMPORARILY_UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
};

/** The HTTP status MLflow's server sends for an error code; unmapped codes are 500, as in MLflow. */
export function httpStatus(code: MlflowErrorCode): number {
  return HTTP_STATUS[code] ?? 500;
}

/** The project-wide error kind (CLI exit code) closest to each MLflow code. */
function coreCode(code: MlflowErrorCode): ErrorCode {
  switch (code) {
    case 'RESOURCE_DOES_NOT_EXIST':
    case 'ENDPOINT_NOT_FOUND':
    case 'NOT_FOUND':
      return 'NOT_FOUND';
    case 'INVALID_PARAMETER_VALUE':
    case 'BAD_REQUEST':
    case 'MALFORMED_REQUEST':
    case 'RESOURCE_ALREADY_EXISTS':
    case 'ALREADY_EXISTS':
      return 'INVALID_PARAMETER';
    default:
      return 'INTERNAL';
  }
}

export class MlflowError extends MlshipError {
  readonly errorCode: MlflowErrorCode;
  constructor(errorCode: MlflowErrorCode, message: string, options?: { cause?: unknown }) {
    super(coreCode(errorCode), message, options);
    this.errorCode = errorCode;
  }
  get httpStatus(): number {
    return httpStatus(this.errorCode);
  }
  /** The response body MLflow sends. */
  toJSON(): { error_code: MlflowErrorCode; message: string } {
    return { error_code: this.errorCode, message: this.message };
  }

  static invalidParameter(message: string): MlflowError {
    return new MlflowError('INVALID_PARAMETER_VALUE', message);
  }
  static notFound(message: string): MlflowError {
    return new MlflowError('RESOURCE_DOES_NOT_EXIST', message);
  }
}

// --- the common cases, with MLflow's texts ------------------------------------------------------

/** sqlalchemy_store._get_run. */
export function runNotFound(runId: string): MlflowError {
  return MlflowError.notFound(`Run with id=${runId} not found`);
}

/** sqlalchemy_store._get_experiment. */
export function experimentNotFound(experimentId: string): MlflowError {
  return MlflowError.notFound(`No Experiment with id=${experimentId} exists`);
}

/** handlers._get_experiment_by_name (the store itself returns null). */
export function experimentNameNotFound(name: string): MlflowError {
  return MlflowError.notFound(`Could not find experiment with name '${name}'`);
}

/** sqlalchemy_store.create_experiment / rename on a unique-constraint violation. */
export function experimentAlreadyExists(name: string): MlflowError {
  return new MlflowError('RESOURCE_ALREADY_EXISTS', `Experiment(name=${name}) already exists.`);
}

/** sqlalchemy_store._check_run_is_active. */
export function runNotActive(runId: string, stage: string): MlflowError {
  return MlflowError.invalidParameter(
    `The run ${runId} must be in the 'active' state. Current state is ${stage}.`,
  );
}

/** sqlalchemy_store._check_experiment_is_active. */
export function experimentNotActive(experimentId: string, stage: string): MlflowError {
  return MlflowError.invalidParameter(
    `The experiment ${experimentId} must be in the 'active' state. Current state is ${stage}.`,
  );
}

/** sqlalchemy_store.log_param (single param). */
export function paramChanged(key: string, oldValue: string, runId: string, newValue: string): MlflowError {
  return MlflowError.invalidParameter(
    `Changing param values is not allowed. Param with key='${key}' was already logged with ` +
      `value='${oldValue}' for run ID='${runId}'. Attempted logging new value '${newValue}'.`,
  );
}

/**
 * sqlalchemy_store._log_params (log-batch). MLflow formats the list of Python dicts with repr();
 * we reproduce that formatting.
 */
export function paramsChanged(
  changes: { key: string; old_value: string; new_value: string }[],
  runId: string,
): MlflowError {
  const list = changes
    .map(
      (c) =>
        `{'key': ${pyRepr(c.key)}, 'old_value': ${pyRepr(c.old_value)}, 'new_value': ${pyRepr(c.new_value)}}`,
    )
    .join(', ');
  return MlflowError.invalidParameter(
    `Changing param values is not allowed. Params were already logged='[${list}]' for run ID='${runId}'.`,
  );
}

/** sqlalchemy_store.delete_tag. */
export function tagNotFound(key: string, runId: string): MlflowError {
  return MlflowError.notFound(`No tag with name: ${key} in run with id ${runId}`);
}

/** sqlalchemy_store.rename_experiment. */
export function cannotRenameDeletedExperiment(): MlflowError {
  return new MlflowError('INVALID_STATE', 'Cannot rename a non-active experiment.');
}
