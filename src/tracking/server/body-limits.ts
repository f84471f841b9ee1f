/**
 * Request body limits per endpoint (issue 8 §5.4: a 40 MB log-inputs was buffered whole, and eight
 * at once took the server's RSS past half a gigabyte). Each limit is the largest body MLflow's own
 * field limits (tracking/validation.ts, after mlflow/utils/validation.py) allow that endpoint, in
 * JSON, and no more; a bigger body is refused 413 with MLflow's JSON error naming the limit, from
 * its Content-Length before anything is read, or as soon as a chunked body passes it.
 *
 * The sizes count characters, as MLflow's limits do; JSON text can take more bytes than that:
 * escaped quotes and backslashes (frequent in a dataset's JSON schema and profile) take two, so
 * each string is allowed twice its characters. Artifact uploads are not here: they stream to the
 * store under their own limit (`maxArtifactBytes`).
 */
import {
  MAX_DATASET_DIGEST_SIZE,
  MAX_DATASET_NAME_SIZE,
  MAX_DATASET_PROFILE_SIZE,
  MAX_DATASET_SCHEMA_SIZE,
  MAX_DATASET_SOURCE_SIZE,
  MAX_ENTITY_KEY_LENGTH,
  MAX_INPUT_TAG_KEY_SIZE,
  MAX_INPUT_TAG_VALUE_SIZE,
  MAX_PARAM_VAL_LENGTH,
  MAX_PARAMS_TAGS_PER_BATCH,
  MAX_TAG_VAL_LENGTH,
} from '../validation.js';

/**
 * MLflow's documented request limit ("a single JSON-serialized API request may be up to 1 MB",
 * MAX_BATCH_LOG_REQUEST_SIZE): every endpoint without a larger need below.
 */
export const DEFAULT_BODY_LIMIT = 1_000_000;

/** Field names, quotes, separators and numbers around the strings of one entity, generously. */
const ENTITY_OVERHEAD = 200;
/** Room for the request's own fields (run_id…) and whitespace. */
const REQUEST_OVERHEAD = 64 * 1024;
/** Every string may be fully escaped at two bytes per character. */
const ESCAPING = 2;

function jsonBytes(characters: number, entities: number): number {
  return ESCAPING * characters + ENTITY_OVERHEAD * entities + REQUEST_OVERHEAD;
}

/**
 * log-batch at MLflow's limits: 100 params of 6,000 characters, 100 tags of 8,000, and metrics for
 * the rest of the 1,000 entities (a 250-character key each) — about 3.5 MB, where the documented
 * 1 MB would refuse batches MLflow's server stores.
 */
export const LOG_BATCH_BODY_LIMIT = jsonBytes(
  MAX_PARAMS_TAGS_PER_BATCH * (MAX_ENTITY_KEY_LENGTH + MAX_PARAM_VAL_LENGTH) +
    MAX_PARAMS_TAGS_PER_BATCH * (MAX_ENTITY_KEY_LENGTH + MAX_TAG_VAL_LENGTH) +
    (1000 - 2 * MAX_PARAMS_TAGS_PER_BATCH) * MAX_ENTITY_KEY_LENGTH,
  1000,
);

/** Dataset input tags a log-inputs may carry within its limit (MLflow sets none; clients send a few). */
const INPUT_TAGS = 100;

/**
 * log-inputs with one dataset at MLflow's field limits (profile 16,777,215 characters, schema
 * 1,048,575, source 65,535, name, digest) and its tags: about 36 MB.
 */
export const LOG_INPUTS_BODY_LIMIT = jsonBytes(
  MAX_DATASET_PROFILE_SIZE +
    MAX_DATASET_SCHEMA_SIZE +
    MAX_DATASET_SOURCE_SIZE +
    MAX_DATASET_NAME_SIZE +
    MAX_DATASET_DIGEST_SIZE +
    INPUT_TAGS * (MAX_INPUT_TAG_KEY_SIZE + MAX_INPUT_TAG_VALUE_SIZE),
  1 + INPUT_TAGS,
);
