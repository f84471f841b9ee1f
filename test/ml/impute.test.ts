/**
 * SimpleImputer against scikit-learn 1.2.1's sklearn.impute.SimpleImputer (NumPy 1.24.2) on
 * Fortran-ordered float64 arrays, via test/fixtures/preprocess.json written by
 * test/fixtures/gen_preprocess.py. Statistics and outputs are compared bit for bit.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidInputError, ModelPackageError, NotFittedError } from '../../src/core/errors.js';
import { decodeNumber } from '../../src/core/json.js';
import { type ImputeStrategy, SimpleImputer, type SimpleImputerParams } from '../../src/ml/impute.js';
import { fromColumns, fromRows, type Matrix } from '../../src/ml/matrix.js';
import { RandomState } from '../../src/ml/random.js';

type Num = number | 'NaN' | 'Infinity' | '-Infinity';
interface PyParams {
  strategy: ImputeStrategy;
  fill_value?: number;
  keep_empty_features?: boolean;
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/preprocess.json', import.meta.url), 'utf8')) as {
  versions: { sklearn: string };
  impute: {
    cases: {
      name: string;
      X: Num[][];
      X_new: Num[][];
      results: { params: PyParams; statistics: Num[]; transform_fit: Num[][]; transform_new: Num[][] }[];
    }[];
    generated: { seed: number; n: number; statistics: Record<'mean' | 'median' | 'most_frequent', Num[]> }[];
    errors: Record<'no_rows' | 'no_features' | 'infinity' | 'width', string>;
  };
};

const decodeRows = (rows: Num[][]) => rows.map((r) => r.map((v) => decodeNumber(v)));
const matrix = (rows: Num[][]) => fromRows(decodeRows(rows));

/** Row-major view of a Matrix, for comparison with the fixture's rows. */
function rowsOf(m: Matrix): number[][] {
  return Array.from({ length: m.nRows }, (_, i) =>
    Array.from({ length: m.nCols }, (_, j) => m.data[j * m.nRows + i]),
  );
}

function toParams(p: PyParams): SimpleImputerParams {
  return { strategy: p.strategy, fillValue: p.fill_value, keepEmptyFeatures: p.keep_empty_features };
}

/** The same expressions as gen_preprocess.generated_matrix, in the same order. */
function generatedMatrix(seed: number, n: number): Matrix {
  const rs = new RandomState(seed);
  const draw = () => Float64Array.from({ length: n }, () => rs.randomSample());
  const u = draw();
  const m0 = draw();
  const v = draw();
  const m1 = draw();
  const c0 = u.map((x, i) => (m0[i] < 0.1 ? Number.NaN : x * 1000.0 - 250.0));
  const c1 = v.map((x, i) => (m1[i] < 0.3 ? Number.NaN : x * 3.0e5));
  return fromColumns([c0, c1]);
}

describe('SimpleImputer matches sklearn 1.2.1', () => {
  it('fixture is from sklearn 1.2.1', () => expect(fixture.versions.sklearn).toBe('1.2.1'));

  for (const c of fixture.impute.cases) {
    describe(c.name, () => {
      for (const r of c.results) {
        it(JSON.stringify(r.params), () => {
          const imp = new SimpleImputer(toParams(r.params)).fit(matrix(c.X));
          // toEqual treats NaN as equal to NaN and distinguishes every other double
          expect(Array.from(imp.statistics)).toEqual(r.statistics.map((v) => decodeNumber(v)));
          expect(rowsOf(imp.transform(matrix(c.X)))).toEqual(decodeRows(r.transform_fit));
          expect(rowsOf(imp.transform(matrix(c.X_new)))).toEqual(decodeRows(r.transform_new));
        });
      }
    });
  }

  for (const g of fixture.impute.generated) {
    it(`statistics of ${g.n} generated rows (10% and 30% missing), bit for bit`, () => {
      const X = generatedMatrix(g.seed, g.n);
      for (const strategy of ['mean', 'median', 'most_frequent'] as const) {
        const got = new SimpleImputer({ strategy }).fit(X).statistics;
        expect(Array.from(got), strategy).toEqual(g.statistics[strategy].map((v) => decodeNumber(v)));
      }
    });
  }
});

