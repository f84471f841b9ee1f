/**
 * Parsed filters and order_by entries turned into parameterised SQL for both dialects, with the
 * semantics of MLflow's SQL store (sqlalchemy_store._get_sqlalchemy_filter_clauses,
 * _get_orderby_clauses, _get_search_experiments_*). Values are always bound (`?` placeholders;
 * the PostgreSQL driver renumbers them), never spliced into the text.
 *
 * Table aliases: `r` is runs, `e` is experiments.
 *
 * Semantics worth knowing:
 * - A run lacking the key of a clause does not match it, whatever the comparator (MLflow joins).
 * - Metrics compare their latest value (latest_metrics). NaN compares as IEEE 754 says (only
 *   `!=` matches), as MLflow's in-memory filter does; MLflow's SQL store compares the 0 it stores
 *   in place of NaN instead, which we consider a bug not worth copying.
 * - LIKE is case-sensitive and ILIKE is not, on both dialects. SQLite's LIKE ignores ASCII case,
 *   so LIKE is translated to GLOB there (case-sensitive), and ILIKE to SQLite's LIKE. PostgreSQL
 *   takes `\` as LIKE's escape character and SQLite does not, as with MLflow on each database.
 * - Ordering puts runs lacking the key last in either direction, and NaN metrics after numbers
 *   and before missing ones (MLflow's CASE columns); ties end with start_time DESC, run_id ASC.
 *
 * Cost linear in the clauses (issue 8 §5.1). MLflow joins one subquery per clause; mlship writes
 * one correlated EXISTS per clause, each an index lookup on (run_uuid, key). PostgreSQL would pull
 * every EXISTS up into a semi-join and search join orders over all of them: with 50 clauses
 * planning alone took 1.7 s, with 200 tens of seconds. `OFFSET 0` in the subquery keeps it a subplan
 * (subselect.c's simplify_EXISTS_query gives up on a query with an OFFSET), so planning stays
 * linear and each run costs at most one lookup per key named (AND stops at the first miss). Ordering
 * keys are correlated scalar subqueries rather than LEFT JOINs for the same reason, and because
 * SQLite refuses more than 64 tables in one join.
 */
import type { Clause, Comparator } from './filter.js';
import type { OrderBy } from './order-by.js';

export type Dialect = 'sqlite' | 'postgresql';

export interface SqlFragment {
  sql: string;
  params: unknown[];
}

/** A LIKE pattern as a SQLite GLOB pattern: % → *, _ → ?, and GLOB's own metacharacters escaped. */
export function likeToGlob(pattern: string): string {
  let out = '';
  for (const c of pattern) {
    if (c === '%') out += '*';
    else if (c === '_') out += '?';
    else if (c === '*' || c === '?' || c === '[') out += `[${c}]`;
    else out += c;
  }
  return out;
}

function placeholders(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}

/** `column <comparator> value` for a text column. */
function stringComparison(
  column: string,
  comparator: Comparator,
  value: unknown,
  dialect: Dialect,
): SqlFragment {
  switch (comparator) {
    case 'LIKE':
      return dialect === 'sqlite'
        ? { sql: `${column} GLOB ?`, params: [likeToGlob(String(value))] }
        : { sql: `${column} LIKE ?`, params: [value] };
    case 'ILIKE':
      return dialect === 'sqlite'
        ? { sql: `${column} LIKE ?`, params: [value] }
        : { sql: `${column} ILIKE ?`, params: [value] };
    case 'IN':
    case 'NOT IN': {
      const list = value as string[];
      // An empty list (MLflow drops upper-case run ids) matches nothing / everything.
      if (list.length === 0) return { sql: comparator === 'IN' ? '1 = 0' : '1 = 1', params: [] };
      return { sql: `${column} ${comparator} (${placeholders(list.length)})`, params: list };
    }
    case '=':
    case '!=':
      return { sql: `${column} ${comparator} ?`, params: [value] };
    default:
      throw new Error(`comparator ${comparator} on a string column`);
  }
}

/** `column <comparator> value` for an integer column compared with a possibly fractional number. */
function numericComparison(column: string, comparator: Comparator, value: unknown): SqlFragment {
  // The cast keeps PostgreSQL from inferring bigint for the parameter and refusing "1.5".
  return { sql: `${column} ${comparator} CAST(? AS DOUBLE PRECISION)`, params: [value] };
}

const RUN_STRING_COLUMNS: Record<string, string> = {
  run_id: 'r.run_uuid',
  status: 'r.status',
  user_id: 'r.user_id',
  artifact_uri: 'r.artifact_uri',
};
const RUN_NUMERIC_COLUMNS: Record<string, string> = { start_time: 'r.start_time', end_time: 'r.end_time' };

