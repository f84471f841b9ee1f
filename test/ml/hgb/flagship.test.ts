/**
 * The flagship model on the real California housing data, against the numbers scikit-learn 1.2.1
 * gives on exactly the same input matrix (test/fixtures/reference_pipeline.json, written by
 * test/fixtures/gen_reference_pipeline.py): HistGradientBoostingRegressor(max_depth=8,
 * learning_rate=0.1, max_iter=200, random_state=42) on the split test_size=0.2, random_state=42,
 * for both of params.yaml's preprocessing orders. The committed flagship (impute_encode_ratios,
 * the reference's pipelines/train.py) gives n_iter_ 190, train RMSE 35,390.54, test RMSE
 * 45,531.58, test R² 0.84180; mlship's earlier order (ratios_impute_encode) 45,201.93 and 0.84408.
 * The features come from the project's reader and FeaturePipeline (test/helpers/flagship.ts); that
 * they are sklearn's, value for value, is test/ml/reference-pipeline.test.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HistGradientBoostingRegressor } from '../../../src/ml/hgb/gradient-boosting.js';
import { mae, r2 } from '../../../src/ml/metrics.js';
import type { PreprocessingOrder } from '../../../src/ml/preprocess.js';
import { expectRelClose, HAVE_FLAGSHIP, loadFlagship, rmse } from '../../helpers/flagship.js';

interface Scores {
  rmse: number;
  mae: number;
  r2: number;
}
const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/reference_pipeline.json', import.meta.url), 'utf8'),
) as Record<
  PreprocessingOrder,
  { hgb: { n_iter: number; train: Scores; test: Scores; first_test_predictions: number[] } }
>;

describe.skipIf(!HAVE_FLAGSHIP)('flagship: California housing, as scikit-learn 1.2.1', () => {
  for (const order of ['impute_encode_ratios', 'ratios_impute_encode'] as const) {
    it(`${order}: sklearn’s n_iter_, train and test RMSE, MAE and R²`, async () => {
      const want = fixture[order].hgb;
      const { Xtr, ytr, Xte, yte } = await loadFlagship(order);
      const model = new HistGradientBoostingRegressor({
        maxDepth: 8,
        learningRate: 0.1,
        maxIter: 200,
        randomState: 42,
      });
      const seen: number[] = [];
      model.fit(Xtr, ytr, { onIteration: (info) => seen.push(info.iteration) });
      const pTrain = model.predict(Xtr);
      const pTest = model.predict(Xte);
      expect(model.doEarlyStopping).toBe(true);
      expect(model.nIter).toBe(want.n_iter);
      expect(seen).toEqual(Array.from({ length: want.n_iter }, (_, i) => i + 1));
      expectRelClose(rmse(pTrain, ytr), want.train.rmse, 'train RMSE');
      expectRelClose(mae(ytr, pTrain), want.train.mae, 'train MAE');
      expectRelClose(r2(ytr, pTrain), want.train.r2, 'train R²');
      expectRelClose(rmse(pTest, yte), want.test.rmse, 'test RMSE');
      expectRelClose(mae(yte, pTest), want.test.mae, 'test MAE');
      expectRelClose(r2(yte, pTest), want.test.r2, 'test R²');
      for (const [i, p] of want.first_test_predictions.entries()) {
        expectRelClose(pTest[i], p, `test prediction ${i}`);
      }
    });
  }
});
