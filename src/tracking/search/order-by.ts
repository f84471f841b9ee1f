/**
 * order_by entries (mlflow/utils/search_utils.py _parse_order_by_string and
 * parse_order_by_for_search_runs / _experiments): `<identifier> [ASC|DESC]`, ascending by
 * default, where the identifier follows the filter grammar (`metrics.rmse`, ``tags.`a b` ``,
 * `attributes.start_time`, a bare attribute). MLflow turns backticks into double quotes and
 * splits the entry like a shell (shlex), so quotes anywhere in the identifier are removed.
 */
import { MlflowError } from '../errors.js';
import {
  type EntityType,
  EXPERIMENT_SEARCH_ATTRIBUTES,
  experimentIdentifier,
  RUN_SEARCH_ATTRIBUTES,
  runIdentifier,
  translateKeyAlias,
} from './filter.js';
import { tokenize } from './lexer.js';

export interface OrderBy {
  type: EntityType;
  key: string;
  ascending: boolean;
}

const RUN_ORDER_BY_ATTRIBUTES = RUN_SEARCH_ATTRIBUTES.filter((a) => !a.toLowerCase().startsWith('run name'));
const EXPERIMENT_ORDER_BY_ATTRIBUTES = [...EXPERIMENT_SEARCH_ATTRIBUTES, 'experiment_id'];

function unparsable(orderBy: string): MlflowError {
  return MlflowError.invalidParameter(`Invalid order_by clause '${orderBy}'. Could not be parsed.`);
}

/** shlex.split(s) for the quoting order_by entries use: whitespace-separated, quotes removed. */
function shellSplit(s: string, orderBy: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: string | null = null;
  for (const c of s) {
    if (quote) {
      if (c === quote) quote = null;
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw unparsable(orderBy);
  if (inWord) out.push(cur);
  return out;
}

/** `_parse_order_by_string`: the identifier text and the direction. */
function parseOrderByString(orderBy: string): { identifier: string; ascending: boolean } {
  // sqlparse must see one identifier, optionally followed by one more word (the direction).
  const tokens = tokenize(orderBy).filter((t) => t.kind !== 'ws');
  const ok =
    tokens.length >= 1 &&
    tokens.length <= 2 &&
    tokens[0]!.kind === 'ident' &&
    (tokens.length === 1 || tokens[1]!.kind === 'ident' || tokens[1]!.kind === 'keyword');
  if (!ok) throw unparsable(orderBy);
  const parts = shellSplit(orderBy.replaceAll('`', '"'), orderBy);
  if (parts.length > 2) throw unparsable(orderBy);
  let ascending = true;
  if (parts.length === 2) {
    const direction = parts[1]!.toLowerCase();
    if (direction !== 'asc' && direction !== 'desc') {
      throw MlflowError.invalidParameter(`Invalid ordering key in order_by clause '${orderBy}'.`);
    }
    ascending = direction === 'asc';
  }
  return { identifier: parts[0]!.trim(), ascending };
}

/** parse_order_by_for_search_runs, with sqlalchemy_store._get_orderby_clauses' checks. */
export function parseRunOrderBy(orderBy: readonly string[] | undefined): OrderBy[] {
  const out: OrderBy[] = [];
  const seen = new Set<string>();
  for (const entry of orderBy ?? []) {
    const { identifier, ascending } = parseOrderByString(entry);
    const id = runIdentifier(identifier, RUN_ORDER_BY_ATTRIBUTES);
    if (id.type === 'dataset') {
      throw MlflowError.invalidParameter(`Invalid identifier type '${id.type}'`);
    }
    const key = id.type === 'attribute' ? translateKeyAlias(id.key) : id.key;
    const seenKey = `${id.type}\u0000${key}`;
    if (seen.has(seenKey)) {
      // MLflow raises this without an error code (a 500); it is the caller's mistake, so 400.
      throw MlflowError.invalidParameter(
        `\`order_by\` contains duplicate fields: [${(orderBy ?? []).map((s) => `'${s}'`).join(', ')}]`,
      );
    }
    seen.add(seenKey);
    out.push({ type: id.type, key, ascending });
  }
  return out;
}

/** parse_order_by_for_search_experiments, with the SQL store's "attributes only" rule. */
export function parseExperimentOrderBy(orderBy: readonly string[] | undefined): OrderBy[] {
  return (orderBy ?? []).map((entry) => {
    const { identifier, ascending } = parseOrderByString(entry);
    const id = experimentIdentifier(identifier, EXPERIMENT_ORDER_BY_ATTRIBUTES);
    if (id.type !== 'attribute') throw MlflowError.invalidParameter(`Invalid order_by entity: ${id.type}`);
    return { type: id.type, key: id.key, ascending };
  });
}
