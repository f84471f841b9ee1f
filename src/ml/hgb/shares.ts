/**
 * One thread's share of an operation of the fit, the same code whichever thread runs it: the
 * calling thread calls these functions directly, worker threads run them from their source text
 * (workers.ts). Hence everything here is self-contained: no imports at run time, no helpers from
 * outside, constants passed in (`C`).
 *
 * An operation is cut into shares whose results do not depend on which thread does them; threads
 * claim shares one at a time until none is left (claimShare):
 * - per feature (histograms, split search, binning): share k is features [ranges[k], ranges[k+1])
 *   (one feature per share for binning); each feature's sums are made by one thread in row order,
 *   so results are those of a single thread;
 * - per row range (partition chunks, gradients and losses, raw updates, validation predictions,
 *   the row-major copy of the bins): share k of K is rows [floor(k n / K), floor((k+1) n / K)); rows
 *   are computed independently, partition chunks are stable and are concatenated in order
 *   afterwards.
 */

import type { blockPairwiseSum } from '../pairwise.js';
import type {
  binColumnBuckets,
  binColumnSearch,
  bucketsUnusable,
  columnThresholds,
  transposeBins,
} from './binning.js';
import type { assignLeaves } from './grower.js';
import type { makeHistogramKernels, NodeKernel, RootKernel, SubtractKernel } from './histogram.js';
import type { residuals, residualsAfterTree, sumGradients } from './loss.js';
import type { predictBinnedPacked } from './predictor.js';
import type { specialize } from './specialize.js';
import type { findFeatureSplit, markSides, partitionBySides, partitionInto } from './splitting.js';

/** The most threads a fit uses. */
export const MAX_THREADS = 64;
/** The most shares an operation is cut into (per-share results use fixed slots; claims use 11 bits). */
export const MAX_SHARES = 256;

/** Control block (Int32Array) slots and operation codes, handed to the workers as data. */
export const C = {
  GEN: 0,
  OP: 1,
  /** shares of the current operation completed */
  DONE: 2,
  /** workers that have picked up the current state (only for the contention guard) */
  READY: 3,
  FAILED: 4,
  /** number of shares of the current operation */
  NSHARES: 5,
  /** (generation tag << 11) | next share to claim: see claimShare */
  CLAIM: 6,
  /** generation tags are the generation's low 20 bits */
  TAG_MASK: 0xfffff,
  /** how many workers sleep in Atomics.wait (notify only then: Atomics.notify is slow in V8) */
  SLEEPERS: 7,
  /** 1 while the calling thread sleeps waiting for the workers */
  MAIN_SLEEPING: 8,
  /** integer arguments A0 .. A0 + 7 */
  A0: 9,
  /** the epoch of the state the workers must work on (see WorkerTeam.setup) */
  EPOCH: 17,
  /** per-share results (left counts of partition chunks) */
  COUNTS: 24,
  SIZE: 24 + MAX_SHARES,
  /** float64 arguments per split request: [hist, nSamples, sumGradients, value], left then right */
  REQUEST_ARGS: 4,
  OP_EXIT: 1,
  OP_ROOT: 2,
  OP_CHILDREN: 3,
  OP_PARTITION: 4,
  OP_COUNT: 11,
  OP_RESIDUALS: 5,
  OP_APPLY: 6,
  OP_VALIDATE: 7,
  OP_RESET: 8,
  OP_BIN: 9,
  OP_TRANSPOSE: 10,
};
export type Constants = typeof C;

