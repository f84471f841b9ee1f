import { describe, expect, it } from 'vitest';
import { threadsFor } from '../../../src/ml/hgb/engine.js';
import { HistGradientBoostingRegressor } from '../../../src/ml/hgb/gradient-boosting.js';
import { createMatrix, type Matrix } from '../../../src/ml/matrix.js';
import { type DataSpec, decodeAll, loadFixture, makeData, maxRelDiff, sliceRows } from './data.js';

interface TreeSummary {
  feature: number[];
  bin_threshold: number[];
  threshold: unknown[];
  missing_go_to_left: number[];
  is_leaf: number[];
  left: number[];
  right: number[];
  count: number[];
  value: unknown[];
}

interface ModelCase {
  name: string;
  params: Record<string, unknown>;
  data: DataSpec;
  n_train: number;
  n_test: number;
  n_iter: number;
  baseline: unknown;
  do_early_stopping: boolean;
  train_score: unknown[];
  validation_score: unknown[];
  n_leaves: number[];
  predict_test: unknown[];
  predict_train_head: unknown[];
  predict_nan: unknown[];
  trees?: TreeSummary[];
}

const fixture = loadFixture<{ cases: ModelCase[] }>('hgb_models.json');

/** gen_hgb.py's with_nans: the first 20 rows with one value missing in turn, then an all-NaN row. */
function withNans(X: Matrix): Matrix {
  const rows = Math.min(20, X.nRows);
  const out = createMatrix(rows + 1, X.nCols);
  for (let j = 0; j < X.nCols; j++) {
    for (let i = 0; i < rows; i++) {
      out.data[j * (rows + 1) + i] = i % X.nCols === j ? Number.NaN : X.data[j * X.nRows + i];
    }
    out.data[j * (rows + 1) + rows] = Number.NaN;
  }
  return out;
}

function fitCase(c: ModelCase, nThreads: number) {
  const { X, y } = makeData(c.data, c.n_train + c.n_test);
  const Xtrain = sliceRows(X, 0, c.n_train);
  const ytrain = y.subarray(0, c.n_train);
  const Xtest = sliceRows(X, c.n_train, c.n_train + c.n_test);
  const model = HistGradientBoostingRegressor.fromSklearnParams(c.params);
  (model.params as { nThreads: number }).nThreads = nThreads;
  model.fit(Xtrain, ytrain);
  return { model, Xtrain, Xtest };
}

describe('HistGradientBoostingRegressor against scikit-learn 1.2.1', () => {
  for (const c of fixture.cases) {
    it(c.name, () => {
      const { model, Xtrain, Xtest } = fitCase(c, 1);
      expect(model.nIter).toBe(c.n_iter);
      expect(model.doEarlyStopping).toBe(c.do_early_stopping);
      expect(model.baselinePrediction).toBe(decodeAll([c.baseline])[0]);
      expect(model.predictors.map((p) => p.nLeaves)).toEqual(c.n_leaves);
      // Scores, predictions and leaf values equal sklearn's (run with one OpenMP thread) to the
      // last bit: every sum is made in sklearn's order. The brief only asks for 1e-9 relative.
      expect(maxRelDiff(model.trainScore, decodeAll(c.train_score))).toBe(0);
      expect(maxRelDiff(model.validationScore, decodeAll(c.validation_score))).toBe(0);
      expect(maxRelDiff(model.predict(Xtest), decodeAll(c.predict_test))).toBe(0);
      const head = sliceRows(Xtrain, 0, Math.min(100, c.n_train));
      expect(maxRelDiff(model.predict(head), decodeAll(c.predict_train_head))).toBe(0);
      // NaN at predict time: the learned side, or the bigger child for features that had none.
      expect(maxRelDiff(model.predict(withNans(Xtest)), decodeAll(c.predict_nan))).toBe(0);
      for (const [i, t] of (c.trees ?? []).entries()) {
        const p = model.predictors[i];
        expect(Array.from(p.isLeaf), `tree ${i} leaves`).toEqual(t.is_leaf);
        const internal = (a: ArrayLike<number>) => Array.from(a).map((v, k) => (t.is_leaf[k] ? 0 : v));
        expect(internal(p.feature), `tree ${i} features`).toEqual(internal(t.feature));
        expect(internal(p.binThreshold), `tree ${i} bins`).toEqual(internal(t.bin_threshold));
        expect(internal(p.missingGoToLeft), `tree ${i} missing sides`).toEqual(
          internal(t.missing_go_to_left),
        );
        expect(internal(p.left)).toEqual(internal(t.left));
        expect(internal(p.right)).toEqual(internal(t.right));
        expect(Array.from(p.count)).toEqual(t.count);
        expect(maxRelDiff(internal(p.threshold), internal(decodeAll(t.threshold)))).toBe(0);
        expect(maxRelDiff(p.value, decodeAll(t.value))).toBe(0);
      }
    });
  }
});

describe('threads', () => {
  it('are as many as asked (at most one per feature), or chosen from the size of the fit', () => {
    expect(threadsFor(3, 2, 100, 16, 1)).toBe(3);
    expect(threadsFor(8, 8, 50_000, 3, 100)).toBe(3);
    expect(threadsFor(2, 2, 50_000, 1, 100)).toBe(1);
    // automatic: the flagship (16,512 x 16, 200 iterations) on one thread, 10x its rows on all
    expect(threadsFor(0, 2, 16_512, 16, 200)).toBe(1);
    expect(threadsFor(0, 2, 165_120, 16, 200)).toBe(2);
    expect(threadsFor(0, 64, 165_120, 16, 200)).toBe(16);
  });

  it('give the same model for any thread count', () => {
    const c = fixture.cases.find((k) => k.n_train >= 15_000) as ModelCase;
    const reference = JSON.stringify(fitCase(c, 1).model.toJSON());
    for (const n of [2, 3, 8])
      expect(JSON.stringify(fitCase(c, n).model.toJSON()), `nThreads=${n}`).toBe(reference);
  });

  it('give the same model when every pass is threaded (large nodes, validation rows, pool growth)', () => {
    // 40,000 rows with half held out: row passes, partitions and validation predictions are all
    // big enough to be shared; unbounded leaves make the histogram pool grow mid-fit.
    const spec: DataSpec = {
      seed: 21,
      kinds: ['centered', 'int6', 'unit', 'cubic', 'nan', 'unit'],
      nan_fracs: [0.1, 0, 0, 0.2, 0, 0],
    };
    const { X, y } = makeData(spec, 40_000);
    const train = (nThreads: number) =>
      new HistGradientBoostingRegressor({
        maxIter: 8,
        maxLeafNodes: null,
        maxDepth: 7,
        earlyStopping: true,
        validationFraction: 0.5,
        randomState: 3,
        nThreads,
      }).fit(X, y);
    const reference = train(1);
    expect(reference.predictors.some((p) => p.nLeaves > 33)).toBe(true);
    const json = JSON.stringify(reference.toJSON());
    for (const n of [2, 3]) expect(JSON.stringify(train(n).toJSON()), `nThreads=${n}`).toBe(json);
  });
});
