/**
 * The squared-error loss of the regressor, as scikit-learn 1.2's HalfSquaredError
 * (sklearn/_loss/loss.py and _loss.pyx.tp):
 *   loss(y, raw)     = 0.5 * (raw - y)**2, averaged over the samples,
 *   gradient(y, raw) = raw - y, computed in float64 and stored as float32 (G_H_DTYPE),
 *   hessian          = 1, constant: sklearn then keeps a single hessian value and never sums
 *                      hessians; the histograms and the splitter use sample counts instead,
 *   baseline         = mean(y) (fit_intercept_only with the identity link).
 * Means are NumPy's, to the last bit, because the early-stopping scores are compared against a
 * tolerance of 1e-7 and the baseline feeds every raw prediction.
 */
import { pairwiseSum } from '../metrics.js';

/**
 * NumPy reduces a contiguous 1-d float64 array through its buffered iterator, 8192 elements at a
 * time (NPY_BUFSIZE): each block is pairwise-summed and the block sums are added in order. This
 * differs from one pairwise sum over the whole array as soon as n > 8192, which is the regime of
 * every early-stopping fit (n > 10,000), so the chunking is reproduced here.
 */
const NUMPY_BUFSIZE = 8192;

/** np.sum of a contiguous 1-d float64 array, in NumPy's order. */
export function numpySum1d(x: ArrayLike<number>, start = 0, end = x.length): number {
  let total = 0;
  for (let s = start; s < end; s += NUMPY_BUFSIZE) {
    total += pairwiseSum(x, s, Math.min(s + NUMPY_BUFSIZE, end));
  }
  return total;
}

/** np.mean of a contiguous 1-d float64 array, in NumPy's order. */
export function numpyMean1d(x: ArrayLike<number>): number {
  return numpySum1d(x) / x.length;
}

/** HalfSquaredError.fit_intercept_only: the constant raw prediction every model starts from. */
export function baselinePrediction(y: Float64Array): number {
  return numpyMean1d(y);
}

/**
 * Gradients of the half squared error, raw - y, rounded to float32 as sklearn stores them.
 * `out` is reused across iterations (a Float32Array rounds on store, like the C cast).
 */
export function computeGradients(y: Float64Array, raw: Float64Array, out: Float32Array): void {
  const n = y.length;
  for (let i = 0; i < n; i++) out[i] = raw[i] - y[i];
}

/**
 * Mean half squared error, sklearn's BaseLoss.__call__: per-sample losses into a float64 array,
 * then np.average. `scratch` (length >= y.length) avoids an allocation per iteration.
 */
export function meanLoss(y: Float64Array, raw: Float64Array, scratch: Float64Array): number {
  const n = y.length;
  for (let i = 0; i < n; i++) {
    const d = raw[i] - y[i];
    scratch[i] = 0.5 * d * d;
  }
  return numpySum1d(scratch, 0, n) / n;
}
