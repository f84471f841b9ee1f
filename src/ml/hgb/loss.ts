/**
 * The squared-error loss of the regressor, as scikit-learn 1.2's HalfSquaredError
 * (sklearn/_loss/loss.py and _loss.pyx.tp):
 *   loss(y, raw)     = 0.5 * (raw - y)**2, averaged over the samples (np.average),
 *   gradient(y, raw) = raw - y, computed in float64 and stored as float32 (G_H_DTYPE),
 *   hessian          = 1, constant: sklearn then keeps a single hessian value and never sums
 *                      hessians; the histograms and the splitter use sample counts instead,
 *   baseline         = mean(y) (fit_intercept_only with the identity link).
 * Means are NumPy's to the last bit (ml/pairwise.ts reproduces np.add.reduce), because
 * the early-stopping scores are compared against a tolerance of 1e-7 and the baseline feeds every
 * raw prediction.
 */
import { pairwiseSum } from '../pairwise.js';

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
