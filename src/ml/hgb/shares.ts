/**
 * One thread's share of an operation of the fit, the same code whichever thread runs it: the
 * calling thread calls these functions directly, worker threads run them from their source text
 * (workers.ts). Hence everything here is self-contained: no imports at run time, no helpers from
 * outside, constants passed in (`C`).
 *
 * An operation is cut into shares that do not depend on which thread does them:
 * - per feature (histograms, split search, binning): share t is features [ranges[t], ranges[t+1]);
 *   each feature's sums are made by one thread in row order, so results are those of one thread;
 * - per row range (partition chunks, gradients and losses, raw updates, validation predictions,
 *   the row-major copy of the bins): share t is rows [floor(t n / T), floor((t+1) n / T)); rows are
 *   computed independently, partition chunks are stable and are concatenated in order afterwards.
 */
import type { binColumn, columnThresholds, transposeBins } from './binning.js';
import type { applySegments } from './grower.js';
import type { makeHistogramKernels, NodeKernel, RootKernel, SubtractKernel } from './histogram.js';
import type { residuals, sumGradients } from './loss.js';
import type { predictBinnedPacked } from './predictor.js';
import type { specialize } from './specialize.js';
import type { findFeatureSplit, partitionChunk } from './splitting.js';

/** The most threads a fit uses (shares are tracked in fixed slots). */
export const MAX_THREADS = 64;

/** Control block (Int32Array) slots and operation codes, handed to the workers as data. */
export const C = {
  GEN: 0,
  OP: 1,
  COMPLETED: 2,
  READY: 3,
  FAILED: 4,
  /** how many workers sleep in Atomics.wait (notify only then: Atomics.notify is slow in V8) */
  SLEEPERS: 14,
  /** 1 while the calling thread sleeps waiting for the workers */
  MAIN_SLEEPING: 15,
  /** integer arguments A0 .. A0 + 5 */
  A0: 5,
  /** per-share results (left counts of partition chunks) */
  COUNTS: 16,
  /** per-share claims: the generation that claimed the share last */
  CLAIMS: 16 + MAX_THREADS,
  SIZE: 16 + 2 * MAX_THREADS,
  /** float64 arguments per split request: [hist, nSamples, sumGradients, value], left then right */
  REQUEST_ARGS: 4,
  OP_EXIT: 1,
  OP_ROOT: 2,
  OP_CHILDREN: 3,
  OP_PARTITION: 4,
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
  partition: typeof partitionChunk;
  residuals: typeof residuals;
  sum: typeof sumGradients;
  apply: typeof applySegments;
  predict: typeof predictBinnedPacked;
  thresholds: typeof columnThresholds;
  bin: typeof binColumn;
  transpose: typeof transposeBins;
  specialize: typeof specialize;
}

/** Everything the shares of a fit's operations read and write. */
export interface FitState {
  kind: 'fit';
  control: Int32Array;
  args: Float64Array;
  nThreads: number;
  /** features [ranges[t], ranges[t + 1]) are share t of the per-feature operations */
  ranges: number[];
  rows: Uint8Array;
  columns: Uint8Array;
  nRows: number;
  nFeatures: number;
  nBins: number;
  missingBin: number;
  nBinsNonMissing: Uint32Array;
  hasMissing: Uint8Array;
  l2: number;
  minSamplesLeaf: number;
  rootCounts: Float64Array;
  gradients: Float32Array;
  partition: Uint32Array;
  scratch: Uint32Array;
  hist: Float64Array;
  /** per-feature split results, FEATURE_RESULT_SIZE each, for the left then the right child */
  results: Float64Array;
  resultSize: number;
  y: Float64Array;
  raw: Float64Array;
  losses: Float64Array;
  segments: Float64Array;
  treeNodes: Int32Array;
  treeValues: Float64Array;
  valRows: Uint8Array | null;
  yval: Float64Array | null;
  rawVal: Float64Array | null;
  lossesVal: Float64Array | null;
  spin: number;
  c: Constants;
}

/** What the shares of binning a training (and validation) matrix need. */
export interface BinState {
  kind: 'bin';
  control: Int32Array;
  nThreads: number;
  ranges: number[];
  nFeatures: number;
  maxBins: number;
  missingBin: number;
  /** per matrix (training, then validation): column-major values, and the output bins */
  matrices: { x: Float64Array; nRows: number; columns: Uint8Array; rows: Uint8Array }[];
  /** rows the thresholds come from (the training matrix's subsample), or null for all */
  subsample: Int32Array | null;
  /** thresholds of feature f at thresholds[f * maxBins ..], their count in counts[f] */
  thresholds: Float64Array;
  counts: Int32Array;
  spin: number;
  c: Constants;
}

/** A fit's kernels bound to its arrays (see specialize.ts), for one share's features. */
export interface FitKernels {
  root: RootKernel;
  node: NodeKernel;
  sub: SubtractKernel;
  partition: (start: number, end: number, feature: number, bin: number, upper: number) => number;
  residuals: (start: number, end: number, withLoss: boolean) => void;
  sum: (start: number, end: number, sum: number) => number;
  apply: (nSegments: number, from: number, to: number) => void;
  predict: ((withTree: boolean, start: number, end: number) => void) | null;
}

