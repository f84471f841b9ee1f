/**
 * KFold and crossValScore against scikit-learn 1.2.1's KFold.split and cross_val_score (NumPy
 * 1.24.2), via test/fixtures/cv.json written by test/fixtures/gen_metrics.py. The estimators are
 * test doubles of sklearn's DummyRegressor (mean; compared bit for bit) and LinearRegression
 * (ordinary least squares; compared to 1e-9 relative, since sklearn solves it with lstsq).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidInputError, InvalidParameterError } from '../../src/core/errors.js';
import { decodeNumber } from '../../src/core/json.js';
import { crossValScore, KFold, type Scoring } from '../../src/ml/cv.js';
import type { Regressor, RegressorState } from '../../src/ml/estimator.js';
import { column, fromColumns, type Matrix } from '../../src/ml/matrix.js';
import { numpyMean } from '../../src/ml/pairwise.js';
import { RandomState } from '../../src/ml/random.js';

type Num = number | 'NaN';
interface FoldFixture {
  train?: number[];
  test?: number[];
  n_train?: number;
  n_test?: number;
  train_head?: number[];
  test_head?: number[];
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/cv.json', import.meta.url), 'utf8')) as {
  versions: { sklearn: string };
  kfold: {
    n: number;
    n_splits: number;
    shuffle: boolean;
    random_state: number | null;
    folds: FoldFixture[];
  }[];
  kfold_errors: {
    n: number;
    n_splits: number;
    shuffle: boolean;
    random_state: number | null;
    message: string;
  }[];
  scores: {
    seed: number;
    n: number;
    cv: string;
    estimator: 'DummyRegressor' | 'LinearRegression';
    scoring: Scoring | null;
    scores: Num[];
  }[];
};

/** sklearn's DummyRegressor(strategy='mean'): np.average(y, axis=0), i.e. NumPy's pairwise mean. */
class MeanRegressor implements Regressor {
  private mean = Number.NaN;
  fit(_X: Matrix, y: Float64Array): this {
    this.mean = numpyMean(y);
    return this;
  }
  predict(X: Matrix): Float64Array {
    return new Float64Array(X.nRows).fill(this.mean);
  }
  toJSON(): RegressorState {
    return { type: 'MeanRegressor', params: {}, fitted: { mean: this.mean } };
  }
}

/** Least squares with an intercept on two features, via the centred 2x2 normal equations. */
class TwoFeatureOls implements Regressor {
  private coef = [0, 0];
  private intercept = 0;
  fit(X: Matrix, y: Float64Array): this {
    const a = column(X, 0);
    const b = column(X, 1);
    const n = X.nRows;
    const ma = a.reduce((s, v) => s + v, 0) / n;
    const mb = b.reduce((s, v) => s + v, 0) / n;
    const my = y.reduce((s, v) => s + v, 0) / n;
    let saa = 0;
    let sbb = 0;
    let sab = 0;
    let say = 0;
    let sby = 0;
    for (let i = 0; i < n; i++) {
      const da = a[i] - ma;
      const db = b[i] - mb;
      const dy = y[i] - my;
      saa += da * da;
      sbb += db * db;
      sab += da * db;
      say += da * dy;
      sby += db * dy;
    }
    const det = saa * sbb - sab * sab;
    this.coef = [(say * sbb - sby * sab) / det, (sby * saa - say * sab) / det];
    this.intercept = my - this.coef[0] * ma - this.coef[1] * mb;
    return this;
  }
  predict(X: Matrix): Float64Array {
    const a = column(X, 0);
    const b = column(X, 1);
    return a.map((v, i) => this.intercept + this.coef[0] * v + this.coef[1] * b[i]);
  }
  toJSON(): RegressorState {
    return { type: 'TwoFeatureOls', params: {}, fitted: { coef: this.coef, intercept: this.intercept } };
  }
}

/** The same expressions as gen_metrics.cv_data, in the same order. */
function cvData(seed: number, n: number): { X: Matrix; y: Float64Array } {
  const rs = new RandomState(seed);
  const draw = () => Float64Array.from({ length: n }, () => rs.randomSample());
  const u = draw();
  const v = draw();
  const w = draw();
  const x0 = u.map((x) => x * 10.0);
  const y = x0.map((x, i) => 3.0 * x - 2.0 * v[i] + (w[i] - 0.5));
  return { X: fromColumns([x0, v]), y };
}

