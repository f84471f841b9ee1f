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
 * Bin thresholds of one feature, sklearn's _find_binning_thresholds, from its values
 * x[offset + r] for the rows r in `rows` (or all n rows when `rows` is null); missing values are
 * ignored. With at most `maxBins` distinct values, the thresholds are the midpoints between
 * consecutive distinct values; otherwise they are the maxBins - 1 inner percentiles of
 * np.linspace(0, 100, maxBins + 1) with np.percentile's method="midpoint", reproduced operation
 * for operation (duplicates are possible and kept, as in sklearn 1.2). Thresholds above
 * ALMOST_INF are clipped to it.
 *
 * The quantile is numpy 1.24's _quantile for method="midpoint" on sorted data without NaN: the
 * virtual index is the mean of floor and ceil of (n - 1) * q; gamma is 0 when that index is whole
 * and 0.5 otherwise; and the interpolation is NumPy's _lerp, which for gamma >= 0.5 computes
 * next - (next - prev) * (1 - gamma).
 *
 * Self-contained (no helpers, constants inlined): worker threads run it from its source text.
 */
export function columnThresholds(
  x: Float64Array,
  offset: number,
  n: number,
  rows: Int32Array | null,
  maxBins: number,
): Float64Array {
  const used = rows ? rows.length : n;
  const values = new Float64Array(used);
  // Gather the non-missing values, noting the distinct ones while there are few: a feature with at
  // most maxBins distinct values (categorical codes, one-hot columns, small integers) then needs
  // no sort of all its values. (A Set equates -0 and 0, as np.unique does.)
  let distinctSet: Set<number> | null = new Set<number>();
  let m = 0;
  let last = Number.NaN;
  for (let i = 0; i < used; i++) {
    const v = x[offset + (rows ? rows[i] : i)];
    if (Number.isNaN(v)) continue;
    values[m++] = v;
    // (runs of one value, as in one-hot columns, skip the hashing)
    if (distinctSet && v !== last) {
      distinctSet.add(v);
      last = v;
      if (distinctSet.size > maxBins) distinctSet = null;
    }
  }
  if (distinctSet) {
    // Midpoints between consecutive distinct values: (a + b) then *= 0.5, as sklearn (the sum may
    // overflow to inf, which is then clipped to ALMOST_INF, inlined).
    const distinct = Float64Array.from(distinctSet).sort();
    const midpoints = new Float64Array(Math.max(0, distinct.length - 1));
    for (let i = 0; i < midpoints.length; i++) {
      const mid = (distinct[i] + distinct[i + 1]) * 0.5;
      midpoints[i] = Math.min(mid, 1e300);
    }
    return midpoints;
  }
  // More than maxBins distinct values: the inner percentiles, from the sorted values.
  const sorted = values.subarray(0, m);
  // Written out here rather than as a nested function: a nested function is a new closure at
  // every call, and V8 throws the optimised code of this function away each time it meets one
  // (measured: eight deoptimisations while binning the flagship's 16 features).
  if (m < 40_000) {
    sorted.sort();
  } else {
    // The non-NaN float64 values are sorted in place into the order of Float64Array.prototype.sort
    // (-0 before +0), by a least-significant-digit radix sort of their bit patterns: V8's sort costs
    // about 80 ns per value here (13 ms for one feature of 165,000 rows), this one a few. Each
    // value's 64 bits become an unsigned key in the same order as the values (negative: all bits
    // flipped; otherwise: the sign bit set), sorted by six stable passes of 11, 11, 10 bits of the
    // low word then of the high word, and turned back. A pass where every key has the same digit is
    // skipped. Below 40,000 values V8's sort is kept: there the radix sort's gain is smaller than
    // the cost of compiling it, which a fit pays once per thread.
    const v = sorted;
    const n = v.length;
    // (v is a fresh array from offset 0, so its words can be viewed as Uint32; little-endian: the
    // low word of value i at 2i, the high word at 2i + 1.)
    let src: Uint32Array = new Uint32Array(v.buffer, v.byteOffset, 2 * n);
    let dst: Uint32Array = new Uint32Array(2 * n);
    const counts = new Int32Array(6 * 2048);
    for (let i = 0; i < 2 * n; i += 2) {
      let lo = src[i];
      let hi = src[i + 1];
      if (hi & 0x80000000) {
        lo = ~lo >>> 0;
        hi = ~hi >>> 0;
      } else {
        hi = (hi | 0x80000000) >>> 0;
      }
      src[i] = lo;
      src[i + 1] = hi;
      counts[lo & 2047]++;
      counts[2048 + ((lo >>> 11) & 2047)]++;
      counts[4096 + (lo >>> 22)]++;
      counts[6144 + (hi & 2047)]++;
      counts[8192 + ((hi >>> 11) & 2047)]++;
      counts[10240 + (hi >>> 22)]++;
    }
    for (let pass = 0; pass < 6; pass++) {
      const base = pass * 2048;
      const word = pass < 3 ? 0 : 1;
      const shift = (pass % 3) * 11;
      const mask = pass % 3 === 2 ? 1023 : 2047;
      let skip = false;
      let total = 0;
      for (let d = 0; d < 2048; d++) {
        const c = counts[base + d];
        if (c === n) skip = true;
        counts[base + d] = total;
        total += c;
      }
      if (skip) continue;
      for (let i = 0; i < 2 * n; i += 2) {
        const d = (src[i + word] >>> shift) & mask;
        const at = 2 * counts[base + d]++;
        dst[at] = src[i];
        dst[at + 1] = src[i + 1];
      }
      const t = src;
      src = dst;
      dst = t;
    }
    const out = new Uint32Array(v.buffer, v.byteOffset, 2 * n);
    for (let i = 0; i < 2 * n; i += 2) {
      const lo = src[i];
      const hi = src[i + 1];
      if (hi & 0x80000000) {
        out[i] = lo;
        out[i + 1] = (hi & 0x7fffffff) >>> 0;
      } else {
        out[i] = ~lo >>> 0;
        out[i + 1] = ~hi >>> 0;
      }
    }
  }
  const thresholds = new Float64Array(maxBins - 1);
  // np.linspace(0, 100, maxBins + 1): y = arange(num) * step + 0 with step = 100 / (num - 1).
  const step = 100 / maxBins;
  for (let i = 1; i < maxBins; i++) {
    const q = (i * step) / 100; // np.percentile divides q by 100 first
    const pos = (m - 1) * q;
    const virtual = 0.5 * (Math.floor(pos) + Math.ceil(pos));
    let prevIndex = Math.floor(virtual);
    let nextIndex = prevIndex + 1;
    if (virtual >= m - 1) {
      prevIndex = m - 1;
      nextIndex = m - 1;
    }
    const gamma = virtual % 1 === 0 ? 0 : 0.5;
    const prev = sorted[prevIndex];
    const next = sorted[nextIndex];
    const diff = next - prev;
    thresholds[i - 1] = gamma >= 0.5 ? next - diff * (1 - gamma) : prev + diff * gamma;
  }
  // ALMOST_INF (inlined: this function must stay self-contained)
  for (let i = 0; i < thresholds.length; i++) if (thresholds[i] > 1e300) thresholds[i] = 1e300;
  return thresholds;
}

