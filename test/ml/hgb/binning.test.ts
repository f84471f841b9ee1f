import { describe, expect, it } from 'vitest';
import { BinMapper, binColumn, binOf, findBinningThresholds } from '../../../src/ml/hgb/binning.js';
import { binRows } from '../../../src/ml/hgb/workers.js';
import { fromColumns, takeRows } from '../../../src/ml/matrix.js';
import { RandomState } from '../../../src/ml/random.js';
import { type DataSpec, decodeAll, loadFixture, makeData } from './data.js';

interface BinningCase {
  data: DataSpec & { n: number };
  n_bins: number;
  random_state?: number;
  thresholds: unknown[][];
  n_bins_non_missing: number[];
  binned?: number[][];
  bin_counts?: number[][];
  first_rows?: number[][];
}

const fixture = loadFixture<{ cases: BinningCase[] }>('hgb_binning.json');

/** Same bits, NaN included (toEqual would also accept -0 for 0). */
function sameBits(a: Float64Array, b: Float64Array): boolean {
  return a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
}

describe('BinMapper against scikit-learn 1.2.1 _BinMapper', () => {
  for (const c of fixture.cases) {
    const label = `${c.data.kinds.join(',')} on ${c.data.n} rows, n_bins=${c.n_bins}`;
    it(`thresholds and bins: ${label}`, () => {
      const { X } = makeData({ ...c.data, target: 'none' }, c.data.n);
      const bm = new BinMapper(c.n_bins).fit(X, new RandomState(c.random_state ?? 0));
      expect(Array.from(bm.nBinsNonMissing)).toEqual(c.n_bins_non_missing);
      c.thresholds.forEach((t, j) => {
        expect(sameBits(bm.thresholds[j], decodeAll(t)), `thresholds of column ${j}`).toBe(true);
      });
      const binned = bm.transform(X);
      const F = X.nCols;
      const column = (j: number, rows: number) =>
        Array.from({ length: rows }, (_, i) => binned.rows[i * F + j]);
      for (const [j, col] of (c.binned ?? []).entries()) {
        expect(column(j, X.nRows), `bins of column ${j}`).toEqual(col);
      }
      for (const [j, col] of (c.first_rows ?? []).entries()) expect(column(j, 50)).toEqual(col);
      if (c.bin_counts) {
        c.bin_counts.forEach((counts, j) => {
          const got = new Array(256).fill(0);
          for (let i = 0; i < X.nRows; i++) got[binned.rows[i * F + j]]++;
          expect(got, `bin counts of column ${j}`).toEqual(counts);
        });
      }
    });
  }

  it('gives the same thresholds and bins with binRows, on all rows or some, on 1 or 2 threads', () => {
    const c = fixture.cases.find((k) => k.data.n > 200_000) as BinningCase;
    const { X } = makeData({ ...c.data, target: 'none' }, c.data.n);
    const serial = new BinMapper(c.n_bins);
    serial.fit(X, new RandomState(c.random_state ?? 0));
    const expected = serial.transform(X);
    for (const threads of [1, 2]) {
      const mapper = new BinMapper(c.n_bins);
      const subsample = mapper.subsampleRows(X.nRows, new RandomState(c.random_state ?? 0));
      const { binned } = binRows(mapper, X, null, null, subsample, threads);
      c.thresholds.forEach((t, j) => {
        expect(sameBits(mapper.thresholds[j], decodeAll(t)), `thresholds of column ${j}`).toBe(true);
      });
      expect(Buffer.compare(Buffer.from(binned.rows), Buffer.from(expected.rows))).toBe(0);
      expect(Buffer.compare(Buffer.from(binned.columns), Buffer.from(expected.columns))).toBe(0);
    }
    // Some rows, in a given order, and held-out rows binned with the same thresholds.
    const rs = new RandomState(5);
    const perm = rs.permutation(X.nRows);
    const train = perm.slice(0, 150_000);
    const val = perm.slice(150_000, 160_000);
    const Xtrain = takeRows(X, train);
    const reference = new BinMapper(c.n_bins).fit(Xtrain, new RandomState(9));
    for (const threads of [1, 2]) {
      const mapper = new BinMapper(c.n_bins);
      const { binned, binnedVal } = binRows(mapper, X, train, val, null, threads);
      expect(mapper.thresholds).toEqual(reference.thresholds);
      expect(Buffer.from(binned.rows).equals(Buffer.from(reference.transform(Xtrain).rows))).toBe(true);
      expect(
        Buffer.from(binnedVal?.rows ?? []).equals(Buffer.from(reference.transform(takeRows(X, val)).rows)),
      ).toBe(true);
    }
  });

  it('takes the thresholds from the subsample of the training rows when there are more than 200,000 of them', () => {
    const c = fixture.cases.find((k) => k.data.n > 200_000) as BinningCase;
    const { X } = makeData({ ...c.data, target: 'none' }, c.data.n);
    const perm = new RandomState(7).permutation(X.nRows);
    const train = perm.slice(0, X.nRows - 1_000);
    const val = perm.slice(X.nRows - 1_000);
    expect(train.length).toBeGreaterThan(200_000);
    const Xtrain = takeRows(X, train);
    // BinMapper.fit draws the subsample of the rows it is given, as sklearn's _BinMapper does
    const reference = new BinMapper(c.n_bins).fit(Xtrain, new RandomState(3));
    for (const threads of [1, 2]) {
      const mapper = new BinMapper(c.n_bins);
      const subsample = mapper.subsampleRows(train.length, new RandomState(3));
      expect(subsample).not.toBeNull();
      const { binned, binnedVal } = binRows(mapper, X, train, val, subsample, threads);
      mapper.thresholds.forEach((t, j) => {
        expect(sameBits(t, reference.thresholds[j]), `thresholds of column ${j}`).toBe(true);
      });
      expect(Buffer.from(binned.columns).equals(Buffer.from(reference.transform(Xtrain).columns))).toBe(true);
      expect(
        Buffer.from(binnedVal?.columns ?? []).equals(
          Buffer.from(reference.transform(takeRows(X, val)).columns),
        ),
      ).toBe(true);
    }
  });

  it('covers the cases the brief names', () => {
    const kinds = new Set(fixture.cases.flatMap((c) => c.data.kinds));
    for (const k of ['int6', 'centered', 'const', 'nan']) expect(kinds.has(k)).toBe(true);
    expect(fixture.cases.some((c) => c.data.n > 200_000)).toBe(true);
  });
});

