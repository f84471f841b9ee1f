/**
 * Engineered ratio features. The reference computes them with pandas 1.5.3 Series division
 * (test/fixtures/preprocess.json, written by test/fixtures/gen_preprocess.py): mlship agrees wherever
 * the denominator is non-zero and, by the project spec, gives NaN where pandas gives ±Infinity.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidInputError, InvalidParameterError } from '../../src/core/errors.js';
import { decodeNumber } from '../../src/core/json.js';
import {
  DEFAULT_RATIO_FEATURES,
  parseRatioSpecs,
  ratioFeature,
  ratioFeatures,
} from '../../src/ml/features.js';
import type { Table } from '../../src/table/table.js';

type Num = number | 'NaN' | 'Infinity' | '-Infinity';
const fixture = JSON.parse(readFileSync(new URL('../fixtures/preprocess.json', import.meta.url), 'utf8')) as {
  versions: { pandas: string };
  features: { numerator: Num[]; denominator: Num[]; pandas: Num[] };
};

describe('ratioFeature', () => {
  const f = fixture.features;
  const num = Float64Array.from(f.numerator, (v) => decodeNumber(v));
  const den = Float64Array.from(f.denominator, (v) => decodeNumber(v));
  const pandas = f.pandas.map((v) => decodeNumber(v));
  const got = ratioFeature(num, den);

  it('equals pandas division wherever the denominator is non-zero', () => {
    expect(fixture.versions.pandas).toBe('1.5.3');
    for (let i = 0; i < num.length; i++) {
      if (den[i] !== 0) expect(got[i], `row ${i}: ${num[i]} / ${den[i]}`).toBe(pandas[i]);
    }
  });

  it('gives NaN for division by zero (either sign), where pandas gives ±Infinity or NaN', () => {
    const zeroRows = [...den.keys()].filter((i) => den[i] === 0);
    expect(zeroRows.length).toBeGreaterThanOrEqual(3);
    for (const i of zeroRows) expect(got[i], `row ${i}`).toBeNaN();
    // the difference is real: pandas has infinities on exactly those rows (x / 0 with x != 0)
    expect(zeroRows.some((i) => pandas[i] === Number.NEGATIVE_INFINITY)).toBe(true);
  });

  it('propagates NaN inputs and refuses different lengths', () => {
    expect(Array.from(ratioFeature(Float64Array.of(Number.NaN, 1), Float64Array.of(2, Number.NaN)))).toEqual([
      Number.NaN,
      Number.NaN,
    ]);
    expect(() => ratioFeature(new Float64Array(2), new Float64Array(3))).toThrow(
      'ratioFeature: numerator has 2 values, denominator 3',
    );
  });
});

describe('ratioFeatures on a table', () => {
  const table: Table = {
    nRows: 3,
    columns: [
      { kind: 'numeric', name: 'total_rooms', values: Float64Array.of(880, 7099, 0) },
      { kind: 'numeric', name: 'total_bedrooms', values: Float64Array.of(129, Number.NaN, 5) },
      { kind: 'numeric', name: 'population', values: Float64Array.of(322, 2401, 10) },
      { kind: 'numeric', name: 'households', values: Float64Array.of(126, 1138, 0) },
      {
        kind: 'categorical',
        name: 'ocean_proximity',
        codes: Int32Array.of(0, 0, 0),
        dictionary: ['NEAR BAY'],
      },
    ],
  };

  it('computes the flagship features by default, in order', () => {
    const cols = ratioFeatures(table);
    expect(cols.map((c) => c.name)).toEqual([
      'rooms_per_household',
      'bedrooms_per_room',
      'population_per_household',
    ]);
    expect(Array.from(cols[0].values)).toEqual([880 / 126, 7099 / 1138, Number.NaN]);
    expect(Array.from(cols[1].values)).toEqual([129 / 880, Number.NaN, Number.NaN]);
    expect(Array.from(cols[2].values)).toEqual([322 / 126, 2401 / 1138, Number.NaN]);
    expect(DEFAULT_RATIO_FEATURES).toHaveLength(3);
  });

  it('names the spec and the column when a column is absent or not numeric', () => {
    expect(() =>
      ratioFeatures(table, [{ name: 'r', numerator: 'rooms', denominator: 'households' }]),
    ).toThrow(InvalidInputError);
    expect(() =>
      ratioFeatures(table, [{ name: 'r', numerator: 'rooms', denominator: 'households' }]),
    ).toThrow('feature "r" needs column "rooms", which the data does not have');
    expect(() =>
      ratioFeatures(table, [{ name: 'r', numerator: 'population', denominator: 'ocean_proximity' }]),
    ).toThrow('feature "r" needs column "ocean_proximity" to be numeric, but it is categorical');
  });
});

describe('parseRatioSpecs', () => {
  it('accepts well-formed specs and refuses the rest', () => {
    expect(parseRatioSpecs(JSON.parse(JSON.stringify(DEFAULT_RATIO_FEATURES)))).toEqual(
      DEFAULT_RATIO_FEATURES,
    );
    expect(() => parseRatioSpecs({})).toThrow(InvalidParameterError);
    expect(() => parseRatioSpecs([{ name: 'a', numerator: 'x' }], 'features')).toThrow(
      'features[0]: "denominator" must be a non-empty string',
    );
    expect(() => parseRatioSpecs([null])).toThrow('ratio features[0]: "name" must be a non-empty string');
    expect(() =>
      parseRatioSpecs([
        { name: 'a', numerator: 'x', denominator: 'y' },
        { name: 'a', numerator: 'y', denominator: 'x' },
      ]),
    ).toThrow('ratio features[1]: the name "a" is used twice');
  });
});