/** Thresholds of one feature from some of its values (tests and callers with a plain array). */
export function findBinningThresholds(values: Float64Array, maxBins: number): Float64Array {
  return columnThresholds(values, 0, values.length, null, maxBins);
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

/**
 * Bin the values x[offset .. offset + n) of one feature into out[outOffset ..]: NaN to
 * `missingBin`, anything else to the smallest i with x <= thresholds[i] (sklearn's
 * _map_col_to_bins), which, thresholds being sorted, is the number of thresholds < x.
 *
 * A binary search per value is slow in JavaScript (its branches are unpredictable; 55 ns per
 * value), so the search starts from a guess (binColumnBuckets) wherever the thresholds allow it;
 * thresholds that are not finite and increasing (none or one, NaN, possible only from infinite
 * data, or all equal) take sklearn's plain binary search (binColumnSearch). The two are separate
 * functions so that V8 optimises each for its own loop: one function taking either path, by
 * feature, was optimised and thrown away five times while binning the flagship's features.
 */
export function binColumn(
  x: Float64Array,
  offset: number,
  n: number,
  thresholds: Float64Array,
  missingBin: number,
  out: Uint8Array,
  outOffset: number,
): void {
  if (bucketsUnusable(thresholds)) binColumnSearch(x, offset, n, thresholds, missingBin, out, outOffset);
  else binColumnBuckets(x, offset, n, thresholds, missingBin, out, outOffset);
}

/**
 * Whether binColumnBuckets cannot be used with these thresholds (fewer than two, NaN, not finite or
 * all equal). Self-contained (runs in worker threads).
 */
export function bucketsUnusable(thresholds: Float64Array): boolean {
  const t = thresholds.length;
  if (t < 2) return true;
  for (let i = 0; i < t; i++) if (Number.isNaN(thresholds[i])) return true;
  const lo = thresholds[0];
  const hi = thresholds[t - 1];
  const scale = 4096 / (hi - lo);
  return !(Number.isFinite(lo) && Number.isFinite(hi) && hi > lo && Number.isFinite(scale));
}

/** binColumn by sklearn's binary search per value. Self-contained (runs in worker threads). */
export function binColumnSearch(
  x: Float64Array,
  offset: number,
  n: number,
  thresholds: Float64Array,
  missingBin: number,
  out: Uint8Array,
  outOffset: number,
): void {
  const t = thresholds.length;
  for (let i = 0; i < n; i++) {
    const v = x[offset + i];
    let left = 0;
    let right = t;
    while (left < right) {
      const middle = left + ((right - left - 1) >> 1);
      if (v <= thresholds[middle]) right = middle;
      else left = middle + 1;
    }
    out[outOffset + i] = Number.isNaN(v) ? missingBin : left;
  }
}

/**
 * binColumn for thresholds that are finite and increasing (not bucketsUnusable): 4096 equal-width
 * buckets between the first and last threshold, each knowing how many thresholds lie below its
 * lower edge. The value's bucket narrows the search to a few thresholds, and two short correcting
 * scans make the result exact whatever the rounding of the bucket arithmetic (5-9 ns per value).
 * Self-contained (runs in worker threads).
 */
export function binColumnBuckets(
  x: Float64Array,
  offset: number,
  n: number,
  thresholds: Float64Array,
  missingBin: number,
  out: Uint8Array,
  outOffset: number,
): void {
  const t = thresholds.length;
  const lo = thresholds[0];
  const hi = thresholds[t - 1];
  const BUCKETS = 4096;
  const scale = BUCKETS / (hi - lo);
  // below[b] = number of thresholds < the lower edge of bucket b (b = BUCKETS: above hi)
  const below = new Int32Array(BUCKETS + 1);
  for (let b = 0, j = 0; b <= BUCKETS; b++) {
    const edge = lo + b / scale;
    while (j < t && thresholds[j] < edge) j++;
    below[b] = j;
  }
  for (let i = 0; i < n; i++) {
    const v = x[offset + i];
    if (Number.isNaN(v)) {
      out[outOffset + i] = missingBin;
      continue;
    }
    let b = Math.floor((v - lo) * scale);
    b = Math.max(0, Math.min(BUCKETS, b));
    // lower bound of v among thresholds[a .. c), then exact whatever the bucket
    let a = Math.max(0, below[b] - 1);
    let c = Math.min(t, below[b < BUCKETS ? b + 1 : BUCKETS] + 1);
    while (a < c) {
      const m = (a + c) >> 1;
      if (thresholds[m] < v) a = m + 1;
      else c = m;
    }
    let j = a;
    while (j > 0 && thresholds[j - 1] >= v) j--;
    while (j < t && thresholds[j] < v) j++;
    out[outOffset + i] = j;
  }
}

/** Rows [from, to) of the row-major copy from the column-major bins. Self-contained. */
export function transposeBins(
  columns: Uint8Array,
  rows: Uint8Array,
  nRows: number,
  nFeatures: number,
  from: number,
  to: number,
): void {
  for (let f = 0; f < nFeatures; f++) {
    const col = f * nRows;
    for (let i = from, r = from * nFeatures + f; i < to; i++, r += nFeatures) rows[r] = columns[col + i];
  }
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
    const rows = this.subsampleRows(X.nRows, rng);
    const thresholds: Float64Array[] = [];
    for (let j = 0; j < X.nCols; j++) {
      thresholds.push(columnThresholds(X.data, j * X.nRows, X.nRows, rows, this.nBins - 1));
    }
    return this.setThresholds(thresholds);
  }

  /**
   * The rows the quantiles come from: all of them (null), or, when there are more than
   * `subsample`, rng.choice(nRows, subsample, replace=False), which NumPy's legacy RandomState
   * draws as permutation(nRows)[:subsample]. The rng is only consumed in that case, as in sklearn.
   */
  subsampleRows(nRows: number, rng: RandomState): Int32Array | null {
    if (this.subsample === null || nRows <= this.subsample) return null;
    return rng.permutation(nRows).subarray(0, this.subsample);
  }

  /** Install thresholds computed elsewhere (by worker threads, with the same kernel). */
  setThresholds(thresholds: Float64Array[]): this {
    this.thresholds = thresholds;
    this.nBinsNonMissing = Uint32Array.from(thresholds, (t) => t.length + 1);
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
    for (let j = 0; j < nCols; j++) {
      binColumn(X.data, j * nRows, nRows, this.thresholds[j], this.missingBin, columns, j * nRows);
    }
    transposeBins(columns, rows, nRows, nCols, 0, nRows);
    return { nRows, nFeatures: nCols, rows, columns };
  }
}
