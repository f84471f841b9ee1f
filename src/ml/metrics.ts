/**
 * Regression metrics with scikit-learn 1.2's definitions, checks and edge cases, computed in the same
 * floating-point order as NumPy so that results match the reference to the last bit: every mean is
 * NumPy's pairwise sum (ml/pairwise.ts) divided by the count, as np.average(x, axis=0) does on the
 * (n, 1) arrays sklearn reshapes 1-d targets into.
 */
import { InvalidInputError } from '../core/errors.js';
import { numpyMean, pairwiseSum } from './pairwise.js';

/**
 * sklearn's _check_reg_targets + check_consistent_length for one output: same length, at least
 * one sample, every value finite. The messages are sklearn's, with the offending argument named
 * as sklearn names X ("Input X contains NaN.") and the first bad index added.
 */
function checkTargets(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): void {
  if (yTrue.length !== yPred.length) {
    throw new InvalidInputError(
      `Found input variables with inconsistent numbers of samples: [${yTrue.length}, ${yPred.length}]`,
    );
  }
  if (yTrue.length === 0) {
    throw new InvalidInputError(
      'Found array with 0 sample(s) (shape=(0,)) while a minimum of 1 is required.',
    );
  }
  checkFinite(yTrue, 'y_true');
  checkFinite(yPred, 'y_pred');
}

function checkFinite(y: ArrayLike<number>, name: string): void {
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (Number.isFinite(v)) continue;
    if (Number.isNaN(v)) throw new InvalidInputError(`Input ${name} contains NaN. First at index ${i}.`);
    throw new InvalidInputError(
      `Input ${name} contains infinity or a value too large for dtype('float64'). First at index ${i}.`,
    );
  }
}

/** Sum of (yTrue - yPred)**2 in NumPy's order. */
function sumSquaredError(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  const d = new Float64Array(yTrue.length);
  for (let i = 0; i < d.length; i++) {
    const e = yTrue[i] - yPred[i];
    d[i] = e * e;
  }
  return pairwiseSum(d);
}

/** sklearn.metrics.mean_squared_error */
export function mse(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  checkTargets(yTrue, yPred);
  return sumSquaredError(yTrue, yPred) / yTrue.length;
}

/** sklearn.metrics.mean_squared_error(squared=False): the square root of mse. */
export function rmse(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  return Math.sqrt(mse(yTrue, yPred));
}

/** sklearn.metrics.mean_absolute_error */
export function mae(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  checkTargets(yTrue, yPred);
  const d = new Float64Array(yTrue.length);
  for (let i = 0; i < d.length; i++) d[i] = Math.abs(yPred[i] - yTrue[i]);
  return pairwiseSum(d) / d.length;
}

/**
 * sklearn.metrics.r2_score with its 1.2 defaults (force_finite=True): NaN with fewer than two
 * samples (sklearn also warns); for a constant yTrue, 1.0 if the prediction is perfect and 0.0
 * otherwise, instead of NaN or -Infinity.
 */
export function r2(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  checkTargets(yTrue, yPred);
  const n = yTrue.length;
  if (n < 2) return Number.NaN;
  const numerator = sumSquaredError(yTrue, yPred);
  const mean = numpyMean(yTrue);
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const e = yTrue[i] - mean;
    d[i] = e * e;
  }
  const denominator = pairwiseSum(d);
  if (numerator === 0) return 1;
  if (denominator === 0) return 0;
  return 1 - numerator / denominator;
}

/** np.finfo(np.float64).eps: mape's guard against dividing by a zero target. */
const FLOAT64_EPS = 2 ** -52;

/**
 * sklearn.metrics.mean_absolute_percentage_error: mean of |yPred - yTrue| / max(|yTrue|, eps), a
 * fraction (not a percentage); a zero target gives a huge but finite term, as in sklearn.
 */
export function mape(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  checkTargets(yTrue, yPred);
  const d = new Float64Array(yTrue.length);
  for (let i = 0; i < d.length; i++) {
    d[i] = Math.abs(yPred[i] - yTrue[i]) / Math.max(Math.abs(yTrue[i]), FLOAT64_EPS);
  }
  return pairwiseSum(d) / d.length;
}

/** sklearn's name for r2 (sklearn.metrics.r2_score); src/pipeline imports it under this name. */
export const r2Score = r2;
