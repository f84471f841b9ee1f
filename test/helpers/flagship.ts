/**
 * The flagship data prepared exactly as `mlship train` prepares it (readCsv, the committed
 * params' features, FeaturePipeline fitted on scikit-learn's train split), for tests that compare
 * an estimator with scikit-learn on it. The data lives outside the repository, at
 * ../shared/data/housing.csv; tests skip, saying so, when it is absent.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Matrix } from '../../src/ml/matrix.js';
import { FeaturePipeline } from '../../src/ml/preprocess.js';
import { trainTestSplit } from '../../src/ml/split.js';
import { DEFAULT_PARAMS } from '../../src/pipeline/params.js';
import { numericColumn, readCsv } from '../../src/table/index.js';

export const FLAGSHIP_CSV = fileURLToPath(new URL('../../../shared/data/housing.csv', import.meta.url));
export const HAVE_FLAGSHIP = existsSync(FLAGSHIP_CSV);
if (!HAVE_FLAGSHIP) console.warn(`flagship tests skipped: ${FLAGSHIP_CSV} not found`);

export interface Flagship {
  features: FeaturePipeline;
  train: Int32Array;
  test: Int32Array;
  Xtr: Matrix;
  Xte: Matrix;
  ytr: Float64Array;
  yte: Float64Array;
}

export async function loadFlagship(): Promise<Flagship> {
  const p = DEFAULT_PARAMS;
  const table = await readCsv(FLAGSHIP_CSV);
  const { train, test } = trainTestSplit(table.nRows, {
    testSize: p.split.testSize,
    randomState: p.split.randomState,
  });
  const features = new FeaturePipeline({
    numeric: p.features.numeric,
    categorical: p.features.categorical,
    ratios: p.features.ratios,
    imputeStrategy: p.preprocessing.imputeStrategy,
    handleUnknown: p.preprocessing.handleUnknown,
  }).fit(table, train);
  const y = numericColumn(table, p.data.target).values;
  const take = (rows: Int32Array) => Float64Array.from(rows, (i) => y[i]);
  return {
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