/** Bind the kernels to a fit's arrays, with the histogram kernels of features [f0, f1). */
export function bindFitKernels(s: FitState, K: Kernels, f0: number, f1: number): FitKernels {
  const h = K.make(s.nFeatures, s.nBins, s.nBinsNonMissing, s.hasMissing, f0, f1);
  const spec = K.specialize;
  return {
    root: h.root,
    node: h.node,
    sub: h.sub,
    partition: spec<FitKernels['partition']>(K.partition, [s.columns, s.nRows, s.partition, s.scratch]),
    residuals: spec<FitKernels['residuals']>(K.residuals, [s.y, s.raw, s.gradients, s.losses]),
    sum: spec<FitKernels['sum']>(K.sum, [s.gradients]),
    apply: spec<FitKernels['apply']>(K.apply, [s.raw, s.partition, s.columns, s.nRows, s.segments]),
    predict:
      s.valRows && s.rawVal && s.yval && s.lossesVal
        ? spec<FitKernels['predict']>(K.predict, [
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
      args[a],
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

/** Share t of a fit operation (its arguments in s.control / s.args). */
export function runFitShare(
  s: FitState,
  K: Kernels,
  B: FitKernels,
  split: typeof splitFeatures,
  op: number,
  t: number,
): void {
  const ctl = s.control;
  const c = s.c;
  const a0 = c.A0;
  const f0 = s.ranges[t];
  const f1 = s.ranges[t + 1];
  const rowShare = (from: number, to: number): [number, number] => {
    const len = to - from;
    return [from + Math.floor((t * len) / s.nThreads), from + Math.floor(((t + 1) * len) / s.nThreads)];
  };
  if (op === c.OP_ROOT) {
    B.root(s.rows, s.gradients, s.nRows, s.rootCounts, s.hist, s.args[0]);
    split(s, K, 0, 0, f0, f1);
  } else if (op === c.OP_CHILDREN) {
    const small = ctl[a0 + 2];
    B.node(s.rows, s.partition, ctl[a0], ctl[a0 + 1], s.gradients, s.hist, small);
    B.sub(s.hist, ctl[a0 + 3], small);
    if (ctl[a0 + 4]) split(s, K, 0, 0, f0, f1);
    if (ctl[a0 + 5]) split(s, K, c.REQUEST_ARGS, 1, f0, f1);
  } else if (op === c.OP_PARTITION) {
    const [from, to] = rowShare(ctl[a0], ctl[a0] + ctl[a0 + 1]);
    ctl[c.COUNTS + t] = B.partition(from, to, ctl[a0 + 2], ctl[a0 + 3], ctl[a0 + 4]);
  } else if (op === c.OP_RESIDUALS) {
    const [from, to] = rowShare(0, s.nRows);
    B.residuals(from, to, ctl[a0] === 1);
  } else if (op === c.OP_APPLY) {
    const [from, to] = rowShare(0, s.nRows);
    B.apply(ctl[a0], from, to);
  } else if (op === c.OP_VALIDATE && B.predict && s.yval) {
    const [from, to] = rowShare(0, s.yval.length);
    B.predict(ctl[a0] === 1, from, to);
  } else if (op === c.OP_RESET) {
    const [from, to] = rowShare(0, s.nRows);
    const p = s.partition;
    for (let i = from; i < to; i++) p[i] = i;
  }
}

/** Share t of a binning operation. */
export function runBinShare(s: BinState, K: Kernels, op: number, t: number): void {
  if (op === s.c.OP_BIN) {
    const train = s.matrices[0];
    for (let f = s.ranges[t]; f < s.ranges[t + 1]; f++) {
      const th = K.thresholds(train.x, f * train.nRows, train.nRows, s.subsample, s.maxBins);
      s.thresholds.set(th, f * s.maxBins);
      s.counts[f] = th.length;
      for (const m of s.matrices) K.bin(m.x, f * m.nRows, m.nRows, th, s.missingBin, m.columns, f * m.nRows);
    }
  } else if (op === s.c.OP_TRANSPOSE) {
    for (const m of s.matrices) {
      const from = Math.floor((t * m.nRows) / s.nThreads);
      const to = Math.floor(((t + 1) * m.nRows) / s.nThreads);
      K.transpose(m.columns, m.rows, m.nRows, s.nFeatures, from, to);
    }
  }
}

/** Claim share t for generation gen: true for exactly one thread. */
export function claim(ctl: Int32Array, c: Constants, t: number, gen: number): boolean {
  for (;;) {
    const v = Atomics.load(ctl, c.CLAIMS + t);
    if (v >= gen) return false;
    if (Atomics.compareExchange(ctl, c.CLAIMS + t, v, gen) === v) return true;
  }
}
