/**
 * Regression metrics with scikit-learn 1.2's definitions, checks and edge cases, computed in the same
 * floating-point order as NumPy so that results match the reference to the last bit: every mean is
 * NumPy's pairwise sum (see pairwiseSum) divided by the count, as np.average(x, axis=0) does on the
 * (n, 1) arrays sklearn reshapes 1-d targets into.
 */
import { InvalidInputError } from '../core/errors.js';

/** NumPy's unrolled block size in pairwise_sum (numpy/core/src/umath/loops_utils.h.src). */
const PW_BLOCKSIZE = 128;
/**
 * np.getbufsize(): NumPy's reduction iterator hands the add loop at most this many elements at a
 * time, even for contiguous data that needs no buffering, and accumulates the chunks in order.
 */
const NUMPY_BUFSIZE = 8192;

/**
 * Sum of x[start..end) exactly as NumPy's add.reduce sums a contiguous float64 run (np.sum, np.mean,
 * np.average): the run is cut into chunks of 8192 elements whose pairwise sums are added left to
 * right onto 0.0. Reproducing the grouping, not only the math, is what makes means (and so imputed
 * values and scores) bit-identical to NumPy's.
 */
export function pairwiseSum(x: ArrayLike<number>, start = 0, end = x.length): number {
  let res = 0;
  for (let s = start; s < end; s += NUMPY_BUFSIZE)
    res += pairwiseChunk(x, s, Math.min(end, s + NUMPY_BUFSIZE));
  return res;
}

/**
 * NumPy's pairwise_sum of one chunk: below 8 terms a plain loop; up to 128 terms eight interleaved
 * accumulators combined as ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)) and then the remainder;
 * above that, split at half rounded down to a multiple of 8 and recurse.
 */
function pairwiseChunk(x: ArrayLike<number>, start: number, end: number): number {
  const n = end - start;
  if (n < 8) {
    let res = 0;
    for (let i = start; i < end; i++) res += x[i];
    return res;
  }
  if (n <= PW_BLOCKSIZE) {
    let r0 = x[start];
    let r1 = x[start + 1];
    let r2 = x[start + 2];
    let r3 = x[start + 3];
    let r4 = x[start + 4];
    let r5 = x[start + 5];
    let r6 = x[start + 6];
    let r7 = x[start + 7];
    const blockEnd = start + (n - (n % 8));
    let i = start + 8;
    for (; i < blockEnd; i += 8) {
      r0 += x[i];
      r1 += x[i + 1];
      r2 += x[i + 2];
      r3 += x[i + 3];
      r4 += x[i + 4];
      r5 += x[i + 5];
      r6 += x[i + 6];
      r7 += x[i + 7];
    }
    // biome-ignore format: the grouping is the point
    let res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
    for (; i < end; i++) res += x[i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseChunk(x, start, start + n2) + pairwiseChunk(x, start + n2, end);
}

/** np.mean of a 1-d float64 array: pairwise sum over the count. */
export function numpyMean(x: ArrayLike<number>): number {
  return pairwiseSum(x) / x.length;
}

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
