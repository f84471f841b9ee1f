/**
 * The flagship pipeline end to end — the committed params.yaml, the reference's pipelines/train.py
 * step for step — against scikit-learn 1.2.1 on the identical features and split: every HGB metric
 * to 1e-9 relative (test/fixtures/reference_pipeline.json, made by
 * test/fixtures/gen_reference_pipeline.py), the other models against test/fixtures/flagship.json
 * (test/fixtures/gen_flagship.py, which runs bench/sklearn_train.py).
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashFile } from '../../src/data/index.js';
import type { PreprocessingOrder } from '../../src/ml/preprocess.js';
import { loadModel } from '../../src/model/package.js';
import { DEFAULT_PARAMS } from '../../src/pipeline/params.js';
import { train } from '../../src/pipeline/train.js';
import { readCsv } from '../../src/table/index.js';
import { expectRelClose, flagshipParams } from '../helpers/flagship.js';

const DATA = resolve(__dirname, '../../../shared/data/housing.csv');
const have = existsSync(DATA);
const sk = JSON.parse(readFileSync(resolve(__dirname, '../fixtures/flagship.json'), 'utf8'));
interface Scores {
  rmse: number;
  mae: number;
  r2: number;
}
const reference = JSON.parse(
  readFileSync(resolve(__dirname, '../fixtures/reference_pipeline.json'), 'utf8'),
) as Record<PreprocessingOrder, { hgb: { n_iter: number; train: Scores; test: Scores } }>;

function expectScikitLearnMetrics(
  m: { train: Scores; test: Scores; n_iter: number | null },
  order: PreprocessingOrder,
) {
  const want = reference[order].hgb;
  expect(m.n_iter).toBe(want.n_iter);
  for (const split of ['train', 'test'] as const) {
    for (const k of ['rmse', 'mae', 'r2'] as const)
      expectRelClose(m[split][k], want[split][k], `${split} ${k}`);
  }
}

/** The test RMSE of the package in `out`/model, loaded back and predicting from the raw CSV. */
async function packageTestRmse(out: string): Promise<number> {
  const split = JSON.parse(await readFile(join(out, 'split.json'), 'utf8')) as { test: number[] };
  const model = await loadModel(join(out, 'model'));
  const table = await readCsv(DATA);
  const pred = model.predict(table);
  const y = (table.columns.find((c) => c.name === 'median_house_value') as { values: Float64Array }).values;
  let se = 0;
  for (const i of split.test) se += (pred[i] - y[i]) ** 2;
  return Math.sqrt(se / split.test.length);
}

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'mlship-train-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe.skipIf(!have)('flagship pipeline on ../shared/data/housing.csv', () => {
  it("HGB on params.yaml: the split is scikit-learn's, every metric scikit-learn's to 1e-9", async () => {
    const out = join(work, 'hgb');
    const r = await train({ params: await flagshipParams(), dataPath: DATA, outDir: out });
    const split = JSON.parse(await readFile(join(out, 'split.json'), 'utf8'));
    // DESIGN.md: the first ten test rows of scikit-learn's split
    expect(split.test.slice(0, 10)).toEqual([
      20046, 3024, 15663, 20484, 9814, 13311, 7113, 7668, 18246, 5723,
    ]);
    expect(split.train.length).toBe(sk.hgb.n_train);
    expect(split.test.length).toBe(sk.hgb.n_test);
    const m = r.metrics;
    expectScikitLearnMetrics(m, 'impute_encode_ratios');
    // the reference's published figures, as `npm start` prints them
    expect(m.test.rmse.toFixed(1)).toBe('45531.6');
    expect(m.test.r2.toFixed(4)).toBe('0.8418');
    expect(m.data_md5).toBe('d1c47305887e2252bf1ccbd74ff159a6');
    const metrics = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
    expect(Object.keys(metrics).sort()).toEqual(
      ['data_md5', 'fit_seconds', 'n_iter', 'n_test', 'n_train', 'test', 'train'].sort(),
    );
    expect(Object.keys(metrics.test).sort()).toEqual(['mae', 'r2', 'rmse']);
    // per-iteration history with validation loss (early stopping is on above 10,000 rows)
    expect(r.history.length).toBe(m.n_iter);
    expect(r.history.every((h) => h.validationLoss !== null)).toBe(true);

    // the package predicts the same test RMSE when loaded back, preprocessing included
    const model = await loadModel(join(out, 'model'));
    expect(model.features.order).toBe('impute_encode_ratios');
    expectRelClose(await packageTestRmse(out), m.test.rmse, 'test RMSE of the loaded package');
  });

  it("HGB with preprocessing.order ratios_impute_encode: scikit-learn's ColumnTransformer numbers to 1e-9", async () => {
    const params = await flagshipParams('ratios_impute_encode');
    const r = await train({ params, dataPath: DATA, outDir: join(work, 'hgb-ct') });
    expectScikitLearnMetrics(r.metrics, 'ratios_impute_encode');
    const model = await loadModel(join(work, 'hgb-ct', 'model'));
    expect(model.features.order).toBe('ratios_impute_encode');
    expectRelClose(
      await packageTestRmse(join(work, 'hgb-ct')),
      r.metrics.test.rmse,
      'test RMSE of the loaded package',
    );
  });

  it('training twice gives byte-identical model.json and split.json', async () => {
    const a = join(work, 'a');
    const b = join(work, 'b');
    await train({ params: DEFAULT_PARAMS, dataPath: DATA, outDir: a });
    await train({ params: DEFAULT_PARAMS, dataPath: DATA, outDir: b });
    for (const f of ['model/model.json', 'split.json', 'model/input_example.json']) {
      expect((await hashFile(join(a, f))).md5).toBe((await hashFile(join(b, f))).md5);
    }
  });

  it("linear: test RMSE within 0.5% of scikit-learn's LinearRegression on the same pipeline", async () => {
    const r = await train({
      params: DEFAULT_PARAMS,
      dataPath: DATA,
      outDir: join(work, 'lin'),
      modelType: 'linear',
    });
    expect(Math.abs(r.metrics.test.rmse / sk.linear.test.rmse - 1)).toBeLessThan(0.005);
    expect(r.metrics.n_iter).toBeNull();
  });

  it('random forest: trains, saves and reloads through the package (the 200-tree bar is in test/ml/flagship-models)', async () => {
    const params = {
      ...DEFAULT_PARAMS,
      model: {
        ...DEFAULT_PARAMS.model,
        params: { ...DEFAULT_PARAMS.model.params, random_forest: { n_estimators: 10, random_state: 42 } },
      },
    };
    const out = join(work, 'rf');
    const r = await train({ params, dataPath: DATA, outDir: out, modelType: 'random_forest' });
    expect(r.metrics.test.rmse).toBeLessThan(56_000);
    const model = await loadModel(join(out, 'model'));
    expect(model.mlmodel.flavor.estimator).toBe('RandomForestRegressor');
  });
});
