/**
 * HistGradientBoostingRegressor: scikit-learn 1.2.1's estimator of the same name
 * (ensemble/_hist_gradient_boosting/gradient_boosting.py) with the squared-error loss,
 * reproducing its trees, predictions, early stopping and n_iter_ on the same data and
 * random_state.
 *
 * fit(): draw the model seed; hold out the validation rows if early stopping is on; bin the
 * training rows (thresholds from them only); start every raw prediction at mean(y); then, per
 * iteration, compute the float32 gradients, grow one tree on them, add its leaf values to the
 * training rows' raw predictions through the grower's partition of the rows (no re-prediction),
 * and, with early stopping, score the training and validation rows and maybe stop.
 *
 * Intentional differences from scikit-learn (each documented where it lives):
 * - only loss='squared_error' and scoring='loss'; no categorical features, monotonic or
 *   interaction constraints, sample weights or warm start;
 * - `nThreads` is ours: how many threads build histograms and search splits. It changes nothing in
 *   the results (each feature's sums are made by one thread, in row order), so it is not part of
 *   the saved model;
 * - the root gradient sum is sequential (grower.ts), equal to sklearn's with one OpenMP thread;
 * - random_state null draws the seed from the OS rather than NumPy's global generator.
 */
import { availableParallelism } from 'node:os';
import { InvalidParameterError, ModelPackageError, NotFittedError } from '../../core/errors.js';
import { encodeNumber, encodeNumbers } from '../../core/json.js';
import type { Regressor, RegressorState } from '../estimator.js';
import {
  checkFitInput,
  checkPredictInput,
  checkState,
  decodeFeatureNames,
  decodeStateArray,
  decodeStateNumber,
} from '../linear.js';
import { type Matrix, takeValues } from '../matrix.js';
import { RandomState } from '../random.js';
import { BinMapper } from './binning.js';
import { drawRandomSeed, earlyStoppingEnabled, shouldStop, validationSplit } from './early-stopping.js';
import { Engine, type EngineInput, threadsFor } from './engine.js';
import { TreeGrower } from './grower.js';
import { baselinePrediction } from './loss.js';
import { type TreePredictor, treeFromJSON } from './predictor.js';
import { binRows } from './workers.js';

const NAME = 'HistGradientBoostingRegressor';

export interface HistGradientBoostingParams {
  /** only 'squared_error' */
  loss?: 'squared_error';
  learningRate?: number;
  maxIter?: number;
  /** null: unbounded */
  maxLeafNodes?: number | null;
  /** null: unbounded; depth counts edges from the root */
  maxDepth?: number | null;
  minSamplesLeaf?: number;
  l2Regularization?: number;
  /** bins for non-missing values, 2..255; one more bin holds missing values */
  maxBins?: number;
  /** 'auto': on when there are more than 10,000 samples */
  earlyStopping?: 'auto' | boolean;
  /** only 'loss' */
  scoring?: 'loss';
  /** fraction (0, 1) or count (>= 1) of validation rows; null scores on the training data */
  validationFraction?: number | null;
  nIterNoChange?: number;
  tol?: number;
  /** seed in [0, 2**32 - 1]; null: a fresh random seed per fit */
  randomState?: number | null;
  /**
   * threads for the fit (histograms, split search, passes over rows), at most one per feature.
   * Default: automatic, one thread for small fits (rows x features x maxIter < 2e8, where starting
   * threads costs more than they save; see engine.ts) and os.availableParallelism() otherwise.
   */
  nThreads?: number;
}

/** Reported after each boosting iteration. Losses are mean half squared errors (lower is better). */
export interface IterationInfo {
  /** 1-based: the number of trees built so far */
  iteration: number;
  trainLoss: number;
  /** null when there is no validation set (early stopping off, or validation_fraction null) */
  validationLoss: number | null;
}

export interface FitOptions {
  /** called after every iteration, e.g. for a progress bar or metric logging */
  onIteration?: (info: IterationInfo) => void;
}

type Resolved = Required<Omit<HistGradientBoostingParams, 'randomState'>> & { randomState: number | null };

const DEFAULTS: Resolved = {
  loss: 'squared_error',
  learningRate: 0.1,
  maxIter: 100,
  maxLeafNodes: 31,
  maxDepth: null,
  minSamplesLeaf: 20,
  l2Regularization: 0,
  maxBins: 255,
  earlyStopping: 'auto',
  scoring: 'loss',
  validationFraction: 0.1,
  nIterNoChange: 10,
  tol: 1e-7,
  randomState: null,
  nThreads: 0, // resolved at fit time
};

