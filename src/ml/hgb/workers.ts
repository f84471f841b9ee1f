/**
 * The fit's data work spread over worker threads (ParallelEngine), with results identical to
 * SerialEngine's for any thread count:
 * - histograms and split search are split by feature: each thread builds the histograms of its own
 *   contiguous range of features, in row order, and searches their best splits; the calling thread
 *   then picks the best split among all features in feature order;
 * - partitions are split into consecutive chunks, each partitioned stably, then concatenated in
 *   chunk order (left parts, then right parts): the same order as one stable partition;
 * - the passes over all rows (gradients and losses, adding a tree to the raw predictions,
 *   predicting the validation rows) are split into row ranges; each row is computed on its own, and
 *   the sums that follow (the root's gradient sum, NumPy's pairwise means) are made afterwards on
 *   the calling thread in row order;
 * - binning (parallelBinning) is split by feature: thresholds and bins of a feature are made by one
 *   thread with the same kernels as BinMapper; the row-major copy is then written by row ranges.
 *
 * Mechanics: every buffer of the fit lives in SharedArrayBuffers (EngineBuffers). Workers are
 * started once per process and reused across fits; each runs a loop that waits for a new
 * "generation" in a shared Int32Array (spinning briefly, then Atomics.wait), does its share of
 * the operation, counts itself done and notifies. Work is only dispatched when it is large enough
 * to pay for the synchronisation (a few microseconds); smaller work runs on the calling thread.
 *
 * The workers' code is built from the kernels' own source (`fn.toString()`) and started with
 * `new Worker(source, { eval: true })`, which works the same from TypeScript under vitest and from
 * the compiled JavaScript in dist/. The kernels therefore must stay self-contained.
 */
import { Worker } from 'node:worker_threads';
import type { Matrix } from '../matrix.js';
import { type BinMapper, type BinnedMatrix, binColumn, columnThresholds, transposeBins } from './binning.js';
import { applySegments, type SplitRequest } from './grower.js';
import { makeHistogramKernels } from './histogram.js';
import { meanOf, residuals, sumGradients } from './loss.js';
import {
  childHistograms,
  type Engine,
  type EngineBuffers,
  findFeatureSplits,
  type HistogramKernels,
  kernelsFor,
  resolveSplit,
} from './parallel.js';
import { predictBinnedPacked, type TreePredictor } from './predictor.js';
import {
  FEATURE_RESULT_SIZE,
  findFeatureSplit,
  partitionChunk,
  rightUpperBound,
  type SplitInfo,
} from './splitting.js';

/** Below this many (rows x features) per fit, threads cost more than they save. */
const MIN_FIT_WORK = 50_000;
/** Below this many (samples x features) in a node, its histograms stay on the calling thread. */
const MIN_NODE_WORK = 12_000;
/** Below this many rows, a pass over rows or a partition stays on the calling thread. */
const MIN_ROWS = 16_384;
/** Spin iterations before a waiting thread sleeps in Atomics.wait (tens of microseconds). */
const SPIN = 20_000;

// Control block (Int32Array) slots.
const GEN = 0;
const OP = 1;
const DONE = 2;
const READY = 3;
const FAILED = 4;
const A0 = 5; // integer arguments A0 .. A0 + 5
const COUNTS = 16; // per-thread results (left counts of a partition)
const CONTROL_SIZE = 16 + 64;
// Operations.
const OP_EXIT = 1;
const OP_ROOT = 2;
const OP_CHILDREN = 3;
const OP_PARTITION = 4;
const OP_RESIDUALS = 5;
const OP_APPLY = 6;
const OP_VALIDATE = 7;
const OP_RESET = 8;
const OP_BIN = 9;
const OP_TRANSPOSE = 10;
// Float64 arguments: per split request [hist, nSamples, sumGradients, value], left then right.
const REQUEST_ARGS = 4;

export function shouldUseThreads(nThreads: number, nRows: number, nFeatures: number): boolean {
  return nThreads > 1 && nFeatures > 1 && nRows * nFeatures >= MIN_FIT_WORK;
}