/** The kernels, as the shares receive them. */
export interface Kernels {
  make: typeof makeHistogramKernels;
  split: typeof findFeatureSplit;
  partition: typeof partitionInto;
  mark: typeof markSides;
  bySides: typeof partitionBySides;
  residuals: typeof residuals;
  residualsAfterTree: typeof residualsAfterTree;
  sum: typeof sumGradients;
  blockSum: typeof blockPairwiseSum;
  assign: typeof assignLeaves;
  predict: typeof predictBinnedPacked;
  thresholds: typeof columnThresholds;
  /** binning (binColumn's two paths and its choice between them) */
  bin: typeof binColumnBuckets;
  binSearch: typeof binColumnSearch;
  bucketsUnusable: typeof bucketsUnusable;
  transpose: typeof transposeBins;
  specialize: typeof specialize;
}

/** Everything the shares of a fit's operations read and write. */
export interface FitState {
  kind: 'fit';
  control: Int32Array;
  args: Float64Array;
  /** features [ranges[k], ranges[k + 1]) are share k of the per-feature operations */
  ranges: number[];
  /** number of shares of the per-row operations */
  rowShares: number;
  /**
   * per feature share k, the row-major bins of features [ranges[k], ranges[k + 1]) (one share:
   * the binned matrix's rows)
   */
  shareRows: Uint8Array[];
  columns: Uint8Array;
  nRows: number;
  nFeatures: number;
  nBins: number;
  missingBin: number;
  nBinsNonMissing: Uint32Array;
  hasMissing: Uint8Array;
  l2: number;
  minSamplesLeaf: number;
  rootCounts: Int32Array;
  gradients: Float32Array;
  /**
   * the two index buffers, one after the other (buffer b at b * nRows): a node's samples are a
   * range of one, its children's of the other
   */
  indices: Uint32Array;
  /** scratch for the threaded partition: each sample's side */
  sides: Uint8Array;
  /** the histogram pool: gradient sums and counts (histogram.ts) */
  hist: Float64Array;
  counts: Int32Array;
  /** per-feature split results, FEATURE_RESULT_SIZE each, for the left then the right child */
  results: Float64Array;
  resultSize: number;
  y: Float64Array;
  raw: Float64Array;
  losses: Float64Array;
  /** NumPy's pairwise sums of the losses, per block of 8192 rows (training, then validation) */
  lossBlocks: Float64Array;
  lossBlocksVal: Float64Array;
  segments: Float64Array;
  /** leaf id of each training row in the last tree, and the leaves' values (see assignLeaves) */
  leafOf: Uint16Array | Uint32Array;
  leafValues: Float64Array;
  treeNodes: Int32Array;
  treeValues: Float64Array;
  valRows: Uint8Array | null;
  yval: Float64Array | null;
  rawVal: Float64Array | null;
  lossesVal: Float64Array | null;
  spin: number;
  /** set by WorkerTeam.setup: workers leave a state whose epoch is no longer ctl[EPOCH] */
  epoch: number;
  c: Constants;
}

/** What the shares of binning the training (and validation) rows of a matrix need. */
export interface BinState {
  kind: 'bin';
  control: Int32Array;
  /** number of shares of the thresholds and bins (by feature) and of the row-major copy (by row) */
  featureShares: number;
  rowShares: number;
  nFeatures: number;
  maxBins: number;
  missingBin: number;
  /** the whole matrix, column-major, nRowsX rows */
  x: Float64Array;
  nRowsX: number;
  /** the training rows, then the validation rows: which rows of x (null: all), and the output bins */
  sets: { rows: Int32Array | null; n: number; columns: Uint8Array; binnedRows: Uint8Array }[];
  /**
   * the rows of x the thresholds come from (the training rows, or the subsample of them), or null
   * for all rows
   */
  thresholdRows: Int32Array | null;
  /** thresholds of feature f at thresholds[f * maxBins ..], their count in counts[f] */
  thresholds: Float64Array;
  counts: Int32Array;
  spin: number;
  /** set by WorkerTeam.setup: workers leave a state whose epoch is no longer ctl[EPOCH] */
  epoch: number;
  c: Constants;
}

