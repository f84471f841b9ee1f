/**
 * The flagship model on the real California housing data, against the numbers scikit-learn 1.2.1
 * gives on exactly this preprocessing (ColumnTransformer: SimpleImputer(median) on the 11 numeric
 * columns, OneHotEncoder(handle_unknown='ignore') on ocean_proximity; split test_size=0.2,
 * random_state=42; HistGradientBoostingRegressor(max_depth=8, learning_rate=0.1, max_iter=200,
 * random_state=42)): n_iter_ 190, train RMSE 35,390.54, test RMSE 45,201.93, R² 0.84408
 * (bench/sklearn_train.py prints them; test/fixtures/flagship.json holds them).
 * The features come from the project's reader and FeaturePipeline (test/helpers/flagship.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { HistGradientBoostingRegressor } from '../../../src/ml/hgb/gradient-boosting.js';
import { r2 } from '../../../src/ml/metrics.js';
import { type Flagship, HAVE_FLAGSHIP, loadFlagship, rmse } from '../../helpers/flagship.js';

describe.skipIf(!HAVE_FLAGSHIP)('flagship: California housing, as scikit-learn 1.2.1', () => {
  let data: Flagship;
  beforeAll(async () => {
    data = await loadFlagship();
  });

  it('reaches sklearn’s n_iter_, RMSEs and R²', () => {
    const { Xtr, ytr, Xte, yte } = data;
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
    expect(model.nIter).toBe(190);
    expect(seen).toEqual(Array.from({ length: 190 }, (_, i) => i + 1));
    const close = (got: number, want: number) => expect(Math.abs(got - want) / want).toBeLessThan(1e-12);
    close(rmse(pTrain, ytr), 35390.54226267088);
    close(rmse(pTest, yte), 45201.92600091692);
    close(r2(yte, pTest), 0.8440781352906181);
    // The hard requirements.
    expect(rmse(pTest, yte)).toBeLessThanOrEqual(46000);
    expect(r2(yte, pTest)).toBeGreaterThanOrEqual(0.838);
  });
});
