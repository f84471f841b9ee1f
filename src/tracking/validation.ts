/**
 * MLflow's input rules for tracking data (mlflow/utils/validation.py, newest release): key
 * names, lengths, batch limits, metric values, experiment names, datasets. Every failure is an
 * INVALID_PARAMETER_VALUE MlflowError whose message is MLflow's, including the JSON path of the
 * offending field ("metrics[3].timestamp") that log-batch reports.
 *
 * Long param values (> 6000) and run tag values (> 8000) are truncated, not refused: that is
 * MLflow's default (MLFLOW_TRUNCATE_LONG_VALUES=true). Setting MLFLOW_TRUNCATE_LONG_VALUES=false
 * makes them errors, as in MLflow.
 *
 * Beyond MLflow's rules, every string that reaches the database is checked here so that both
 * databases answer alike (issue 8 §5.2): no NUL character (PostgreSQL refuses it in text, error
 * 22021, where SQLite would store it) and no value longer than its column (PostgreSQL's varchar(n)
 * refuses it, 22001, where SQLite would store it). Both are INVALID_PARAMETER_VALUE naming the
 * field. Lengths count code points, as Python's len() and PostgreSQL's varchar do.
 */

import { pyJsonDumps, pyRepr, pyStr } from '../core/python.js';
import type { DatasetInput, Param, RunTag } from './entities.js';
import { MlflowError } from './errors.js';
import type { MetricInput } from './store/types.js';

export const MAX_PARAMS_TAGS_PER_BATCH = 100;
export const MAX_METRICS_PER_BATCH = 1000;
export const MAX_ENTITIES_PER_BATCH = 1000;
export const MAX_BATCH_LOG_REQUEST_SIZE = 1_000_000;
export const MAX_PARAM_VAL_LENGTH = 6000;
export const MAX_TAG_VAL_LENGTH = 8000;
export const MAX_EXPERIMENT_NAME_LENGTH = 500;
export const MAX_EXPERIMENT_TAG_KEY_LENGTH = 250;
export const MAX_EXPERIMENT_TAG_VAL_LENGTH = 5000;
export const MAX_ENTITY_KEY_LENGTH = 250;
export const MAX_DATASET_NAME_SIZE = 500;
export const MAX_DATASET_DIGEST_SIZE = 36;
export const MAX_DATASET_SCHEMA_SIZE = 1_048_575;
export const MAX_DATASET_SOURCE_SIZE = 65_535;
export const MAX_DATASET_PROFILE_SIZE = 16_777_215;
export const MAX_INPUT_TAG_KEY_SIZE = 255;
export const MAX_INPUT_TAG_VALUE_SIZE = 500;
/** Column sizes of MLflow's schema (mlflow/store/tracking/dbmodels/models.py) that no rule above bounds. */
export const MAX_RUN_NAME_LENGTH = 250; // SqlRun.name String(250)
export const MAX_DATASET_SOURCE_TYPE_SIZE = 36; // SqlDataset.dataset_source_type String(36)
/** SEARCH_MAX_RESULTS_THRESHOLD (mlflow/store/tracking/__init__.py). */
export const SEARCH_MAX_RESULTS_THRESHOLD = 50_000;

/** `^[a-zA-Z0-9][\w\-]{0,255}$` with Python's Unicode-aware \w (letters, numbers, underscore). */
const RUN_ID_REGEX = /^[a-zA-Z0-9][\p{L}\p{N}_-]{0,255}$/u;
/** Keys: slashes, word characters, periods, dashes, spaces and (off Windows) colons. */
const KEY_REGEX = /^[/\p{L}\p{N}_.\- :]*$/u;
const BAD_CHARACTERS_MESSAGE =
  'Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).';
const MISSING_KEY_NAME_MESSAGE = 'A key name must be provided.';

/** Length in code points, as Python's len(str). */
export function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

function sliceCodePoints(s: string, n: number): string {
  return Array.from(s).slice(0, n).join('');
}

/** validation.invalid_value. */
export function invalidValue(path: string, value: unknown, message?: string): string {
  const v = pyJsonDumps(value);
  return message
    ? `Invalid value ${v} for parameter '${path}' supplied: ${message}`
    : `Invalid value ${v} for parameter '${path}' supplied.`;
}

/** validation.missing_value. */
export function missingValue(path: string): string {
  return `Missing value for required parameter '${path}'.`;
}

function exceedsMaximumLength(path: string, limit: number): string {
  return `'${path}' exceeds the maximum length of ${limit} characters`;
}

/**
 * A string the store writes or looks up: refused when it holds a NUL character or, with `limit`,
 * is longer than `limit` characters. Non-strings pass (their own checks come elsewhere).
 */
