/**
 * The squared-error loss of the regressor, as scikit-learn 1.2's HalfSquaredError
 * (sklearn/_loss/loss.py and _loss.pyx.tp):
 *   loss(y, raw)     = 0.5 * (raw - y)**2, averaged over the samples (np.average),
 *   gradient(y, raw) = raw - y, computed in float64 and stored as float32 (G_H_DTYPE),
 *   hessian          = 1, constant: sklearn then keeps a single hessian value and never sums
 *                      hessians; the histograms and the splitter use sample counts instead,
 *   baseline         = mean(y) (fit_intercept_only with the identity link).
 * Means are NumPy's to the last bit (metrics.ts's pairwiseSum reproduces np.add.reduce), because
 * the early-stopping scores are compared against a tolerance of 1e-7 and the baseline feeds every
 * raw prediction.
 */
import { pairwiseSum } from '../metrics.js';

/** HalfSquaredError.fit_intercept_only: the constant raw prediction every model starts from. */
export function baselinePrediction(y: Float64Array): number {
  return pairwiseSum(y) / y.length;
}

/**
 * One pass over rows [start, end) after a tree has been added: the gradients for the next tree,
 * raw - y rounded to float32 as sklearn stores them (a Float32Array rounds on store, like the C
 * cast), and, when `withLoss`, the per-sample losses 0.5 * (raw - y)**2 that the training score
 * averages. sklearn computes the two in separate passes from the same raw predictions; fusing
 * them changes no value.
 * Self-contained: worker threads run it from its source text on their share of the rows.
 */
export function residuals(
  y: Float64Array,
  raw: Float64Array,
  gradients: Float32Array,
  losses: Float64Array,
  start: number,
  end: number,
  withLoss: boolean,
): void {
  if (withLoss) {
    for (let i = start; i < end; i++) {
      const d = raw[i] - y[i];
      gradients[i] = d;
      losses[i] = 0.5 * d * d;
    }
  } else {
    for (let i = start; i < end; i++) gradients[i] = raw[i] - y[i];
  }
}

/**
 * residuals() for rows [start, end) right after a tree: first the tree's leaf value is added to
 * each row's raw prediction (raw += leafValues[leafOf[row]], sklearn's _update_raw_predictions,
 * one addition per row), then the gradients and losses from it. Self-contained.
 */
export function residualsAfterTree(
  y: Float64Array,
  raw: Float64Array,
  gradients: Float32Array,
  losses: Float64Array,
  leafOf: Uint16Array | Uint32Array,
  leafValues: Float64Array,
  start: number,
  end: number,
  withLoss: boolean,
): void {
  if (withLoss) {
    for (let i = start; i < end; i++) {
      const r = raw[i] + leafValues[leafOf[i]];
      raw[i] = r;
      const d = r - y[i];
      gradients[i] = d;
      losses[i] = 0.5 * d * d;
    }
  } else {
    for (let i = start; i < end; i++) {
      const r = raw[i] + leafValues[leafOf[i]];
      raw[i] = r;
      gradients[i] = r - y[i];
    }
  }
}

/**
 * Sum of gradients[start .. end) added to `sum` in order: the root's sum of gradients is a
 * sequential float64 sum of the float32 values, i.e. sklearn's sum_parallel with one thread (see
 * grower.ts for why not sklearn's OpenMP grouping).
 */
export function sumGradients(gradients: Float32Array, start: number, end: number, sum: number): number {
  for (let i = start; i < end; i++) sum += gradients[i];
  return sum;
}

/** NumPy's reduction block (see metrics.ts pairwiseSum). */
export const NUMPY_BLOCK = 8192;

/**
 * NumPy's pairwise sum of x[start .. end) for one block of at most 8192 values: below 8 terms a
 * plain loop; up to 128 terms eight interleaved accumulators combined as
 * ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)) and then the remainder; above that, split at
 * half rounded down to a multiple of 8 and recurse. np.sum / np.mean add such block sums in order
 * to 0.0, so the blocks of a long array can be summed by different threads and added afterwards,
 * bit for bit as NumPy does.
 *
 * The same algorithm as metrics.ts's pairwiseSum, written again because worker threads need a
 * self-contained function (its helpers are inner functions); test/ml/hgb/loss.test.ts checks that
 * both agree to the bit.
 */
export function blockPairwiseSum(x: Float64Array, start: number, end: number): number {
  const total = (s: number, e: number): number => {
    const n = e - s;
    if (n < 8) {
      let res = 0;
      for (let i = s; i < e; i++) res += x[i];
      return res;
    }
    let r0 = x[s];
    let r1 = x[s + 1];
    let r2 = x[s + 2];
    let r3 = x[s + 3];
    let r4 = x[s + 4];
    let r5 = x[s + 5];
    let r6 = x[s + 6];
    let r7 = x[s + 7];
    const blockEnd = s + (n - (n % 8));
    let i = s + 8;
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
    for (; i < e; i++) res += x[i];
    return res;
  };
  // Depth-first over the split tree: a range above 128 splits into two halves, whose sums add.
  const walk = (s: number, e: number): number => {
    const n = e - s;
    if (n <= 128) return total(s, e);
    let n2 = Math.floor(n / 2);
    n2 -= n2 % 8;
    return walk(s, s + n2) + walk(s + n2, e);
  };
  return walk(start, end);
}