/** Everything a worker needs for a fit (posted once; typed arrays over SharedArrayBuffers). */
interface WorkerSetup {
  kind: 'fit';
  control: Int32Array;
  args: Float64Array;
  thread: number;
  nThreads: number;
  f0: number;
  f1: number;
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
  results: Float64Array;
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
  resultSize: number;
  spin: number;
  c: Record<string, number>;
}

interface Kernels {
  make: typeof makeHistogramKernels;
  split: typeof findFeatureSplit;
  partition: typeof partitionChunk;
  residuals: typeof residuals;
  apply: typeof applySegments;
  predict: typeof predictBinnedPacked;
  thresholds: typeof columnThresholds;
  bin: typeof binColumn;
  transpose: typeof transposeBins;
}

/** What a worker needs to bin a training (and validation) matrix. */
interface BinningSetup {
  kind: 'bin';
  control: Int32Array;
  thread: number;
  nThreads: number;
  f0: number;
  f1: number;
  nFeatures: number;
  maxBins: number;
  missingBin: number;
  /** per matrix (training, then validation): column-major values, rows, and the output bins */
  matrices: { x: Float64Array; nRows: number; columns: Uint8Array; rows: Uint8Array }[];
  /** rows the thresholds come from (the training matrix's subsample), or null for all */
  subsample: Int32Array | null;
  /** thresholds of feature f at thresholds[f * maxBins ..], their count in counts[f] */
  thresholds: Float64Array;
  counts: Int32Array;
  spin: number;
  c: Record<string, number>;
}

/**
 * The worker thread's main function. Self-contained: it runs from its source text, with the
 * kernels passed in. On each setup message it enters its work loop, and returns to the event loop
 * (to receive the next setup) on OP_EXIT.
 */
