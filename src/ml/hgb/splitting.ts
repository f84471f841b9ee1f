/**
 * Finding a node's best split and applying it, scikit-learn 1.2's Splitter (splitting.pyx).
 *
 * For every feature the bins are scanned left to right (missing values, if the feature had any in
 * training, go right), and, when the feature had missing values, right to left too (missing values
 * go left). A candidate needs min_samples_leaf samples and min_hessian_to_split hessian on both
 * sides; its gain is that of XGBoost's equation 7 written as sklearn does:
 *   gain = G * v - G_L * v_L - G_R * v_R,   v_X = -G_X / (H_X + l2_regularization + 1e-15)
 * where v is the node's own value (0 for the root, as sklearn). A candidate must beat the best
 * gain so far strictly, and be > 0 (sklearn's min_gain_to_split, which the estimators fix at 0);
 * features are compared in order, strictly, so the first feature wins ties. All arithmetic is done in the same order as sklearn's, so gains, and thus
 * every choice, are bit-identical.
 *
 * Hessians are constant (squared error): like sklearn with hessians_are_constant, the sum of
 * hessians of a bin is its count.
 *
 * Not supported (intentionally): categorical splits, monotonic and interaction constraints.
 */

/**
 * sklearn's TreeGrower default; not a parameter of HistGradientBoostingRegressor. With constant
 * hessians it only matters for the root check in the grower (see findFeatureSplit).
 */
export const MIN_HESSIAN_TO_SPLIT = 1e-3;

/** Per-feature results of findFeatureSplit(), in a Float64Array of FEATURE_RESULT_SIZE each. */
export const FEATURE_RESULT_SIZE = 6;
// layout: [gain, bin, missingGoToLeft (0|1), sumGradientLeft, sumHessianLeft, nSamplesLeft]

/** The best split of a node (sklearn's SplitInfo). gain <= 0 means "no valid split". */
export interface SplitInfo {
  gain: number;
  feature: number;
  bin: number;
  missingGoToLeft: boolean;
  sumGradientLeft: number;
  sumHessianLeft: number;
  sumGradientRight: number;
  sumHessianRight: number;
  nSamplesLeft: number;
  nSamplesRight: number;
  /** child values before shrinkage (compute_node_value) */
  valueLeft: number;
  valueRight: number;
}

/** sklearn's compute_node_value without monotonic bounds: the Newton step -G / (H + l2). */
export function computeNodeValue(sumGradient: number, sumHessian: number, l2: number): number {
  return -sumGradient / (sumHessian + l2 + 1e-15);
}

/**
 * Best split of one feature from the node's histograms (gradient sums and counts, see
 * histogram.ts; both scans), written to
 * out[outOffset .. outOffset + FEATURE_RESULT_SIZE). gain -1 means no valid split.
 * Self-contained (no helpers) so that worker threads can run it from its source text.
 *
 * Equivalent to sklearn's _find_best_bin_to_split_left_to_right / _right_to_left with
 * hessians_are_constant, with shortcuts that change no result:
 * - the hessian sums are the counts, and a node's sum of hessians is its sample count (exact
 *   integers in float64), so one running count serves as both;
 * - min_hessian_to_split (1e-3) cannot bind: both sides already hold >= min_samples_leaf >= 1
 *   samples, hence a hessian sum >= 1;
 * - the bins before the first candidate (fewer than min_samples_leaf samples on the near side) are
 *   only summed, with no candidate work;
 * - a bin whose count and gradient sum are both exactly 0 is skipped: it leaves the running sums
 *   as they are (x + 0 is x, and the sums can never be -0), so its candidate would be the previous
 *   one again, which cannot beat itself strictly. A bin with count 0 but a nonzero gradient sum
 *   (a rounding residue of the subtraction trick) is not empty: it changes the sums, and sklearn
 *   evaluates it, so it is evaluated. Only done in nodes with fewer than two samples per bin,
 *   which have mostly empty bins (a 60-sample node's scan costs 2.7 instead of 7.3 microseconds
 *   over the flagship's 16 features);
 * - a candidate is first screened without divisions (float64 divisions are slow; on the flagship
 *   only ~7% of the candidates pass the screen). With dL, dR the denominators of v_L, v_R and
 *   T = floor - G * v, floor = max(best gain, 0), its gain beats the floor iff
 *     P = G_L^2 * dR + G_R^2 * dL - T * dL * dR > 0.
 *   Candidates with P < -1e-13 * M, M = G_L^2 * dR + G_R^2 * dL + (|T| + |G * v|) * dL * dR (the
 *   magnitudes of P's terms and of the gain's), are skipped; rearranged, that is
 *     G_L^2 * eR + G_R^2 * eL < K * eL * eR,   K = (T - 1e-13 (|T| + |G * v|)) / (1 + 1e-13),
 *   with K computed once per new best, and eL = H_L + l2, eR = H_R + l2 (the denominators without
 *   their 1e-15, a relative change below 1e-15 since H >= 1): five multiplications and three
 *   additions per candidate. Both this screen and the gain as sklearn computes it are within a
 *   few ulps (relative to M) of the exact value, far inside 1e-13, so a skipped candidate is one
 *   whose computed gain could not have won; every other one gets sklearn's exact arithmetic and
 *   comparison. (A NaN or infinite screen is never skipped.)
 */
