/**
 * MLflow's filter grammar for search-runs and search-experiments (mlflow/utils/search_utils.py
 * SearchUtils / SearchExperimentsUtils, and the comparator checks the SQL store applies in
 * sqlalchemy_store._get_sqlalchemy_filter_clauses / _get_search_experiments_filter_clauses):
 *
 *   filter     := comparison (AND comparison)*          -- no OR, no parentheses
 *   comparison := identifier comparator value
 *   identifier := [type "."] key   type ∈ metric(s) | param(s)/parameter(s) | tag(s) |
 *                                        attribute(s)/attr/run | dataset(s); no type = attribute
 *
 * Errors are INVALID_PARAMETER_VALUE with MLflow's messages. One extension beyond the newest
 * MLflow release: `IS NULL` / `IS NOT NULL` on metrics, params and tags (the key is absent /
 * present), which MLflow's parser refuses as an invalid clause.
 */
import { pyRepr } from '../../core/python.js';
import { MlflowError } from '../errors.js';
import { type Token, tokenize } from './lexer.js';

export type EntityType = 'metric' | 'parameter' | 'tag' | 'attribute' | 'dataset';

export type Comparator =
  | '='
  | '!='
  | '>'
  | '>='
  | '<'
  | '<='
  | 'LIKE'
  | 'ILIKE'
  | 'IN'
  | 'NOT IN'
  | 'IS NULL'
  | 'IS NOT NULL';

export interface Clause {
  type: EntityType;
  /** The key with quotes removed and aliases resolved (`created` → `start_time`, `run name` → `run_name`). */
  key: string;
  comparator: Comparator;
  /** A number for metrics and numeric attributes, a string list for IN / NOT IN, null for IS [NOT] NULL. */
  value: string | number | string[] | null;
}

const IDENTIFIERS = ['metric', 'parameter', 'tag', 'attribute', 'dataset'] as const;
const ALIASES: Record<string, EntityType> = {
  metric: 'metric',
  metrics: 'metric',
  parameter: 'parameter',
  parameters: 'parameter',
  param: 'parameter',
  params: 'parameter',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attr: 'attribute',
  attributes: 'attribute',
  run: 'attribute',
  dataset: 'dataset',
  datasets: 'dataset',
};

const METRIC_COMPARATORS = ['>', '>=', '!=', '=', '<', '<='];
const PARAM_COMPARATORS = ['!=', '=', 'LIKE', 'ILIKE'];
const TAG_COMPARATORS = PARAM_COMPARATORS;
const STRING_ATTRIBUTE_COMPARATORS = ['!=', '=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'];
const DATASET_COMPARATORS = STRING_ATTRIBUTE_COMPARATORS;
const NULL_COMPARATORS = ['IS NULL', 'IS NOT NULL'];

/** Run attributes MLflow lets a filter use (RunInfo searchable attributes plus aliases). */
export const RUN_SEARCH_ATTRIBUTES = [
  'artifact_uri',
  'end_time',
  'run_id',
  'run_name',
  'start_time',
  'status',
  'user_id',
  'created',
  'Created',
  'run name',
  'Run name',
  'Run Name',
];
export const RUN_NUMERIC_ATTRIBUTES = new Set(['start_time', 'end_time', 'created', 'Created']);
export const DATASET_ATTRIBUTES = ['name', 'digest', 'context'];
export const EXPERIMENT_SEARCH_ATTRIBUTES = ['name', 'creation_time', 'last_update_time'];
export const EXPERIMENT_NUMERIC_ATTRIBUTES = new Set(['creation_time', 'last_update_time']);

/** Python's repr of a set of strings, as MLflow interpolates its comparator and key sets. */
export function pySet(items: readonly string[]): string {
  return `{${items.map(pyRepr).join(', ')}}`;
}

/** SearchUtils.translate_key_alias. */
export function translateKeyAlias(key: string): string {
  if (key === 'created' || key === 'Created') return 'start_time';
  if (key === 'run name' || key === 'Run name' || key === 'Run Name') return 'run_name';
  return key;
}

function invalid(message: string): MlflowError {
  return MlflowError.invalidParameter(message);
}

function isQuoted(v: string, q: string): boolean {
  return v.length >= 2 && v.startsWith(q) && v.endsWith(q);
}