export function checkStoredString(path: string, value: unknown, limit?: number): void {
  if (typeof value !== 'string') return;
  if (value.includes('\u0000')) {
    throw MlflowError.invalidParameter(
      `Invalid value for parameter '${path}' supplied: it contains the NUL character (\\u0000), which the tracking store cannot hold`,
    );
  }
  if (limit !== undefined && value.length > limit && codePointLength(value) > limit) {
    throw MlflowError.invalidParameter(exceedsMaximumLength(path, limit));
  }
}

const INT64_MIN = -(2 ** 63);
const INT64_MAX = 2 ** 63; // exclusive: 2^63 - 1 is not a double

/** A whole number a BIGINT column holds. */
export function isInt64(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= INT64_MIN && value < INT64_MAX;
}

/** A run start/end time: a 64-bit integer (service.proto int64), or absent. */
export function checkTimestamp(path: string, value: unknown): void {
  if (value === undefined || value === null) return;
  if (!isInt64(value)) {
    throw MlflowError.invalidParameter(invalidValue(path, value, 'it must be a 64-bit integer'));
  }
}

/** A run name, stored in runs.name (String(250) in MLflow's schema). */
export function validateRunName(name: unknown, path = 'run_name'): void {
  checkStoredString(path, name, MAX_RUN_NAME_LENGTH);
}

/** The filter and order_by of a search: their values and keys are bound as strings. */
export function validateSearchStrings(
  filter: string | undefined,
  orderBy: readonly string[] | undefined,
): void {
  checkStoredString('filter', filter);
  for (const o of orderBy ?? []) checkStoredString('order_by', o);
}

function jsonPath(current: string, field: string): string {
  if (!current) return field;
  return field.startsWith('[') ? `${current}${field}` : `${current}.${field}`;
}

/** Python's posixpath.normpath. */
export function normpath(path: string): string {
  if (path === '') return '.';
  let initial = path.startsWith('/') ? 1 : 0;
  // POSIX allows one or two initial slashes, but treats three or more as single slash.
  if (initial && path.startsWith('//') && !path.startsWith('///')) initial = 2;
  const out: string[] = [];
  for (const comp of path.split('/')) {
    if (comp === '' || comp === '.') continue;
    if (comp !== '..' || (!initial && out.length === 0) || (out.length > 0 && out[out.length - 1] === '..')) {
      out.push(comp);
    } else if (out.length > 0) {
      out.pop();
    }
  }
  const joined = '/'.repeat(initial) + out.join('/');
  return joined || '.';
}

/** validation.path_not_unique: a key that is not already a normal relative path. */
export function pathNotUnique(name: string): boolean {
  const norm = normpath(name);
  return norm !== name || norm === '.' || norm.startsWith('..') || norm.startsWith('/');
}

function badPathMessage(name: string): string {
  return (
    'Names may be treated as files in certain cases, and must not resolve to other names when treated ' +
    `as such. This name would resolve to ${pyRepr(normpath(name))}`
  );
}

function truncateEnabled(): boolean {
  // MLflow parses boolean env vars as "true"/"1" (any case) → true, "false"/"0" → false.
  const v = process.env.MLFLOW_TRUNCATE_LONG_VALUES;
  if (v === undefined) return true;
  return !['false', '0'].includes(v.trim().toLowerCase());
}

/** validation._validate_length_limit: the value, truncated when allowed, or an error. */
function checkLength(entityName: string, limit: number, value: string, truncate = false): string {
  if (value.length <= limit || codePointLength(value) <= limit) return value;
  if (truncate && truncateEnabled()) return sliceCodePoints(value, limit);
  throw MlflowError.invalidParameter(exceedsMaximumLength(entityName, limit));
}

/** Shared checks of metric, param and tag names (validate_param_and_metric_name + path_not_unique). */
function checkKeyName(name: unknown, path: string, kind: 'Metric' | 'param' | 'tag'): string {
  if (name === undefined || name === null) {
    if (kind === 'Metric') {
      throw MlflowError.invalidParameter(
        invalidValue(path, null, `Metric name cannot be None. ${MISSING_KEY_NAME_MESSAGE}`),
      );
    }
    if (kind === 'param')
      throw MlflowError.invalidParameter(invalidValue(path, '', MISSING_KEY_NAME_MESSAGE));
    throw MlflowError.invalidParameter(missingValue(path));
  }
  if (typeof name !== 'string' || !KEY_REGEX.test(name)) {
    throw MlflowError.invalidParameter(invalidValue(path, name, BAD_CHARACTERS_MESSAGE));
  }
  if (pathNotUnique(name)) {
    throw MlflowError.invalidParameter(invalidValue(path, name, badPathMessage(name)));
  }
  return name;
}

/** validation._validate_run_id. */
export function validateRunId(runId: string, path = 'run_id'): void {
  if (typeof runId !== 'string' || !RUN_ID_REGEX.test(runId)) {
    throw MlflowError.invalidParameter(invalidValue(path, runId));
  }
}

