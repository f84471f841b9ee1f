/**
 * ml/hgb/: histogram-based gradient boosting for regression, scikit-learn 1.2.1's
 * HistGradientBoostingRegressor reproduced to the last bit on the same data and random_state.
 *
 * Owns: binning (binning.ts), the squared-error loss (loss.ts), gradient histograms
 * (histogram.ts), split search and sample partition (splitting.ts), best-first tree growth
 * (grower.ts), flat-array trees for prediction (predictor.ts), early stopping
 * (early-stopping.ts), the fit's data work and buffers (engine.ts), its cut into shares any
 * thread can do (shares.ts), worker threads (workers.ts), kernels bound to a fit's arrays
 * (specialize.ts), and the estimator itself (gradient-boosting.ts).
 *
 * Imports only from core/ and the rest of ml/; no I/O beyond starting its worker threads.
 */
export { ALMOST_INF, BinMapper, type BinnedMatrix } from './binning.js';
export {
  type FitOptions,
  type HistGradientBoostingParams,
  HistGradientBoostingRegressor,
  type IterationInfo,
} from './gradient-boosting.js';
export { TreePredictor } from './predictor.js';