/** A fit's row kernels bound to its arrays (see specialize.ts). */
export interface RowKernels {
  /** partitionInto from a buffer to the other one */
  partition: (
    buffer: number,
    start: number,
    end: number,
    feature: number,
    bin: number,
    upper: number,
    left: number,
    right: number,
  ) => void;
  /** markSides over a buffer */
  mark: (buffer: number, start: number, end: number, feature: number, bin: number, upper: number) => number;
  /** partitionBySides from a buffer to the other one */
  bySides: (buffer: number, start: number, end: number, left: number, right: number) => void;
  residuals: (start: number, end: number, withLoss: boolean) => void;
  residualsAfterTree: (start: number, end: number, withLoss: boolean) => void;
  sum: (start: number, end: number, sum: number) => number;
  assign: (nSegments: number, from: number, to: number) => void;
  predict: ((withTree: boolean, start: number, end: number) => void) | null;
}

/** Histogram kernels for some features (makeHistogramKernels). */
export interface HistKernels {
  root: RootKernel;
  node: NodeKernel;
  sub: SubtractKernel;
}

/** Bind the row kernels to a fit's arrays. */
export function bindRowKernels(s: FitState, K: Kernels): RowKernels {
  const spec = K.specialize;
  return {
    partition: spec<RowKernels['partition']>(K.partition, [s.columns, s.nRows, s.indices]),
    mark: spec<RowKernels['mark']>(K.mark, [s.columns, s.nRows, s.indices, s.sides]),
    bySides: spec<RowKernels['bySides']>(K.bySides, [s.indices, s.nRows, s.sides]),
    residuals: spec<RowKernels['residuals']>(K.residuals, [s.y, s.raw, s.gradients, s.losses]),
    sum: spec<RowKernels['sum']>(K.sum, [s.gradients]),
    residualsAfterTree: spec<RowKernels['residualsAfterTree']>(K.residualsAfterTree, [
      s.y,
      s.raw,
      s.gradients,
      s.losses,
      s.leafOf,
      s.leafValues,
    ]),
    assign: spec<RowKernels['assign']>(K.assign, [s.leafOf, s.indices, s.columns, s.nRows, s.segments]),
    predict:
      s.valRows && s.rawVal && s.yval && s.lossesVal
        ? spec<RowKernels['predict']>(K.predict, [
            s.treeNodes,
            s.treeValues,
            s.valRows,
            s.nFeatures,
            s.missingBin,
            s.rawVal,
            s.yval,
            s.lossesVal,
          ])
        : null,
  };
}

/** Histogram kernels of every feature share, bound to the state's arrays. */
export function shareHistKernels(s: FitState, K: Kernels): HistKernels[] {
  const out: HistKernels[] = [];
  const arrays = {
    rows: s.shareRows[0],
    gradients: s.gradients,
    rootCounts: s.rootCounts,
    hist: s.hist,
    counts: s.counts,
    indices: s.indices,
  };
  for (let k = 0; k + 1 < s.ranges.length; k++) {
    arrays.rows = s.shareRows[k];
    out.push(K.make(s.nBins, s.nRows, s.nBinsNonMissing, s.hasMissing, s.ranges[k], s.ranges[k + 1], arrays));
  }
  return out;
}

/**
 * Best splits of features [f0, f1) of the node whose request is at args[a ..] into results, slot
 * `slot` (0: left child or root, 1: right child).
 */
export function splitFeatures(
  s: FitState,
  K: Kernels,
  a: number,
  slot: number,
  f0: number,
  f1: number,
): void {
  const args = s.args;
  const base = slot * s.nFeatures * s.resultSize;
  for (let f = f0; f < f1; f++) {
    K.split(
      s.hist,
      s.counts,
      args[a] | 0, // an offset: an int, not the double it is stored as (see runFitShare)
      f,
      s.nBins,
      s.nBinsNonMissing[f],
      s.hasMissing[f],
      args[a + 1],
      args[a + 2],
      args[a + 3],
      s.l2,
      s.minSamplesLeaf,
      s.results,
      base + f * s.resultSize,
    );
  }
}

