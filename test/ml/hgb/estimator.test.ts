/**
 * The estimator's contract beyond the sklearn fixtures: parameters and their errors, input checks,
 * the progress callback, leaves and unusable features, and save/load.
 */
import { describe, expect, it } from 'vitest';
import {
  InvalidInputError,
  InvalidParameterError,
  ModelPackageError,
  NotFittedError,
} from '../../../src/core/errors.js';
import type { RegressorState } from '../../../src/ml/estimator.js';
import {
  type HistGradientBoostingParams,
  HistGradientBoostingRegressor,
  type IterationInfo,
} from '../../../src/ml/hgb/gradient-boosting.js';
import { fromColumns } from '../../../src/ml/matrix.js';
import { type DataSpec, makeData, sliceRows } from './data.js';

const SPEC: DataSpec = {
  seed: 31,
  kinds: ['centered', 'nan', 'unit', 'const', 'cubic', 'unit'],
  nan_fracs: [0.1, 0, 0.2, 0, 0.3, 0],
};
const { X, y } = makeData(SPEC, 1200);

function train(params: HistGradientBoostingParams = {}) {
  return new HistGradientBoostingRegressor({ maxIter: 15, randomState: 0, ...params }).fit(X, y);
}

describe('parameters', () => {
  const bad: [HistGradientBoostingParams, RegExp][] = [
    [{ learningRate: 0 }, /'learning_rate' parameter .* must be a float in the range \(0, inf\)\. Got 0/],
    [{ maxIter: 0 }, /'max_iter' parameter .* an int in the range \[1, inf\)/],
    [{ maxIter: 2.5 }, /'max_iter'/],
    [{ maxLeafNodes: 1 }, /'max_leaf_nodes' .* \[2, inf\) or None/],
    [{ maxDepth: 0 }, /'max_depth'/],
    [{ minSamplesLeaf: 0 }, /'min_samples_leaf'/],
    [{ l2Regularization: -1 }, /'l2_regularization' .* \[0, inf\)/],
    [{ maxBins: 256 }, /'max_bins' .* \[2, 255\]/],
    [{ earlyStopping: 'yes' as never }, /'early_stopping'/],
    [{ scoring: 'r2' as never }, /'scoring'/],
    [{ validationFraction: 1.5 }, /'validation_fraction'/],
    [{ validationFraction: 0 }, /'validation_fraction'/],
    [{ nIterNoChange: 0 }, /'n_iter_no_change'/],
    [{ tol: -1 }, /'tol'/],
    [{ randomState: -1 }, /'random_state'/],
    [{ randomState: 2 ** 32 }, /'random_state'/],
    [{ loss: 'absolute_error' as never }, /'loss' parameter.*'squared_error'/],
    [{ nThreads: 0 }, /'nThreads'/],
  ];
  for (const [params, message] of bad) {
    it(`refuses ${JSON.stringify(params)}`, () => {
      expect(() => new HistGradientBoostingRegressor(params)).toThrow(InvalidParameterError);
      expect(() => new HistGradientBoostingRegressor(params)).toThrow(message);
    });
  }

  it('refuses unknown parameters, in either spelling', () => {
    expect(() => new HistGradientBoostingRegressor({ maxiter: 3 } as never)).toThrow(
      /Unknown parameter 'maxiter'/,
    );
    expect(() => HistGradientBoostingRegressor.fromSklearnParams({ n_estimators: 3 })).toThrow(
      /Unknown parameter 'n_estimators'.*valid parameters are loss, learning_rate/,
    );
  });

  it('takes scikit-learn names and reports them in toJSON', () => {
    const model = HistGradientBoostingRegressor.fromSklearnParams({
      max_depth: 8,
      learning_rate: 0.1,
      max_iter: 3,
    });
    expect(model.params.maxDepth).toBe(8);
    const state = model.fit(X, y).toJSON();
    expect(state.params).toMatchObject({ max_depth: 8, learning_rate: 0.1, max_iter: 3, max_leaf_nodes: 31 });
    expect(state.params).not.toHaveProperty('nThreads');
  });
});

describe('inputs', () => {
  it('refuses X and y of different lengths, and non-finite targets', () => {
    const model = new HistGradientBoostingRegressor({ maxIter: 2 });
    expect(() => model.fit(X, y.subarray(1))).toThrow(InvalidInputError);
    expect(() => model.fit(X, y.subarray(1))).toThrow(/inconsistent numbers of samples: \[1200, 1199\]/);
    const withNaN = y.slice();
    withNaN[7] = Number.NaN;
    expect(() => model.fit(X, withNaN)).toThrow(/Input y contains NaN \(row 7\)/);
    const withInf = y.slice();
    withInf[3] = Number.POSITIVE_INFINITY;
    expect(() => model.fit(X, withInf)).toThrow(/Input y contains infinity/);
  });

  it('needs fit() before predict(), and the fitted number of features', () => {
    expect(() => new HistGradientBoostingRegressor().predict(X)).toThrow(NotFittedError);
    expect(() => new HistGradientBoostingRegressor().toJSON()).toThrow(NotFittedError);
    const model = train({ maxIter: 2 });
    expect(() => model.predict(fromColumns([[1, 2]]))).toThrow(
      /X has 1 features, but HistGradientBoostingRegressor is expecting 6/,
    );
  });

  it('takes infinite feature values (sklearn bins them in the last bin)', () => {
    const Xinf = fromColumns([
      Array.from({ length: 100 }, (_, i) => (i % 10 === 0 ? Number.POSITIVE_INFINITY : i)),
    ]);
    const yinf = Float64Array.from({ length: 100 }, (_, i) => (i % 10 === 0 ? 5 : 0));
    const model = new HistGradientBoostingRegressor({ maxIter: 20, minSamplesLeaf: 5 }).fit(Xinf, yinf);
    const p = model.predict(fromColumns([[Number.POSITIVE_INFINITY, 3]]));
    expect(p[0]).toBeGreaterThan(p[1]);
  });
});

