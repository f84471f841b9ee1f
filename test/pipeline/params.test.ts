/**
 * params.yaml: the committed file is the flagship (the built-in defaults), its preprocessing is the
 * reference's order, and the `preprocessing.order` / `impute_columns` / `data.name` keys are
 * checked with messages naming the key.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../src/core/errors.js';
import { DEFAULT_PARAMS, loadParams, validateParams } from '../../src/pipeline/params.js';

const PARAMS_YAML = fileURLToPath(new URL('../../params.yaml', import.meta.url));

describe('params.yaml', () => {
  it('the committed file is the built-in flagship: the reference order, total_bedrooms imputed, its dataset name', async () => {
    const p = await loadParams(PARAMS_YAML);
    expect(p).toEqual(DEFAULT_PARAMS);
    expect(p.preprocessing).toEqual({
      order: 'impute_encode_ratios',
      imputeColumns: ['total_bedrooms'],
      imputeStrategy: 'median',
      handleUnknown: 'ignore',
    });
    expect(p.data.name).toBe('california_housing_raw');
  });

  it('preprocessing.order: either order, anything else refused naming the key', () => {
    expect(validateParams({ preprocessing: { order: 'ratios_impute_encode' } }).preprocessing).toEqual({
      order: 'ratios_impute_encode',
      imputeColumns: null,
      imputeStrategy: 'median',
      handleUnknown: 'ignore',
    });
    expect(() => validateParams({ preprocessing: { order: 'impute_first' } }, 'p.yaml')).toThrow(
      'p.yaml: preprocessing.order must be one of impute_encode_ratios, ratios_impute_encode; got "impute_first"',
    );
  });

  it('preprocessing.impute_columns: numeric features only, with the reference order only', () => {
    const own = validateParams({ features: { numeric: ['x', 'y'], categorical: [] } });
    // a file listing its own numeric features imputes them all unless it says otherwise
    expect(own.preprocessing.imputeColumns).toEqual(['x', 'y']);
    expect(
      validateParams({ features: { numeric: ['x', 'y'] }, preprocessing: { impute_columns: ['y'] } })
        .preprocessing.imputeColumns,
    ).toEqual(['y']);
    expect(() => validateParams({ preprocessing: { impute_columns: ['ocean_proximity'] } })).toThrow(
      'params.yaml: preprocessing.impute_columns: "ocean_proximity" is not in features.numeric',
    );
    expect(() =>
      validateParams({
        preprocessing: { order: 'ratios_impute_encode', impute_columns: ['total_bedrooms'] },
      }),
    ).toThrow(InvalidParameterError);
    expect(() => validateParams({ preprocessing: { impute_columns: 'total_bedrooms' } })).toThrow(
      'params.yaml: preprocessing.impute_columns must be a list of column names',
    );
  });

  it("data.name: given, the flagship's for the flagship's file, else none (the file's stem is used)", () => {
    expect(validateParams({}).data.name).toBe('california_housing_raw');
    expect(validateParams({ data: { path: 'other.csv' } }).data.name).toBeUndefined();
    expect(validateParams({ data: { path: 'other.csv', name: 'other_raw' } }).data.name).toBe('other_raw');
    expect(() => validateParams({ data: { name: '' } })).toThrow(
      'params.yaml: data.name must be a non-empty string',
    );
  });
});
