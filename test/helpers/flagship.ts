/**
 * The flagship data prepared exactly as `mlship train` prepares it (readCsv, the committed
 * params.yaml's features and preprocessing, FeaturePipeline fitted on scikit-learn's train split),
 * for tests that compare an estimator with scikit-learn on it. The data lives outside the
 * repository, at ../shared/data/housing.csv; tests skip, saying so, when it is absent.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { Matrix } from '../../src/ml/matrix.js';
import { FeaturePipeline, type PreprocessingOrder } from '../../src/ml/preprocess.js';
import { trainTestSplit } from '../../src/ml/split.js';
import { loadParams, type PipelineParams } from '../../src/pipeline/params.js';
import { featurePipelineParams } from '../../src/pipeline/train.js';
import { numericColumn, readCsv } from '../../src/table/index.js';

export const FLAGSHIP_CSV = fileURLToPath(new URL('../../../shared/data/housing.csv', import.meta.url));
export const FLAGSHIP_PARAMS_YAML = fileURLToPath(new URL('../../params.yaml', import.meta.url));
/**
 * Whether to run the flagship tests: the data is there, or CI demands them (as with PostgreSQL:
 * under CI a missing ../shared/data/housing.csv fails the tests instead of skipping them).
 */
export const HAVE_FLAGSHIP = existsSync(FLAGSHIP_CSV) || Boolean(process.env.CI);
if (!HAVE_FLAGSHIP) console.warn(`flagship tests skipped: ${FLAGSHIP_CSV} not found`);

export interface Flagship {
  params: PipelineParams;
  features: FeaturePipeline;
  train: Int32Array;
  test: Int32Array;
  Xtr: Matrix;
  Xte: Matrix;
  ytr: Float64Array;
  yte: Float64Array;
}

/**
 * The committed params.yaml, with `preprocessing.order` switched to `order` when given (the
 * `impute_columns` list applies to impute_encode_ratios only; ratios_impute_encode imputes every
 * numeric and ratio column).
 */
export async function flagshipParams(order?: PreprocessingOrder): Promise<PipelineParams> {
  const p = await loadParams(FLAGSHIP_PARAMS_YAML);
  if (order === undefined || order === p.preprocessing.order) return p;
  return {
    ...p,
    preprocessing: {
      ...p.preprocessing,
      order,
      imputeColumns:
        order === 'ratios_impute_encode' ? null : (p.preprocessing.imputeColumns ?? p.features.numeric),
    },
  };
}

export async function loadFlagship(order?: PreprocessingOrder): Promise<Flagship> {
  const p = await flagshipParams(order);
  const table = await readCsv(FLAGSHIP_CSV);
  const { train, test } = trainTestSplit(table.nRows, {
    testSize: p.split.testSize,
    randomState: p.split.randomState,
  });
  const features = new FeaturePipeline(featurePipelineParams(p)).fit(table, train);
  const y = numericColumn(table, p.data.target).values;
  const take = (rows: Int32Array) => Float64Array.from(rows, (i) => y[i]);
  return {
    params: p,
    features,
    train,
    test,
    Xtr: features.transform(table, train),
    Xte: features.transform(table, test),
    ytr: take(train),
    yte: take(test),
  };
}

export function rmse(pred: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (pred[i] - y[i]) ** 2;
  return Math.sqrt(s / y.length);
}

/** |got - want| <= 1e-9 |want|: the bar every flagship metric meets against scikit-learn's. */
export function expectRelClose(got: number, want: number, what: string): void {
  expect(Math.abs(got - want), `${what}: got ${got}, scikit-learn ${want}`).toBeLessThanOrEqual(
    1e-9 * Math.abs(want),
  );
}
