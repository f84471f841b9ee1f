/**
 * The SQL the search module builds: values always bound (never spliced), LIKE case-sensitive on
 * SQLite through GLOB, parameters in the order their placeholders appear. The stores' behaviour
 * on real databases is covered by the conformance suite; this pins the translation itself.
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import {
  experimentFilterSql,
  experimentOrderSql,
  likeToGlob,
  parseExperimentFilter,
  parseExperimentOrderBy,
  parseRunFilter,
  parseRunOrderBy,
  runFilterSql,
  runOrderSql,
} from '../../../src/tracking/search/index.js';

describe('likeToGlob', () => {
  it('maps % and _ and escapes GLOB metacharacters', () => {
    expect(likeToGlob('a%b_c')).toBe('a*b?c');
    expect(likeToGlob('*?[x]')).toBe('[*][?][[]x]');
    expect(likeToGlob('50\\%')).toBe('50\\*');
  });

  it('matches in SQLite exactly what a case-sensitive LIKE matches', () => {
    const db = new Database(':memory:');
    const glob = (value: string, pattern: string) =>
      (db.prepare('SELECT ? GLOB ? AS m').get(value, likeToGlob(pattern)) as { m: number }).m === 1;
    expect(glob('LinearRegression', 'Lin%')).toBe(true);
    expect(glob('linear', 'Lin%')).toBe(false);
    expect(glob('a*b', 'a*b')).toBe(true);
    expect(glob('axb', 'a*b')).toBe(false);
    expect(glob('a?b', 'a_b')).toBe(true);
    expect(glob('[x]', '[x]')).toBe(true);
    expect(glob('x', '[x]')).toBe(false);
    expect(glob('ab', 'a_')).toBe(true);
    expect(glob('abc', 'a_')).toBe(false);
    db.close();
  });
});

describe('runFilterSql', () => {
  it('binds every value and keys, in placeholder order', () => {
    const clauses = parseRunFilter(
      "metrics.`m'; DROP TABLE runs; --` > 1 and params.p LIKE 'x%' and attributes.run_id IN ('a', 'b')",
    );
    const sqlite = runFilterSql(clauses, 'sqlite');
    expect(sqlite.sql).not.toContain('DROP');
    expect(sqlite.sql.split('?').length - 1).toBe(sqlite.params.length);
    expect(sqlite.params).toEqual(["m'; DROP TABLE runs; --", 1, 'p', 'x*', 'a', 'b']);
    expect(sqlite.sql).toContain('x.value GLOB ?');
    const pg = runFilterSql(clauses, 'postgresql');
    expect(pg.params).toEqual(["m'; DROP TABLE runs; --", 1, 'p', 'x%', 'a', 'b']);
    expect(pg.sql).toContain('x.value LIKE ?');
    expect(runFilterSql(parseRunFilter("tags.t ILIKE 'A%'"), 'postgresql').sql).toContain('ILIKE ?');
    expect(runFilterSql(parseRunFilter("tags.t ILIKE 'A%'"), 'sqlite').sql).toContain('x.value LIKE ?');
  });

  it('turns an IN list emptied of upper-case ids into a clause matching nothing', () => {
    expect(runFilterSql(parseRunFilter("run_id IN ('ABC')"), 'sqlite')).toEqual({ sql: '1 = 0', params: [] });
    expect(runFilterSql(parseRunFilter("run_id NOT IN ('ABC')"), 'sqlite')).toEqual({
      sql: '1 = 1',
      params: [],
    });
  });
});

describe('runOrderSql', () => {
  it('reads each ordering key by a scalar subquery and sorts missing values last, then start_time DESC, run_id', () => {
    const order = runOrderSql(parseRunOrderBy(['metrics.rmse DESC', 'params.lr']));
    const m = (col: string) =>
      `(SELECT ${col} FROM latest_metrics o WHERE o.run_uuid = r.run_uuid AND o.key = ?)`;
    const p = '(SELECT o.value FROM params o WHERE o.run_uuid = r.run_uuid AND o.key = ?)';
    expect(order.sql).toBe(
      `COALESCE(${m('CASE WHEN o.is_nan THEN 1 ELSE 0 END')}, 2), ${m('o.value')} DESC, ` +
        `CASE WHEN ${p} IS NULL THEN 1 ELSE 0 END, ${p}, r.start_time DESC, r.run_uuid`,
    );
    expect(order.params).toEqual(['rmse', 'rmse', 'lr', 'lr']);
    expect(runOrderSql(parseRunOrderBy(['start_time'])).sql).toBe(
      'CASE WHEN r.start_time IS NULL THEN 1 ELSE 0 END, r.start_time, r.run_uuid',
    );
  });
});

describe('many clauses (issue 8 §5.1)', () => {
  it('keeps every EXISTS a subplan on PostgreSQL (OFFSET 0) and adds no join per clause', () => {
    const filter = Array.from({ length: 50 }, (_, i) => `metrics.m${i} > 1 AND params.p${i} = 'x'`).join(
      ' AND ',
    );
    const pg = runFilterSql(parseRunFilter(filter), 'postgresql');
    expect(pg.sql.match(/EXISTS \(/g)).toHaveLength(100);
    expect(pg.sql.match(/ OFFSET 0\)/g)).toHaveLength(100);
    expect(pg.sql).not.toContain('JOIN');
    const sqlite = runFilterSql(parseRunFilter(filter), 'sqlite');
    expect(sqlite.sql).not.toContain('OFFSET');
    expect(
      experimentFilterSql(parseExperimentFilter("tags.a = 'b' AND tags.c = 'd'"), 'postgresql').sql.match(
        / OFFSET 0\)/g,
      ),
    ).toHaveLength(2);
    // Conditions on one key share its lookup (one row per run and key).
    const sameKey = runFilterSql(
      parseRunFilter("metrics.m > 1 AND params.p = 'a' AND metrics.m < 5"),
      'sqlite',
    );
    expect(sameKey.sql.match(/EXISTS \(/g)).toHaveLength(2);
    expect(sameKey.params).toEqual(['m', 1, 5, 'p', 'a']);
    // The filter, one clause 200 times, is that clause once (AND is idempotent).
    const repeated = runFilterSql(
      parseRunFilter(Array(200).fill('metrics.m = 1').join(' AND ')),
      'postgresql',
    );
    expect(repeated).toEqual(runFilterSql(parseRunFilter('metrics.m = 1'), 'postgresql'));
    const order = runOrderSql(parseRunOrderBy(Array.from({ length: 100 }, (_, i) => `params.p${i}`)));
    expect(order.sql).not.toContain('JOIN');
    expect(order.params).toHaveLength(200);
  });
});

describe('experiment search SQL', () => {
  it('filters tags through EXISTS and orders with an experiment_id tie-break', () => {
    const f = experimentFilterSql(parseExperimentFilter("tags.k = 'v' and name LIKE 'a%'"), 'sqlite');
    expect(f.params).toEqual(['k', 'v', 'a*']);
    expect(experimentOrderSql(parseExperimentOrderBy([]))).toBe('e.creation_time DESC, e.experiment_id');
    expect(experimentOrderSql(parseExperimentOrderBy(['name']))).toBe('e.name, e.experiment_id DESC');
    expect(experimentOrderSql(parseExperimentOrderBy(['experiment_id DESC']))).toBe('e.experiment_id DESC');
  });
});
