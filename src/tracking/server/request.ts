/**
 * Reading a request the way MLflow's server does (mlflow/server/handlers.py `_get_request_message`,
 * `_validate_request_json_with_schema`, `_validate_param_against_schema`; mlflow/server/
 * validation.py `_validate_content_type`; mlflow/utils/proto_json_utils.py `parse_dict`):
 *
 * - GET with a query string: fields of the message are taken from it; a repeated field repeats its
 *   key; a single field takes the first value; booleans must be `true` or `false` (any case).
 * - Otherwise the body: POST and PUT must say `Content-Type: application/json` (parameters after
 *   `;` ignored) or get MLflow's 400; an empty body is `{}`; a body that is a JSON string is decoded
 *   a second time (legacy clients); numeric `experiment_id(s)` are turned into strings.
 * - The JSON is read onto the proto message (messages.ts) with protobuf's JSON rules: unknown fields
 *   ignored, `null` = unset, int64 from a number or a decimal string, doubles from a number or a
 *   numeric string ("NaN", "Infinity"), enums by name or number.
 * - Then the handler's schema runs, in MLflow's order: a required field that is absent or "" gives
 *   "Missing value for required parameter 'X'. See the API docs for more information about request
 *   parameters."; a value of the wrong type gives MLflow's "Invalid value … supplied: Hint: Value was
 *   of type '…'" text; both are 400 INVALID_PARAMETER_VALUE.
 *
 * Deliberate differences, each stricter or clearer than MLflow, never looser:
 * - MLflow checks types only for the fields its schema lists and otherwise goes on with a partly
 *   parsed message (a metric value "abc" inside log-batch is silently logged as 0). Here any field
 *   that does not fit the proto is a 400 naming its path (`metrics[0].value`).
 * - A body that is not valid JSON is 400 BAD_REQUEST naming the JSON error; MLflow parses bodies
 *   with `silent=True` and treats garbage as `{}`, which then fails as missing fields.
 * - `run_uuid` is accepted for `run_id` on every run endpoint, not only on those whose proto lists it.
 */
import type { FastifyRequest } from 'fastify';
import { pyJsonDumps } from '../../core/python.js';
import { PayloadTooLargeError } from '../artifacts/repository.js';
import { MlflowError } from '../errors.js';
import type { EnumType, FieldSpec, MessageType } from './messages.js';

const API_DOCS = ' See the API docs for more information about request parameters.';

/** A parsed message: set fields only, scalars as JS values, enums as their names. */
export type Message = Record<string, unknown>;

// --- Python-compatible rendering of values in error messages ---------------------------------

/** Python's `type(value).__name__` for a JSON value. */
function pyTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (Array.isArray(value)) return 'list';
  return 'dict';
}

/** mlflow/utils/validation.py `missing_value`, as the schema check words it. */
export function missingValue(path: string): MlflowError {
  return MlflowError.invalidParameter(`Missing value for required parameter '${path}'.${API_DOCS}`);
}

/** mlflow/utils/validation.py `invalid_value` with the handler's type hint. */
export function invalidValue(path: string, value: unknown): MlflowError {
  return MlflowError.invalidParameter(
    `Invalid value ${pyJsonDumps(value, { sortKeys: true, separators: [',', ':'] })} for parameter '${path}' supplied:  Hint: Value was of type '${pyTypeName(value)}'.${API_DOCS}`,
  );
}

// --- proto JSON parsing ------------------------------------------------------------------------

interface ParseFailure {
  /** the top-level field the failure is in */
  field: string;
  /** where exactly: `value`, `metrics[0].value` */
  path: string;
  value: unknown;
}

const INT_TEXT = /^[+-]?\d+$/;
/** Python's float() syntax for finite numbers: digits with single underscores, a point, an exponent. */
const DIGITS = String.raw`\d(?:_?\d)*`;
const FLOAT_TEXT = new RegExp(
  String.raw`^[+-]?(?:${DIGITS}(?:\.(?:${DIGITS})?)?|\.${DIGITS})(?:[eE][+-]?${DIGITS})?$`,
);
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INT32_MIN = -(2n ** 31n);
const INT32_MAX = 2n ** 31n - 1n;

const NOT_PARSED = Symbol('not parsed');

