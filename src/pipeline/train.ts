/**
 * The training pipeline: CSV -> split -> fitted preprocessing + estimator -> model package,
 * metrics.json and split.json in one output folder, published atomically (a failed run leaves the
 * folder as it was).
 */
import type { Dirent } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidInputError, MlshipError } from '../core/errors.js';
import { checkDestination, publishDirectory, requireFile } from '../core/fs.js';
import { hashFile, verifyWorkspaceFile } from '../data/index.js';
import type { Matrix } from '../ml/matrix.js';
import { mae, r2Score, rmse } from '../ml/metrics.js';
import { FeaturePipeline, type FeaturePipelineParams } from '../ml/preprocess.js';
import { trainTestSplit } from '../ml/split.js';
import { MANIFEST_FILE, readVerified } from '../model/manifest.js';
import { MLMODEL_FILE, saveModel } from '../model/package.js';
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
  /** a random forest's trees as they are grown: done so far, and the forest's size */
  onTree?: (done: number, total: number) => void;
  /** the tracking run this model belongs to, written into MLmodel's `run_id` */
  runId?: string;
  /** where the model sits among the run's artifacts, written into MLmodel's `artifact_path` */
  artifactPath?: string;
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
  /** the data trained on, as read (every column of the file), for lineage and tracking */
  dataset: { path: string; nRows: number; columns: { name: string; kind: 'numeric' | 'categorical' }[] };
}

/**
 * The data's md5 as DVC records it: when a `.dvc` file sits next to the CSV, the workspace file
 * must match it (a clear error otherwise, so a run never records a hash for data it did not use);
 * without one, the md5 of the file's bytes.
 */
export async function dataMd5(path: string): Promise<string> {
  // a tracked file that is missing is said with how to fetch it; an untracked one is just named
  const tracked = await verifyWorkspaceFile(path);
  if (tracked !== null) return tracked.md5;
  await requireFile(path, 'data');
  return (await hashFile(path)).md5;
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

/** The preprocessing params.yaml describes, as FeaturePipeline takes it. */
export function featurePipelineParams(params: PipelineParams): FeaturePipelineParams {
  const { numeric, categorical, ratios } = params.features;
  const pre = params.preprocessing;
  return {
    numeric,
    categorical,
    ratios,
    imputeStrategy: pre.imputeStrategy,
    handleUnknown: pre.handleUnknown,
    order: pre.order,
    ...(pre.imputeColumns === null ? {} : { imputeColumns: pre.imputeColumns }),
  };
}

function take(y: Float64Array, rows: Int32Array): Float64Array {
  const out = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = y[rows[i]];
  return out;
}

/**
 * An output folder that train wrote before it recorded a manifest (`.mlship-out.json`), so that
 * upgrading mlship does not make `npm start` refuse its own earlier ./out: nothing but model/,
 * metrics.json and split.json, the model package holding exactly the files its SHA256SUMS lists
 * with their checksums intact, and the two JSON files in train's shape. Anything else — one extra
 * or edited file — and it is not recognised, so it is refused.
 */
async function isEarlierTrainOutput(dir: string): Promise<boolean> {
  try {
    const top = await readdir(dir, { withFileTypes: true });
    const known = (e: Dirent) =>
      (e.name === 'model' && e.isDirectory()) ||
      (['metrics.json', 'split.json'].includes(e.name) && e.isFile());
    if (!top.every(known) || !top.some((e) => e.name === 'model')) return false;
    const modelDir = join(dir, 'model');
    const verified = await readVerified(modelDir, [MLMODEL_FILE]);
    const inModel = await readdir(modelDir, { withFileTypes: true });
    if (!inModel.every((e) => e.isFile() && (e.name === MANIFEST_FILE || verified.has(e.name)))) return false;
    const json = async (name: string) =>
      top.some((e) => e.name === name) ? JSON.parse(await readFile(join(dir, name), 'utf8')) : undefined;
    const metrics = await json('metrics.json');
    const split = await json('split.json');
    if (metrics !== undefined && typeof metrics?.data_md5 !== 'string') return false;
    if (split !== undefined && !(Array.isArray(split?.train) && Array.isArray(split?.test))) return false;
    return true;
  } catch {
    return false;
  }
}

/**
 * The split, with scikit-learn's checks; a file too small to split (only a header, a handful of
 * rows) is named in the error, which scikit-learn's own message does not do.
 */
function splitRows(nRows: number, params: PipelineParams, file: string): ReturnType<typeof trainTestSplit> {
  if (nRows === 0) throw new InvalidInputError('no data rows, only a header', { file, line: 2 });
  try {
    return trainTestSplit(nRows, { testSize: params.split.testSize, randomState: params.split.randomState });
  } catch (e) {
    if (e instanceof MlshipError)
      throw new InvalidInputError(`${nRows} data rows: ${e.message}`, { file, line: 1 });
    throw e;
  }
}

export async function train(opts: TrainOptions): Promise<TrainResult> {
  const { params } = opts;
  const dataPath = opts.dataPath ?? params.data.path;
  const modelType = opts.modelType ?? params.model.type;
  const { numeric, categorical } = params.features;
  // the estimator validates its parameters on construction: a typo fails before any data is read
  const estimator = createEstimator(modelType, params.model.params[modelType]);
  // and an --out that holds a user's files, or missing data, fail before any work is done
  const destination = { label: 'output folder', inputs: [dataPath], recognise: isEarlierTrainOutput };
  await checkDestination(opts.outDir, destination);

  const schema: Record<string, 'numeric' | 'categorical'> = { [params.data.target]: 'numeric' };
  for (const c of numeric) schema[c] = 'numeric';
  for (const c of categorical) schema[c] = 'categorical';
  // hash first: data that does not match its .dvc file is refused before any work is done on it
  const md5 = await dataMd5(dataPath);
  const table = await readCsv(dataPath, {
    schema,
    required: [params.data.target, ...numeric, ...categorical],
  });
  const y = targetValues(table, params.data.target, dataPath);

  const split = splitRows(table.nRows, params, dataPath);
  const features = new FeaturePipeline(featurePipelineParams(params)).fit(table, split.train);
  const Xtrain: Matrix = features.transform(table, split.train);
  const Xtest: Matrix = features.transform(table, split.test);
  const yTrain = take(y, split.train);
  const yTest = take(y, split.test);

  const history: IterationInfo[] = [];
  const t0 = process.hrtime.bigint();
  const nIter = estimator.fit(
    Xtrain,
    yTrain,
    (info) => {
      history.push(info);
      opts.onIteration?.(info);
    },
    opts.onTree,
  );
  const fitSeconds = Number(process.hrtime.bigint() - t0) / 1e9;

  const metrics: TrainResult['metrics'] = {
    train: scores(yTrain, estimator.model.predict(Xtrain)),
    test: scores(yTest, estimator.model.predict(Xtest)),
    n_train: split.train.length,
    n_test: split.test.length,
    n_iter: nIter,
    fit_seconds: fitSeconds,
    data_md5: md5,
  };

  const modelDir = join(opts.outDir, 'model');
  await publishDirectory(opts.outDir, destination, async (tmp) => {
    await saveModel(join(tmp, 'model'), {
      target: params.data.target,
      features,
      estimator: estimator.model,
      exampleRows: table,
      exampleIndices: split.train.subarray(0, 5),
      runId: opts.runId,
      artifactPath: opts.artifactPath,
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
  const dataset = {
    path: dataPath,
    nRows: table.nRows,
    columns: table.columns.map((c) => ({ name: c.name, kind: c.kind })),
  };
  return { outDir: opts.outDir, modelDir, modelType, metrics, history, dataset };
}