/** sklearn's parameter names, for messages and toJSON. */
const SKLEARN_NAMES: Record<keyof Omit<Resolved, 'nThreads'>, string> = {
  loss: 'loss',
  learningRate: 'learning_rate',
  maxIter: 'max_iter',
  maxLeafNodes: 'max_leaf_nodes',
  maxDepth: 'max_depth',
  minSamplesLeaf: 'min_samples_leaf',
  l2Regularization: 'l2_regularization',
  maxBins: 'max_bins',
  earlyStopping: 'early_stopping',
  scoring: 'scoring',
  validationFraction: 'validation_fraction',
  nIterNoChange: 'n_iter_no_change',
  tol: 'tol',
  randomState: 'random_state',
};

function invalid(name: string, must: string, got: unknown): InvalidParameterError {
  return new InvalidParameterError(
    `The '${name}' parameter of ${NAME} must be ${must}. Got ${JSON.stringify(got) ?? String(got)} instead.`,
  );
}

function checkInt(
  name: string,
  v: unknown,
  min: number,
  max = Number.POSITIVE_INFINITY,
  orNull = false,
): void {
  if (orNull && v === null) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    const range = max === Number.POSITIVE_INFINITY ? `[${min}, inf)` : `[${min}, ${max}]`;
    throw invalid(name, `an int in the range ${range}${orNull ? ' or None' : ''}`, v);
  }
}

function checkReal(name: string, v: unknown, min: number, closedMin: boolean): void {
  if (typeof v !== 'number' || Number.isNaN(v) || (closedMin ? v < min : v <= min) || v === Infinity) {
    throw invalid(name, `a float in the range ${closedMin ? '[' : '('}${min}, inf)`, v);
  }
}

function resolveParams(p: HistGradientBoostingParams): Resolved {
  for (const key of Object.keys(p)) {
    if (!(key in DEFAULTS)) throw new InvalidParameterError(`Unknown parameter '${key}' for ${NAME}.`);
  }
  const r: Resolved = { ...DEFAULTS };
  for (const [k, v] of Object.entries(p)) if (v !== undefined) (r as Record<string, unknown>)[k] = v;
  if (r.loss !== 'squared_error') {
    throw invalid('loss', "a str among {'squared_error'} (the only loss implemented)", r.loss);
  }
  checkReal('learning_rate', r.learningRate, 0, false);
  checkInt('max_iter', r.maxIter, 1);
  checkInt('max_leaf_nodes', r.maxLeafNodes, 2, Number.POSITIVE_INFINITY, true);
  checkInt('max_depth', r.maxDepth, 1, Number.POSITIVE_INFINITY, true);
  checkInt('min_samples_leaf', r.minSamplesLeaf, 1);
  checkReal('l2_regularization', r.l2Regularization, 0, true);
  checkInt('max_bins', r.maxBins, 2, 255);
  if (r.earlyStopping !== 'auto' && typeof r.earlyStopping !== 'boolean') {
    throw invalid('early_stopping', "a str among {'auto'} or an instance of 'bool'", r.earlyStopping);
  }
  if (r.scoring !== 'loss') {
    throw invalid('scoring', "'loss' (scorer names and callables are not implemented)", r.scoring);
  }
  const vf = r.validationFraction;
  if (
    vf !== null &&
    (typeof vf !== 'number' || !(Number.isInteger(vf) ? vf >= 1 : vf > 0 && vf < 1) || vf === Infinity)
  ) {
    throw invalid(
      'validation_fraction',
      'a float in the range (0, 1), an int in the range [1, inf) or None',
      vf,
    );
  }
  checkInt('n_iter_no_change', r.nIterNoChange, 1);
  checkReal('tol', r.tol, 0, true);
  checkInt('random_state', r.randomState, 0, 0xffffffff, true);
  if (p.nThreads !== undefined) checkInt('nThreads', r.nThreads, 1);
  return r;
}

export class HistGradientBoostingRegressor implements Regressor {
  readonly params: Readonly<Resolved>;

  /** sklearn's n_iter_: the number of trees (iterations) kept */
  nIter = 0;
  /** negative mean losses on the training rows, before the first tree and after each (early stopping only) */
  trainScore: Float64Array = new Float64Array(0);
  /** the same on the validation rows */
  validationScore: Float64Array = new Float64Array(0);
  /** sklearn's _baseline_prediction: mean of the training targets */
  baselinePrediction = 0;
  /** sklearn's do_early_stopping_ */
  doEarlyStopping = false;
  /** threads the last fit used (see nThreads; not part of the saved model) */
  nThreadsUsed = 0;
  nFeaturesIn = 0;
  featureNames: readonly string[] | undefined;
  /** per feature, the bin mapper's thresholds (sklearn _bin_mapper.bin_thresholds_) */
  binThresholds: Float64Array[] = [];
  predictors: TreePredictor[] = [];
  private fitted = false;

