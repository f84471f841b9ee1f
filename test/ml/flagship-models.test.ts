/**
 * Acceptance on the flagship data: LinearRegression and RandomForestRegressor(n_estimators=200,
 * random_state=42) on the flagship preprocessing of housing.csv (params.yaml's, the reference's
 * pipelines/train.py), against scikit-learn 1.2.1 on the identical preprocessing
 * (test/fixtures/flagship-models.json, from gen_flagship_models.py). The features come from the
 * project's own reader and FeaturePipeline (test/helpers/flagship.ts), so the fixture's column
 * names and imputer statistics also check that pipeline against the reference's steps.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { RandomForestRegressor } from '../../src/ml/forest.js';
import { LinearRegression } from '../../src/ml/linear.js';
import { takeRows } from '../../src/ml/matrix.js';
import { FLAGSHIP_CSV, type Flagship, HAVE_FLAGSHIP, loadFlagship, rmse } from '../helpers/flagship.js';

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/flagship-models.json', import.meta.url), 'utf8'),
) as {
  data_md5: string;
  columns: string[];
  medians: number[];
  linear_regression: { test_rmse: number; rank: number; first_test_predictions: number[] };
  random_forest: { test_rmse: number; total_node_count: number; first_test_predictions: number[] };
};

describe.skipIf(!HAVE_FLAGSHIP)(
  'flagship models on housing.csv (skipped when ../shared/data/housing.csv is absent)',
  () => {
    let data: Flagship;
    beforeAll(async () => {
      data = await loadFlagship();
    });

    it('uses the same data and preprocessing as the scikit-learn fixture', () => {
      expect(createHash('md5').update(readFileSync(FLAGSHIP_CSV)).digest('hex')).toBe(fixture.data_md5);
      expect(data.Xtr.names).toEqual(fixture.columns);
      expect(data.Xtr.nRows).toBe(16512);
      expect(Array.from(data.features.imputer!.statistics)).toEqual(fixture.medians);
    });

    it('LinearRegression: test RMSE within 0.5% of scikit-learn', () => {
      const { Xtr, Xte, ytr, yte } = data;
      const lr = new LinearRegression().fit(Xtr, ytr);
      const ours = rmse(lr.predict(Xte), yte);
      console.log(
        `LinearRegression test RMSE: ours ${ours.toFixed(2)}, scikit-learn ${fixture.linear_regression.test_rmse.toFixed(2)}`,
      );
      expect(
        Math.abs(ours - fixture.linear_regression.test_rmse) / fixture.linear_regression.test_rmse,
      ).toBeLessThan(0.005);
      // Beyond the acceptance bar: the same rank (one-hot columns are collinear once centred) and
      // the same predictions to ~1e-9.
      expect(lr.rank).toBe(fixture.linear_regression.rank);
      const first = lr.predict(
        takeRows(
          Xte,
          Int32Array.from({ length: 10 }, (_, i) => i),
        ),
      );
      fixture.linear_regression.first_test_predictions.forEach((p, i) => {
        expect(Math.abs(first[i] - p)).toBeLessThan(1e-9 * Math.abs(p));
      });
    });

    it('RandomForestRegressor(n_estimators=200, random_state=42): test RMSE <= 51,000, same forest as scikit-learn', () => {
      const { Xtr, Xte, ytr, yte } = data;
      const t0 = performance.now();
      const rf = new RandomForestRegressor({ nEstimators: 200, randomState: 42 }).fit(Xtr, ytr);
      const seconds = (performance.now() - t0) / 1000;
      const pred = rf.predict(Xte);
      const ours = rmse(pred, yte);
      console.log(
        `RandomForestRegressor(200): fit ${seconds.toFixed(1)} s on ${rf.nJobs} thread(s); test RMSE ours ${ours.toFixed(2)}, scikit-learn ${fixture.random_forest.test_rmse.toFixed(2)}`,
      );
      expect(ours).toBeLessThanOrEqual(51_000);
      // The trees reproduce scikit-learn's, so the forest is the same one, node for node.
      expect(rf.trees!.reduce((n, t) => n + t.nodeCount, 0)).toBe(fixture.random_forest.total_node_count);
      expect(Array.from(pred.subarray(0, 20))).toEqual(fixture.random_forest.first_test_predictions);
    }, 600_000);
  },
);
