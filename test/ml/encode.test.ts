/**
 * OneHotEncoder against scikit-learn 1.2.1's sklearn.preprocessing.OneHotEncoder(sparse_output=False)
 * fitted on pandas 1.5.3 object columns (missing = NaN, as read_csv gives), via
 * test/fixtures/preprocess.json written by test/fixtures/gen_preprocess.py.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidInputError, ModelPackageError, NotFittedError } from '../../src/core/errors.js';
import {
  type CategoricalInput,
  compareCategories as compareCodePoints,
  type HandleUnknown,
  OneHotEncoder,
} from '../../src/ml/encode.js';
import { createMatrix } from '../../src/ml/matrix.js';
import type { CategoricalColumn } from '../../src/table/table.js';

type Values = (string | null)[];
interface EncodeResult {
  handle_unknown: HandleUnknown;
  categories: Values[];
  feature_names_out: string[];
  transform_fit: number[][];
  transform_new?: number[][];
  transform_new_error?: string;
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/preprocess.json', import.meta.url), 'utf8')) as {
  versions: { sklearn: string };
  encode: {
    cases: {
      name: string;
      fit: Record<string, Values>;
      new: Record<string, Values>;
      results: EncodeResult[];
    }[];
  };
};

const plain = (cols: Record<string, Values>): CategoricalInput[] =>
  Object.entries(cols).map(([name, values]) => ({ name, values }));

/**
 * The same columns as a Table would hold them: codes into a dictionary in first-appearance order,
 * -1 for missing, plus a dictionary entry no row uses (which must not become a category).
 */
const asTableColumns = (cols: Record<string, Values>): CategoricalColumn[] =>
  Object.entries(cols).map(([name, values]) => {
    const dictionary: string[] = [];
    const codes = Int32Array.from(values, (v) => {
      if (v === null) return -1;
      if (!dictionary.includes(v)) dictionary.push(v);
      return dictionary.indexOf(v);
    });
    dictionary.push('\u0000unused');
    return { kind: 'categorical', name, codes, dictionary };
  });

/** Output columns as rows, for comparison with the fixture's rows. */
const rowsOf = (cols: Float64Array[]) =>
  cols.length === 0 ? [] : Array.from(cols[0], (_, i) => cols.map((c) => c[i]));

describe('OneHotEncoder matches sklearn 1.2.1', () => {
  it('fixture is from sklearn 1.2.1', () => expect(fixture.versions.sklearn).toBe('1.2.1'));

  for (const c of fixture.encode.cases) {
    for (const r of c.results) {
      for (const [inputKind, toInput] of [
        ['plain values', plain],
        ['table columns', asTableColumns],
      ] as const) {
        it(`${c.name}; handle_unknown=${r.handle_unknown}; ${inputKind}`, () => {
          const enc = new OneHotEncoder({ handleUnknown: r.handle_unknown }).fit(toInput(c.fit));
          expect(enc.categories).toEqual(r.categories);
          expect(enc.featureNamesOut()).toEqual(r.feature_names_out);
          expect(rowsOf(enc.transform(toInput(c.fit)))).toEqual(r.transform_fit);
          if (r.transform_new_error !== undefined) {
            expect(() => enc.transform(toInput(c.new))).toThrow(InvalidInputError);
            expect(() => enc.transform(toInput(c.new))).toThrow(r.transform_new_error);
          } else {
            expect(rowsOf(enc.transform(toInput(c.new)))).toEqual(r.transform_new);
          }
        });
      }
    }
  }

  it('the flagship output names', () => {
    const enc = new OneHotEncoder({ handleUnknown: 'ignore' }).fit([
      { name: 'ocean_proximity', values: ['NEAR BAY', 'INLAND', '<1H OCEAN', 'NEAR OCEAN', 'ISLAND'] },
    ]);
    expect(enc.featureNamesOut()).toEqual([
      'ocean_proximity_<1H OCEAN',
      'ocean_proximity_INLAND',
      'ocean_proximity_ISLAND',
      'ocean_proximity_NEAR BAY',
      'ocean_proximity_NEAR OCEAN',
    ]);
  });
});

