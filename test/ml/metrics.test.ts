/**
 * Regression metrics against scikit-learn 1.2.1 (mean_squared_error, mean_squared_error(squared=False),
 * mean_absolute_error, r2_score, mean_absolute_percentage_error) on NumPy 1.24.2, via
 * test/fixtures/metrics.json written by test/fixtures/gen_metrics.py. Values are compared bit for
 * bit: metrics.ts sums in NumPy's pairwise order.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeNumber } from '../../src/core/json.js';
import { mae, mape, mse, r2, rmse } from '../../src/ml/metrics.js';
import { pairwiseSum } from '../../src/ml/pairwise.js';
import { RandomState } from '../../src/ml/random.js';

type Num = number | 'NaN' | 'Infinity' | '-Infinity';
interface Values {
  mse: Num;
  rmse: Num;
  mae: Num;
  r2: Num;
  mape: Num;
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/metrics.json', import.meta.url), 'utf8')) as {
  versions: { sklearn: string };
  generated: ({ seed: number; n: number } & Values)[];
  explicit: ({ name: string; y_true: number[]; y_pred: number[] } & Values)[];
  errors: { name: string; y_true: Num[]; y_pred: Num[]; message: string }[];
};

/** The same expressions as gen_metrics.regression_targets, in the same order. */
function regressionTargets(seed: number, n: number): { yTrue: Float64Array; yPred: Float64Array } {
  const rs = new RandomState(seed);
  const u = Float64Array.from({ length: n }, () => rs.randomSample());
  const v = Float64Array.from({ length: n }, () => rs.randomSample());
  const yTrue = u.map((x) => x * 450000.0 + 15000.0);
  const yPred = yTrue.map((t, i) => t + (v[i] - 0.5) * 60000.0);
  return { yTrue, yPred };
}

function expectAll(yTrue: Float64Array, yPred: Float64Array, want: Values): void {
  expect(mse(yTrue, yPred), 'mse').toBe(decodeNumber(want.mse));
  expect(rmse(yTrue, yPred), 'rmse').toBe(decodeNumber(want.rmse));
  expect(mae(yTrue, yPred), 'mae').toBe(decodeNumber(want.mae));
  expect(r2(yTrue, yPred), 'r2').toBe(decodeNumber(want.r2));
  expect(mape(yTrue, yPred), 'mape').toBe(decodeNumber(want.mape));
}

describe('metrics match sklearn 1.2.1 bit for bit', () => {
  it('fixture is from sklearn 1.2.1', () => expect(fixture.versions.sklearn).toBe('1.2.1'));

  for (const g of fixture.generated) {
    it(`generated targets, n=${g.n} (pairwise-sum branch for this size)`, () => {
      const { yTrue, yPred } = regressionTargets(g.seed, g.n);
      expectAll(yTrue, yPred, g);
    });
  }

  for (const e of fixture.explicit) {
    it(e.name, () => expectAll(Float64Array.from(e.y_true), Float64Array.from(e.y_pred), e));
  }

  it('r2 edge cases: constant y gives 1.0 when perfect, 0.0 otherwise; one sample gives NaN', () => {
    expect(r2([-2, -2, -2], [-2, -2, -2])).toBe(1);
    expect(r2([-2, -2, -2], [-2, -2, -2 + 1e-8])).toBe(0);
    expect(r2([5], [4])).toBeNaN();
  });
});

describe('pairwiseSum follows NumPy, not left-to-right addition', () => {
  it('differs from a naive loop where NumPy does (4128 housing-scale values)', () => {
    const { yTrue } = regressionTargets(8, 4128);
    let naive = 0;
    for (const v of yTrue) naive += v;
    // The metrics above match NumPy exactly; a naive sum would not have for this input.
    expect(pairwiseSum(yTrue)).not.toBe(naive);
    expect(pairwiseSum(yTrue)).toBeCloseTo(naive, 3);
  });
  it('sums sub-ranges and the empty range', () => {
    const x = [1, 2, 3, 4, 5];
    expect(pairwiseSum(x, 1, 4)).toBe(9);
    expect(pairwiseSum(x, 2, 2)).toBe(0);
  });
});

describe('metric input errors carry sklearn 1.2.1 messages', () => {
  for (const e of fixture.errors) {
    it(e.name, () => {
      const yTrue = e.y_true.map((x) => decodeNumber(x));
      const yPred = e.y_pred.map((x) => decodeNumber(x));
      // sklearn's message names no argument; ours names it the way sklearn names X
      const which = /y_(true|pred)/.exec(e.name)?.[0];
      const want = which ? e.message.replace('Input contains', `Input ${which} contains`) : e.message;
      for (const f of [mse, rmse, mae, r2, mape]) {
        expect(() => f(yTrue, yPred), f.name).toThrow(want);
      }
    });
  }
  it('names the argument and index of a non-finite value', () => {
    expect(() => mse([1, Number.NaN], [1, 2])).toThrow('Input y_true contains NaN. First at index 1.');
    expect(() => mse([1, 2], [1, Number.POSITIVE_INFINITY])).toThrow(
      "Input y_pred contains infinity or a value too large for dtype('float64'). First at index 1.",
    );
  });
});