describe('trees', () => {
  it('never makes a leaf smaller than min_samples_leaf', () => {
    for (const minSamplesLeaf of [1, 7, 40]) {
      const model = train({ minSamplesLeaf, maxLeafNodes: null, maxDepth: 12 });
      for (const tree of model.predictors) {
        for (let i = 0; i < tree.nNodes; i++) {
          if (tree.isLeaf[i] && tree.nNodes > 1) expect(tree.count[i]).toBeGreaterThanOrEqual(minSamplesLeaf);
        }
      }
    }
  });

  it('never splits on a constant or an all-missing feature', () => {
    const model = train();
    for (const tree of model.predictors) {
      for (let i = 0; i < tree.nNodes; i++) {
        if (!tree.isLeaf[i]) expect([1, 3]).not.toContain(tree.feature[i]);
      }
    }
  });

  it('sends NaN to the side learned in training', () => {
    // Feature 0 is missing exactly when y is high: every split on it sends NaN towards high y.
    const n = 400;
    const x = Array.from({ length: n }, (_, i) => (i % 4 === 0 ? Number.NaN : i));
    const target = Float64Array.from(x, (v) => (Number.isNaN(v) ? 10 : 0));
    const model = new HistGradientBoostingRegressor({ maxIter: 30 }).fit(fromColumns([x]), target);
    const p = model.predict(fromColumns([[Number.NaN, 5, 200]]));
    expect(p[0]).toBeGreaterThan(9);
    expect(p[1]).toBeLessThan(1);
    expect(p[2]).toBeLessThan(1);
  });
});

describe('progress callback', () => {
  it('reports every iteration, with validation losses only under early stopping', () => {
    const seen: IterationInfo[] = [];
    const model = new HistGradientBoostingRegressor({ maxIter: 12, earlyStopping: false, randomState: 1 });
    model.fit(X, y, { onIteration: (info) => seen.push(info) });
    expect(seen.map((s) => s.iteration)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(seen.every((s) => s.validationLoss === null && s.trainLoss > 0)).toBe(true);
    expect(seen[11].trainLoss).toBeLessThan(seen[0].trainLoss);
    // sklearn keeps no scores when early stopping is off
    expect(model.trainScore.length).toBe(0);

    const withEs: IterationInfo[] = [];
    const es = new HistGradientBoostingRegressor({ maxIter: 12, earlyStopping: true, randomState: 1 });
    es.fit(X, y, { onIteration: (info) => withEs.push(info) });
    expect(withEs.length).toBe(es.nIter);
    expect(withEs.map((s) => -(s.validationLoss as number))).toEqual(
      Array.from(es.validationScore.subarray(1)),
    );
    expect(withEs.map((s) => -s.trainLoss)).toEqual(Array.from(es.trainScore.subarray(1)));
  });
});

describe('save and load', () => {
  it('round-trips through JSON with bit-identical predictions', () => {
    const model = train({ earlyStopping: true });
    const text = JSON.stringify(model.toJSON());
    const back = HistGradientBoostingRegressor.fromJSON(JSON.parse(text) as RegressorState);
    const Xtest = makeData({ ...SPEC, seed: 32 }, 300).X;
    const a = model.predict(Xtest);
    const b = back.predict(Xtest);
    expect(a.every((v, i) => Object.is(v, b[i]))).toBe(true);
    expect(back.nIter).toBe(model.nIter);
    expect(Array.from(back.validationScore)).toEqual(Array.from(model.validationScore));
    expect(JSON.stringify(back.toJSON())).toBe(text);
  });

  it('gives the same JSON for the same data and random_state', () => {
    const a = JSON.stringify(train({ earlyStopping: true, randomState: 9 }).toJSON());
    const b = JSON.stringify(train({ earlyStopping: true, randomState: 9 }).toJSON());
    expect(a).toBe(b);
  });

  it('refuses corrupt states', () => {
    const good = train({ maxIter: 2 }).toJSON();
    const corrupt = (edit: (s: RegressorState) => void) => {
      const s = JSON.parse(JSON.stringify(good)) as RegressorState;
      edit(s);
      return () => HistGradientBoostingRegressor.fromJSON(s);
    };
    const tree = (s: RegressorState) => (s.fitted.trees as Record<string, number[]>[])[0];
    expect(corrupt((s) => (s.type = 'RandomForestRegressor'))).toThrow(ModelPackageError);
    expect(corrupt((s) => (tree(s).left[0] = 0))).toThrow(/children must come after their parent/);
    expect(corrupt((s) => (tree(s).feature[0] = 6))).toThrow(/feature\[0\]: expected an integer in \[0, 5\]/);
    expect(corrupt((s) => (s.fitted.n_iter = 3))).toThrow(/n_iter is 3 but 2 trees/);
    expect(corrupt((s) => (s.params.max_depth = -1))).toThrow(/corrupt model state: .*'max_depth'/);
    expect(corrupt((s) => (tree(s).value = [1, 2]))).toThrow(ModelPackageError);
  });
});

describe('tiny data', () => {
  it('fits a single leaf when there are fewer than 2 * min_samples_leaf rows', () => {
    const model = new HistGradientBoostingRegressor({ maxIter: 3 }).fit(
      sliceRows(X, 0, 30),
      y.subarray(0, 30),
    );
    expect(model.predictors.every((p) => p.nNodes === 1)).toBe(true);
  });
});
