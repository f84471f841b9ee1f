/**
 * The filter grammar against MLflow's own parser cases (tests/utils/test_search_utils.py) and
 * its messages (mlflow/utils/search_utils.py, sqlalchemy_store._get_search_experiments_filter_clauses).
 */
import { describe, expect, it } from 'vitest';
import { MlflowError } from '../../../src/tracking/errors.js';
import { parseExperimentFilter, parseRunFilter } from '../../../src/tracking/search/index.js';

function fails(fn: () => unknown, message: string | RegExp): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(MlflowError);
  expect((err as MlflowError).errorCode).toBe('INVALID_PARAMETER_VALUE');
  if (typeof message === 'string') expect((err as MlflowError).message).toBe(message);
  else expect((err as MlflowError).message).toMatch(message);
}

describe('parseRunFilter accepts what MLflow accepts', () => {
  it.each([
    ['metric.acc >= 0.94', [{ type: 'metric', key: 'acc', comparator: '>=', value: 0.94 }]],
    ['metric.acc>=100', [{ type: 'metric', key: 'acc', comparator: '>=', value: 100 }]],
    ["params.m!='tf'", [{ type: 'parameter', key: 'm', comparator: '!=', value: 'tf' }]],
    ['params."m"!="tf"', [{ type: 'parameter', key: 'm', comparator: '!=', value: 'tf' }]],
    ['metric."legit name" >= 0.243', [{ type: 'metric', key: 'legit name', comparator: '>=', value: 0.243 }]],
    ['metrics.XYZ = 3', [{ type: 'metric', key: 'XYZ', comparator: '=', value: 3 }]],
    ['params."cat dog" = "pets"', [{ type: 'parameter', key: 'cat dog', comparator: '=', value: 'pets' }]],
    ['metrics."X-Y-Z" = 3', [{ type: 'metric', key: 'X-Y-Z', comparator: '=', value: 3 }]],
    ['metrics."X//Y#$$@&Z" = 3', [{ type: 'metric', key: 'X//Y#$$@&Z', comparator: '=', value: 3 }]],
    [
      "metrics.rmse < 1 and params.model_class = 'LR'",
      [
        { type: 'metric', key: 'rmse', comparator: '<', value: 1 },
        { type: 'parameter', key: 'model_class', comparator: '=', value: 'LR' },
      ],
    ],
    ['', []],
    ['`metric`.a >= 0.1', [{ type: 'metric', key: 'a', comparator: '>=', value: 0.1 }]],
    [
      "`tags`.source_name = 'a notebook'",
      [{ type: 'tag', key: 'source_name', comparator: '=', value: 'a notebook' }],
    ],
    ['metrics."accuracy.2.0" > 5', [{ type: 'metric', key: 'accuracy.2.0', comparator: '>', value: 5 }]],
    [
      'metrics.`spaced key` > -1.5e-3',
      [{ type: 'metric', key: 'spaced key', comparator: '>', value: -0.0015 }],
    ],
    ['params."p.a.r.a.m" != "a"', [{ type: 'parameter', key: 'p.a.r.a.m', comparator: '!=', value: 'a' }]],
    ["tags.mlflow.runName = 'x'", [{ type: 'tag', key: 'mlflow.runName', comparator: '=', value: 'x' }]],
    ["attribute.run_id = '1234'", [{ type: 'attribute', key: 'run_id', comparator: '=', value: '1234' }]],
    ['attr.start_time = 789', [{ type: 'attribute', key: 'start_time', comparator: '=', value: 789 }]],
    ["run.status = 'RUNNING'", [{ type: 'attribute', key: 'status', comparator: '=', value: 'RUNNING' }]],
    ['created > 5', [{ type: 'attribute', key: 'start_time', comparator: '>', value: 5 }]],
    ["`Run name` LIKE 'a%'", [{ type: 'attribute', key: 'run_name', comparator: 'LIKE', value: 'a%' }]],
    [
      "params.x like '%a' AND tags.y ILIKE 'B%'",
      [
        { type: 'parameter', key: 'x', comparator: 'LIKE', value: '%a' },
        { type: 'tag', key: 'y', comparator: 'ILIKE', value: 'B%' },
      ],
    ],
    [
      "datasets.context = 'training'",
      [{ type: 'dataset', key: 'context', comparator: '=', value: 'training' }],
    ],
    ['dataset.name IN (\'a\', "b")', [{ type: 'dataset', key: 'name', comparator: 'IN', value: ['a', 'b'] }]],
    ['params.m = "L\'Hosp"', [{ type: 'parameter', key: 'm', comparator: '=', value: "L'Hosp" }]],
    [
      'tags.t IS NULL and metrics.m is not null',
      [
        { type: 'tag', key: 't', comparator: 'IS NULL', value: null },
        { type: 'metric', key: 'm', comparator: 'IS NOT NULL', value: null },
      ],
    ],
  ])('%s', (filter, parsed) => {
    expect(parseRunFilter(filter)).toEqual(parsed);
  });

  it('reads run_id IN lists and drops ids that are not lower case, as MLflow does for MySQL', () => {
    expect(parseRunFilter("attributes.run_id IN ('abc1', 'DEF2', '0123')")).toEqual([
      { type: 'attribute', key: 'run_id', comparator: 'IN', value: ['abc1'] },
    ]);
    expect(parseRunFilter("run_id not in ('a')")).toEqual([
      { type: 'attribute', key: 'run_id', comparator: 'NOT IN', value: ['a'] },
    ]);
  });
});