/**
 * `EXISTS (<subquery>)`, kept a correlated subplan on PostgreSQL (see the header: `OFFSET 0`
 * stops the planner from turning it into a join it would reorder with every other clause's).
 */
function exists(subquery: string, dialect: Dialect): string {
  return `EXISTS (${subquery}${dialect === 'postgresql' ? ' OFFSET 0' : ''})`;
}

/**
 * A condition on the row a run has for `key` in `table` (latest_metrics, params, tags: one row per
 * run and key, their primary key). Conditions on the same key are ANDed inside one EXISTS: with
 * at most one row, "a row meets c1 and a row meets c2" is "the row meets c1 and c2", and the run
 * costs one lookup per key instead of one per clause.
 */
interface KeyedCondition {
  table: 'latest_metrics' | 'params' | 'tags';
  key: string;
  inner: SqlFragment;
}

function keyed(table: KeyedCondition['table'], key: string, inner: SqlFragment): KeyedCondition {
  return { table, key, inner };
}

function existsKeyed(conditions: KeyedCondition[], dialect: Dialect): SqlFragment {
  const { table, key } = conditions[0]!;
  const inner = andAll(conditions.map((c) => c.inner));
  return {
    sql: exists(
      `SELECT 1 FROM ${table} x WHERE x.run_uuid = r.run_uuid AND x.key = ? AND ${inner.sql}`,
      dialect,
    ),
    params: [key, ...inner.params],
  };
}

function runClauseSql(c: Clause, dialect: Dialect): SqlFragment | KeyedCondition {
  if (c.comparator === 'IS NULL' || c.comparator === 'IS NOT NULL') {
    const table = c.type === 'metric' ? 'latest_metrics' : c.type === 'parameter' ? 'params' : 'tags';
    const present = exists(`SELECT 1 FROM ${table} x WHERE x.run_uuid = r.run_uuid AND x.key = ?`, dialect);
    return { sql: c.comparator === 'IS NULL' ? `NOT ${present}` : present, params: [c.key] };
  }
  switch (c.type) {
    case 'metric': {
      // IEEE semantics: NaN is unequal to everything and unordered.
      const inner =
        c.comparator === '!='
          ? { sql: '(x.is_nan OR x.value != ?)', params: [c.value] }
          : { sql: `(NOT x.is_nan AND x.value ${c.comparator} ?)`, params: [c.value] };
      return keyed('latest_metrics', c.key, inner);
    }
    case 'parameter':
      return keyed('params', c.key, stringComparison('x.value', c.comparator, c.value, dialect));
    case 'tag':
      return keyed('tags', c.key, stringComparison('x.value', c.comparator, c.value, dialect));
    case 'attribute': {
      if (c.key === 'run_name') {
        // MLflow filters the run name through the mlflow.runName tag (runs of MLflow ≤ 1.29 have
        // an empty name column).
        return keyed('tags', 'mlflow.runName', stringComparison('x.value', c.comparator, c.value, dialect));
      }
      const numeric = RUN_NUMERIC_COLUMNS[c.key];
      if (numeric) return numericComparison(numeric, c.comparator, c.value);
      const column = RUN_STRING_COLUMNS[c.key];
      if (!column) throw new Error(`unmapped run attribute ${c.key}`);
      return stringComparison(column, c.comparator, c.value, dialect);
    }
    case 'dataset': {
      const runInputs =
        "i.source_type = 'DATASET' AND i.destination_type = 'RUN' AND i.destination_id = r.run_uuid";
      if (c.key === 'context') {
        const cmp = stringComparison('t.value', c.comparator, c.value, dialect);
        return {
          sql: exists(
            'SELECT 1 FROM inputs i JOIN input_tags t ON t.input_uuid = i.input_uuid ' +
              `WHERE ${runInputs} AND t.name = 'mlflow.data.context' AND ${cmp.sql}`,
            dialect,
          ),
          params: cmp.params,
        };
      }
      const cmp = stringComparison(`d.${c.key}`, c.comparator, c.value, dialect);
      return {
        sql: exists(
          `SELECT 1 FROM inputs i JOIN datasets d ON d.dataset_uuid = i.source_id WHERE ${runInputs} AND ${cmp.sql}`,
          dialect,
        ),
        params: cmp.params,
      };
    }
  }
}