  constructor(params: HistGradientBoostingParams = {}) {
    this.params = resolveParams(params);
  }

  /** Build from scikit-learn-named parameters (params.yaml, saved models). */
  static fromSklearnParams(params: Record<string, unknown>): HistGradientBoostingRegressor {
    const byName = new Map(Object.entries(SKLEARN_NAMES).map(([k, v]) => [v, k]));
    const p: Record<string, unknown> = {};
    for (const [name, v] of Object.entries(params)) {
      const key = byName.get(name);
      if (key === undefined) {
        throw new InvalidParameterError(
          `Unknown parameter '${name}' for ${NAME}; valid parameters are ${[...byName.keys()].join(', ')}.`,
        );
      }
      p[key] = v;
    }
    return new HistGradientBoostingRegressor(p as HistGradientBoostingParams);
  }

  fit(X: Matrix, y: Float64Array, options: FitOptions = {}): this {
    checkFitInput(X, y, NAME);
    const P = this.params;
    const onIteration = options.onIteration;
    const seed = drawRandomSeed(P.randomState);
    const nSamples = X.nRows;
    this.doEarlyStopping = earlyStoppingEnabled(P.earlyStopping, nSamples);
    const useValidation = this.doEarlyStopping && P.validationFraction !== null;

    // The validation rows are held out by index: X itself is never copied row by row (binRows
    // gathers each feature's values as it bins them).
    let trainRows: Int32Array | null = null;
    let valRows: Int32Array | null = null;
    let ytrain = y;
    let yval: Float64Array | null = null;
    if (useValidation) {
      const split = validationSplit(nSamples, P.validationFraction as number, seed);
      trainRows = split.train;
      valRows = split.test;
      ytrain = takeValues(y, split.train);
      yval = takeValues(y, split.test);
    }

    const n = ytrain.length;
    const nFeatures = X.nCols;
    const threads = threadsFor(P.nThreads, availableParallelism(), n, nFeatures, P.maxIter);
    this.nThreadsUsed = threads;

    // Thresholds from the training rows only (subsampled with the model's seed when there are
    // more than 200,000), then both sets binned with them (sklearn's _bin_data).
    const binMapper = new BinMapper(P.maxBins + 1);
    const subsample = binMapper.subsampleRows(n, new RandomState(seed));
    const { binned, binnedVal } = binRows(binMapper, X, trainRows, valRows, subsample, threads);
    const missingBin = binMapper.missingBin;
    // sklearn's has_missing_values: whether the missing-value bin occurs in the training data.
    const hasMissing = new Uint8Array(nFeatures);
    for (let f = 0; f < nFeatures; f++) {
      hasMissing[f] = binned.columns.subarray(f * n, (f + 1) * n).includes(missingBin) ? 1 : 0;
    }

    this.baselinePrediction = baselinePrediction(ytrain);
    const input: EngineInput = {
      binned,
      y: ytrain,
      binnedVal,
      yval,
      nBins: P.maxBins + 1,
      missingBin,
      nBinsNonMissing: binMapper.nBinsNonMissing,
      hasMissing,
      l2: P.l2Regularization,
      minSamplesLeaf: P.minSamplesLeaf,
      maxLeafNodes: P.maxLeafNodes,
      baseline: this.baselinePrediction,
    };
    const engine = new Engine(input, threads);
    const growerData = {
      binned,
      nBinsNonMissing: binMapper.nBinsNonMissing,
      hasMissing,
      thresholds: binMapper.thresholds,
      missingBin,
      pool: engine.pool,
    };
    const growerParams = {
      maxLeafNodes: P.maxLeafNodes,
      maxDepth: P.maxDepth,
      minSamplesLeaf: P.minSamplesLeaf,
      shrinkage: P.learningRate,
    };

    // Scores are needed for early stopping (sklearn's train_score_ / validation_score_) and for
    // the progress callback; the training losses come with the gradients (one pass).
    const withScores = this.doEarlyStopping || onIteration !== undefined;
    const trainScores: number[] = [];
    const validationScores: number[] = [];
    const predictors: TreePredictor[] = [];
    try {
      let sumGradients = engine.residuals(withScores);
      if (this.doEarlyStopping) {
        trainScores.push(-engine.trainLoss());
        if (useValidation) validationScores.push(-engine.validate(null));
      }
      for (let iteration = 0; iteration < P.maxIter; iteration++) {
        engine.resetTree();
        const grower = new TreeGrower(growerData, growerParams, engine);
        grower.grow(sumGradients);
        const predictor = grower.makePredictor();
        predictors.push(predictor);
        engine.applyTree(grower.leafSegments(engine.segments, engine.leafValues));
        // The tree's values added to the raw predictions, then the gradients for the next tree
        // (unused after the last one) and this iteration's losses, in one pass.
        sumGradients = engine.residuals(withScores);
        if (!withScores) continue;
        const trainLoss = engine.trainLoss();
        const validationLoss = useValidation ? engine.validate(predictor) : null;
        let stop = false;
        if (this.doEarlyStopping) {
          trainScores.push(-trainLoss);
          if (validationLoss !== null) validationScores.push(-validationLoss);
          stop = shouldStop(useValidation ? validationScores : trainScores, P.nIterNoChange, P.tol);
        }
        onIteration?.({ iteration: iteration + 1, trainLoss, validationLoss });
        if (stop) break;
      }
    } finally {
      engine.close();
    }

    this.predictors = predictors;
    this.nIter = predictors.length;
    this.trainScore = Float64Array.from(trainScores);
    this.validationScore = Float64Array.from(validationScores);
    this.binThresholds = binMapper.thresholds;
    this.nFeaturesIn = nFeatures;
    this.featureNames = X.names ? [...X.names] : undefined;
    this.fitted = true;
    return this;
  }