export function findFeatureSplit(
  hist: Float64Array,
  counts: Int32Array,
  offset: number,
  feature: number,
  nBins: number,
  nBinsNonMissing: number,
  hasMissing: number,
  nSamples: number,
  sumGradients: number,
  value: number,
  l2: number,
  minSamplesLeaf: number,
  out: Float64Array,
  outOffset: number,
): void {
  const h = (offset | 0) + feature * nBins;
  const lossCurrentNode = sumGradients * value;
  // Fewer samples than two per bin: many bins are empty, and skipping them pays. In denser nodes
  // the empty bins are few and scattered, and testing each bin for emptiness (a mispredicted
  // branch at each empty one) costs more than screening their repeated candidates.
  const sparse = nSamples < 2 * nBinsNonMissing;
  // The screen (see the doc comment): a candidate must beat floor = max(bestGain, 0).
  // screen = (T - 1e-13 (|T| + |lc|)) / (1 + 1e-13), T = floor - lossCurrentNode, floor 0 at first
  let screen = (-lossCurrentNode - 2e-13 * Math.abs(lossCurrentNode)) / (1 + 1e-13);
  let bestGain = -1;
  let bestBin = 0;
  let bestMissingLeft = 0;
  let bestSgL = 0;
  let bestNL = 0;

  // Left to right: bins 0 .. end-1 go left; missing values (the last bin) go right. The last
  // non-missing bin may go left only when there are missing values to send right.
  const end = h + (nBinsNonMissing - 1 + hasMissing);
  let sgL = 0;
  let nL = 0;
  let k = h;
  // The bins before the first candidate (fewer than min_samples_leaf samples on the left).
  for (; k < end; k++) {
    nL += counts[k];
    sgL += hist[k];
    if (nL >= minSamplesLeaf) break;
  }
  // k: the bin of the candidate at hand, its sums in nL and sgL
  while (k < end) {
    const nR = nSamples - nL;
    if (nR < minSamplesLeaf) break;
    const sgR = sumGradients - sgL;
    const eL = nL + l2;
    const eR = nR + l2;
    if (!(sgL * sgL * eR + sgR * sgR * eL < screen * (eL * eR))) {
      const dL = nL + l2 + 1e-15;
      const dR = nR + l2 + 1e-15;
      const vL = -sgL / dL;
      const vR = -sgR / dR;
      let gain = lossCurrentNode;
      gain -= sgL * vL;
      gain -= sgR * vR;
      if (gain > bestGain && gain > 0) {
        bestGain = gain;
        bestBin = k - h;
        bestSgL = sgL;
        bestNL = nL;
        const t = gain - lossCurrentNode;
        screen = (t - 1e-13 * (Math.abs(t) + Math.abs(lossCurrentNode))) / (1 + 1e-13);
      }
    }
    // On to the next bin that changes the sums (see the doc comment on empty bins).
    for (k++; k < end; k++) {
      const g = hist[k];
      const c = counts[k];
      if (!sparse || c !== 0 || g !== 0) {
        nL += c;
        sgL += g;
        break;
      }
    }
  }

  if (hasMissing) {
    // Right to left: bins b+1 .. nBinsNonMissing-1 go right, missing values go left.
    let sgR = 0;
    let nR = 0;
    k = h + (nBinsNonMissing - 1);
    for (; k > h; k--) {
      nR += counts[k];
      sgR += hist[k];
      if (nR >= minSamplesLeaf) break;
    }
    while (k > h) {
      const nLeft = nSamples - nR;
      if (nLeft < minSamplesLeaf) break;
      const sgLeft = sumGradients - sgR;
      const eL = nLeft + l2;
      const eR = nR + l2;
      if (!(sgLeft * sgLeft * eR + sgR * sgR * eL < screen * (eL * eR))) {
        const dL = nLeft + l2 + 1e-15;
        const dR = nR + l2 + 1e-15;
        const vL = -sgLeft / dL;
        const vR = -sgR / dR;
        let gain = lossCurrentNode;
        gain -= sgLeft * vL;
        gain -= sgR * vR;
        if (gain > bestGain && gain > 0) {
          bestGain = gain;
          bestBin = k - h - 1;
          bestMissingLeft = 1;
          bestSgL = sgLeft;
          bestNL = nLeft;
          const t = gain - lossCurrentNode;
          screen = (t - 1e-13 * (Math.abs(t) + Math.abs(lossCurrentNode))) / (1 + 1e-13);
        }
      }
      for (k--; k > h; k--) {
        const g = hist[k];
        const c = counts[k];
        if (!sparse || c !== 0 || g !== 0) {
          nR += c;
          sgR += g;
          break;
        }
      }
    }
  }

  out[outOffset] = bestGain;
  out[outOffset + 1] = bestBin;
  out[outOffset + 2] = bestMissingLeft;
  out[outOffset + 3] = bestSgL;
  out[outOffset + 4] = bestNL;
  out[outOffset + 5] = bestNL;
}