/** validation._validate_metric. `path` is "" for log-metric, "metrics[i]" inside log-batch. */
export function validateMetric(m: MetricInput, path = ''): void {
  checkKeyName(m.key, jsonPath(path, 'name'), 'Metric');
  const { key, value, timestamp, step } = m;
  if (value === undefined || value === null) {
    throw MlflowError.invalidParameter(missingValue(jsonPath(path, 'value')));
  }
  if (typeof value !== 'number') {
    throw MlflowError.invalidParameter(
      invalidValue(
        jsonPath(path, 'value'),
        value,
        `(timestamp=${pyStr(timestamp)}). Please specify value as a valid double (64-bit floating point)`,
      ),
    );
  }
  if (!isInt64(timestamp) || timestamp < 0) {
    throw MlflowError.invalidParameter(
      invalidValue(
        jsonPath(path, 'timestamp'),
        timestamp,
        `metric '${key}' (value=${pyStr(value)}). Timestamp must be a nonnegative long (64-bit integer) `,
      ),
    );
  }
  if (!isInt64(step)) {
    throw MlflowError.invalidParameter(
      invalidValue(
        jsonPath(path, 'step'),
        step,
        `metric '${key}' (value=${pyStr(value)}). Step must be a valid long (64-bit integer).`,
      ),
    );
  }
  checkLength('Metric name', MAX_ENTITY_KEY_LENGTH, key);
}

/** validation._validate_param: the param with its value truncated to 6000 characters. */
export function validateParam(p: Param, path = ''): Param {
  const key = checkKeyName(p.key, jsonPath(path, 'key'), 'param');
  const value = p.value ?? '';
  checkStoredString(jsonPath(path, 'value'), value);
  return {
    key: checkLength('Param key', MAX_ENTITY_KEY_LENGTH, key),
    value: checkLength('Param value', MAX_PARAM_VAL_LENGTH, String(value), true),
  };
}

/** validation._validate_tag: the tag with its value truncated to 8000 characters. */
export function validateTag(t: RunTag, path = ''): RunTag {
  const key = checkKeyName(t.key, jsonPath(path, 'key'), 'tag');
  const value = t.value ?? '';
  checkStoredString(jsonPath(path, 'value'), value);
  // The run name tag is also the runs.name column.
  if (key === 'mlflow.runName') validateRunName(value, jsonPath(path, 'value'));
  return {
    key: checkLength(jsonPath(path, 'key'), MAX_ENTITY_KEY_LENGTH, key),
    value: checkLength(jsonPath(path, 'value'), MAX_TAG_VAL_LENGTH, String(value), true),
  };
}

/** validation._validate_experiment_tag: no truncation, longer is an error. */
export function validateExperimentTag(key: string, value: string): void {
  checkKeyName(key, 'key', 'tag');
  checkLength('key', MAX_EXPERIMENT_TAG_KEY_LENGTH, key);
  checkStoredString('value', value);
  if (value !== undefined && value !== null) checkLength('value', MAX_EXPERIMENT_TAG_VAL_LENGTH, value);
}

/** validation._validate_experiment_name. */
export function validateExperimentName(name: unknown): asserts name is string {
  if (name === '' || name === undefined || name === null) {
    throw MlflowError.invalidParameter(`Invalid experiment name: '${name ?? 'None'}'`);
  }
  if (typeof name !== 'string') {
    throw MlflowError.invalidParameter(`Invalid experiment name: ${pyStr(name)}. Expects a string.`);
  }
  if (codePointLength(name) > MAX_EXPERIMENT_NAME_LENGTH) {
    throw MlflowError.invalidParameter(exceedsMaximumLength('name', MAX_EXPERIMENT_NAME_LENGTH));
  }
  checkStoredString('name', name);
}

/** validation._validate_experiment_artifact_location. */
export function validateArtifactLocation(location: string | undefined): void {
  checkStoredString('artifact_location', location);
  if (location?.startsWith('runs:')) {
    throw MlflowError.invalidParameter(`Artifact location cannot be a runs:/ URI. Given: '${location}'`);
  }
}

/** validation._validate_batch_limit. */
function checkBatchLimit(entityName: string, limit: number, length: number): void {
  if (length > limit) {
    throw MlflowError.invalidParameter(
      `A batch logging request can contain at most ${limit} ${entityName}. Got ${length} ${entityName}. ` +
        `Please split up ${entityName} across multiple requests and try again.`,
    );
  }
}

/** validation._validate_batch_log_limits. */
export function validateBatchLimits(nMetrics: number, nParams: number, nTags: number): void {
  checkBatchLimit('metrics', MAX_METRICS_PER_BATCH, nMetrics);
  checkBatchLimit('params', MAX_PARAMS_TAGS_PER_BATCH, nParams);
  checkBatchLimit('tags', MAX_PARAMS_TAGS_PER_BATCH, nTags);
  checkBatchLimit('metrics, params, and tags', MAX_ENTITIES_PER_BATCH, nMetrics + nParams + nTags);
}