/** SearchUtils._strip_quotes. */
function stripQuotes(value: string, expectQuoted = false): string {
  if (isQuoted(value, "'") || isQuoted(value, '"')) return value.slice(1, -1);
  if (expectQuoted) {
    throw invalid(
      'Parameter value is either not quoted or unidentified quote types used for string value ' +
        `${value}. Use either single or double quotes.`,
    );
  }
  return value;
}

function trimBackticks(v: string): string {
  return isQuoted(v, '`') ? v.slice(1, -1) : v;
}

/** SearchUtils._valid_entity_type. */
function entityType(raw: string): EntityType {
  const t = trimBackticks(raw);
  const type = ALIASES[t];
  if (!type) {
    throw invalid(`Invalid entity type '${t}'. Valid values are [${IDENTIFIERS.map(pyRepr).join(', ')}]`);
  }
  return type;
}

export interface Identifier {
  type: EntityType;
  key: string;
}

/** SearchUtils._get_identifier for runs. */
export function runIdentifier(identifier: string, validAttributes: readonly string[]): Identifier {
  const dot = identifier.indexOf('.');
  const type = dot < 0 ? 'attribute' : entityType(identifier.slice(0, dot));
  const key = trimBackticks(stripQuotes(dot < 0 ? identifier : identifier.slice(dot + 1)));
  if (type === 'attribute' && !validAttributes.includes(key)) {
    throw invalid(`Invalid attribute key '${key}' specified. Valid keys are '${pySet(validAttributes)}'`);
  }
  if (type === 'dataset' && !DATASET_ATTRIBUTES.includes(key)) {
    throw invalid(`Invalid dataset key '${key}' specified. Valid keys are '${pySet(DATASET_ATTRIBUTES)}'`);
  }
  return { type, key };
}

/** SearchExperimentsUtils._get_identifier: only attributes and tags. */
export function experimentIdentifier(identifier: string, validAttributes: readonly string[]): Identifier {
  const dot = identifier.indexOf('.');
  let type: EntityType = 'attribute';
  if (dot >= 0) {
    const raw = identifier.slice(0, dot);
    if (!['attribute', 'tag', 'tags'].includes(raw)) {
      throw invalid(`Invalid entity type '${raw}'. Valid entity types are ('attribute', 'tag', 'tags')`);
    }
    type = entityType(raw);
  }
  const key = trimBackticks(stripQuotes(dot < 0 ? identifier : identifier.slice(dot + 1)));
  if (type === 'attribute' && !validAttributes.includes(key)) {
    throw invalid(`Invalid attribute key '${key}' specified. Valid keys are '${pySet(validAttributes)}'`);
  }
  return { type, key };
}

/** The quoted strings of an IN list, as ast.literal_eval would read them (SearchUtils._parse_list_from_sql_token). */
function parseList(raw: string): string[] {
  const inner = raw.slice(1, -1);
  const tokens = tokenize(inner).filter((t) => t.kind !== 'ws');
  if (tokens.length === 0) {
    throw invalid(
      'While parsing a list in the query, expected a non-empty list of string values, but got empty list',
    );
  }
  const values: string[] = [];
  let nonString = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const expectValue = i % 2 === 0;
    if (expectValue) {
      if (t.kind === 'string' || (t.kind === 'ident' && isQuoted(t.text, '"')))
        values.push(t.text.slice(1, -1));
      else if (t.kind === 'number') nonString = true;
      else {
        throw invalid(
          'While parsing a list in the query, expected a non-empty list of string values, but got ill-formed list.',
        );
      }
    } else if (t.kind !== 'other' || t.text !== ',') {
      throw invalid(
        'While parsing a list in the query, expected a non-empty list of string values, but got ill-formed list.',
      );
    }
  }
  if (nonString) {
    throw invalid(
      'While parsing a list in the query, expected string value, punctuation, or whitespace, but got ' +
        `different type in list: ${raw}`,
    );
  }
  return values;
}

/** Python's str.islower(): some cased character, and no upper-case one. */
function isLower(s: string): boolean {
  return s !== s.toUpperCase() && s === s.toLowerCase();
}

interface RawComparison {
  left: Token;
  op: string;
  right: Token | null;
}