  predict(X: Matrix): Float64Array {
    if (!this.fitted) throw new NotFittedError(NAME);
    checkPredictInput(X, this.nFeaturesIn, this.featureNames, NAME);
    const out = new Float64Array(X.nRows).fill(this.baselinePrediction);
    for (const p of this.predictors) p.addPredictions(X, out);
    return out;
  }

  toJSON(): RegressorState {
    if (!this.fitted) throw new NotFittedError(NAME);
    const P = this.params;
    const params: Record<string, unknown> = {};
    for (const [k, name] of Object.entries(SKLEARN_NAMES)) params[name] = P[k as keyof Resolved];
    params.learning_rate = encodeNumber(P.learningRate);
    params.l2_regularization = encodeNumber(P.l2Regularization);
    params.tol = encodeNumber(P.tol);
    return {
      type: NAME,
      params,
      fitted: {
        n_features_in: this.nFeaturesIn,
        feature_names_in: this.featureNames ?? null,
        baseline_prediction: encodeNumber(this.baselinePrediction),
        n_iter: this.nIter,
        do_early_stopping: this.doEarlyStopping,
        train_score: encodeNumbers(this.trainScore),
        validation_score: encodeNumbers(this.validationScore),
        bin_thresholds: this.binThresholds.map((t) => encodeNumbers(t)),
        trees: this.predictors.map((p) => p.toJSON()),
      },
    };
  }

  static fromJSON(state: RegressorState): HistGradientBoostingRegressor {
    checkState(state, NAME);
    let model: HistGradientBoostingRegressor;
    try {
      model = HistGradientBoostingRegressor.fromSklearnParams(state.params);
    } catch (e) {
      throw new ModelPackageError(`corrupt model state: ${(e as Error).message}`);
    }
    const f = state.fitted;
    const nFeatures = f.n_features_in;
    if (typeof nFeatures !== 'number' || !Number.isInteger(nFeatures) || nFeatures < 1) {
      throw new ModelPackageError('corrupt model state: n_features_in must be a positive integer');
    }
    model.nFeaturesIn = nFeatures;
    model.featureNames = decodeFeatureNames(f.feature_names_in, nFeatures);
    model.baselinePrediction = decodeStateNumber(f.baseline_prediction, 'baseline_prediction');
    model.doEarlyStopping = f.do_early_stopping === true;
    model.trainScore = decodeStateArray(f.train_score, 'train_score');
    model.validationScore = decodeStateArray(f.validation_score, 'validation_score');
    if (!Array.isArray(f.bin_thresholds) || f.bin_thresholds.length !== nFeatures) {
      throw new ModelPackageError(`corrupt model state: bin_thresholds must hold ${nFeatures} arrays`);
    }
    model.binThresholds = f.bin_thresholds.map((t, j) => decodeStateArray(t, `bin_thresholds[${j}]`));
    if (!Array.isArray(f.trees)) throw new ModelPackageError('corrupt model state: trees must be an array');
    model.predictors = f.trees.map((t, i) => treeFromJSON(t, nFeatures, `trees[${i}]`));
    model.nIter = model.predictors.length;
    if (f.n_iter !== model.nIter) {
      throw new ModelPackageError(
        `corrupt model state: n_iter is ${f.n_iter} but ${model.nIter} trees are stored`,
      );
    }
    model.fitted = true;
    return model;
  }
}
