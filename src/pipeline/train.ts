/**
 * The training pipeline: CSV -> split -> fitted preprocessing + estimator -> model package,
 * metrics.json and split.json in one output folder, published atomically (a failed run leaves the
 * folder as it was).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidInputError } from '../core/errors.js';
import { publishDirectory } from '../core/fs.js';
import type { Matrix } from '../ml/matrix.js';
import { mae, r2Score, rmse } from '../ml/metrics.js';
import { FeaturePipeline } from '../ml/preprocess.js';
import { trainTestSplit } from '../ml/split.js';
import { saveModel } from '../model/package.js';
import { readCsv } from '../table/index.js';
import type { Table } from '../table/table.js';
import { createEstimator, type IterationInfo } from './estimators.js';
import type { ModelType, PipelineParams } from './params.js';

export interface TrainOptions {
  params: PipelineParams;
  /** overrides params.data.path */
  dataPath?: string;
  outDir: string;
  /** overrides params.model.type */
  modelType?: ModelType;
  onIteration?: (info: IterationInfo) => void;
}

export interface Scores {
  rmse: number;
  mae: number;
  r2: number;
}

export interface TrainResult {
  outDir: string;
  modelDir: string;
  modelType: ModelType;
  metrics: {
    train: Scores;
    test: Scores;
    n_train: number;
    n_test: number;
    n_iter: number | null;
    fit_seconds: number;
    data_md5: string;
  };
  /** per-iteration losses (hgb only), for progress and tracking */
  history: IterationInfo[];
}

export async function fileMd5(path: string): Promise<string> {
  const h = createHash('md5');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

function scores(y: Float64Array, pred: Float64Array): Scores {
  return { rmse: rmse(y, pred), mae: mae(y, pred), r2: r2Score(y, pred) };
}

/** The target column as numbers; a missing target value is an input error naming its line. */
function targetValues(table: Table, target: string, file: string): Float64Array {
  const col = table.columns.find((c) => c.name === target);
  if (!col) throw new InvalidInputError(`missing target column "${target}"`, { file, line: 1 });
  if (col.kind !== 'numeric') {
    throw new InvalidInputError(`target column "${target}" is not numeric`, {
      file,
      line: 1,
      columnName: target,
    });
  }
  const column = table.columns.indexOf(col) + 1;
  for (let i = 0; i < col.values.length; i++) {
    if (!Number.isFinite(col.values[i])) {
      // line = row + 2 holds for files without quoted newlines, which a missing number implies here
      throw new InvalidInputError(`target "${target}" is missing or not finite`, {
        file,
        line: i + 2,
        column,
        columnName: target,
      });
    }
  }
  return col.values;
}

function take(y: Float64Array, rows: Int32Array): Float64Array {
  const out = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = y[rows[i]];
  return out;
}

export async function train(opts: TrainOptions): Promise<TrainResult> {
  const { params } = opts;
  const dataPath = opts.dataPath ?? params.data.path;
  const modelType = opts.modelType ?? params.model.type;
  const { numeric, categorical, ratios } = params.features;

  const schema: Record<string, 'numeric' | 'categorical'> = { [params.data.target]: 'numeric' };
  for (const c of numeric) schema[c] = 'numeric';
  for (const c of categorical) schema[c] = 'categorical';
  const [table, dataMd5] = await Promise.all([
    readCsv(dataPath, { schema, required: [params.data.target, ...numeric, ...categorical] }),
    fileMd5(dataPath),
  ]);
  const y = targetValues(table, params.data.target, dataPath);

  const split = trainTestSplit(table.nRows, {
    testSize: params.split.testSize,
    randomState: params.split.randomState,
  });
  const features = new FeaturePipeline({
    numeric,
    categorical,
    ratios,
    imputeStrategy: params.preprocessing.imputeStrategy,
    handleUnknown: params.preprocessing.handleUnknown,
  }).fit(table, split.train);
  const Xtrain: Matrix = features.transform(table, split.train);
  const Xtest: Matrix = features.transform(table, split.test);
  const yTrain = take(y, split.train);
  const yTest = take(y, split.test);

  const history: IterationInfo[] = [];
  const estimator = createEstimator(modelType, params.model.params[modelType]);
  const t0 = process.hrtime.bigint();
  const nIter = estimator.fit(Xtrain, yTrain, (info) => {
    history.push(info);
    opts.onIteration?.(info);
  });
  const fitSeconds = Number(process.hrtime.bigint() - t0) / 1e9;

  const metrics: TrainResult['metrics'] = {
    train: scores(yTrain, estimator.model.predict(Xtrain)),
    test: scores(yTest, estimator.model.predict(Xtest)),
    n_train: split.train.length,
    n_test: split.test.length,
    n_iter: nIter,
    fit_seconds: fitSeconds,
    data_md5: dataMd5,
  };

  const modelDir = join(opts.outDir, 'model');
  await publishDirectory(opts.outDir, async (tmp) => {
    await saveModel(join(tmp, 'model'), {
      target: params.data.target,
      features,
      estimator: estimator.model,
      exampleRows: table,
      exampleIndices: split.train.subarray(0, 5),
    });
    await writeFile(join(tmp, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
    await writeFile(
      join(tmp, 'split.json'),
      `${JSON.stringify({
        test_size: params.split.testSize,
        random_state: params.split.randomState,
        train: Array.from(split.train),
        test: Array.from(split.test),
      })}\n`,
    );
  });
  return { outDir: opts.outDir, modelDir, modelType, metrics, history };
}
