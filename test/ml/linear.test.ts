/**
 * LinearRegression and Ridge against scikit-learn 1.2.1 (Debian), via test/fixtures/linear.json
 * written by test/fixtures/gen_linear.py. Coefficients are compared relative to the largest
 * coefficient of the vector (a zero coefficient has no relative error of its own).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidInputError, ModelPackageError, NotFittedError } from '../../src/core/errors.js';
import { LinearRegression, lstsq, Ridge } from '../../src/ml/linear.js';
import { fromRows } from '../../src/ml/matrix.js';

interface Fit {
  coef: number[];
  intercept: number;
  predict: number[];
}
interface Case {
  name: string;
  fit_intercept: boolean;
  X: number[][];
  y: number[];
  X_test: number[][];
  linear: Fit & { rank: number; singular: number[] };
  ridge: (Fit & { alpha: number })[];
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/linear.json', import.meta.url), 'utf8')) as {
  versions: { sklearn: string };
  cases: Case[];
};

/** max_i |a_i - b_i| / max_i |b_i| */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return den === 0 ? num : num / den;
}

describe('LinearRegression and Ridge match scikit-learn', () => {
  it('fixture comes from scikit-learn 1.2', () => {
    expect(fixture.versions.sklearn).toMatch(/^1\.2\./);
    expect(fixture.cases.map((c) => c.name)).toEqual([
      'well_conditioned',
      'no_intercept',
      'collinear',
      'one_hot',
      'constant_column',
      'n_lt_p',
      'single_feature',
    ]);
  });

  for (const c of fixture.cases) {
    it(`LinearRegression: ${c.name}`, () => {
      const model = new LinearRegression({ fitIntercept: c.fit_intercept }).fit(
        fromRows(c.X),
        Float64Array.from(c.y),
      );
      expect(relErr(model.coef!, c.linear.coef)).toBeLessThan(1e-8);
      expect(Math.abs(model.intercept - c.linear.intercept)).toBeLessThanOrEqual(
        1e-8 * Math.max(1, Math.abs(c.linear.intercept)),
      );
      expect(model.rank).toBe(c.linear.rank);
      expect(relErr(model.singular!, c.linear.singular)).toBeLessThan(1e-10);
      expect(relErr(model.predict(fromRows(c.X_test)), c.linear.predict)).toBeLessThan(1e-8);
    });
    for (const r of c.ridge) {
      it(`Ridge(alpha=${r.alpha}): ${c.name}`, () => {
        const model = new Ridge({ alpha: r.alpha, fitIntercept: c.fit_intercept }).fit(
          fromRows(c.X),
          Float64Array.from(c.y),
        );
        expect(relErr(model.coef!, r.coef)).toBeLessThan(1e-8);
        expect(Math.abs(model.intercept - r.intercept)).toBeLessThanOrEqual(
          1e-8 * Math.max(1, Math.abs(r.intercept)),
        );
        expect(relErr(model.predict(fromRows(c.X_test)), r.predict)).toBeLessThan(1e-8);
      });
    }
  }
});

describe('lstsq', () => {
  it('gives the minimum-norm solution of an underdetermined system', () => {
    // x0 + x1 = 2 has solutions (t, 2 - t); the shortest is (1, 1).
    const { x, rank } = lstsq(Float64Array.of(1, 1), 1, 2, Float64Array.of(2));
    expect(rank).toBe(1);
    expect(x[0]).toBeCloseTo(1, 14);
    expect(x[1]).toBeCloseTo(1, 14);
  });
  it('treats an all-zero design as rank 0', () => {
    const { x, rank } = lstsq(new Float64Array(6), 3, 2, Float64Array.of(1, 2, 3));
    expect(rank).toBe(0);
    expect(Array.from(x)).toEqual([0, 0]);
  });
});

describe('linear models: errors and persistence', () => {
  const X = fromRows(
    [
      [1, 2],
      [2, 1],
      [3, 5],
      [4, 3],
    ],
    ['a', 'b'],
  );
  const y = Float64Array.of(1, 2, 3.5, 4);

  it('refuses NaN in X, naming the column', () => {
    const bad = fromRows(
      [
        [1, 2],
        [2, Number.NaN],
      ],
      ['a', 'total_bedrooms'],
    );
    expect(() => new LinearRegression().fit(bad, Float64Array.of(1, 2))).toThrow(InvalidInputError);
    expect(() => new LinearRegression().fit(bad, Float64Array.of(1, 2))).toThrow(
      /Input X contains NaN \(column 1 \("total_bedrooms"\), row 1\)/,
    );
    const fitted = new Ridge().fit(X, y);
    expect(() => fitted.predict(fromRows([[Number.NaN, 1]], ['a', 'b']))).toThrow(
      /Input X contains NaN \(column 0 \("a"\), row 0\)/,
    );
  });

  it('refuses infinity in X and NaN in y, and mismatched shapes', () => {
    expect(() => new LinearRegression().fit(fromRows([[1], [Infinity]]), Float64Array.of(1, 2))).toThrow(
      /infinity or a value too large/,
    );
    expect(() => new LinearRegression().fit(fromRows([[1], [2]]), Float64Array.of(1, Number.NaN))).toThrow(
      /Input y contains NaN/,
    );
    expect(() => new LinearRegression().fit(fromRows([[1], [2]]), Float64Array.of(1))).toThrow(
      /inconsistent numbers of samples: \[2, 1\]/,
    );
    const fitted = new LinearRegression().fit(X, y);
    expect(() => fitted.predict(fromRows([[1, 2, 3]]))).toThrow(
      /X has 3 features, but LinearRegression is expecting 2 features/,
    );
    expect(() => fitted.predict(fromRows([[1, 2]], ['b', 'a']))).toThrow(/feature names should match/);
  });

  it('refuses a negative alpha and use before fit', () => {
    expect(() => new Ridge({ alpha: -1 })).toThrow(/alpha must be a finite number >= 0/);
    expect(() => new LinearRegression().predict(X)).toThrow(NotFittedError);
  });

  it('round-trips through JSON and predicts bit-identically', () => {
    for (const model of [new LinearRegression().fit(X, y), new Ridge({ alpha: 0.3 }).fit(X, y)]) {
      const state = JSON.parse(JSON.stringify(model.toJSON()));
      const back = model instanceof Ridge ? Ridge.fromJSON(state) : LinearRegression.fromJSON(state);
      expect(Array.from(back.predict(X))).toEqual(Array.from(model.predict(X)));
      expect(Array.from(back.coef!)).toEqual(Array.from(model.coef!));
      expect(back.intercept).toBe(model.intercept);
    }
    expect(() => LinearRegression.fromJSON({ type: 'Ridge', params: {}, fitted: {} })).toThrow(
      ModelPackageError,
    );
    const state = new LinearRegression().fit(X, y).toJSON();
    state.fitted.coef = [1, 'x'];
    expect(() => LinearRegression.fromJSON(state)).toThrow(/corrupt model state/);
  });
});