/**
 * Share k of nShares of a fit operation (its arguments in s.control / s.args). The per-feature
 * operations have one share per feature range (s.ranges), the per-row ones nShares.
 */
export function runFitShare(
  s: FitState,
  K: Kernels,
  R: RowKernels,
  H: HistKernels[],
  split: typeof splitFeatures,
  op: number,
  k: number,
  nShares: number,
): void {
  const ctl = s.control;
  const c = s.c;
  const a0 = c.A0;
  const rowShare = (from: number, to: number): [number, number] => {
    const len = to - from;
    return [from + Math.floor((k * len) / nShares), from + Math.floor(((k + 1) * len) / nShares)];
  };
  // Rows [from, to) made of whole 8192-row blocks (the last one may be short), for the passes that
  // also sum the losses block by block as NumPy does.
  const blockShare = (n: number): [number, number] => {
    const blocks = Math.ceil(n / 8192);
    const b0 = Math.floor((k * blocks) / nShares);
    const b1 = Math.floor(((k + 1) * blocks) / nShares);
    return [Math.min(n, b0 * 8192), Math.min(n, b1 * 8192)];
  };
  const sumBlocks = (losses: Float64Array, into: Float64Array, from: number, to: number): void => {
    for (let b = from; b < to; b += 8192) into[b / 8192] = K.blockSum(losses, b, Math.min(to, b + 8192));
  };
  if (op === c.OP_ROOT) {
    // Offsets and counts read from the Float64Array of arguments are doubles for V8; passed as such,
    // every index computed from them in the kernels becomes floating-point arithmetic (measured
    // 1.8x slower). `| 0` makes them the small integers they are.
    H[k].root(s.args[0] | 0);
    split(s, K, 0, 0, s.ranges[k], s.ranges[k + 1]);
  } else if (op === c.OP_CHILDREN) {
    const small = ctl[a0 + 2];
    H[k].node(ctl[a0 + 6] * s.nRows + ctl[a0], ctl[a0 + 1], small);
    H[k].sub(ctl[a0 + 3], small);
    if (ctl[a0 + 4]) split(s, K, 0, 0, s.ranges[k], s.ranges[k + 1]);
    if (ctl[a0 + 5]) split(s, K, c.REQUEST_ARGS, 1, s.ranges[k], s.ranges[k + 1]);
  } else if (op === c.OP_COUNT) {
    // arguments: start, count, feature, bin, upper, buffer
    const [from, to] = rowShare(ctl[a0], ctl[a0] + ctl[a0 + 1]);
    ctl[c.COUNTS + k] = R.mark(ctl[a0 + 5], from, to, ctl[a0 + 2], ctl[a0 + 3], ctl[a0 + 4]);
  } else if (op === c.OP_PARTITION) {
    // After OP_COUNT (same arguments): chunk k's left samples go after the left samples of the
    // chunks before it, its right samples after all left samples and the earlier chunks' right ones.
    const start = ctl[a0];
    const count = ctl[a0 + 1];
    const chunks = nShares;
    let nLeft = 0;
    for (let j = 0; j < chunks; j++) nLeft += ctl[c.COUNTS + j];
    let left = start;
    let right = start + nLeft;
    for (let j = 0; j < k; j++) {
      const len = Math.floor(((j + 1) * count) / chunks) - Math.floor((j * count) / chunks);
      left += ctl[c.COUNTS + j];
      right += len - ctl[c.COUNTS + j];
    }
    const [from, to] = rowShare(start, start + count);
    R.bySides(ctl[a0 + 5], from, to, left, right);
  } else if (op === c.OP_RESIDUALS) {
    // arguments: with losses, after a tree
    const [from, to] = blockShare(s.nRows);
    const withLoss = ctl[a0] === 1;
    if (ctl[a0 + 1] === 1) R.residualsAfterTree(from, to, withLoss);
    else R.residuals(from, to, withLoss);
    if (withLoss) sumBlocks(s.losses, s.lossBlocks, from, to);
  } else if (op === c.OP_APPLY) {
    const [from, to] = rowShare(0, s.nRows);
    R.assign(ctl[a0], from, to);
  } else if (op === c.OP_VALIDATE && R.predict && s.yval && s.lossesVal) {
    const [from, to] = blockShare(s.yval.length);
    R.predict(ctl[a0] === 1, from, to);
    sumBlocks(s.lossesVal, s.lossBlocksVal, from, to);
  } else if (op === c.OP_RESET) {
    const [from, to] = rowShare(0, s.nRows);
    const p = s.indices;
    for (let i = from; i < to; i++) p[i] = i;
  }
}

