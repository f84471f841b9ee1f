/**
 * NumPy's summation of float64 runs, reproduced to the bit: np.sum / np.mean / np.average hand the
 * add loop at most np.getbufsize() = 8192 elements at a time (even for contiguous data) and add
 * the chunks' pairwise sums left to right onto 0.0. Reproducing the grouping, not only the math,
 * is what makes means (imputed values, baselines, scores) bit-identical to NumPy's.
 *
 * blockPairwiseSum is self-contained (no references outside its body) so that worker threads can
 * run the very same function from its source text (ml/hgb/workers.ts).
 */

/** np.getbufsize(): the chunk NumPy's reduction iterator hands to the add loop. */
export const NUMPY_BLOCK = 8192;

/**
 * NumPy's pairwise_sum of x[start .. end) for one block of at most 8192 values
 * (numpy/core/src/umath/loops_utils.h.src): below 8 terms a plain loop; up to 128 terms eight
 * interleaved accumulators combined as ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)) and then
 * the remainder; above that, split at half rounded down to a multiple of 8 and recurse.
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

/** Sum of x[start .. end) exactly as NumPy's add.reduce sums a contiguous float64 run. */
export function pairwiseSum(x: ArrayLike<number>, start = 0, end = x.length): number {
  // one array type reaches blockPairwiseSum, which keeps its hot loop monomorphic
  const xs = x instanceof Float64Array ? x : Float64Array.from(x);
  let res = 0;
  for (let s = start; s < end; s += NUMPY_BLOCK)
    res += blockPairwiseSum(xs, s, Math.min(end, s + NUMPY_BLOCK));
  return res;
}

/** np.mean of a 1-d float64 array: pairwise sum over the count. */
export function numpyMean(x: ArrayLike<number>): number {
  return pairwiseSum(x) / x.length;
}