describe('OneHotEncoder behaviour beyond the fixture', () => {
  it('orders by code point where UTF-16 order and localeCompare disagree', () => {
    // U+FF01 < U+1F600 as code points, but "\uD83D..." < "\uFF01" as UTF-16 units
    expect(compareCodePoints('\uff01', '\u{1F600}')).toBeLessThan(0);
    expect('\u{1F600}' < '\uff01').toBe(true);
    expect(compareCodePoints('B', 'a')).toBeLessThan(0);
    expect('B'.localeCompare('a')).toBeGreaterThan(0);
    expect(compareCodePoints('a', 'ab')).toBeLessThan(0);
    expect(compareCodePoints('x', 'x')).toBe(0);
    expect(compareCodePoints(null, 'x')).toBeGreaterThan(0); // the missing category sorts last
  });

  it('lists several unknowns sorted, with nan last, and names the input feature', () => {
    const enc = new OneHotEncoder().fit([{ name: 'c', values: ['a'] }]);
    expect(() => enc.transform([{ name: 'c', values: ['z', null, 'y', 'z'] }])).toThrow(
      `Found unknown categories ['y', 'z', nan] in column 0 during transform (input feature "c")`,
    );
    expect(() => enc.transform([{ name: 'c', values: ['tab\there', 'nbsp\u00a0'] }])).toThrow(
      String.raw`['nbsp\xa0', 'tab\there']`,
    );
  });

  it('transformInto fills a slice of a bigger matrix', () => {
    const enc = new OneHotEncoder({ handleUnknown: 'ignore' }).fit([{ name: 'c', values: ['b', 'a', null] }]);
    const m = createMatrix(3, 5);
    m.data.fill(7);
    enc.transformInto([{ name: 'c', values: ['a', 'zz', null] }], m, 1);
    const col = (j: number) => Array.from(m.data.subarray(j * 3, j * 3 + 3));
    expect([col(0), col(1), col(2), col(3), col(4)]).toEqual([
      [7, 7, 7],
      [1, 0, 0],
      [0, 0, 0],
      [0, 0, 1],
      [7, 7, 7],
    ]);
    expect(() => enc.transformInto([{ name: 'c', values: ['a'] }], m, 0)).toThrow(/3 rows, the input 1/);
    expect(() => enc.transformInto([{ name: 'c', values: ['a', 'a', 'a'] }], m, 3)).toThrow(/do not fit/);
  });

  it('refuses inputs that do not match fit', () => {
    const enc = new OneHotEncoder().fit([{ name: 'c', values: ['a'] }]);
    expect(() => enc.transform([])).toThrow(
      'X has 0 features, but OneHotEncoder is expecting 1 features as input.',
    );
    expect(() => enc.transform([{ name: 'd', values: ['a'] }])).toThrow(/input 0 is "d", expected "c"/);
    expect(() =>
      new OneHotEncoder().fit([
        { name: 'a', values: ['x', 'y'] },
        { name: 'b', values: ['x'] },
      ]),
    ).toThrow('column "b" has 1 rows, expected 2');
    expect(() => new OneHotEncoder().fit([{ name: 'a', values: [] }])).toThrow(/0 sample\(s\)/);
    const bad: CategoricalColumn = {
      kind: 'categorical',
      name: 'a',
      codes: Int32Array.of(0, 2),
      dictionary: ['x'],
    };
    expect(() => new OneHotEncoder().fit([bad])).toThrow('column "a" row 1: category code 2 is outside');
    expect(() => new OneHotEncoder({ handleUnknown: 'infrequent_if_exist' as HandleUnknown })).toThrow(
      /handleUnknown must be/,
    );
    expect(() => new OneHotEncoder().featureNamesOut()).toThrow(NotFittedError);
  });
});

describe('OneHotEncoder JSON', () => {
  it('round-trips, missing category included', () => {
    const enc = new OneHotEncoder({ handleUnknown: 'ignore' }).fit([
      { name: 'c', values: ['b', null, 'a'] },
      { name: 'd', values: ['x', 'x', 'y'] },
    ]);
    const back = OneHotEncoder.fromJSON(JSON.parse(JSON.stringify(enc)));
    expect(back.handleUnknown).toBe('ignore');
    expect(back.categories).toEqual([
      ['a', 'b', null],
      ['x', 'y'],
    ]);
    const input = [
      { name: 'c', values: [null, 'q', 'a'] },
      { name: 'd', values: ['y', 'x', 'x'] },
    ];
    expect(rowsOf(back.transform(input))).toEqual(rowsOf(enc.transform(input)));
  });

  it('refuses malformed state', () => {
    const good = new OneHotEncoder().fit([{ name: 'c', values: ['a', 'b'] }]).toJSON();
    const withCats = (categories: unknown) => ({ ...good, fitted: { ...good.fitted, categories } });
    expect(() => OneHotEncoder.fromJSON('x')).toThrow(ModelPackageError);
    expect(() => OneHotEncoder.fromJSON({ ...good, type: 'SimpleImputer' })).toThrow(
      /expected type "OneHotEncoder"/,
    );
    expect(() => OneHotEncoder.fromJSON(withCats([['b', 'a']]))).toThrow(/not strictly increasing at 1/);
    expect(() => OneHotEncoder.fromJSON(withCats([[null, 'a']]))).toThrow(/categories\[0\]\[0\]/);
    expect(() => OneHotEncoder.fromJSON(withCats([['a'], ['b']]))).toThrow(/one list per input feature/);
    expect(() => OneHotEncoder.fromJSON(withCats([[]]))).toThrow(/non-empty array/);
    expect(() => OneHotEncoder.fromJSON({ ...good, params: { handle_unknown: 'warn' } })).toThrow(
      /handle_unknown must be/,
    );
  });
});
