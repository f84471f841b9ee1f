/**
 * FeaturePipeline's two orders on small tables, where every value can be worked out by hand:
 * impute_encode_ratios (the reference's pipelines/train.py: impute the chosen columns in place,
 * one-hot appended after the numeric columns, ratios of the imputed values last) and
 * ratios_impute_encode (ratios of raw values, every numeric and ratio column imputed, one-hot
 * last). The flagship matrix against scikit-learn is test/ml/reference-pipeline.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { InvalidInputError, InvalidParameterError, ModelPackageError } from '../../src/core/errors.js';
import type { Matrix } from '../../src/ml/matrix.js';
import { FeaturePipeline, type FeaturePipelineParams } from '../../src/ml/preprocess.js';
import { parseCsv } from '../../src/table/index.js';

// medians over the four rows: a 2.5, b (observed 10, 30, 40) 30, c (observed 5, 6, 0) 5
const CSV = `a,b,c,city
1,10,5,north
2,,6,south
3,30,,north
4,40,0,east
`;
const table = parseCsv(CSV, { file: 'small.csv' });
const base: FeaturePipelineParams = {
  numeric: ['a', 'b', 'c'],
  categorical: ['city'],
  ratios: [
    { name: 'b_per_a', numerator: 'b', denominator: 'a' },
    { name: 'a_per_c', numerator: 'a', denominator: 'c' },
  ],
  imputeStrategy: 'median',
  handleUnknown: 'ignore',
};

function rowsOf(m: Matrix): (number | null)[][] {
  return Array.from({ length: m.nRows }, (_, i) =>
    Array.from({ length: m.nCols }, (_, j) => {
      const v = m.data[j * m.nRows + i];
      return Number.isNaN(v) ? null : v;
    }),
  );
}

describe('FeaturePipeline, order impute_encode_ratios (the reference)', () => {
  const p = new FeaturePipeline({ ...base, order: 'impute_encode_ratios', imputeColumns: ['b'] }).fit(table);

  it('numeric, then one-hot, then ratios; only the chosen column imputed; ratios of imputed values', () => {
    const m = p.transform(table);
    expect(m.names).toEqual(['a', 'b', 'c', 'city_east', 'city_north', 'city_south', 'b_per_a', 'a_per_c']);
    expect(rowsOf(m)).toEqual([
      [1, 10, 5, 0, 1, 0, 10, 0.2],
      // b imputed with its median, and b_per_a computed from it (30 / 2)
      [2, 30, 6, 0, 0, 1, 15, 2 / 6],
      // c is not imputed: its gap reaches the model, and so does the ratio that reads it
      [3, 30, null, 0, 1, 0, 10, null],
      // division by zero gives a missing value
      [4, 40, 0, 1, 0, 0, 10, null],
    ]);
    expect(Array.from(p.imputer!.statistics)).toEqual([30]);
  });

  it('imputes every numeric column by default, and none with an empty list', () => {
    const all = new FeaturePipeline({ ...base }).fit(table);
    expect(all.order).toBe('impute_encode_ratios');
    expect(all.imputeColumns).toEqual(['a', 'b', 'c']);
    expect(rowsOf(all.transform(table))[2]).toEqual([3, 30, 5, 0, 1, 0, 10, 0.6]);
    const none = new FeaturePipeline({ ...base, imputeColumns: [] }).fit(table);
    expect(none.imputer).toBeNull();
    expect(rowsOf(none.transform(table))[1]).toEqual([2, null, 6, 0, 0, 1, null, 2 / 6]);
    expect(rowsOf(FeaturePipeline.fromJSON(none.toJSON()).transform(table))).toEqual(
      rowsOf(none.transform(table)),
    );
  });

  it('applies the training statistics and categories to new rows', () => {
    const fresh = parseCsv('a,b,c,city\n5,,2,west\n', { file: 'new.csv' });
    expect(rowsOf(p.transform(fresh))).toEqual([[5, 30, 2, 0, 0, 0, 6, 2.5]]);
  });

  it('saves its order and imputed columns, and reloads to the same transform', () => {
    const state = p.toJSON();
    expect(state).toMatchObject({ order: 'impute_encode_ratios', impute_columns: ['b'] });
    const back = FeaturePipeline.fromJSON(JSON.parse(JSON.stringify(state)));
    expect(back.order).toBe('impute_encode_ratios');
    expect(back.featureNames).toEqual(p.featureNames);
    expect(rowsOf(back.transform(table))).toEqual(rowsOf(p.transform(table)));
  });

  it('refuses a column to impute that is not numeric, listed twice, or empty in the training rows', () => {
    expect(() => new FeaturePipeline({ ...base, imputeColumns: ['city'] })).toThrow(InvalidParameterError);
    expect(() => new FeaturePipeline({ ...base, imputeColumns: ['b', 'b'] })).toThrow(/listed twice/);
    const gap = parseCsv('a,b,c,city\n1,,1,x\n2,,2,y\n', { file: 'gap.csv' });
    expect(() => new FeaturePipeline({ ...base, imputeColumns: ['b'] }).fit(gap)).toThrow(InvalidInputError);
    expect(() => new FeaturePipeline({ ...base, imputeColumns: ['b'] }).fit(gap)).toThrow(
      'cannot impute "b": no value in the training rows',
    );
  });

  it('refuses a saved state whose imputer does not match its impute_columns, or an unknown order', () => {
    const state = p.toJSON();
    expect(() => FeaturePipeline.fromJSON({ ...state, impute_columns: ['a', 'b'] })).toThrow(
      ModelPackageError,
    );
    expect(() => FeaturePipeline.fromJSON({ ...state, impute_columns: undefined })).toThrow(
      /impute_columns must be a list/,
    );
    expect(() => FeaturePipeline.fromJSON({ ...state, order: 'encode_first' })).toThrow(
      /order must be one of/,
    );
  });
});

describe('FeaturePipeline, order ratios_impute_encode (mlship before the reference order)', () => {
  const p = new FeaturePipeline({ ...base, order: 'ratios_impute_encode' }).fit(table);

  it('ratios of raw values, every numeric and ratio column imputed, one-hot last', () => {
    const m = p.transform(table);
    expect(m.names).toEqual(['a', 'b', 'c', 'b_per_a', 'a_per_c', 'city_east', 'city_north', 'city_south']);
    // medians over the fit rows: a 2.5, b 30, c 5, b_per_a (10, 10, 10) 10, a_per_c (0.2, 1/3) 4/15
    const s = Array.from(p.imputer!.statistics);
    expect(s).toEqual([2.5, 30, 5, 10, (0.2 + 2 / 6) / 2]);
    expect(rowsOf(m)).toEqual([
      [1, 10, 5, 10, 0.2, 0, 1, 0],
      // b_per_a was missing (b missing): imputed with the ratio's median, not computed from b's
      [2, 30, 6, 10, 2 / 6, 0, 0, 1],
      [3, 30, 5, 10, s[4], 0, 1, 0],
      [4, 40, 0, 10, s[4], 1, 0, 0],
    ]);
  });

  it('takes no list of columns to impute, and saves its order', () => {
    expect(
      () => new FeaturePipeline({ ...base, order: 'ratios_impute_encode', imputeColumns: ['b'] }),
    ).toThrow(InvalidParameterError);
    const state = p.toJSON();
    expect(state.order).toBe('ratios_impute_encode');
    expect(state.impute_columns).toBeUndefined();
    expect(rowsOf(FeaturePipeline.fromJSON(state).transform(table))).toEqual(rowsOf(p.transform(table)));
  });
});