function parseInteger(value: unknown, bits: 32 | 64): number | typeof NOT_PARSED {
  // json_format._ConvertInteger: integral numbers and decimal strings; no bools, fractions or spaces.
  let big: bigint;
  if (typeof value === 'number' && Number.isInteger(value)) big = BigInt(value);
  else if (typeof value === 'string' && INT_TEXT.test(value)) big = BigInt(value);
  else return NOT_PARSED;
  const [min, max] = bits === 32 ? [INT32_MIN, INT32_MAX] : [INT64_MIN, INT64_MAX];
  if (big < min || big > max) return NOT_PARSED;
  // JSON numbers cannot carry more than 2^53 exactly anyway; a decimal string beyond that would
  // silently lose digits, which is refused rather than stored wrong.
  if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER)) return NOT_PARSED;
  return Number(big);
}

function parseDouble(value: unknown): number | typeof NOT_PARSED {
  // json_format._ConvertFloat: a number, or a string Python's float() accepts ("NaN", "Infinity",
  // "1e3", " 2.5 "), except exactly "nan", which protobuf refuses. Booleans are refused too (the
  // spec: a metric value is a JSON number).
  if (typeof value === 'number') return value;
  if (typeof value !== 'string' || value === 'nan') return NOT_PARSED;
  const text = value.trim();
  if (/^[+-]?nan$/i.test(text)) return Number.NaN;
  if (/^[+-]?inf(inity)?$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (!FLOAT_TEXT.test(text)) return NOT_PARSED;
  return Number(text.replace(/_/g, ''));
}

function parseEnum(type: EnumType, value: unknown): string | typeof NOT_PARSED {
  if (typeof value === 'string' && Object.hasOwn(type.values, value)) return value;
  // By number: a JSON number, or a numeric string (json_format tries int(value) on unknown names).
  const n = parseInteger(value, 32);
  if (n === NOT_PARSED) return NOT_PARSED;
  const name = Object.entries(type.values).find(([, v]) => v === n)?.[0];
  return name ?? NOT_PARSED;
}

function parseSingle(
  spec: FieldSpec,
  value: unknown,
  path: string,
  field: string,
  failures: ParseFailure[],
): unknown {
  const { type } = spec;
  let parsed: unknown = NOT_PARSED;
  if (typeof type === 'string') {
    switch (type) {
      case 'string':
        if (typeof value === 'string') parsed = value;
        break;
      case 'bool':
        if (typeof value === 'boolean') parsed = value;
        break;
      case 'int32':
        parsed = parseInteger(value, 32);
        break;
      case 'int64':
        parsed = parseInteger(value, 64);
        break;
      case 'double':
        parsed = parseDouble(value);
        break;
    }
  } else if (type.kind === 'enum') {
    parsed = parseEnum(type, value);
  } else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return parseMessage(type, value as Record<string, unknown>, `${path}.`, field, failures);
  }
  if (parsed === NOT_PARSED) {
    failures.push({ field, path, value });
    return undefined;
  }
  return parsed;
}

function parseMessage(
  type: MessageType,
  json: Record<string, unknown>,
  pathPrefix: string,
  topField: string | undefined,
  failures: ParseFailure[],
): Message {
  const out: Message = {};
  for (const [name, value] of Object.entries(json)) {
    if (!Object.hasOwn(type.fields, name)) continue; // ignore_unknown_fields=True
    if (value === null || value === undefined) continue; // null clears the field
    const spec = type.fields[name];
    const path = `${pathPrefix}${name}`;
    const field = topField ?? name;
    if (spec.repeated) {
      if (!Array.isArray(value)) {
        failures.push({ field, path, value });
        continue;
      }
      const items: unknown[] = [];
      value.forEach((item, i) => {
        const itemPath = `${path}[${i}]`;
        if (item === null) failures.push({ field, path: itemPath, value: item });
        else {
          const parsed = parseSingle(spec, item, itemPath, field, failures);
          if (parsed !== undefined) items.push(parsed);
        }
      });
      out[name] = items;
    } else {
      const parsed = parseSingle(spec, value, path, field, failures);
      if (parsed !== undefined) out[name] = parsed;
    }
  }
  return out;
}

