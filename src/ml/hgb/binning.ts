/**
 * Binning: real-valued features to small integers, scikit-learn 1.2's _BinMapper
 * (ensemble/_hist_gradient_boosting/binning.py and _binning.pyx).
 *
 * Each feature gets at most `maxBins` bins for non-missing values, plus one bin reserved for
 * missing values at index `missingBin = maxBins` (the last bin, n_bins - 1, whether or not the
 * feature has missing values). Bin i holds the values x with thresholds[i-1] < x <= thresholds[i].
 *
 * Intentional differences from scikit-learn:
 * - The binned matrix is kept twice: row-major (all features of a row next to each other), which
 *   the histogram loops want (they walk a node's rows and touch every feature of each: one cache
 *   line per row instead of one per (row, feature)), and column-major like sklearn's, which the
 *   partition wants (one feature over many rows). n_rows * n_features bytes each.
 * - Categorical features are not supported (no `categorical_features`): the callers one-hot
 *   encode instead.
 */
import type { Matrix } from '../matrix.js';
import type { RandomState } from '../random.js';

/** sklearn's ALMOST_INF: thresholds are clipped to it so that +inf only means "split on NaN". */
export const ALMOST_INF = 1e300;

/** _BinMapper's default `subsample`: quantiles come from at most this many rows. */
export const BINNING_SUBSAMPLE = 200_000;

/** A binned dataset, in both layouts. */
export interface BinnedMatrix {
  readonly nRows: number;
  readonly nFeatures: number;
  /** row-major: bin of feature f in row i is rows[i * nFeatures + f] */
  readonly rows: Uint8Array;
  /** column-major: bin of feature f in row i is columns[f * nRows + i] */
  readonly columns: Uint8Array;
}

/**
 * Bin thresholds of one feature from its non-missing values, sklearn's _find_binning_thresholds.
 * `values` is sorted in place. With at most `maxBins` distinct values, the thresholds are the
 * midpoints between consecutive distinct values; otherwise they are the maxBins - 1 inner
 * percentiles of np.linspace(0, 100, maxBins + 1) with np.percentile's method="midpoint",
 * reproduced operation for operation (so duplicates are possible and kept, as in sklearn 1.2).
 */
export function findBinningThresholds(values: Float64Array, maxBins: number): Float64Array {
  values.sort();
  const n = values.length;
  // np.unique on sorted data: the first of each run of equal values.
  let nDistinct = 0;
  for (let i = 0; i < n; i++) if (i === 0 || values[i] !== values[i - 1]) nDistinct++;

  let thresholds: Float64Array;
  if (nDistinct <= maxBins) {
    const distinct = new Float64Array(nDistinct);
    let k = 0;
    for (let i = 0; i < n; i++) if (i === 0 || values[i] !== values[i - 1]) distinct[k++] = values[i];
    thresholds = new Float64Array(Math.max(0, nDistinct - 1));
    // (a + b) then *= 0.5, as sklearn: the sum may overflow to inf, which is then clipped.
    for (let i = 0; i < thresholds.length; i++) thresholds[i] = (distinct[i] + distinct[i + 1]) * 0.5;
  } else {
    thresholds = new Float64Array(maxBins - 1);
    // np.linspace(0, 100, maxBins + 1): y = arange(num) * step + 0 with step = 100 / (num - 1).
    const step = 100 / maxBins;
    for (let i = 1; i < maxBins; i++) {
      const q = (i * step) / 100; // np.percentile divides q by 100 first
      thresholds[i - 1] = midpointQuantile(values, q);
    }
  }
  for (let i = 0; i < thresholds.length; i++) if (thresholds[i] > ALMOST_INF) thresholds[i] = ALMOST_INF;
  return thresholds;
}

/**
 * np.quantile(sorted, q, method="midpoint") for sorted data without NaN (numpy 1.24
 * lib/function_base.py `_quantile`): the virtual index is the mean of floor and ceil of
 * (n - 1) * q; gamma is 0 when that index is whole and 0.5 otherwise; and the interpolation is
 * NumPy's _lerp, which for gamma >= 0.5 computes next - (next - prev) * (1 - gamma).
 */