describe('parseRunFilter refuses what MLflow refuses, with its messages', () => {
  it.each([
    [
      'metric.acc >= 0.94; metrics.rmse < 1',
      `Search filter contained multiple expression 'metric.acc >= 0.94; metrics.rmse < 1'. Provide AND-ed expression list.`,
    ],
    [
      'm.acc >= 0.94',
      "Invalid entity type 'm'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']",
    ],
    ["metrics.A > 0.1 OR params.B = 'LR'", "Invalid clause(s) in filter string: 'OR'"],
    ["metrics.A > 0.1 AND (params.B = 'LR')", "Invalid clause(s) in filter string: '(params.B = 'LR')'"],
    ['`metrics.A > 0.1', /^Invalid clause\(s\) in filter string: '`metrics.A'/],
    ["params.acc = 'LR", /^Invalid clause\(s\) in filter string/],
    ["params.acc = LR'", /^Invalid clause\(s\) in filter string/],
    ["tags.acc = = 'LR'", /^Invalid clause\(s\) in filter string/],
    ['metric.acc !=', /^Invalid clause\(s\) in filter string/],
    ['params.acc LR', /^Invalid clause\(s\) in filter string/],
    ['1=1', "Invalid comparison clause. Expected 'Identifier' found '1'"],
    ['1==2', "Invalid comparison clause. Expected 'Identifier' found '1'"],
    ['attribute.start != 1', /^Invalid attribute key 'start' specified. Valid keys are '\{/],
    ['acc != 1.0', /^Invalid attribute key 'acc' specified/],
    ["datasets.size = 'x'", /^Invalid dataset key 'size' specified/],
    ["metric.model = 'LR'", "Expected numeric value type for metric. Found 'LR'"],
    ['metrics.acc != metrics.acc', 'Expected numeric value type for metric. Found metrics.acc'],
    ['params.acc = 5', "Expected a quoted string value for parameter (e.g. 'my-value'). Got value 5"],
    ['tags.acc = 5', "Expected a quoted string value for tag (e.g. 'my-value'). Got value 5"],
    [
      'params.acc = LR',
      'Parameter value is either not quoted or unidentified quote types used for string value LR. Use either single or double quotes.',
    ],
    [
      "attributes.start_time = 'x'",
      "Expected numeric value type for numeric attribute: start_time. Found 'x'",
    ],
    ['attributes.status = 5', 'Expected a quoted string value for attributes. Got value 5'],
    [
      "attributes.status IN ('A')",
      "Only the 'run_id' attribute supports comparison with a list of quoted string values.",
    ],
    [
      'run_id IN ()',
      'While parsing a list in the query, expected a non-empty list of string values, but got empty list',
    ],
    [
      'run_id IN (1, 2)',
      'While parsing a list in the query, expected string value, punctuation, or whitespace, but got different type in list: (1, 2)',
    ],
    ["params.p > 'a'", /^Invalid comparator '>' not one of '\{'!=', '=', 'LIKE', 'ILIKE'\}'$/],
    ["tags.t < 'a'", /^Invalid comparator '<' not one of /],
    ['metrics.m LIKE 1', /^Invalid comparator 'LIKE' not one of /],
    ['metrics.m <> 1', /^Invalid comparator '<>' not one of /],
    ["attributes.status > 'a'", /^Invalid comparator '>' not one of /],
    ["attributes.start_time LIKE 'a'", /^Invalid comparator 'LIKE' not one of /],
    ["run_id = ('a')", /^Invalid comparator '=' for a list of values/],
    ['attributes.status IS NULL', /^Invalid comparator 'IS NULL'/],
  ])('%s', (filter, message) => {
    fails(() => parseRunFilter(filter), message);
  });
});

describe('parseExperimentFilter (SearchExperimentsUtils)', () => {
  it('accepts name, times and tags', () => {
    expect(
      parseExperimentFilter("name LIKE 'a%' AND attribute.creation_time > 10 and tags.`k k` != 'v'"),
    ).toEqual([
      { type: 'attribute', key: 'name', comparator: 'LIKE', value: 'a%' },
      { type: 'attribute', key: 'creation_time', comparator: '>', value: 10 },
      { type: 'tag', key: 'k k', comparator: '!=', value: 'v' },
    ]);
  });

  it.each([
    ['metrics.x > 1', "Invalid entity type 'metrics'. Valid entity types are ('attribute', 'tag', 'tags')"],
    ["experiment_id = '1'", /^Invalid attribute key 'experiment_id' specified/],
    ["name > 'a'", 'Invalid comparator for string attribute: >'],
    ['creation_time LIKE 1', 'Invalid comparator for numeric attribute: LIKE'],
    ["tags.k > 'v'", 'Invalid comparator for tag: >'],
    ["name = 'a' OR name = 'b'", 'Invalid clause(s) in filter string: OR'],
    ["name IN ('a')", "Only the 'run_id' attribute supports comparison with a list of quoted string values."],
    ['tags.k IS NULL', /^Invalid clause\(s\) in filter string/],
  ])('refuses %s', (filter, message) => {
    fails(() => parseExperimentFilter(filter), message);
  });
});