describe('binning rules', () => {
  it('uses midpoints between distinct values when there are few of them', () => {
    expect(Array.from(findBinningThresholds(Float64Array.of(3, 1, 2, 2, 1), 255))).toEqual([1.5, 2.5]);
  });

  it('maps x to the first bin whose threshold is >= x, NaN to the missing bin', () => {
    const t = Float64Array.of(1.5, 2.5);
    expect([binOf(1, t), binOf(1.5, t), binOf(2, t), binOf(2.5, t), binOf(9, t)]).toEqual([0, 0, 1, 1, 2]);
    const bm = new BinMapper(256).fit(fromColumns([[1, 2, Number.NaN, 3]]), new RandomState(0));
    expect(Array.from(bm.transform(fromColumns([[Number.NaN, 1, 3]])).rows)).toEqual([255, 0, 2]);
  });

  it('takes its percentiles from a sort equal to Float64Array.prototype.sort (radix sort, any values)', () => {
    // The reference: the same np.percentile(method="midpoint") arithmetic over V8's own sort.
    const reference = (values: Float64Array, maxBins: number): number[] => {
      const sorted = values.filter((v) => !Number.isNaN(v)).sort();
      const m = sorted.length;
      const out: number[] = [];
      for (let i = 1; i < maxBins; i++) {
        const pos = (m - 1) * ((i * (100 / maxBins)) / 100);
        const virtual = 0.5 * (Math.floor(pos) + Math.ceil(pos));
        const prev = virtual >= m - 1 ? m - 1 : Math.floor(virtual);
        const next = virtual >= m - 1 ? m - 1 : prev + 1;
        const diff = sorted[next] - sorted[prev];
        const t = virtual % 1 === 0 ? sorted[prev] + diff * 0 : sorted[next] - diff * 0.5;
        out.push(Math.min(t, 1e300));
      }
      return out;
    };
    const rng = new RandomState(3);
    const draws: ((u: number) => number)[] = [
      (u) => (u - 0.5) * 1e6,
      (u) => Math.exp((u - 0.5) * 1400) * (u < 0.5 ? -1 : 1), // every exponent, both signs
      (u) =>
        u < 0.1
          ? -0
          : u < 0.2
            ? 0
            : u < 0.25
              ? Number.POSITIVE_INFINITY
              : u < 0.3
                ? Number.NEGATIVE_INFINITY
                : u - 0.6,
      (u) => Number.MIN_VALUE * Math.floor(u * 1000) * (u < 0.5 ? -1 : 1), // subnormals
      (u) => (u < 0.05 ? Number.NaN : 1000 + Math.floor(u * 400) / 8), // NaN, ties, one exponent
    ];
    for (const [k, draw] of draws.entries()) {
      for (const n of [600, 45_000]) {
        const x = Float64Array.from({ length: n }, () => draw(rng.randomSample()));
        const got = Array.from(findBinningThresholds(x, 255));
        expect(got.length, `draw ${k}`).toBe(254);
        expect(
          got.map((v) => (Object.is(v, -0) ? '-0' : v)),
          `draw ${k} n=${n}`,
        ).toEqual(reference(x, 255).map((v) => (Object.is(v, -0) ? '-0' : v)));
      }
    }
  });

  it('never produces an infinite threshold: +inf data clips to ALMOST_INF', () => {
    const t = findBinningThresholds(Float64Array.of(0, 1, Number.POSITIVE_INFINITY), 255);
    expect(Array.from(t)).toEqual([0.5, 1e300]);
  });

  it('gives a constant or all-missing column no thresholds and one non-missing bin', () => {
    const bm = new BinMapper().fit(
      fromColumns([
        [4, 4, 4],
        [Number.NaN, Number.NaN, Number.NaN],
      ]),
      new RandomState(0),
    );
    expect(bm.thresholds.map((t) => t.length)).toEqual([0, 0]);
    expect(Array.from(bm.nBinsNonMissing)).toEqual([1, 1]);
  });

  it("bins every value as sklearn's binary search does, whatever the thresholds", () => {
    // binColumn starts its search from a bucket table; check it against the plain search on
    // values at, next to and far from the thresholds, with duplicates, outliers and infinities.
    const rs = new RandomState(7);
    const cases: number[][] = [
      Array.from({ length: 254 }, (_, i) => i * 0.5),
      Array.from({ length: 254 }, (_, i) => (i < 200 ? Math.floor(i / 4) : 1e9 + i)), // duplicates, outlier
      Array.from({ length: 254 }, (_, i) => -1e6 + i * i * i),
      [0.5],
      [-3, -3, 2],
      [1, 1e300],
    ];
    for (const t of cases) {
      const thresholds = Float64Array.from(t).sort();
      const values: number[] = [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, Number.NaN, -0, 0, 1e301];
      for (const th of thresholds) values.push(th, th + 1e-9, th - 1e-9, th * (1 + 2 ** -52));
      for (let i = 0; i < 2000; i++) {
        const u = rs.randomSample();
        values.push((u - 0.5) * 2 * Math.max(1, Math.abs(thresholds[thresholds.length - 1])));
      }
      const x = Float64Array.from(values);
      const out = new Uint8Array(x.length);
      binColumn(x, 0, x.length, thresholds, 255, out, 0);
      const expected = Array.from(x, (v) => (Number.isNaN(v) ? 255 : binOf(v, thresholds)));
      expect(Array.from(out)).toEqual(expected);
    }
  });

  it('refuses n_bins outside [3, 256]', () => {
    expect(() => new BinMapper(2)).toThrow(/n_bins=2/);
    expect(() => new BinMapper(257)).toThrow(/n_bins=257/);
  });
});
