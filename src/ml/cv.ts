/**
 * K-fold cross-validation as scikit-learn 1.2's KFold and cross_val_score do it, so that the folds
 * (and therefore the scores) are the ones the reference gets for the same random_state.
 */
import { InvalidInputError, InvalidParameterError } from '../core/errors.js';
import type { Regressor } from './estimator.js';
import { type Matrix, takeRows, takeValues } from './matrix.js';
import { mae, mse, r2, rmse } from './metrics.js';
import { RandomState } from './random.js';

export interface KFoldOptions {
  /** number of folds, at least 2; sklearn's default is 5 */
  nSplits?: number;
  /** shuffle the rows once before cutting them into folds */
  shuffle?: boolean;
  /** seed of the shuffle; required with shuffle (mlship has no unseeded mode), refused without it */
  randomState?: number;
}

export interface Fold {
  /** row indices, ascending */
  train: Int32Array;
  /** row indices, ascending (sklearn turns each test fold into a mask, which sorts it) */
  test: Int32Array;
}

export class KFold {
  readonly nSplits: number;
  readonly shuffle: boolean;
  readonly randomState: number | undefined;

  /** Checks and messages of sklearn's _BaseKFold.__init__. */
  constructor(options: KFoldOptions = {}) {
    const nSplits = options.nSplits ?? 5;
    const shuffle = options.shuffle ?? false;
    if (!Number.isInteger(nSplits)) {
      throw new InvalidParameterError(`The number of folds must be of Integral type. ${nSplits} was passed.`);
    }
    if (nSplits <= 1) {
      throw new InvalidParameterError(
        `k-fold cross-validation requires at least one train/test split by setting n_splits=2 or more, got n_splits=${nSplits}.`,
      );
    }
    if (!shuffle && options.randomState !== undefined) {
      throw new InvalidParameterError(
        'Setting a random_state has no effect since shuffle is False. You should leave random_state to its default (None), or set shuffle=True.',
      );
    }
    if (shuffle && options.randomState === undefined) {
      throw new InvalidParameterError(
        'KFold with shuffle needs a randomState, so that the folds can be reproduced',
      );
    }
    this.nSplits = nSplits;
    this.shuffle = shuffle;
    this.randomState = options.randomState;
  }

  /**
   * The folds of nSamples rows. As sklearn's KFold._iter_test_indices: the indices 0..n-1, shuffled
   * in place by RandomState(random_state).shuffle when asked, are cut into n_splits consecutive
   * runs, the first n % n_splits of them one row longer; each run is a test fold and every other
   * row is its training set.
   */
  split(nSamples: number): Fold[] {
    if (!Number.isInteger(nSamples) || nSamples < 0) {
      throw new InvalidParameterError(
        `KFold.split: nSamples must be a non-negative integer, got ${nSamples}`,
      );
    }
    const k = this.nSplits;
    if (k > nSamples) {
      throw new InvalidParameterError(
        `Cannot have number of splits n_splits=${k} greater than the number of samples: n_samples=${nSamples}.`,
      );
    }
    const indices = new Int32Array(nSamples);
    for (let i = 0; i < nSamples; i++) indices[i] = i;
    if (this.shuffle) new RandomState(this.randomState as number).shuffle(indices);

    const folds: Fold[] = [];
    const inTest = new Uint8Array(nSamples);
    const base = Math.floor(nSamples / k);
    const extra = nSamples % k;
    let start = 0;
    for (let f = 0; f < k; f++) {
      const size = base + (f < extra ? 1 : 0);
      inTest.fill(0);
      for (let i = start; i < start + size; i++) inTest[indices[i]] = 1;
      start += size;
      // Read the mask in row order, as sklearn does: both index lists come out ascending.
      const test = new Int32Array(size);
      const train = new Int32Array(nSamples - size);
      let nTe = 0;
      let nTr = 0;
      for (let i = 0; i < nSamples; i++) {
        if (inTest[i]) test[nTe++] = i;
        else train[nTr++] = i;
      }
      folds.push({ train, test });
    }
    return folds;
  }
}

/** sklearn scorer names supported here; "neg_" scores are negated losses, so greater is better. */
export type Scoring =
  | 'neg_root_mean_squared_error'
  | 'r2'
  | 'neg_mean_squared_error'
  | 'neg_mean_absolute_error';

const SCORERS: Record<Scoring, (yTrue: Float64Array, yPred: Float64Array) => number> = {
  neg_root_mean_squared_error: (t, p) => -rmse(t, p),
  r2: (t, p) => r2(t, p),
  neg_mean_squared_error: (t, p) => -mse(t, p),
  neg_mean_absolute_error: (t, p) => -mae(t, p),
};

export interface CrossValOptions {
  /** a number of folds (an unshuffled KFold, as sklearn's check_cv makes for a regressor) or a KFold; default 5 */
  cv?: number | KFold;
  /** default 'r2', which is what sklearn's scoring=None means for a regressor (its score method) */
  scoring?: Scoring;
}

/**
 * sklearn.model_selection.cross_val_score for a regressor: for each fold, a fresh estimator from
 * makeEstimator() is fitted on the training rows and scored on the test rows. Returns one score
 * per fold, in fold order. Unlike sklearn's default error_score=np.nan, an estimator that fails to
 * fit makes this throw: a silent NaN would hide the failure.
 */
export function crossValScore(
  makeEstimator: () => Regressor,
  X: Matrix,
  y: Float64Array,
  options: CrossValOptions = {},
): Float64Array {
  if (y.length !== X.nRows) {
    throw new InvalidInputError(
      `Found input variables with inconsistent numbers of samples: [${X.nRows}, ${y.length}]`,
    );
  }
  const scoring = options.scoring ?? 'r2';
  const scorer = SCORERS[scoring];
  if (scorer === undefined) {
    throw new InvalidParameterError(
      `scoring=${JSON.stringify(scoring)} is not supported; use one of ${Object.keys(SCORERS).join(', ')}`,
    );
  }
  const cv = options.cv ?? 5;
  const kfold = cv instanceof KFold ? cv : new KFold({ nSplits: cv });
  const folds = kfold.split(X.nRows);
  const scores = new Float64Array(folds.length);
  for (let f = 0; f < folds.length; f++) {
    const { train, test } = folds[f];
    const estimator = makeEstimator().fit(takeRows(X, train), takeValues(y, train));
    scores[f] = scorer(takeValues(y, test), estimator.predict(takeRows(X, test)));
  }
  return scores;
}
