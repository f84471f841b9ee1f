import { describe, expect, it } from 'vitest';
import { blockPairwiseSum, NUMPY_BLOCK } from '../../src/ml/pairwise.js';
import { RandomState } from '../../src/ml/random.js';

/**
 * NumPy's pairwise_sum written the plain recursive way (numpy/core/src/umath/loops_utils.h.src),
 * as an independent reference for the one in src/ml/pairwise.ts, which walks the same tree with
 * its recursion split in two.
 */
function referencePairwise(x: Float64Array, start: number, end: number): number {
  const n = end - start;
  if (n < 8) {
    let res = 0;
    for (let i = start; i < end; i++) res += x[i];
    return res;
  }
  if (n <= 128) {
    const r = Array.from({ length: 8 }, (_, k) => x[start + k]);
    let i = start + 8;
    for (; i < start + (n - (n % 8)); i += 8) for (let k = 0; k < 8; k++) r[k] += x[i + k];
    let res = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
    for (; i < end; i++) res += x[i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return referencePairwise(x, start, start + n2) + referencePairwise(x, start + n2, end);
}

describe('blockPairwiseSum', () => {
  it("is NumPy's pairwise_sum to the bit, for every block size", () => {
    const rs = new RandomState(3);
    const x = Float64Array.from(
      { length: NUMPY_BLOCK + 40 },
      () => (rs.randomSample() - 0.3) * 10 ** (rs.randomSample() * 12 - 6),
    );
    const sizes = [
      ...Array.from({ length: 300 }, (_, i) => i),
      511,
      512,
      513,
      1000,
      4095,
      4096,
      4097,
      8191,
      8192,
    ];
    for (const n of sizes) {
      for (const start of [0, 3, 37]) {
        if (start + n > x.length) continue;
        expect(
          Object.is(blockPairwiseSum(x, start, start + n), referencePairwise(x, start, start + n)),
          `n=${n} start=${start}`,
        ).toBe(true);
      }
    }
  });
});
