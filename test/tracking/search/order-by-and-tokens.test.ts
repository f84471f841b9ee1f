/**
 * order_by parsing (search_utils._parse_order_by_string / parse_order_by_for_search_*) and page
 * tokens (SearchUtils.create_page_token / parse_start_offset_from_page_token).
 */
import { describe, expect, it } from 'vitest';
import { MlflowError } from '../../../src/tracking/errors.js';
import {
  createPageToken,
  parseExperimentOrderBy,
  parsePageToken,
  parseRunOrderBy,
} from '../../../src/tracking/search/index.js';

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

describe('parseRunOrderBy', () => {
  it.each([
    ['metrics.rmse', { type: 'metric', key: 'rmse', ascending: true }],
    ['metric.rmse DESC', { type: 'metric', key: 'rmse', ascending: false }],
    ['metrics.`f1 score` desc', { type: 'metric', key: 'f1 score', ascending: false }],
    ['params."learning rate" ASC', { type: 'parameter', key: 'learning rate', ascending: true }],
    ['metrics."a.b"', { type: 'metric', key: 'a.b', ascending: true }],
    ['tags.mlflow.runName', { type: 'tag', key: 'mlflow.runName', ascending: true }],
    ['attributes.start_time ASC', { type: 'attribute', key: 'start_time', ascending: true }],
    ['start_time', { type: 'attribute', key: 'start_time', ascending: true }],
    ['created DESC', { type: 'attribute', key: 'start_time', ascending: false }],
    ['run_name', { type: 'attribute', key: 'run_name', ascending: true }],
    ['`tags`.`a b` DESC', { type: 'tag', key: 'a b', ascending: false }],
  ])('%s', (entry, parsed) => {
    expect(parseRunOrderBy([entry])).toEqual([parsed]);
  });

  it('is empty without entries (the store then orders by start_time DESC, run_id)', () => {
    expect(parseRunOrderBy(undefined)).toEqual([]);
  });

  it.each([
    [
      'm.rmse',
      "Invalid entity type 'm'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']",
    ],
    ['metrics.rmse sideways', "Invalid ordering key in order_by clause 'metrics.rmse sideways'."],
    ['metrics.rmse DESC ASC', "Invalid order_by clause 'metrics.rmse DESC ASC'. Could not be parsed."],
    ['metrics.rmse > 1', "Invalid order_by clause 'metrics.rmse > 1'. Could not be parsed."],
    ['', "Invalid order_by clause ''. Could not be parsed."],
    ['attributes.lifecycle_stage', /^Invalid attribute key 'lifecycle_stage' specified/],
    ['datasets.name', "Invalid identifier type 'dataset'"],
  ])('refuses %s', (entry, message) => {
    fails(() => parseRunOrderBy([entry]), message);
  });

  it('refuses a key ordered twice', () => {
    fails(
      () => parseRunOrderBy(['metrics.a', 'metrics.a DESC']),
      "`order_by` contains duplicate fields: ['metrics.a', 'metrics.a DESC']",
    );
    // created is an alias of start_time.
    fails(() => parseRunOrderBy(['start_time', 'created DESC']), /^`order_by` contains duplicate fields/);
  });
});

describe('parseExperimentOrderBy', () => {
  it('accepts the four attributes', () => {
    expect(
      parseExperimentOrderBy([
        'name',
        'experiment_id DESC',
        'creation_time ASC',
        'attribute.last_update_time',
      ]),
    ).toEqual([
      { type: 'attribute', key: 'name', ascending: true },
      { type: 'attribute', key: 'experiment_id', ascending: false },
      { type: 'attribute', key: 'creation_time', ascending: true },
      { type: 'attribute', key: 'last_update_time', ascending: true },
    ]);
  });
  it('refuses tags and other keys', () => {
    fails(() => parseExperimentOrderBy(['tags.k']), 'Invalid order_by entity: tag');
    fails(() => parseExperimentOrderBy(['artifact_location']), /^Invalid attribute key 'artifact_location'/);
  });
});

describe('page tokens', () => {
  it("are MLflow's: base64 of Python's json.dumps({'offset': n})", () => {
    // base64.b64encode(json.dumps({"offset": 100}).encode("utf-8")) in Python.
    expect(createPageToken(100)).toBe('eyJvZmZzZXQiOiAxMDB9');
    expect(parsePageToken('eyJvZmZzZXQiOiAxMDB9')).toBe(100);
    expect(parsePageToken(createPageToken(123456))).toBe(123456);
    expect(parsePageToken(undefined)).toBe(0);
    expect(parsePageToken('')).toBe(0);
    // A string offset is accepted (int(offset_str)); characters outside base64 are dropped.
    expect(parsePageToken(Buffer.from('{"offset": "7"}').toString('base64'))).toBe(7);
    expect(parsePageToken('eyJvZmZz\nZXQiOiAxMDB9')).toBe(100);
  });

  it.each([
    ['abc', 'Invalid page token, could not base64-decode'],
    ['WzFd', 'Invalid page token, parsed value=[1]'],
    ['e30=', 'Invalid page token, parsed value={}'],
    // An offset of 0 is falsy in MLflow's check, so never a valid token.
    ['eyJvZmZzZXQiOiAwfQ==', "Invalid page token, parsed value={'offset': 0}"],
    ['eyJvZmZzZXQiOiAieCJ9', 'Invalid page token, not stringable x'],
    ['eyJvZmZzZXQiOiAtNX0=', "Invalid page token, parsed value={'offset': -5}"],
    [Buffer.from('not json').toString('base64'), "Invalid page token, decoded value=b'not json'"],
  ])('refuses %s', (token, message) => {
    fails(() => parsePageToken(token), message);
  });
});