/**
 * proto_json_utils._stringify_all_experiment_ids: clients of MLflow ≤ 0.9 sent experiment ids as
 * numbers. Applied before parsing, at every depth, as MLflow does.
 */
function stringifyExperimentIds(value: unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) stringifyExperimentIds(item);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const obj = value as Record<string, unknown>;
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'experiment_id' && typeof v === 'number') obj[k] = String(v);
    else if (k === 'experiment_ids' && Array.isArray(v)) {
      obj[k] = v.map((w) => (typeof w === 'number' ? String(w) : w));
    } else stringifyExperimentIds(v);
  }
}

// --- schema checks -----------------------------------------------------------------------------

/**
 * One entry of a handler's schema: the field and its checks, in MLflow's order. `required` and
 * `type` are `_assert_required` and the `_assert_<type>` validators; a function is a handler's
 * own check (limits), returning an error or undefined. Custom checks run on the raw JSON value.
 */
export type Check = 'required' | 'type' | ((raw: unknown, field: string) => MlflowError | undefined);
export type Schema = ReadonlyArray<readonly [field: string, checks: readonly Check[]]>;

function isMissing(value: unknown): boolean {
  // handlers._assert_required: None or "" (absent proto strings read as "").
  return value === undefined || value === null || value === '';
}

function runSchema(schema: Schema, json: Record<string, unknown>, failures: ParseFailure[]): void {
  for (const [field, checks] of schema) {
    if (!Object.hasOwn(json, field) && !checks.includes('required')) continue;
    let raw = json[field];
    // _validate_request_json_with_schema: run_uuid stands in for an absent run_id.
    if (field === 'run_id' && (raw === undefined || raw === null) && Object.hasOwn(json, 'run_uuid')) {
      raw = json.run_uuid;
    }
    for (const check of checks) {
      if (check === 'required') {
        if (isMissing(raw)) throw missingValue(field);
      } else if (check === 'type') {
        const failure = failures.find((f) => f.field === field);
        if (failure) throw invalidValue(failure.path, failure.value);
      } else {
        const error = check(raw, field);
        if (error) throw error;
      }
    }
  }
  if (failures.length > 0) throw invalidValue(failures[0].path, failures[0].value);
}

// --- the request -------------------------------------------------------------------------------

/** validation._validate_content_type, for POST and PUT. */
function checkContentType(request: FastifyRequest): void {
  if (request.method !== 'POST' && request.method !== 'PUT') return;
  const header = request.headers['content-type'];
  const contentType = header === undefined ? undefined : header.split(';')[0];
  if (contentType === 'application/json') return;
  let message = 'Bad Request. Content-Type must be one of [application/json].';
  // MLflow echoes the type only when it is made of harmless characters (no markup, no quotes).
  if (contentType !== undefined && /^[a-zA-Z0-9\-/;,+_ ]*$/.test(contentType))
    message += ` Got '${contentType}'.`;
  throw MlflowError.invalidParameter(message);
}

function queryFields(type: MessageType, query: Record<string, unknown>): Record<string, unknown> {
  const json: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(type.fields)) {
    if (!Object.hasOwn(query, name)) continue;
    const raw = query[name];
    const values = Array.isArray(raw) ? (raw as string[]) : [raw as string];
    if (spec.repeated) {
      json[name] = values;
      continue;
    }
    let value: unknown = values[0];
    if (spec.type === 'bool' && typeof value === 'string') {
      const lower = value.toLowerCase();
      if (lower !== 'true' && lower !== 'false') {
        throw MlflowError.invalidParameter(`Invalid boolean value: ${value}, must be 'true' or 'false'.`);
      }
      value = lower === 'true';
    }
    json[name] = value;
  }
  return json;
}

/** Bodies of GET requests are read up to this size (MLflow's 1 MB request limit). */
const GET_BODY_LIMIT = 1_000_000;

