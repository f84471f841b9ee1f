/**
 * Finding a node's best split and applying it, scikit-learn 1.2's Splitter (splitting.pyx).
 *
 * For every feature the bins are scanned left to right (missing values, if the feature had any in
 * training, go right), and, when the feature had missing values, right to left too (missing values
 * go left). A candidate needs min_samples_leaf samples and min_hessian_to_split hessian on both
 * sides; its gain is that of XGBoost's equation 7 written as sklearn does:
 *   gain = G * v - G_L * v_L - G_R * v_R,   v_X = -G_X / (H_X + l2_regularization + 1e-15)
 * where v is the node's own value (0 for the root, as sklearn). A candidate must beat the best
 * gain so far strictly, and be > 0; features are compared in order, strictly, so the first
 * feature wins ties. All arithmetic is done in the same order as sklearn's, so gains, and thus
 * every choice, are bit-identical.
 *
 * Hessians are constant (squared error): like sklearn with hessians_are_constant, the sum of
 * hessians of a bin is its count.
 *
 * Not supported (intentionally): categorical splits, monotonic and interaction constraints.
 */

/** sklearn's TreeGrower default; not a parameter of HistGradientBoostingRegressor. */
export const MIN_HESSIAN_TO_SPLIT = 1e-3;
/** sklearn's min_gain_to_split, fixed at 0 by the estimators. */
export const MIN_GAIN_TO_SPLIT = 0;

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
 * Best split of one feature from the node's histograms (both scans), written to
 * out[outOffset .. outOffset + FEATURE_RESULT_SIZE). gain -1 means no valid split.
 * Self-contained (no helpers) so that worker threads can run it from its source text.
 *
 * Bins that hold no sample and a zero gradient sum are skipped: adding them changes no running
 * sum, so the candidate they would give has the same gain as the previous one and cannot win (a
 * win needs a strictly greater gain). Bins with count 0 but a non-zero sum, which subtraction
 * leaves behind as rounding residue, are not skipped, since sklearn adds that residue.
 */
export function findFeatureSplit(
  hist: Float64Array,
  offset: number,
  feature: number,
  nBins: number,
  nBinsNonMissing: number,
  hasMissing: number,
  nSamples: number,
  sumGradients: number,
  sumHessians: number,
  value: number,
  l2: number,
  minSamplesLeaf: number,
  minHessianToSplit: number,
  out: Float64Array,
  outOffset: number,
): void {
  const h = offset + feature * nBins * 2;
  const lossCurrentNode = sumGradients * value;
  let bestGain = -1;
  let bestBin = 0;
  let bestMissingLeft = 0;
  let bestSgL = 0;
  let bestShL = 0;
  let bestNL = 0;

  // Left to right: bins 0 .. end-1 go left; missing values (bin nBins-1) go right. `end` lets the
  // last non-missing bin go left only when there are missing values to send right.
  const end = nBinsNonMissing - 1 + hasMissing;
  let sgL = 0;
  let shL = 0;
  let nL = 0;
  for (let b = 0; b < end; b++) {
    const g = hist[h + 2 * b];
    const c = hist[h + 2 * b + 1];
    if (c === 0 && g === 0) continue;
    nL += c;
    const nR = nSamples - nL;
    shL += c;
    const shR = sumHessians - shL;
    sgL += g;
    const sgR = sumGradients - sgL;
    if (nL < minSamplesLeaf) continue;
    if (nR < minSamplesLeaf) break;
    if (shL < minHessianToSplit) continue;
    if (shR < minHessianToSplit) break;
    const vL = -sgL / (shL + l2 + 1e-15);
    const vR = -sgR / (shR + l2 + 1e-15);
    let gain = lossCurrentNode;
    gain -= sgL * vL;
    gain -= sgR * vR;
    if (gain > bestGain && gain > 0) {
      bestGain = gain;
      bestBin = b;
      bestMissingLeft = 0;
      bestSgL = sgL;
      bestShL = shL;
      bestNL = nL;
    }
  }

  if (hasMissing) {
    // Right to left: bins b+1 .. nBinsNonMissing-1 go right, missing values go left.
    let sgR = 0;
    let shR = 0;
    let nR = 0;
    for (let b = nBinsNonMissing - 2; b >= 0; b--) {
      const g = hist[h + 2 * (b + 1)];
      const c = hist[h + 2 * (b + 1) + 1];
      if (c === 0 && g === 0) continue;
      nR += c;
      const nLeft = nSamples - nR;
      shR += c;
      const shLeft = sumHessians - shR;
      sgR += g;
      const sgLeft = sumGradients - sgR;
      if (nR < minSamplesLeaf) continue;
      if (nLeft < minSamplesLeaf) break;
      if (shR < minHessianToSplit) continue;
      if (shLeft < minHessianToSplit) break;
      const vL = -sgLeft / (shLeft + l2 + 1e-15);
      const vR = -sgR / (shR + l2 + 1e-15);
      let gain = lossCurrentNode;
      gain -= sgLeft * vL;
      gain -= sgR * vR;
      if (gain > bestGain && gain > 0) {
        bestGain = gain;
        bestBin = b;
        bestMissingLeft = 1;
        bestSgL = sgLeft;
        bestShL = shLeft;
        bestNL = nLeft;
      }
    }
  }

  out[outOffset] = bestGain;
  out[outOffset + 1] = bestBin;
  out[outOffset + 2] = bestMissingLeft;
  out[outOffset + 3] = bestSgL;
  out[outOffset + 4] = bestShL;
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
  out.bin = results[r + 1];
  out.missingGoToLeft = results[r + 2] === 1;
  out.sumGradientLeft = results[r + 3];
  out.sumHessianLeft = results[r + 4];
  out.nSamplesLeft = results[r + 5];
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
 * Apply a split to indices[start .. start + count): the samples going left first, then those
 * going right, each group in its original order (sklearn's split_indices is stable too, whatever
 * its thread count). Returns the number of samples going left. `scratch` holds the right side
 * temporarily and must have room for `count` entries.
 */
export function splitIndices(
  binned: Uint8Array,
  nFeatures: number,
  indices: Uint32Array,
  start: number,
  count: number,
  feature: number,
  bin: number,
  missingGoToLeft: boolean,
  missingBin: number,
  scratch: Uint32Array,
): number {
  let nLeft = 0;
  let nRight = 0;
  const end = start + count;
  for (let k = start; k < end; k++) {
    const idx = indices[k];
    const v = binned[idx * nFeatures + feature];
    if (v <= bin || (missingGoToLeft && v === missingBin)) indices[start + nLeft++] = idx;
    else scratch[nRight++] = idx;
  }
  indices.set(scratch.subarray(0, nRight), start + nLeft);
  return nLeft;
}