function cvFromName(name: string): number | KFold {
  if (name === 'KFold(5)') return new KFold({ nSplits: 5 });
  if (name === 'KFold(5, shuffle=True, random_state=42)')
    return new KFold({ nSplits: 5, shuffle: true, randomState: 42 });
  return Number(name);
}

describe('KFold matches sklearn 1.2.1 KFold.split', () => {
  it('fixture is from sklearn 1.2.1', () => expect(fixture.versions.sklearn).toBe('1.2.1'));

  for (const c of fixture.kfold) {
    it(`n=${c.n} n_splits=${c.n_splits} shuffle=${c.shuffle} random_state=${c.random_state}`, () => {
      const folds = new KFold({
        nSplits: c.n_splits,
        shuffle: c.shuffle,
        randomState: c.random_state ?? undefined,
      }).split(c.n);
      expect(folds.length).toBe(c.folds.length);
      folds.forEach((f, k) => {
        const want = c.folds[k];
        if (want.test !== undefined) {
          expect(Array.from(f.test), `fold ${k} test`).toEqual(want.test);
          expect(Array.from(f.train), `fold ${k} train`).toEqual(want.train);
        } else {
          expect([f.train.length, f.test.length]).toEqual([want.n_train, want.n_test]);
          expect(Array.from(f.test.subarray(0, 8)), `fold ${k} test head`).toEqual(want.test_head);
          expect(Array.from(f.train.subarray(0, 8)), `fold ${k} train head`).toEqual(want.train_head);
        }
      });
    });
  }

  for (const e of fixture.kfold_errors) {
    it(e.message, () => {
      const call = () =>
        new KFold({
          nSplits: e.n_splits,
          shuffle: e.shuffle,
          randomState: e.random_state ?? undefined,
        }).split(e.n);
      expect(call).toThrow(InvalidParameterError);
      expect(call).toThrow(e.message);
    });
  }

  it('refuses a fractional number of folds and an unseeded shuffle', () => {
    expect(() => new KFold({ nSplits: 2.5 })).toThrow('The number of folds must be of Integral type. 2.5');
    expect(() => new KFold({ shuffle: true })).toThrow(/needs a randomState/);
  });
});

describe('crossValScore matches sklearn 1.2.1 cross_val_score', () => {
  for (const c of fixture.scores) {
    const label = `n=${c.n} cv=${c.cv} ${c.estimator} scoring=${c.scoring}`;
    it(label, () => {
      const { X, y } = cvData(c.seed, c.n);
      const make = c.estimator === 'DummyRegressor' ? () => new MeanRegressor() : () => new TwoFeatureOls();
      const got = crossValScore(make, X, y, { cv: cvFromName(c.cv), scoring: c.scoring ?? undefined });
      const want = c.scores.map((s) => decodeNumber(s));
      expect(got.length).toBe(want.length);
      want.forEach((w, k) => {
        if (Number.isNaN(w)) expect(got[k], `fold ${k}: r2 of a one-row fold`).toBeNaN();
        else if (c.estimator === 'DummyRegressor') expect(got[k], `fold ${k}`).toBe(w);
        else expect(Math.abs(got[k] - w), `fold ${k}: ${got[k]} vs ${w}`).toBeLessThan(1e-9 * Math.abs(w));
      });
    });
  }

  it('refuses X and y of different lengths, and an unknown scoring', () => {
    const { X, y } = cvData(0, 10);
    expect(() => crossValScore(() => new MeanRegressor(), X, y.subarray(1))).toThrow(InvalidInputError);
    expect(() => crossValScore(() => new MeanRegressor(), X, y, { scoring: 'accuracy' as Scoring })).toThrow(
      /scoring="accuracy" is not supported/,
    );
  });

  it('fits a fresh estimator for every fold', () => {
    const { X, y } = cvData(0, 10);
    let made = 0;
    crossValScore(
      () => {
        made++;
        return new MeanRegressor();
      },
      X,
      y,
      { cv: 4 },
    );
    expect(made).toBe(4);
  });
});