/** The body of a GET request, if it has one; fastify leaves it unread in the socket. */
async function readGetBody(request: FastifyRequest): Promise<Buffer | undefined> {
  const { headers } = request;
  if (headers['content-length'] === undefined && headers['transfer-encoding'] === undefined) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request.raw as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > GET_BODY_LIMIT) throw new PayloadTooLargeError(GET_BODY_LIMIT, 'Request body');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * How deep a request's JSON may nest. protobuf's json_format (which MLflow's parse_dict calls)
 * stops at max_recursion_depth=100, and no MLflow message nests more than a few levels: anything
 * deeper is refused before parsing, because every recursive walk of the parsed value (ours, and
 * V8's JSON.stringify when a value is echoed in an error) would otherwise overflow the stack —
 * issue 8 §5.3: 3,200 nested arrays, a 6 KB body, gave 500 "Maximum call stack size exceeded".
 */
export const MAX_JSON_DEPTH = 100;

/** The first nesting depth over MAX_JSON_DEPTH in JSON text, or 0; strings are skipped. One pass, no recursion. */
export function excessJsonDepth(text: string): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_JSON_DEPTH) return depth;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return 0;
}

function parseJsonText(text: string): unknown {
  if (excessJsonDepth(text) > 0) {
    throw new MlflowError(
      'BAD_REQUEST',
      `The request body nests JSON more than ${MAX_JSON_DEPTH} levels deep; the limit is ${MAX_JSON_DEPTH}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new MlflowError('BAD_REQUEST', `Malformed JSON in the request body: ${(e as Error).message}`);
  }
}

/**
 * The body as JSON: the raw bytes (the API routes' content parser keeps them as a
 * Buffer, within the route's body limit) or undefined when there was none.
 */
function bodyJson(body: unknown): Record<string, unknown> {
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : typeof body === 'string' ? body : '';
  if (text.trim() === '') return {};
  let json = parseJsonText(text);
  // Older clients post their JSON double-encoded as a string.
  if (typeof json === 'string') json = json.trim() === '' ? null : parseJsonText(json);
  if (json === null) return {};
  if (typeof json !== 'object' || Array.isArray(json)) {
    throw new MlflowError(
      'BAD_REQUEST',
      `The request body must be a JSON object, got ${Array.isArray(json) ? 'an array' : typeof json}`,
    );
  }
  return json as Record<string, unknown>;
}

export interface ReadOptions {
  /** Read the query string for GET (MLflow's rule); handlers that only read a body pass false. */
  query?: boolean;
}

/** The request as MLflow's handler sees it: the raw JSON (for custom checks) and the parsed message. */
export interface ParsedRequest {
  json: Record<string, unknown>;
  message: Message;
}

/**
 * Read, parse and check a request against its proto message and its handler's schema. Throws
 * MlflowError (400) with MLflow's wording on any problem.
 */
export async function readRequest(
  request: FastifyRequest,
  type: MessageType,
  schema: Schema = [],
): Promise<ParsedRequest> {
  const query = (request.query ?? {}) as Record<string, unknown>;
  let json: Record<string, unknown>;
  if (request.method === 'GET' && Object.keys(query).length > 0) {
    json = queryFields(type, query);
  } else {
    checkContentType(request);
    // Fastify does not read bodies of GET requests; MLflow reads one when there is no query string.
    const body = request.method === 'GET' ? await readGetBody(request) : request.body;
    json = bodyJson(body);
  }
  stringifyExperimentIds(json);
  const failures: ParseFailure[] = [];
  const message = parseMessage(type, json, '', undefined, failures);
  runSchema(schema, json, failures);
  return { json, message };
}

/** `request_message.run_id or request_message.run_uuid`. */
export function runIdOf(message: Message): string {
  return (message.run_id as string | undefined) || (message.run_uuid as string | undefined) || '';
}

// --- common schema pieces ------------------------------------------------------------------------

/** `_assert_less_than_or_equal(int(x), limit)` with no message: MLflow then reports invalid_value. */
export function atMost(limit: number): Check {
  return (raw, field) => (Number(raw) > limit ? invalidValue(field, raw) : undefined);
}

/** Every item of a repeated message field must have `keys` set (log-batch's `_assert_*_fields_present`). */
export function itemsHave(...keys: string[]): Check {
  return (raw, field) => {
    if (!Array.isArray(raw)) return undefined;
    for (let i = 0; i < raw.length; i++) {
      const item = raw[i] as Record<string, unknown>;
      for (const key of keys) {
        if (isMissing(item?.[key])) return missingValue(`${field}[${i}].${key}`);
      }
    }
    return undefined;
  };
}