function midpointQuantile(sorted: Float64Array, q: number): number {
  const n = sorted.length;
  const pos = (n - 1) * q;
  const virtual = 0.5 * (Math.floor(pos) + Math.ceil(pos));
  let prevIndex = Math.floor(virtual);
  let nextIndex = prevIndex + 1;
  if (virtual >= n - 1) {
    prevIndex = n - 1;
    nextIndex = n - 1;
  }
  const gamma = virtual % 1 === 0 ? 0 : 0.5;
  const prev = sorted[prevIndex];
  const next = sorted[nextIndex];
  const diff = next - prev;
  if (gamma >= 0.5) return next - diff * (1 - gamma);
  return prev + diff * gamma;
}

/**
 * Bin of x given increasing thresholds: the smallest i with x <= thresholds[i], or
 * thresholds.length if none (sklearn's binary search in _map_col_to_bins). x must not be NaN.
 */
export function binOf(x: number, thresholds: Float64Array): number {
  let left = 0;
  let right = thresholds.length;
  while (left < right) {
    const middle = left + ((right - left - 1) >> 1);
    if (x <= thresholds[middle]) right = middle;
    else left = middle + 1;
  }
  return left;
}

export class BinMapper {
  /** sklearn's n_bins: bins for non-missing values + 1 for missing values */
  readonly nBins: number;
  readonly subsample: number | null;
  /** per feature: increasing thresholds, length nBinsNonMissing[f] - 1 */
  thresholds: Float64Array[] = [];
  /** per feature: number of bins used by non-missing values (sklearn n_bins_non_missing_) */
  nBinsNonMissing: Uint32Array = new Uint32Array(0);

  constructor(nBins = 256, subsample: number | null = BINNING_SUBSAMPLE) {
    if (!Number.isInteger(nBins) || nBins < 3 || nBins > 256) {
      throw new RangeError(`n_bins=${nBins} should be no smaller than 3 and no larger than 256.`);
    }
    this.nBins = nBins;
    this.subsample = subsample;
  }

  /** Index of the bin holding missing values, the same for every feature. */
  get missingBin(): number {
    return this.nBins - 1;
  }

  get nFeatures(): number {
    return this.thresholds.length;
  }

  /**
   * Compute the thresholds from X. When X has more rows than `subsample`, the quantiles come from
   * rng.choice(nRows, subsample, replace=False) rows, which NumPy's legacy RandomState draws as
   * permutation(nRows)[:subsample]. The rng is only consumed in that case, as in sklearn.
   */
  fit(X: Matrix, rng: RandomState): this {
    const { nRows, nCols } = X;
    let rows: Int32Array | null = null;
    if (this.subsample !== null && nRows > this.subsample) {
      rows = rng.permutation(nRows).subarray(0, this.subsample);
    }
    const maxBins = this.nBins - 1;
    const used = rows ? rows.length : nRows;
    const buf = new Float64Array(used);
    this.thresholds = [];
    this.nBinsNonMissing = new Uint32Array(nCols);
    for (let j = 0; j < nCols; j++) {
      const off = j * nRows;
      let k = 0;
      for (let i = 0; i < used; i++) {
        const v = X.data[off + (rows ? rows[i] : i)];
        if (!Number.isNaN(v)) buf[k++] = v; // missing values are ignored for the thresholds
      }
      const t = findBinningThresholds(buf.slice(0, k), maxBins);
      this.thresholds.push(t);
      this.nBinsNonMissing[j] = t.length + 1;
    }
    return this;
  }

  /**
   * Bin X (which must have the fitted number of columns). `shared` allocates the result in
   * SharedArrayBuffers so that worker threads can read it without a copy.
   */
  transform(X: Matrix, shared = false): BinnedMatrix {
    const { nRows, nCols } = X;
    if (nCols !== this.nFeatures) {
      throw new RangeError(
        `This estimator was fitted with ${this.nFeatures} features but ${nCols} got passed to transform()`,
      );
    }
    const size = nRows * nCols;
    const alloc = () => (shared ? new Uint8Array(new SharedArrayBuffer(size)) : new Uint8Array(size));
    const rows = alloc();
    const columns = alloc();
    const missing = this.missingBin;
    for (let j = 0; j < nCols; j++) {
      const t = this.thresholds[j];
      const off = j * nRows;
      for (let i = 0; i < nRows; i++) {
        const x = X.data[off + i];
        columns[off + i] = Number.isNaN(x) ? missing : binOf(x, t);
      }
      for (let i = 0; i < nRows; i++) rows[i * nCols + j] = columns[off + i];
    }
    return { nRows, nFeatures: nCols, rows, columns };
  }
}