/**
 * The best split among features, from the per-feature results: the first feature with the
 * strictly greatest gain (sklearn's _find_best_feature_to_split_helper). Fills `out`.
 */
export function pickBestSplit(
  results: Float64Array,
  nFeatures: number,
  nSamples: number,
  sumGradients: number,
  sumHessians: number,
  l2: number,
  out: SplitInfo,
): SplitInfo {
  let best = 0;
  for (let f = 1; f < nFeatures; f++) {
    if (results[f * FEATURE_RESULT_SIZE] > results[best * FEATURE_RESULT_SIZE]) best = f;
  }
  const r = best * FEATURE_RESULT_SIZE;
  out.gain = results[r];
  out.feature = best;
  // Integers read from a Float64Array are doubles to V8; used as such as indices downstream (the
  // partition's offsets), they turn integer arithmetic into floating point (and deoptimize the
  // kernels once). `| 0` gives the small integers they are.
  out.bin = results[r + 1] | 0;
  out.missingGoToLeft = results[r + 2] === 1;
  out.sumGradientLeft = results[r + 3];
  out.sumHessianLeft = results[r + 4];
  out.nSamplesLeft = results[r + 5] | 0;
  out.sumGradientRight = sumGradients - out.sumGradientLeft;
  out.sumHessianRight = sumHessians - out.sumHessianLeft;
  out.nSamplesRight = nSamples - out.nSamplesLeft;
  out.valueLeft = computeNodeValue(out.sumGradientLeft, out.sumHessianLeft, l2);
  out.valueRight = computeNodeValue(out.sumGradientRight, out.sumHessianRight, l2);
  return out;
}