/** Group tokens into comparisons joined by AND, collecting anything else as invalid clauses. */
function group(filter: string, quoteInvalid: boolean): RawComparison[] {
  const all = tokenize(filter);
  const semi = all.findIndex((t) => t.kind === 'semicolon');
  if (semi >= 0 && all.slice(semi + 1).some((t) => t.kind !== 'ws' && t.kind !== 'semicolon')) {
    throw invalid(
      `Search filter contained multiple expression ${pyRepr(filter)}. Provide AND-ed expression list.`,
    );
  }
  const tokens = all.filter((t) => t.kind !== 'ws' && t.kind !== 'semicolon');
  const comparisons: RawComparison[] = [];
  const invalids: string[] = [];
  let i = 0;
  const isOperand = (t: Token | undefined) =>
    t !== undefined && (t.kind === 'ident' || t.kind === 'string' || t.kind === 'number');
  while (i < tokens.length) {
    const t = tokens[i]!;
    const a = tokens[i + 1];
    const b = tokens[i + 2];
    const c = tokens[i + 3];
    if (t.kind === 'keyword' && t.upper === 'AND') {
      i++;
      continue;
    }
    if (isOperand(t) && a) {
      if (
        (a.kind === 'op' || (a.kind === 'keyword' && (a.upper === 'LIKE' || a.upper === 'ILIKE'))) &&
        // sqlparse also groups `x = ( … )` as a comparison; the value checks then refuse it.
        (isOperand(b) || b?.kind === 'paren')
      ) {
        comparisons.push({ left: t, op: a.upper ?? a.text, right: b! });
        i += 3;
        continue;
      }
      if (t.kind === 'ident' && a.kind === 'keyword' && a.upper === 'IN' && b?.kind === 'paren') {
        comparisons.push({ left: t, op: 'IN', right: b });
        i += 3;
        continue;
      }
      if (t.kind === 'ident' && a.upper === 'NOT' && b?.upper === 'IN' && c?.kind === 'paren') {
        comparisons.push({ left: t, op: 'NOT IN', right: c });
        i += 4;
        continue;
      }
      if (t.kind === 'ident' && a.upper === 'IS' && b?.upper === 'NULL') {
        comparisons.push({ left: t, op: 'IS NULL', right: null });
        i += 3;
        continue;
      }
      if (t.kind === 'ident' && a.upper === 'IS' && b?.upper === 'NOT' && c?.upper === 'NULL') {
        comparisons.push({ left: t, op: 'IS NOT NULL', right: null });
        i += 4;
        continue;
      }
    }
    invalids.push(t.text);
    i++;
  }
  if (invalids.length > 0) {
    const list = quoteInvalid ? invalids.map((s) => `'${s}'`).join(', ') : invalids.join(', ');
    throw invalid(`Invalid clause(s) in filter string: ${list}`);
  }
  return comparisons;
}

/** SearchUtils._get_value: the typed value of a comparison's right-hand side. */
function clauseValue(
  type: EntityType,
  key: string,
  token: Token,
  numericAttributes: ReadonlySet<string>,
): string | number | string[] {
  const isString = token.kind === 'string' || token.kind === 'ident';
  if (type === 'metric') {
    if (token.kind !== 'number') throw invalid(`Expected numeric value type for metric. Found ${token.text}`);
    return Number(token.text);
  }
  if (type === 'parameter' || type === 'tag') {
    if (isString) return stripQuotes(token.text, true);
    throw invalid(`Expected a quoted string value for ${type} (e.g. 'my-value'). Got value ${token.text}`);
  }
  if (type === 'attribute') {
    if (numericAttributes.has(key)) {
      if (token.kind !== 'number') {
        throw invalid(`Expected numeric value type for numeric attribute: ${key}. Found ${token.text}`);
      }
      return Number(token.text);
    }
    if (isString) return stripQuotes(token.text, true);
    if (token.kind === 'paren') {
      if (key !== 'run_id') {
        throw invalid("Only the 'run_id' attribute supports comparison with a list of quoted string values.");
      }
      // MLflow drops ids that are not lower case: run ids are lower-case hex, and MySQL's IN
      // would otherwise match them case-insensitively.
      return parseList(token.text).filter(isLower);
    }
    throw invalid(`Expected a quoted string value for attributes. Got value ${token.text}`);
  }
  // dataset
  if (isString) return stripQuotes(token.text, true);
  if (token.kind === 'paren') return parseList(token.text);
  throw invalid(`Expected a quoted string value for dataset attributes. Got value ${token.text}`);
}

