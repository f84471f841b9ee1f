import { describe, expect, it } from 'vitest';
import { FEATURE_RESULT_SIZE, findFeatureSplit } from '../../../src/ml/hgb/splitting.js';
import { RandomState } from '../../../src/ml/random.js';

/**
 * sklearn 1.2's two scans (splitting.pyx, hessians constant, no constraints) written plainly:
 * every bin, every candidate through the full gain arithmetic. findFeatureSplit screens candidates
 * before that arithmetic; its choices must be exactly these.
 */
function reference(
  hist: Float64Array,
  nBinsNonMissing: number,
  hasMissing: boolean,
  nSamples: number,
  sumGradients: number,
  value: number,
  l2: number,
  minSamplesLeaf: number,
): number[] {
  const lc = sumGradients * value;
  const gainOf = (sgL: number, nL: number, sgR: number, nR: number) => {
    const vL = -sgL / (nL + l2 + 1e-15);
    const vR = -sgR / (nR + l2 + 1e-15);
    let gain = lc;
    gain -= sgL * vL;
    gain -= sgR * vR;
    return gain;
  };
  let best = [-1, 0, 0, 0, 0, 0];
  let sgL = 0;
  let nL = 0;
  for (let b = 0; b < nBinsNonMissing - 1 + (hasMissing ? 1 : 0); b++) {
    nL += hist[2 * b + 1];
    sgL += hist[2 * b];
    const nR = nSamples - nL;
    if (nL < minSamplesLeaf) continue;
    if (nR < minSamplesLeaf) break;
    const gain = gainOf(sgL, nL, sumGradients - sgL, nR);
    if (gain > best[0] && gain > 0) best = [gain, b, 0, sgL, nL, nL];
  }
  if (hasMissing) {
    let sgR = 0;
    let nR = 0;
    for (let b = nBinsNonMissing - 1; b > 0; b--) {
      nR += hist[2 * b + 1];
      sgR += hist[2 * b];
      const nLeft = nSamples - nR;
      if (nR < minSamplesLeaf) continue;
      if (nLeft < minSamplesLeaf) break;
      const gain = gainOf(sumGradients - sgR, nLeft, sgR, nR);
      if (gain > best[0] && gain > 0) best = [gain, b - 1, 1, sumGradients - sgR, nLeft, nLeft];
    }
  }
  return best;
}

describe('findFeatureSplit', () => {
  it("chooses exactly as sklearn's plain scans on random histograms (screen, empty bins, ties)", () => {
    const rng = new RandomState(11);
    const nBins = 256;
    let cases = 0;
    // findFeatureSplit skips empty bins only in nodes with fewer than two samples per bin: both
    // kinds of node must be covered
    let sparseNodes = 0;
    let denseNodes = 0;
    for (let t = 0; t < 3000; t++) {
      const hasMissing = t % 3 === 0;
      const nBinsNonMissing = 2 + rng.randint(0, 254);
      const hist = new Float64Array(2 * nBins);
      const sparse = rng.randomSample();
      // gradients: float32 values as the fit has them, sometimes all equal (flat gains, ties),
      // sometimes huge or tiny; counts: empty bins often; bins with count 0 but a tiny residue
      const style = t % 5;
      for (let b = 0; b < nBinsNonMissing; b++) {
        if (rng.randomSample() < sparse) {
          if (rng.randomSample() < 0.1) hist[2 * b] = Math.fround((rng.randomSample() - 0.5) * 1e-12);
          continue;
        }
        const c = 1 + rng.randint(0, 40);
        const g =
          style === 0
            ? c * 0.5
            : style === 1
              ? (rng.randomSample() - 0.5) * c * 1e5
              : style === 2
                ? (rng.randomSample() - 0.3) * c * 1e-7
                : (rng.randomSample() - 0.5) * c;
        hist[2 * b] = Math.fround(g);
        hist[2 * b + 1] = c;
      }
      if (hasMissing) {
        hist[2 * (nBins - 1)] = Math.fround(rng.randomSample() * 30 - 10);
        hist[2 * (nBins - 1) + 1] = 1 + rng.randint(0, 30);
      }
      let n = 0;
      let sg = 0;
      for (let b = 0; b < nBins; b++) {
        n += hist[2 * b + 1];
        sg += hist[2 * b];
      }
      const l2 = [0, 0.1, 1, 37.5][t % 4];
      const msl = [1, 5, 20][t % 3];
      const value = t % 2 === 0 ? 0 : -sg / (n + l2 + 1e-15);
      // the scans stop before the missing bin's place when it is not the last non-missing one
      const h = new Float64Array(2 * nBins);
      h.set(hist);
      // The histograms as the fit stores them (histogram.ts): sums and counts in two arrays, here
      // as feature 1 of a node at offset 5, surrounded by other features' bins that must not be read
      const offset = 5;
      const sums = new Float64Array(offset + 3 * nBins).fill(1e300);
      const counts = new Int32Array(offset + 3 * nBins).fill(1_000_000);
      for (let b = 0; b < nBins; b++) {
        sums[offset + nBins + b] = h[2 * b];
        counts[offset + nBins + b] = h[2 * b + 1];
      }
      const out = new Float64Array(FEATURE_RESULT_SIZE + 3);
      const missing = hasMissing ? 1 : 0;
      findFeatureSplit(
        sums,
        counts,
        offset,
        1,
        nBins,
        nBinsNonMissing,
        missing,
        n,
        sg,
        value,
        l2,
        msl,
        out,
        3,
      );
      const expected = reference(h, nBinsNonMissing, hasMissing, n, sg, value, l2, msl);
      expect(Array.from(out.subarray(3)), `case ${t}`).toEqual(expected);
      if (expected[0] > 0) cases++;
      if (n < 2 * nBinsNonMissing) sparseNodes++;
      else denseNodes++;
    }
    expect(cases).toBeGreaterThan(2000);
    expect(sparseNodes).toBeGreaterThan(300);
    expect(denseNodes).toBeGreaterThan(300);
  });
});