export function emptySplitInfo(): SplitInfo {
  return {
    gain: -1,
    feature: 0,
    bin: 0,
    missingGoToLeft: false,
    sumGradientLeft: 0,
    sumHessianLeft: 0,
    sumGradientRight: 0,
    sumHessianRight: 0,
    nSamplesLeft: 0,
    nSamplesRight: 0,
    valueLeft: 0,
    valueRight: 0,
  };
}

/**
 * Apply a split to the samples at positions [start, end) of index buffer `buffer` (the two buffers
 * are `indices`, buffer b at b * nRows): those going left are written, in order, to positions
 * left.. of the other buffer, those going right, in order, to positions right... With left = the
 * node's start and right = left + the node's left count (known from the histograms), this is
 * sklearn's split_indices, a stable partition; the threaded partition does the same on consecutive
 * chunks of a node with each chunk's own offsets (markSides, partitionBySides), which gives the
 * same order. Reads the column-major bins. The node's samples move to the other index buffer: no
 * copy back.
 *
 * A sample goes left when its bin is <= `bin`, or when it is missing and missing values go left.
 * Since the missing-value bin is the largest bin, "goes right" is bin < v < upper, with upper the
 * missing bin when missing values go left and one past it otherwise. Both the test and the choice
 * of destination are computed without a branch (the sign bit of (bin - v) & (v - upper) selects
 * the position), because each sample's side is unpredictable and mispredicted branches would cost
 * more than the rest of the loop. Self-contained (runs in worker threads).
 */
export function partitionInto(
  columns: Uint8Array,
  nRows: number,
  indices: Uint32Array,
  buffer: number,
  start: number,
  end: number,
  feature: number,
  bin: number,
  upper: number,
  left: number,
  right: number,
): void {
  const col = feature * nRows;
  const src = buffer * nRows;
  const dst = (buffer ^ 1) * nRows;
  let l = dst + left;
  let r = dst + right;
  for (let k = src + start; k < src + end; k++) {
    const idx = indices[k];
    const v = columns[col + idx];
    const goesRight = ((bin - v) & (v - upper)) >>> 31;
    indices[l + goesRight * (r - l)] = idx;
    r += goesRight;
    l += goesRight ^ 1;
  }
}

/**
 * The first pass of the threaded partition over positions [start, end) of index buffer `buffer`:
 * each sample's side (1: right)
 * into sides[start .. end), by the same test as partitionInto; returns how many go left.
 * Self-contained.
 */
export function markSides(
  columns: Uint8Array,
  nRows: number,
  indices: Uint32Array,
  sides: Uint8Array,
  buffer: number,
  start: number,
  end: number,
  feature: number,
  bin: number,
  upper: number,
): number {
  const col = feature * nRows;
  const src = buffer * nRows;
  let right = 0;
  for (let k = start; k < end; k++) {
    const v = columns[col + indices[src + k]];
    const goesRight = ((bin - v) & (v - upper)) >>> 31;
    sides[k] = goesRight;
    right += goesRight;
  }
  return end - start - right;
}

/**
 * The second pass of the threaded partition: positions [start, end) of buffer `buffer` to the other
 * buffer as partitionInto does, the
 * sides read from markSides' output (a sequential read instead of a second gather of the bins).
 * Self-contained.
 */
export function partitionBySides(
  indices: Uint32Array,
  nRows: number,
  sides: Uint8Array,
  buffer: number,
  start: number,
  end: number,
  left: number,
  right: number,
): void {
  const src = buffer * nRows;
  const dst = (buffer ^ 1) * nRows;
  let l = dst + left;
  let r = dst + right;
  for (let k = start; k < end; k++) {
    const goesRight = sides[k];
    indices[l + goesRight * (r - l)] = indices[src + k];
    r += goesRight;
    l += goesRight ^ 1;
  }
}

/** The `upper` argument of partitionInto / markSides for a split. */
export function rightUpperBound(missingGoToLeft: boolean, missingBin: number): number {
  return missingGoToLeft ? missingBin : missingBin + 1;
}