function checkComparator(type: EntityType, key: string, comparator: string): Comparator {
  const fail = (allowed: string[], closingQuote: boolean) =>
    invalid(`Invalid comparator '${comparator}' not one of '${pySet(allowed)}${closingQuote ? "'" : ''}`);
  const isNull = NULL_COMPARATORS.includes(comparator);
  switch (type) {
    case 'metric':
      if (!METRIC_COMPARATORS.includes(comparator) && !isNull) throw fail(METRIC_COMPARATORS, false);
      break;
    case 'parameter':
      if (!PARAM_COMPARATORS.includes(comparator) && !isNull) throw fail(PARAM_COMPARATORS, true);
      break;
    case 'tag':
      if (!TAG_COMPARATORS.includes(comparator) && !isNull) throw fail(TAG_COMPARATORS, false);
      break;
    case 'attribute':
      if (RUN_NUMERIC_ATTRIBUTES.has(key)) {
        if (!METRIC_COMPARATORS.includes(comparator)) throw fail(METRIC_COMPARATORS, false);
      } else if (!STRING_ATTRIBUTE_COMPARATORS.includes(comparator)) {
        throw fail(STRING_ATTRIBUTE_COMPARATORS, true);
      }
      break;
    case 'dataset':
      if (!DATASET_COMPARATORS.includes(comparator)) throw fail(DATASET_COMPARATORS, false);
      break;
  }
  return comparator as Comparator;
}

function checkLeft(left: Token): void {
  if (left.kind !== 'ident') {
    throw invalid(`Invalid comparison clause. Expected 'Identifier' found '${left.text}'`);
  }
}

/** Parse a search-runs filter (SearchUtils.parse_search_filter + the SQL store's comparator checks). */
export function parseRunFilter(filter: string | undefined): Clause[] {
  if (!filter) return [];
  return group(filter, true).map(({ left, op, right }) => {
    checkLeft(left);
    const { type, key: rawKey } = runIdentifier(left.text, RUN_SEARCH_ATTRIBUTES);
    const key = type === 'attribute' ? translateKeyAlias(rawKey) : rawKey;
    const comparator = checkComparator(type, key, op.toUpperCase());
    if (right === null) {
      if (type !== 'metric' && type !== 'parameter' && type !== 'tag') {
        throw invalid(
          `Invalid comparator '${comparator}' for ${type} '${key}': IS [NOT] NULL applies to metrics, params and tags`,
        );
      }
      return { type, key, comparator, value: null };
    }
    const value = clauseValue(type, key, right, RUN_NUMERIC_ATTRIBUTES);
    const isList = Array.isArray(value);
    if (isList !== (comparator === 'IN' || comparator === 'NOT IN')) {
      throw invalid(
        isList
          ? `Invalid comparator '${comparator}' for a list of values: use IN or NOT IN`
          : `Invalid comparison clause: '${comparator}' needs a parenthesised list of quoted strings`,
      );
    }
    return { type, key, comparator, value };
  });
}

/** Parse a search-experiments filter (SearchExperimentsUtils + the SQL store's comparator checks). */
export function parseExperimentFilter(filter: string | undefined): Clause[] {
  if (!filter) return [];
  return group(filter, false).map(({ left, op, right }) => {
    checkLeft(left);
    const { type, key } = experimentIdentifier(left.text, EXPERIMENT_SEARCH_ATTRIBUTES);
    const comparator = op.toUpperCase();
    if (right === null) throw invalid(`Invalid clause(s) in filter string: ${left.text} ${op}`);
    const value = clauseValue(type, key, right, EXPERIMENT_NUMERIC_ATTRIBUTES);
    if (type === 'attribute') {
      if (EXPERIMENT_NUMERIC_ATTRIBUTES.has(key)) {
        if (!METRIC_COMPARATORS.includes(comparator)) {
          throw invalid(`Invalid comparator for numeric attribute: ${comparator}`);
        }
      } else if (!['=', '!=', 'LIKE', 'ILIKE'].includes(comparator)) {
        throw invalid(`Invalid comparator for string attribute: ${comparator}`);
      }
    } else if (!['=', '!=', 'LIKE', 'ILIKE'].includes(comparator)) {
      throw invalid(`Invalid comparator for tag: ${comparator}`);
    }
    return { type, key, comparator: comparator as Comparator, value };
  });
}