/** `parts` ANDed, each distinct condition once: AND is idempotent, and a repeated clause costs. */
function andAll(parts: SqlFragment[]): SqlFragment {
  const seen = new Set<string>();
  const kept = parts.filter((p) => {
    const id = JSON.stringify([p.sql, p.params]);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  return { sql: kept.map((p) => p.sql).join(' AND '), params: kept.flatMap((p) => p.params) };
}

/** The WHERE conditions for a run filter, ANDed (empty string for no clauses). */
export function runFilterSql(clauses: Clause[], dialect: Dialect): SqlFragment {
  const parts: (SqlFragment | KeyedCondition[])[] = [];
  const byKey = new Map<string, KeyedCondition[]>();
  for (const clause of clauses) {
    const condition = runClauseSql(clause, dialect);
    if (!('table' in condition)) {
      parts.push(condition);
      continue;
    }
    const id = `${condition.table}\u0000${condition.key}`;
    let group = byKey.get(id);
    if (!group) {
      group = [];
      byKey.set(id, group);
      parts.push(group);
    }
    group.push(condition);
  }
  return andAll(parts.map((p) => (Array.isArray(p) ? existsKeyed(p, dialect) : p)));
}

const RUN_ORDER_COLUMNS: Record<string, string> = {
  ...RUN_STRING_COLUMNS,
  ...RUN_NUMERIC_COLUMNS,
  run_name: 'r.name',
};

/**
 * The ORDER BY list for a run search, with its parameters. Each metric, param or tag key is read by
 * a correlated scalar subquery on its primary key (run_uuid, key), so at most one row: the same
 * values a LEFT JOIN would give, at a cost linear in the keys (see the header).
 */
export function runOrderSql(orderBy: OrderBy[]): SqlFragment {
  const params: unknown[] = [];
  const terms: string[] = [];
  let hasStartTime = false;
  for (const o of orderBy) {
    const dir = o.ascending ? '' : ' DESC';
    if (o.type === 'attribute') {
      const column = RUN_ORDER_COLUMNS[o.key];
      if (!column) throw new Error(`unmapped run attribute ${o.key}`);
      if (o.key === 'start_time') hasStartTime = true;
      terms.push(`CASE WHEN ${column} IS NULL THEN 1 ELSE 0 END`, `${column}${dir}`);
      continue;
    }
    const table = o.type === 'metric' ? 'latest_metrics' : o.type === 'parameter' ? 'params' : 'tags';
    const read = (column: string) =>
      `(SELECT ${column} FROM ${table} o WHERE o.run_uuid = r.run_uuid AND o.key = ?)`;
    if (o.type === 'metric') {
      // 0 for a number, 1 for NaN, 2 for a run without the metric (the subquery finds no row).
      terms.push(`COALESCE(${read('CASE WHEN o.is_nan THEN 1 ELSE 0 END')}, 2)`, `${read('o.value')}${dir}`);
    } else {
      terms.push(`CASE WHEN ${read('o.value')} IS NULL THEN 1 ELSE 0 END`, `${read('o.value')}${dir}`);
    }
    params.push(o.key, o.key);
  }
  if (!hasStartTime) terms.push('r.start_time DESC');
  terms.push('r.run_uuid');
  return { sql: terms.join(', '), params };
}

/** The WHERE conditions for an experiment filter, ANDed. */
export function experimentFilterSql(clauses: Clause[], dialect: Dialect): SqlFragment {
  const parts = clauses.map((c): SqlFragment => {
    if (c.type === 'tag') {
      const cmp = stringComparison('t.value', c.comparator, c.value, dialect);
      return {
        sql: exists(
          `SELECT 1 FROM experiment_tags t WHERE t.experiment_id = e.experiment_id AND t.key = ? AND ${cmp.sql}`,
          dialect,
        ),
        params: [c.key, ...cmp.params],
      };
    }
    if (c.key === 'name') return stringComparison('e.name', c.comparator, c.value, dialect);
    return numericComparison(`e.${c.key}`, c.comparator, c.value);
  });
  return andAll(parts);
}

/** ORDER BY for an experiment search: default creation_time DESC, experiment_id ASC; id DESC breaks ties. */
export function experimentOrderSql(orderBy: OrderBy[]): string {
  const entries =
    orderBy.length > 0
      ? orderBy
      : [
          { key: 'creation_time', ascending: false },
          { key: 'experiment_id', ascending: true },
        ];
  const terms = entries.map((o) => `e.${o.key}${o.ascending ? '' : ' DESC'}`);
  if (!entries.some((o) => o.key === 'experiment_id')) terms.push('e.experiment_id DESC');
  return terms.join(', ');
}