/** validation._validate_param_keys_unique. */
export function validateParamKeysUnique(params: Param[]): void {
  const seen = new Set<string>();
  const dupes: string[] = [];
  for (const p of params) {
    if (seen.has(p.key)) dupes.push(p.key);
    else seen.add(p.key);
  }
  if (dupes.length > 0) {
    throw MlflowError.invalidParameter(
      `Duplicate parameter keys have been submitted: [${dupes.map(pyRepr).join(', ')}]. Please ensure ` +
        'the request contains only one param value per param key.',
    );
  }
}

/**
 * Everything sqlalchemy_store.log_batch checks before touching the database, in MLflow's order:
 * the run id, each metric/param/tag (with its JSON path), the batch limits, duplicate param keys.
 * Returns the params and tags with long values truncated.
 */
export function validateBatch(
  runId: string,
  metrics: MetricInput[],
  params: Param[],
  tags: RunTag[],
): { params: Param[]; tags: RunTag[] } {
  validateRunId(runId);
  for (const [i, m] of metrics.entries()) validateMetric(m, `metrics[${i}]`);
  const ps = params.map((p, i) => validateParam(p, `params[${i}]`));
  const ts = tags.map((t, i) => validateTag(t, `tags[${i}]`));
  validateBatchLimits(metrics.length, ps.length, ts.length);
  validateParamKeysUnique(ps);
  return { params: ps, tags: ts };
}

/** validation._validate_dataset_inputs. */
export function validateDatasetInputs(inputs: DatasetInput[]): void {
  for (const input of inputs) {
    const d = input.dataset;
    if (!d) throw MlflowError.invalidParameter('Dataset cannot be None');
    for (const field of ['name', 'digest', 'source_type', 'source'] as const) {
      if (d[field] === undefined || d[field] === null) {
        throw MlflowError.invalidParameter(`Dataset ${field} cannot be None`);
      }
    }
    const limits: [keyof typeof d, number][] = [
      ['name', MAX_DATASET_NAME_SIZE],
      ['digest', MAX_DATASET_DIGEST_SIZE],
      ['source', MAX_DATASET_SOURCE_SIZE],
      ['schema', MAX_DATASET_SCHEMA_SIZE],
      ['profile', MAX_DATASET_PROFILE_SIZE],
    ];
    for (const [field, limit] of limits) {
      const v = d[field];
      if (typeof v === 'string' && codePointLength(v) > limit) {
        throw MlflowError.invalidParameter(exceedsMaximumLength(field, limit));
      }
    }
    // NUL anywhere, and a source type longer than its column (MLflow leaves it to the database).
    for (const field of ['name', 'digest', 'source_type', 'source', 'schema', 'profile'] as const) {
      checkStoredString(`dataset.${field}`, d[field]);
    }
    checkStoredString('dataset.source_type', d.source_type, MAX_DATASET_SOURCE_TYPE_SIZE);
    for (const tag of input.tags ?? []) {
      if (!tag) throw MlflowError.invalidParameter('InputTag cannot be None');
      if (tag.key === undefined || tag.key === null)
        throw MlflowError.invalidParameter('InputTag key cannot be None');
      if (tag.value === undefined || tag.value === null) {
        throw MlflowError.invalidParameter('InputTag value cannot be None');
      }
      if (codePointLength(tag.key) > MAX_INPUT_TAG_KEY_SIZE) {
        throw MlflowError.invalidParameter(exceedsMaximumLength('key', MAX_INPUT_TAG_KEY_SIZE));
      }
      if (codePointLength(tag.value) > MAX_INPUT_TAG_VALUE_SIZE) {
        throw MlflowError.invalidParameter(exceedsMaximumLength('value', MAX_INPUT_TAG_VALUE_SIZE));
      }
      checkStoredString('tags.key', tag.key);
      checkStoredString('tags.value', tag.value);
    }
  }
}

/** SqlAlchemyStore._validate_max_results_param. */
export function validateMaxResults(maxResults: number): void {
  if (!Number.isInteger(maxResults) || maxResults < 1) {
    throw MlflowError.invalidParameter(
      `Invalid value ${pyStr(maxResults)} for parameter 'max_results' supplied. It must be a positive integer`,
    );
  }
  if (maxResults > SEARCH_MAX_RESULTS_THRESHOLD) {
    throw MlflowError.invalidParameter(
      `Invalid value ${maxResults} for parameter 'max_results' supplied. It must be at most ${SEARCH_MAX_RESULTS_THRESHOLD}`,
    );
  }
}