/**
 * Share k of a binning operation: a range of features (OP_BIN: the feature's training values are
 * gathered, its thresholds computed from them and both sets binned), or of rows (OP_TRANSPOSE).
 */
export function runBinShare(s: BinState, K: Kernels, op: number, k: number): void {
  if (op === s.c.OP_BIN) {
    const f0 = Math.floor((k * s.nFeatures) / s.featureShares);
    const f1 = Math.floor(((k + 1) * s.nFeatures) / s.featureShares);
    const n = s.nRowsX;
    // Every row of x is binned once, in place (no gather of float64 values: a loop V8 runs boxed
    // until it has optimised it), then the sets take their rows' bins.
    const direct = s.sets.length === 1 && s.sets[0].rows === null;
    const all = direct ? s.sets[0].columns : new Uint8Array(n);
    for (let f = f0; f < f1; f++) {
      const offset = f * n;
      const th = K.thresholds(s.x, offset, n, s.thresholdRows, s.maxBins);
      s.thresholds.set(th, f * s.maxBins);
      s.counts[f] = th.length;
      // (binColumn's choice, written out: the shares only have the kernels)
      const bin = K.bucketsUnusable(th) ? K.binSearch : K.bin;
      bin(s.x, offset, n, th, s.missingBin, all, direct ? offset : 0);
      if (direct) continue;
      for (const set of s.sets) {
        const out = set.columns;
        const rows = set.rows;
        const base = f * set.n;
        if (rows) for (let i = 0; i < set.n; i++) out[base + i] = all[rows[i]];
        else out.set(all.subarray(0, set.n), base);
      }
    }
  } else if (op === s.c.OP_TRANSPOSE) {
    for (const set of s.sets) {
      const from = Math.floor((k * set.n) / s.rowShares);
      const to = Math.floor(((k + 1) * set.n) / s.rowShares);
      K.transpose(set.columns, set.binnedRows, set.n, s.nFeatures, from, to);
    }
  }
}

/**
 * Claim the next unclaimed share of generation `gen`'s operation: its index, or -1 when none is
 * left (or that operation is over). C.CLAIM holds (generation tag << 11) | next index, C.NSHARES the
 * operation's share count. To start an operation the calling thread first closes CLAIM (index 2047,
 * more than any share count), then sets NSHARES, the operation and its arguments, and only then
 * opens CLAIM at index 0 under the new generation's tag; nothing changes again until all shares
 * are done. So a successful compare-and-swap always claims a share of the operation the claimer
 * meant, even for a thread that was descheduled since it last looked (the tag would differ), and
 * the claimer reads the operation only after claiming.
 */
export function claimShare(ctl: Int32Array, c: Constants, gen: number): number {
  const tag = gen & c.TAG_MASK;
  for (;;) {
    const v = Atomics.load(ctl, c.CLAIM);
    if (v >>> 11 !== tag) return -1;
    const index = v & 2047;
    if (index >= Atomics.load(ctl, c.NSHARES)) return -1;
    if (Atomics.compareExchange(ctl, c.CLAIM, v, v + 1) === v) return index;
  }
}
