/**
 * Model packages written before params.yaml's `preprocessing.order` existed hold a FeaturePipeline
 * state without `order`: they did their ratios from raw values, imputed every numeric and ratio
 * column, and put the one-hot columns last. They must load and predict exactly as they did.
 * test/fixtures/model-v0/ is such a package, written by test/fixtures/gen_model_v0.mjs from the
 * build before the change, with the predictions it made then (expected.json).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FeaturePipeline } from '../../src/ml/preprocess.js';
import { loadModel } from '../../src/model/package.js';
import { parseCsv } from '../../src/table/index.js';

const dir = fileURLToPath(new URL('../fixtures/model-v0/', import.meta.url));
const expected = JSON.parse(readFileSync(`${dir}expected.json`, 'utf8')) as {
  feature_names: string[];
  predictions: number[];
};

describe('a model package written before preprocessing.order', () => {
  it('has no order in its state, loads, and predicts bit for bit what it predicted then', async () => {
    const state = JSON.parse(readFileSync(`${dir}model/model.json`, 'utf8')).features;
    expect(state.order).toBeUndefined();
    const model = await loadModel(`${dir}model`);
    const table = parseCsv(readFileSync(`${dir}train.csv`, 'utf8'), { file: 'train.csv' });
    expect(table.columns[1].kind).toBe('numeric');
    expect(Array.from(model.predict(table))).toEqual(expected.predictions);
  });

  it('is read as ratios_impute_encode: the same columns, and that order when saved again', () => {
    const state = JSON.parse(readFileSync(`${dir}model/model.json`, 'utf8')).features;
    const features = FeaturePipeline.fromJSON(state);
    expect(features.order).toBe('ratios_impute_encode');
    expect(features.featureNames).toEqual(expected.feature_names);
    expect(FeaturePipeline.fromJSON(features.toJSON()).featureNames).toEqual(expected.feature_names);
    expect(features.toJSON()).toEqual({ ...state, order: 'ratios_impute_encode' });
  });
});
