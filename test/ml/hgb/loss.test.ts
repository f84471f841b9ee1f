import { describe, expect, it } from 'vitest';
import { blockPairwiseSum, NUMPY_BLOCK } from '../../../src/ml/hgb/loss.js';
import { pairwiseSum } from '../../../src/ml/metrics.js';
import { RandomState } from '../../../src/ml/random.js';

describe('blockPairwiseSum', () => {
  it("is metrics.ts's pairwiseSum (NumPy's) to the bit, for every block size", () => {
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
          Object.is(blockPairwiseSum(x, start, start + n), pairwiseSum(x, start, start + n)),
          `n=${n} start=${start}`,
        ).toBe(true);
      }
    }
  });
});
