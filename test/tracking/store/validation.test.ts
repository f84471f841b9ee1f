/**
 * Pieces of MLflow's validation and message formatting that the store suite exercises only
 * indirectly: posixpath.normpath, the key rules, Python's float and repr formatting, the HTTP
 * status of each error code, and the JSON shape of entities (fields MLflow omits).
 */
import { describe, expect, it } from 'vitest';
import { pyFloat, pyRepr } from '../../../src/core/python.js';
import { toMlflowJson } from '../../../src/tracking/entities.js';
import { httpStatus, MlflowError, paramsChanged } from '../../../src/tracking/errors.js';
import {
  codePointLength,
  normpath,
  pathNotUnique,
  validateMetric,
  validateRunId,
} from '../../../src/tracking/validation.js';

describe('normpath (posixpath.normpath) and path_not_unique', () => {
  it.each([
    ['', '.'],
    ['a', 'a'],
    ['a//b', 'a/b'],
    ['a/./b', 'a/b'],
    ['a/', 'a'],
    ['a/b/../c', 'a/c'],
    ['../x', '../x'],
    ['/a', '/a'],
    ['//a', '//a'],
    ['///a', '/a'],
    ['a/../..', '..'],
  ])('%s → %s', (path, norm) => {
    expect(normpath(path)).toBe(norm);
  });

  it('accepts only keys that are already normal relative paths', () => {
    for (const ok of ['loss', 'train/loss', 'a.b', '.hidden', 'a..b']) expect(pathNotUnique(ok)).toBe(false);
    for (const bad of ['', '.', 'a/', '/a', '../a', 'a//b', 'a/./b', '..'])
      expect(pathNotUnique(bad)).toBe(true);
  });
});

describe('keys and run ids', () => {
  it('allows Unicode letters and digits as Python \\w does, and counts code points', () => {
    expect(() => validateMetric({ key: 'précision_日本', value: 1, timestamp: 0, step: 0 })).not.toThrow();
    expect(() => validateMetric({ key: 'emoji😀', value: 1, timestamp: 0, step: 0 })).toThrow(MlflowError);
    expect(codePointLength('😀😀')).toBe(2);
    expect(() =>
      validateMetric({ key: '😀'.repeat(250).replace(/😀/g, 'é'), value: 1, timestamp: 0, step: 0 }),
    ).not.toThrow();
  });

  it('checks run ids with ^[a-zA-Z0-9][\\w\\-]{0,255}$', () => {
    expect(() => validateRunId('0123456789abcdef0123456789abcdef')).not.toThrow();
    expect(() => validateRunId('a'.repeat(256))).not.toThrow();
    expect(() => validateRunId('a'.repeat(257))).toThrow(
      `Invalid value "${'a'.repeat(257)}" for parameter 'run_id' supplied.`,
    );
    expect(() => validateRunId('-abc')).toThrow(MlflowError);
  });
});

describe('Python formatting used in messages', () => {
  it('formats floats as Python str()', () => {
    expect(pyFloat(1)).toBe('1.0');
    expect(pyFloat(0.1)).toBe('0.1');
    expect(pyFloat(1e16)).toBe('1e+16');
    expect(pyFloat(1e15)).toBe('1000000000000000.0');
    expect(pyFloat(1.5e-5)).toBe('1.5e-05');
    expect(pyFloat(0.0001)).toBe('0.0001');
    expect(pyFloat(-2.5)).toBe('-2.5');
    expect(pyFloat(Number.NaN)).toBe('nan');
    expect(pyFloat(Number.NEGATIVE_INFINITY)).toBe('-inf');
  });

  it('formats strings as Python repr()', () => {
    expect(pyRepr('a')).toBe("'a'");
    expect(pyRepr("it's")).toBe('"it\'s"');
    expect(pyRepr('both \' and "')).toBe("'both \\' and \"'");
    expect(pyRepr('tab\there')).toBe("'tab\\there'");
  });

  it('lists changed params as MLflow prints its list of dicts', () => {
    expect(paramsChanged([{ key: 'p', old_value: "it's", new_value: 'b' }], 'r1').message).toBe(
      `Changing param values is not allowed. Params were already logged='[{'key': 'p', 'old_value': "it's", 'new_value': 'b'}]' for run ID='r1'.`,
    );
  });
});

describe('errors and JSON shape', () => {
  it('maps error codes to MLflow HTTP statuses (ERROR_CODE_TO_HTTP_STATUS)', () => {
    expect(httpStatus('INVALID_PARAMETER_VALUE')).toBe(400);
    expect(httpStatus('RESOURCE_ALREADY_EXISTS')).toBe(400);
    expect(httpStatus('RESOURCE_DOES_NOT_EXIST')).toBe(404);
    expect(httpStatus('INVALID_STATE')).toBe(500);
    expect(httpStatus('INTERNAL_ERROR')).toBe(500);
    expect(httpStatus('TEMPORARILY_UNAVAILABLE')).toBe(503);
    expect(httpStatus('PERMISSION_DENIED')).toBe(403);
    const err = new MlflowError('RESOURCE_DOES_NOT_EXIST', 'Run with id=x not found');
    expect(err.httpStatus).toBe(404);
    expect(err.code).toBe('NOT_FOUND');
    expect(JSON.parse(JSON.stringify(err))).toEqual({
      error_code: 'RESOURCE_DOES_NOT_EXIST',
      message: 'Run with id=x not found',
    });
  });

  it('omits unset fields and empty lists, keeps empty messages, and writes NaN/Infinity as strings', () => {
    expect(toMlflowJson({ runs: [] })).toEqual({});
    expect(
      toMlflowJson({
        run: {
          info: { run_id: 'r', user_id: '', start_time: 0, end_time: undefined },
          data: {
            metrics: [
              { key: 'm', value: Number.NaN },
              { key: 'i', value: Number.NEGATIVE_INFINITY },
            ],
            params: [],
            tags: [],
          },
          inputs: { dataset_inputs: [] },
        },
        next_page_token: undefined,
      }),
    ).toEqual({
      run: {
        info: { run_id: 'r', user_id: '', start_time: 0 },
        data: {
          metrics: [
            { key: 'm', value: 'NaN' },
            { key: 'i', value: '-Infinity' },
          ],
        },
        inputs: {},
      },
    });
  });
});