function workerMain(wt: typeof import('node:worker_threads'), K: Kernels): void {
  const port = wt.parentPort;
  if (!port) return;
  // Wait for the next operation (spinning briefly, then sleeping); returns it.
  const next = (ctl: Int32Array, c: Record<string, number>, gen: number, spin: number): number => {
    let spins = 0;
    while (Atomics.load(ctl, c.GEN) === gen) {
      if (++spins >= spin) {
        Atomics.wait(ctl, c.GEN, gen);
        spins = 0;
      }
    }
    return Atomics.load(ctl, c.GEN);
  };
  const done = (ctl: Int32Array, c: Record<string, number>): void => {
    Atomics.add(ctl, c.DONE, 1);
    Atomics.notify(ctl, c.DONE);
  };
  const share = (from: number, to: number, t: number, nThreads: number): [number, number] => {
    const len = to - from;
    return [from + Math.floor((t * len) / nThreads), from + Math.floor(((t + 1) * len) / nThreads)];
  };
  const binLoop = (s: BinningSetup): void => {
    const { control: ctl, c } = s;
    let gen = Atomics.load(ctl, c.GEN);
    Atomics.add(ctl, c.READY, 1);
    Atomics.notify(ctl, c.READY);
    for (;;) {
      gen = next(ctl, c, gen, s.spin);
      const op = Atomics.load(ctl, c.OP);
      if (op === c.OP_EXIT) {
        done(ctl, c);
        return;
      }
      try {
        if (op === c.OP_BIN) {
          const train = s.matrices[0];
          for (let f = s.f0; f < s.f1; f++) {
            const t = K.thresholds(train.x, f * train.nRows, train.nRows, s.subsample, s.maxBins);
            s.thresholds.set(t, f * s.maxBins);
            s.counts[f] = t.length;
            for (const m of s.matrices)
              K.bin(m.x, f * m.nRows, m.nRows, t, s.missingBin, m.columns, f * m.nRows);
          }
        } else if (op === c.OP_TRANSPOSE) {
          for (const m of s.matrices) {
            const [from, to] = share(0, m.nRows, s.thread, s.nThreads);
            K.transpose(m.columns, m.rows, m.nRows, s.nFeatures, from, to);
          }
        }
      } catch {
        Atomics.store(ctl, c.FAILED, 1);
      }
      done(ctl, c);
    }
  };
  port.on('message', (m: WorkerSetup | BinningSetup) => {
    if (m.kind === 'bin') {
      binLoop(m);
      return;
    }
    const s = m;
    const ctl = s.control;
    const args = s.args;
    const c = s.c;
    const hk = K.make(s.nFeatures, s.nBins, s.nBinsNonMissing, s.hasMissing, s.f0, s.f1);
    const findSplits = (a: number, slot: number): void => {
      const base = slot * s.nFeatures * s.resultSize;
      for (let f = s.f0; f < s.f1; f++) {
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
    };
    let gen = Atomics.load(ctl, c.GEN);
    Atomics.add(ctl, c.READY, 1);
    Atomics.notify(ctl, c.READY);
    for (;;) {
      gen = next(ctl, c, gen, s.spin);
      const op = Atomics.load(ctl, c.OP);
      if (op === c.OP_EXIT) {
        done(ctl, c);
        return;
      }
      const a0 = c.A0;
      try {
        if (op === c.OP_ROOT) {
          hk.root(s.rows, s.gradients, s.nRows, s.rootCounts, s.hist, args[0]);
          findSplits(0, 0);
        } else if (op === c.OP_CHILDREN) {
          const small = ctl[a0 + 2];
          hk.node(s.rows, s.partition, ctl[a0], ctl[a0 + 1], s.gradients, s.hist, small);
          hk.sub(s.hist, ctl[a0 + 3], small);
          if (ctl[a0 + 4]) findSplits(0, 0);
          if (ctl[a0 + 5]) findSplits(c.REQUEST_ARGS, 1);
        } else if (op === c.OP_PARTITION) {
          const [from, to] = share(ctl[a0], ctl[a0] + ctl[a0 + 1], s.thread, s.nThreads);
          ctl[c.COUNTS + s.thread] = K.partition(
            s.columns,
            s.nRows,
            s.partition,
            s.scratch,
            from,
            to,
            ctl[a0 + 2],
            ctl[a0 + 3],
            ctl[a0 + 4],
          );
        } else if (op === c.OP_RESIDUALS) {
          const [from, to] = share(0, s.nRows, s.thread, s.nThreads);
          K.residuals(s.y, s.raw, s.gradients, s.losses, from, to, ctl[a0] === 1);
        } else if (op === c.OP_APPLY) {
          const [from, to] = share(0, s.nRows, s.thread, s.nThreads);
          K.apply(s.raw, s.partition, s.columns, s.nRows, s.segments, ctl[a0], from, to);
        } else if (op === c.OP_VALIDATE && s.valRows && s.rawVal && s.yval && s.lossesVal) {
          const [from, to] = share(0, s.yval.length, s.thread, s.nThreads);
          const nodes = ctl[a0] === 1 ? s.treeNodes : null;
          K.predict(
            nodes,
            s.treeValues,
            s.valRows,
            s.nFeatures,
            s.missingBin,
            s.rawVal,
            s.yval,
            s.lossesVal,
            from,
            to,
          );
        } else if (op === c.OP_RESET) {
          const [from, to] = share(0, s.nRows, s.thread, s.nThreads);
          for (let i = from; i < to; i++) s.partition[i] = i;
        }
      } catch {
        Atomics.store(ctl, c.FAILED, 1);
      }
      done(ctl, c);
    }
  });
}

let workerSource: string | null = null;

function source(): string {
  if (workerSource === null) {
    const kernels: Record<keyof Kernels, (...args: never[]) => unknown> = {
      make: makeHistogramKernels,
      split: findFeatureSplit,
      partition: partitionChunk,
      residuals,
      apply: applySegments,
      predict: predictBinnedPacked,
      thresholds: columnThresholds,
      bin: binColumn,
      transpose: transposeBins,
    };
    const entries = Object.entries(kernels).map(([k, fn]) => `${k}: (${fn.toString()})`);
    workerSource = `const K = {\n${entries.join(',\n')}\n};\n(${workerMain.toString()})(require('node:worker_threads'), K);`;
  }
  return workerSource;
}

/** Started workers not used by a fit right now; kept for the next fit (they do not hold the process open). */
const idleWorkers: Worker[] = [];

/** [from, to) of thread t's share of [start, end) (the workers compute the same). */
function share(start: number, end: number, t: number, nThreads: number): [number, number] {
  const len = end - start;
  return [start + Math.floor((t * len) / nThreads), start + Math.floor(((t + 1) * len) / nThreads)];
}

function waitUntil(ctl: Int32Array, slot: number, target: number): void {
  let spins = 0;
  for (;;) {
    const v = Atomics.load(ctl, slot);
    if (v >= target) return;
    if (++spins >= SPIN) {
      Atomics.wait(ctl, slot, v, 1000);
      spins = 0;
    }
  }
}

/** Constants the workers need (they cannot import them). */
const CONSTANTS = {
  GEN,
  OP,
  DONE,
  READY,
  FAILED,
  A0,
  COUNTS,
  REQUEST_ARGS,
  OP_EXIT,
  OP_ROOT,
  OP_CHILDREN,
  OP_PARTITION,
  OP_RESIDUALS,
  OP_APPLY,
  OP_VALIDATE,
  OP_RESET,
  OP_BIN,
  OP_TRANSPOSE,
};

/**
 * The calling thread plus nThreads - 1 workers, and the protocol between them: setup() hands the
 * workers their buffers, dispatch() starts an operation (the caller then does its own share, as
 * thread 0), finish() waits for the workers.
 */
class WorkerTeam {
  readonly ctl = new Int32Array(new SharedArrayBuffer(CONTROL_SIZE * 4));
  readonly workers: Worker[];
  private closed = false;

  constructor(readonly nThreads: number) {
    this.workers = idleWorkers.splice(0, nThreads - 1);
    while (this.workers.length < nThreads - 1) {
      const w = new Worker(source(), { eval: true });
      w.unref();
      this.workers.push(w);
    }
  }

  /** Send each worker its setup (given its thread number, 1-based) and wait until all listen. */
  setup(make: (thread: number) => WorkerSetup | BinningSetup): void {
    Atomics.store(this.ctl, READY, 0);
    for (const [i, w] of this.workers.entries()) w.postMessage(make(i + 1));
    waitUntil(this.ctl, READY, this.workers.length);
  }

  dispatch(op: number): void {
    Atomics.store(this.ctl, OP, op);
    Atomics.store(this.ctl, DONE, 0);
    Atomics.add(this.ctl, GEN, 1);
    Atomics.notify(this.ctl, GEN);
  }

  finish(): void {
    waitUntil(this.ctl, DONE, this.workers.length);
    if (Atomics.load(this.ctl, FAILED)) {
      // Not expected (the kernels only index arrays sized for them); do not reuse these workers.
      this.closed = true;
      this.stop();
      for (const w of this.workers) void w.terminate();
      throw new Error('a worker thread of the gradient-boosting fit failed');
    }
  }

  /** Send the workers back to their event loop (to take another setup). */
  stop(): void {
    this.dispatch(OP_EXIT);
    waitUntil(this.ctl, DONE, this.workers.length);
  }

  /** Release the workers for the next fit. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stop();
    idleWorkers.push(...this.workers);
  }
}

/** Features [ranges[t], ranges[t+1]) belong to thread t. */
function featureRanges(nFeatures: number, nThreads: number): number[] {
  const ranges: number[] = [];
  for (let t = 0; t <= nThreads; t++) ranges.push(Math.round((t * nFeatures) / nThreads));
  return ranges;
}

/** Column-major values in a SharedArrayBuffer (a copy unless they already are). */
function sharedValues(X: Matrix): Float64Array {
  if (X.data.buffer instanceof SharedArrayBuffer) return X.data;
  const out = new Float64Array(new SharedArrayBuffer(X.data.length * 8));
  out.set(X.data);
  return out;
}

/**
 * BinMapper.fit(Xtrain) then transform(Xtrain) and transform(Xval) with the features shared
 * between threads: the same kernels (columnThresholds, binColumn) per feature, so the same
 * thresholds and bins; the results are in SharedArrayBuffers, ready for ParallelEngine.
 */
export function parallelBinning(
  mapper: BinMapper,
  Xtrain: Matrix,
  Xval: Matrix | null,
  subsample: Int32Array | null,
  nThreads: number,
): { binned: BinnedMatrix; binnedVal: BinnedMatrix | null } {
  const nF = Xtrain.nCols;
  const T = Math.max(1, Math.min(nThreads, nF));
  const maxBins = mapper.nBins - 1;
  const sharedBytes = (n: number) => new Uint8Array(new SharedArrayBuffer(n));
  const matrices = [Xtrain, ...(Xval ? [Xval] : [])].map((X) => ({
    x: sharedValues(X),
    nRows: X.nRows,
    columns: sharedBytes(X.nRows * nF),
    rows: sharedBytes(X.nRows * nF),
  }));
  const sub = subsample ? new Int32Array(new SharedArrayBuffer(subsample.length * 4)) : null;
  if (sub && subsample) sub.set(subsample);
  const thresholds = new Float64Array(new SharedArrayBuffer(nF * maxBins * 8));
  const counts = new Int32Array(new SharedArrayBuffer(nF * 4));
  const ranges = featureRanges(nF, T);
  const team = new WorkerTeam(T);
  try {
    team.setup((thread) => ({
      kind: 'bin',
      control: team.ctl,
      thread,
      nThreads: T,
      f0: ranges[thread],
      f1: ranges[thread + 1],
      nFeatures: nF,
      maxBins,
      missingBin: mapper.missingBin,
      matrices,
      subsample: sub,
      thresholds,
      counts,
      spin: SPIN,
      c: CONSTANTS,
    }));
    team.dispatch(OP_BIN);
    const train = matrices[0];
    for (let f = 0; f < ranges[1]; f++) {
      const t = columnThresholds(train.x, f * train.nRows, train.nRows, sub, maxBins);
      thresholds.set(t, f * maxBins);
      counts[f] = t.length;
      for (const m of matrices)
        binColumn(m.x, f * m.nRows, m.nRows, t, mapper.missingBin, m.columns, f * m.nRows);
    }
    team.finish();
    team.dispatch(OP_TRANSPOSE);
    for (const m of matrices) {
      const [from, to] = share(0, m.nRows, 0, T);
      transposeBins(m.columns, m.rows, m.nRows, nF, from, to);
    }
    team.finish();
  } finally {
    team.close();
  }
  mapper.setThresholds(
    Array.from({ length: nF }, (_, f) => thresholds.slice(f * maxBins, f * maxBins + counts[f])),
  );
  const [train, val] = matrices.map((m) => ({
    nRows: m.nRows,
    nFeatures: nF,
    rows: m.rows,
    columns: m.columns,
  }));
  return { binned: train, binnedVal: val ?? null };
}

export class ParallelEngine implements Engine {
  private readonly nThreads: number;
  private readonly team: WorkerTeam;
  private readonly ctl: Int32Array;
  private readonly args: Float64Array;
  private readonly results: Float64Array;
  private readonly serialResults: Float64Array;
  /** features [ranges[t], ranges[t+1]) belong to thread t; thread 0 is the calling thread */
  private readonly ranges: number[];
  private poolData: Float64Array | null = null;
  /** kernels for the calling thread's features [0, ranges[1]) */
  private readonly own: HistogramKernels;
  /** kernels for all features, for nodes too small to share */
  private readonly all: HistogramKernels;

  constructor(
    private readonly b: EngineBuffers,
    nThreads: number,
  ) {
    const nF = b.nFeatures;
    this.nThreads = Math.max(1, Math.min(nThreads, nF));
    this.ranges = featureRanges(nF, this.nThreads);
    this.team = new WorkerTeam(this.nThreads);
    this.ctl = this.team.ctl;
    this.args = new Float64Array(new SharedArrayBuffer(2 * REQUEST_ARGS * 8));
    this.results = new Float64Array(new SharedArrayBuffer(2 * nF * FEATURE_RESULT_SIZE * 8));
    this.serialResults = new Float64Array(nF * FEATURE_RESULT_SIZE);
    this.own = kernelsFor(b, 0, this.ranges[1]);
    this.all = kernelsFor(b, 0, nF);
    this.setup();
  }

  get partition(): Uint32Array {
    return this.b.partition;
  }
  get pool() {
    return this.b.pool;
  }
  get segments(): Float64Array {
    return this.b.segments;
  }

  /** (Re)send the shared buffers to the workers. */
  private setup(): void {
    const { b } = this;
    const input = b.input;
    this.poolData = b.pool.data;
    this.team.setup((t) => ({
      kind: 'fit',
      control: this.ctl,
      args: this.args,
      thread: t,
      nThreads: this.nThreads,
      f0: this.ranges[t],
      f1: this.ranges[t + 1],
      rows: input.binned.rows,
      columns: input.binned.columns,
      nRows: b.n,
      nFeatures: b.nFeatures,
      nBins: input.nBins,
      missingBin: input.missingBin,
      nBinsNonMissing: input.nBinsNonMissing,
      hasMissing: input.hasMissing,
      l2: input.l2,
      minSamplesLeaf: input.minSamplesLeaf,
      rootCounts: b.rootCounts,
      gradients: b.gradients,
      partition: b.partition,
      scratch: b.scratch,
      hist: b.pool.data,
      results: this.results,
      y: b.y,
      raw: b.raw,
      losses: b.losses,
      segments: b.segments,
      treeNodes: b.treeNodes,
      treeValues: b.treeValues,
      valRows: input.binnedVal?.rows ?? null,
      yval: b.yval,
      rawVal: b.rawVal,
      lossesVal: b.lossesVal,
      resultSize: FEATURE_RESULT_SIZE,
      spin: SPIN,
      c: CONSTANTS,
    }));
  }

  /** Start `op` on the workers; the caller then does its own share and calls finish(). */
  private dispatch(op: number): void {
    if (this.b.pool.data !== this.poolData) {
      // The histogram pool grew (only possible without max_leaf_nodes): share the new buffer.
      this.team.stop();
      this.setup();
    }
    this.team.dispatch(op);
  }

  private finish(): void {
    this.team.finish();
  }

  private setRequest(slot: number, r: SplitRequest): void {
    const a = slot * REQUEST_ARGS;
    this.args[a] = r.hist;
    this.args[a + 1] = r.nSamples;
    this.args[a + 2] = r.sumGradients;
    this.args[a + 3] = r.value;
  }

  private resultsFor(slot: number): Float64Array {
    const size = this.b.nFeatures * FEATURE_RESULT_SIZE;
    return this.results.subarray(slot * size, (slot + 1) * size);
  }

  root(request: SplitRequest): void {
    const { b } = this;
    const binned = b.input.binned;
    const f1 = this.ranges[1];
    this.setRequest(0, request);
    this.dispatch(OP_ROOT);
    this.own.root(binned.rows, b.gradients, binned.nRows, b.rootCounts, b.pool.data, request.hist);
    const results = this.resultsFor(0);
    findFeatureSplits(b, request, results, 0, f1);
    this.finish();
    resolveSplit(b, request, results);
  }

  children(
    start: number,
    count: number,
    smallHist: number,
    parentHist: number,
    left: SplitRequest | null,
    right: SplitRequest | null,
  ): void {
    const { b } = this;
    const nF = b.nFeatures;
    if (count * nF < MIN_NODE_WORK) {
      childHistograms(b, this.all, start, count, smallHist, parentHist);
      for (const r of [left, right]) {
        if (!r) continue;
        findFeatureSplits(b, r, this.serialResults, 0, nF);
        resolveSplit(b, r, this.serialResults);
      }
      return;
    }
    const ctl = this.ctl;
    ctl[A0] = start;
    ctl[A0 + 1] = count;
    ctl[A0 + 2] = smallHist;
    ctl[A0 + 3] = parentHist;
    ctl[A0 + 4] = left ? 1 : 0;
    ctl[A0 + 5] = right ? 1 : 0;
    if (left) this.setRequest(0, left);
    if (right) this.setRequest(1, right);
    this.dispatch(OP_CHILDREN);
    const f1 = this.ranges[1];
    childHistograms(b, this.own, start, count, smallHist, parentHist);
    if (left) findFeatureSplits(b, left, this.resultsFor(0), 0, f1);
    if (right) findFeatureSplits(b, right, this.resultsFor(1), 0, f1);
    this.finish();
    if (left) resolveSplit(b, left, this.resultsFor(0));
    if (right) resolveSplit(b, right, this.resultsFor(1));
  }

  splitIndices(start: number, count: number, split: SplitInfo): number {
    const { b } = this;
    const columns = b.input.binned.columns;
    const upper = rightUpperBound(split.missingGoToLeft, b.input.missingBin);
    const T = count < MIN_ROWS ? 1 : this.nThreads;
    if (T > 1) {
      const ctl = this.ctl;
      ctl[A0] = start;
      ctl[A0 + 1] = count;
      ctl[A0 + 2] = split.feature;
      ctl[A0 + 3] = split.bin;
      ctl[A0 + 4] = upper;
      this.dispatch(OP_PARTITION);
    }
    const [from0, to0] = share(start, start + count, 0, T);
    const left0 = partitionChunk(
      columns,
      b.n,
      b.partition,
      b.scratch,
      from0,
      to0,
      split.feature,
      split.bin,
      upper,
    );
    if (T > 1) this.finish();
    // Chunk t's left part sits at the front of its chunk and its right part at the same
    // positions of scratch: move the left parts together, then append the right parts.
    const p = b.partition;
    let dest = start + left0;
    for (let t = 1; t < T; t++) {
      const [from] = share(start, start + count, t, T);
      const nLeft = this.ctl[COUNTS + t];
      p.copyWithin(dest, from, from + nLeft);
      dest += nLeft;
    }
    const nLeft = dest - start;
    for (let t = 0; t < T; t++) {
      const [from, to] = share(start, start + count, t, T);
      const left = t === 0 ? left0 : this.ctl[COUNTS + t];
      p.set(b.scratch.subarray(from, to - left), dest);
      dest += to - from - left;
    }
    return nLeft;
  }

  /** Rows [from, to) of the calling thread's share of an n-row pass, and whether workers take the rest. */
  private rowShare(n: number): { to: number; parallel: boolean } {
    if (n < MIN_ROWS) return { to: n, parallel: false };
    return { to: share(0, n, 0, this.nThreads)[1], parallel: true };
  }

  residuals(withLoss: boolean): number {
    const { b } = this;
    const { to, parallel } = this.rowShare(b.n);
    if (parallel) {
      this.ctl[A0] = withLoss ? 1 : 0;
      this.dispatch(OP_RESIDUALS);
    }
    residuals(b.y, b.raw, b.gradients, b.losses, 0, to, withLoss);
    let sum = sumGradients(b.gradients, 0, to, 0);
    if (parallel) this.finish();
    // The sum continues over the workers' rows, in order.
    sum = sumGradients(b.gradients, to, b.n, sum);
    return sum;
  }

  trainLoss(): number {
    return meanOf(this.b.losses, this.b.n);
  }

  resetTree(): void {
    const { b } = this;
    const { to, parallel } = this.rowShare(b.n);
    if (parallel) this.dispatch(OP_RESET);
    const p = b.partition;
    for (let i = 0; i < to; i++) p[i] = i;
    if (parallel) this.finish();
  }

  applyTree(segments: Float64Array, nSegments: number): void {
    const { b } = this;
    const { to, parallel } = this.rowShare(b.n);
    if (parallel) {
      this.ctl[A0] = nSegments;
      this.dispatch(OP_APPLY);
    }
    const binned = b.input.binned;
    applySegments(b.raw, b.partition, binned.columns, binned.nRows, segments, nSegments, 0, to);
    if (parallel) this.finish();
  }

  validate(tree: TreePredictor | null): number {
    const { b } = this;
    const val = b.input.binnedVal;
    if (!val || !b.rawVal || !b.yval || !b.lossesVal) return Number.NaN;
    if (tree) tree.pack(b.treeNodes, b.treeValues);
    const { to, parallel } = this.rowShare(val.nRows);
    if (parallel) {
      this.ctl[A0] = tree ? 1 : 0;
      this.dispatch(OP_VALIDATE);
    }
    const nodes = tree ? b.treeNodes : null;
    const missingBin = b.input.missingBin;
    predictBinnedPacked(
      nodes,
      b.treeValues,
      val.rows,
      val.nFeatures,
      missingBin,
      b.rawVal,
      b.yval,
      b.lossesVal,
      0,
      to,
    );
    if (parallel) this.finish();
    return meanOf(b.lossesVal, val.nRows);
  }

  close(): void {
    this.team.close();
  }
}