describe('SimpleImputer edge cases', () => {
  it('median of an even count averages the two middle values, of an odd count takes the middle', () => {
    const X = fromColumns([
      [4, 1, Number.NaN, 3, 2],
      [5, 1, 3, 2, 4],
    ]);
    expect(Array.from(new SimpleImputer({ strategy: 'median' }).fit(X).statistics)).toEqual([2.5, 3]);
  });

  it('drops an all-missing feature at transform, names included, and reports it', () => {
    const X = fromColumns(
      [
        [1, Number.NaN],
        [Number.NaN, Number.NaN],
        [3, 5],
      ],
      ['a', 'b', 'c'],
    );
    const imp = new SimpleImputer({ strategy: 'median' }).fit(X);
    expect(imp.emptyFeatures).toEqual([1]);
    const out = imp.transform(X);
    expect(out.names).toEqual(['a', 'c']);
    expect(rowsOf(out)).toEqual([
      [1, 3],
      [1, 5],
    ]);
    expect(imp.featureNamesOut()).toEqual(['a', 'c']);
    const kept = new SimpleImputer({ strategy: 'median', keepEmptyFeatures: true }).fit(X);
    expect(kept.emptyFeatures).toEqual([]);
    expect(kept.transform(X).names).toEqual(['a', 'b', 'c']);
  });

  it('leaves a constant feature as it is', () => {
    const X = fromColumns([[7.5, 7.5, Number.NaN]]);
    for (const strategy of ['mean', 'median', 'most_frequent'] as const) {
      expect(rowsOf(new SimpleImputer({ strategy }).fitTransform(X))).toEqual([[7.5], [7.5], [7.5]]);
    }
  });

  it('fills NaN at transform time in a feature that had none in fit', () => {
    const imp = new SimpleImputer().fit(fromColumns([[1, 2, 6]]));
    expect(rowsOf(imp.transform(fromColumns([[Number.NaN, 0]])))).toEqual([[3], [0]]);
  });
});

describe('SimpleImputer errors', () => {
  const e = fixture.impute.errors;
  it('no rows / no features (sklearn messages)', () => {
    expect(() => new SimpleImputer().fit(fromRows([]))).toThrow(InvalidInputError);
    expect(() => new SimpleImputer().fit({ nRows: 0, nCols: 2, data: new Float64Array(0) })).toThrow(
      e.no_rows,
    );
    expect(() => new SimpleImputer().fit({ nRows: 2, nCols: 0, data: new Float64Array(0) })).toThrow(
      e.no_features,
    );
  });
  it('infinity, with where it was', () => {
    const X = fromColumns([[1, Number.POSITIVE_INFINITY]], ['rooms']);
    const sk = e.infinity.replace(/\.$/, '');
    expect(() => new SimpleImputer().fit(X)).toThrow(sk);
    expect(() => new SimpleImputer().fit(X)).toThrow('row 1, feature "rooms"');
    const imp = new SimpleImputer().fit(fromColumns([[1, 2]]));
    expect(() => imp.transform(fromColumns([[Number.NEGATIVE_INFINITY]]))).toThrow(sk);
  });
  it('a transform input of the wrong width (sklearn message)', () => {
    const imp = new SimpleImputer().fit(fromColumns([[1, 2]]));
    expect(() => imp.transform(fromColumns([[1], [2]]))).toThrow(e.width);
  });
  it('feature names that differ from fit', () => {
    const imp = new SimpleImputer().fit(fromColumns([[1, 2]], ['a']));
    expect(() => imp.transform(fromColumns([[1, 2]], ['b']))).toThrow(/feature names should match/);
  });
  it('bad parameters and use before fit', () => {
    expect(() => new SimpleImputer({ strategy: 'mode' as ImputeStrategy })).toThrow(
      /strategy must be one of/,
    );
    expect(() => new SimpleImputer({ strategy: 'constant', fillValue: 'x' as unknown as number })).toThrow(
      '\'fill_value\'="x" is invalid',
    );
    expect(() => new SimpleImputer().statistics).toThrow(NotFittedError);
    expect(() => new SimpleImputer().transform(fromColumns([[1]]))).toThrow(NotFittedError);
  });
});

describe('SimpleImputer JSON', () => {
  it('round-trips through JSON text, NaN statistics included', () => {
    const X = fromColumns(
      [
        [1, Number.NaN, 4],
        [Number.NaN, Number.NaN, Number.NaN],
      ],
      ['x', 'y'],
    );
    const imp = new SimpleImputer({ strategy: 'median' }).fit(X);
    const back = SimpleImputer.fromJSON(JSON.parse(JSON.stringify(imp)));
    expect(back.strategy).toBe('median');
    expect(Array.from(back.statistics)).toEqual([2.5, Number.NaN]);
    expect(back.emptyFeatures).toEqual([1]);
    expect(rowsOf(back.transform(X))).toEqual(rowsOf(imp.transform(X)));
    expect(back.featureNamesOut()).toEqual(['x']);
  });
  it('refuses malformed state', () => {
    const good = new SimpleImputer({ strategy: 'constant', fillValue: -1 }).fit(fromColumns([[1]])).toJSON();
    expect(() => SimpleImputer.fromJSON(null)).toThrow(ModelPackageError);
    expect(() => SimpleImputer.fromJSON({ ...good, type: 'OneHotEncoder' })).toThrow(
      /expected type "SimpleImputer"/,
    );
    expect(() => SimpleImputer.fromJSON({ ...good, params: { ...good.params, strategy: 'mode' } })).toThrow(
      /strategy must be one of/,
    );
    expect(() => SimpleImputer.fromJSON({ ...good, fitted: { statistics: ['x'] } })).toThrow(
      /fitted.statistics\[0\]: expected a number/,
    );
    expect(() =>
      SimpleImputer.fromJSON({ ...good, fitted: { statistics: [1], feature_names_in: ['a', 'b'] } }),
    ).toThrow(/2 feature names for 1 statistics/);
  });
});
