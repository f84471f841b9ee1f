/**
 * The grower's kernels spread over worker threads by feature: each thread builds the histograms
 * of its own contiguous range of features and searches their best splits; the calling thread takes
 * the first range and then picks the best split among all features. Every feature's sums are made
 * by one thread in row order and the choice among features is made in feature order, so the
 * results are identical for any thread count.
 *
 * Mechanics: the data (binned rows, gradients, partition, histogram pool, per-feature results) live
 * in SharedArrayBuffers. Workers are started once per process and reused across fits; each runs a
 * loop that waits for a new "generation" in a shared Int32Array (spinning briefly, then
 * Atomics.wait), does its share, counts itself done and notifies. Work is only dispatched for nodes
 * big enough to pay for the synchronisation; small nodes run on the calling thread.
 *
 * The workers' code is built from the kernels' own source (`fn.toString()`) and started with
 * `new Worker(source, { eval: true })`, which works the same from TypeScript under vitest and from
 * the compiled JavaScript in dist/. The kernels therefore must stay self-contained.
 */
import { Worker } from 'node:worker_threads';
import type { SplitRequest, TreeKernels } from './grower.js';
import { makeHistogramKernels, type NodeKernel, type RootKernel, subtractHistograms } from './histogram.js';
import {
  childHistograms,
  findFeatureSplits,
  type KernelData,
  partitionNode,
  resolveSplit,
} from './parallel.js';
import { FEATURE_RESULT_SIZE, findFeatureSplit, type SplitInfo } from './splitting.js';

/** Below this many (samples x features) per fit, threads cost more than they save. */
const MIN_FIT_WORK = 50_000;
/** Below this many (samples x features) in a node, its work stays on the calling thread. */
const MIN_NODE_WORK = 12_000;
/** Spin iterations before a waiting thread sleeps in Atomics.wait (tens of microseconds). */
const SPIN = 20_000;

// Control block (Int32Array) slots.
const GEN = 0;
const OP = 1;
const DONE = 2;
const READY = 3;
const FAILED = 4;
const START = 5;
const COUNT = 6;
const SMALL = 7;
const PARENT = 8;
const HAS_LEFT = 9;
const HAS_RIGHT = 10;
const CONTROL_SIZE = 16;
// Operations.
const OP_ROOT = 1;
const OP_CHILDREN = 2;
const OP_EXIT = 3;
// Float64 arguments: per request [hist, nSamples, sumGradients, sumHessians, value], left then right.
const REQUEST_ARGS = 5;

export function shouldUseThreads(nThreads: number, nRows: number, nFeatures: number): boolean {
  return nThreads > 1 && nFeatures > 1 && nRows * nFeatures >= MIN_FIT_WORK;
}

interface WorkerSetup {
  control: SharedArrayBuffer;
  args: SharedArrayBuffer;
  rows: Uint8Array;
  rootCounts: Float64Array;
  nFeatures: number;
  nRows: number;
  nBins: number;
  gradients: Float32Array;
  partition: Uint32Array;
  hist: Float64Array;
  results: Float64Array;
  nBinsNonMissing: Uint32Array;
  hasMissing: Uint8Array;
  l2: number;
  minSamplesLeaf: number;
  resultSize: number;
  f0: number;
  f1: number;
  spin: number;
  ops: { root: number; children: number; exit: number; requestArgs: number };
  slots: Record<string, number>;
}

interface Kernels {
  make: typeof makeHistogramKernels;
  sub: typeof subtractHistograms;
  split: typeof findFeatureSplit;
}

/**
 * The worker thread's main function. Self-contained: it runs from its source text, with the
 * kernels passed in. On each setup message it enters its work loop, and returns to the event loop
 * (to receive the next setup) on OP_EXIT.
 */
function workerMain(wt: typeof import('node:worker_threads'), K: Kernels): void {
  const port = wt.parentPort;
  if (!port) return;
  port.on('message', (s: WorkerSetup) => {
    const ctl = new Int32Array(s.control);
    const args = new Float64Array(s.args);
    const S = s.slots;
    const R = s.resultSize;
    const hk = K.make(s.nFeatures, s.nBins, s.f0, s.f1);
    const findSplits = (a: number, slot: number): void => {
      const hist = args[a];
      const nSamples = args[a + 1];
      const sumG = args[a + 2];
      const value = args[a + 4];
      const base = slot * s.nFeatures * R;
      for (let f = s.f0; f < s.f1; f++) {
        K.split(
          s.hist,
          hist,
          f,
          s.nBins,
          s.nBinsNonMissing[f],
          s.hasMissing[f],
          nSamples,
          sumG,
          value,
          s.l2,
          s.minSamplesLeaf,
          s.results,
          base + f * R,
        );
      }
    };
    let gen = Atomics.load(ctl, S.GEN);
    Atomics.add(ctl, S.READY, 1);
    Atomics.notify(ctl, S.READY);
    for (;;) {
      let spins = 0;
      while (Atomics.load(ctl, S.GEN) === gen) {
        if (++spins >= s.spin) {
          Atomics.wait(ctl, S.GEN, gen);
          spins = 0;
        }
      }
      gen = Atomics.load(ctl, S.GEN);
      const op = Atomics.load(ctl, S.OP);
      if (op === s.ops.exit) {
        Atomics.add(ctl, S.DONE, 1);
        Atomics.notify(ctl, S.DONE);
        return;
      }
      try {
        if (op === s.ops.root) {
          hk.root(s.rows, s.gradients, s.nRows, s.rootCounts, s.hist, args[0]);
          findSplits(0, 0);
        } else if (op === s.ops.children) {
          const small = ctl[S.SMALL];
          const parent = ctl[S.PARENT];
          hk.node(s.rows, s.partition, ctl[S.START], ctl[S.COUNT], s.gradients, s.hist, small);
          K.sub(s.hist, parent, small, s.nBins, s.f0, s.f1);
          if (ctl[S.HAS_LEFT]) findSplits(0, 0);
          if (ctl[S.HAS_RIGHT]) findSplits(s.ops.requestArgs, 1);
        }
      } catch {
        Atomics.store(ctl, S.FAILED, 1);
      }
      Atomics.add(ctl, S.DONE, 1);
      Atomics.notify(ctl, S.DONE);
    }
  });
}

let workerSource: string | null = null;

function source(): string {
  if (workerSource === null) {
    workerSource = [
      `const K = { make: (${makeHistogramKernels.toString()}),`,
      ` sub: (${subtractHistograms.toString()}),`,
      ` split: (${findFeatureSplit.toString()}) };`,
      `(${workerMain.toString()})(require('node:worker_threads'), K);`,
    ].join('\n');
  }
  return workerSource;
}

/** Started workers not used by a fit right now; kept for the next fit (they do not hold the process open). */
const idleWorkers: Worker[] = [];

function takeWorkers(n: number): Worker[] {
  const out = idleWorkers.splice(0, n);
  while (out.length < n) {
    const w = new Worker(source(), { eval: true });
    w.unref();
    out.push(w);
  }
  return out;
}

/** Features [ranges[t], ranges[t+1]) belong to thread t; thread 0 is the calling thread. */
function featureRanges(nFeatures: number, nThreads: number): number[] {
  const ranges = [0];
  for (let t = 1; t <= nThreads; t++) ranges.push(Math.round((t * nFeatures) / nThreads));
  return ranges;
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

export class ParallelKernels implements TreeKernels {
  private readonly ctl: Int32Array;
  private readonly args: Float64Array;
  private readonly results: Float64Array;
  private readonly workers: Worker[];
  private readonly ranges: number[];
  private readonly serialResults: Float64Array;
  private poolData: Float64Array | null = null;
  private closed = false;
  /** kernels for the calling thread's features [0, ranges[1]) */
  private readonly own: { root: RootKernel; node: NodeKernel };
  /** kernels for all features, for nodes too small to share */
  private readonly all: { root: RootKernel; node: NodeKernel };

  constructor(
    private readonly d: KernelData,
    nThreads: number,
  ) {
    const nF = d.binned.nFeatures;
    const nT = Math.max(1, Math.min(nThreads, nF));
    this.ranges = featureRanges(nF, nT);
    this.ctl = new Int32Array(new SharedArrayBuffer(CONTROL_SIZE * 4));
    this.args = new Float64Array(new SharedArrayBuffer(2 * REQUEST_ARGS * 8));
    this.results = new Float64Array(new SharedArrayBuffer(2 * nF * FEATURE_RESULT_SIZE * 8));
    this.serialResults = new Float64Array(nF * FEATURE_RESULT_SIZE);
    this.own = makeHistogramKernels(nF, d.nBins, 0, this.ranges[1]);
    this.all = makeHistogramKernels(nF, d.nBins, 0, nF);
    this.workers = takeWorkers(nT - 1);
    this.setup();
  }

  /** (Re)send the shared buffers to the workers and wait until they are all listening. */
  private setup(): void {
    const d = this.d;
    this.poolData = d.pool.data;
    Atomics.store(this.ctl, READY, 0);
    this.workers.forEach((w, i) => {
      const setup: WorkerSetup = {
        control: this.ctl.buffer as SharedArrayBuffer,
        args: this.args.buffer as SharedArrayBuffer,
        rows: d.binned.rows,
        rootCounts: d.rootCounts,
        nFeatures: d.binned.nFeatures,
        nRows: d.binned.nRows,
        nBins: d.nBins,
        gradients: d.gradients,
        partition: d.partition,
        hist: d.pool.data,
        results: this.results,
        nBinsNonMissing: d.nBinsNonMissing,
        hasMissing: d.hasMissing,
        l2: d.l2,
        minSamplesLeaf: d.minSamplesLeaf,
        resultSize: FEATURE_RESULT_SIZE,
        f0: this.ranges[i + 1],
        f1: this.ranges[i + 2],
        spin: SPIN,
        ops: { root: OP_ROOT, children: OP_CHILDREN, exit: OP_EXIT, requestArgs: REQUEST_ARGS },
        slots: { GEN, OP, DONE, READY, FAILED, START, COUNT, SMALL, PARENT, HAS_LEFT, HAS_RIGHT },
      };
      w.postMessage(setup);
    });
    waitUntil(this.ctl, READY, this.workers.length);
  }

  /** Start `op` on the workers; the caller then does range 0 and calls finish(). */
  private dispatch(op: number): void {
    if (this.d.pool.data !== this.poolData) {
      this.stopWorkers();
      this.setup();
    }
    Atomics.store(this.ctl, OP, op);
    Atomics.store(this.ctl, DONE, 0);
    Atomics.add(this.ctl, GEN, 1);
    Atomics.notify(this.ctl, GEN);
  }

  private finish(): void {
    waitUntil(this.ctl, DONE, this.workers.length);
    if (Atomics.load(this.ctl, FAILED)) {
      // Not expected (the kernels only index arrays sized for them); do not reuse these workers.
      this.closed = true;
      this.stopWorkers();
      for (const w of this.workers) void w.terminate();
      throw new Error('a histogram worker thread failed');
    }
  }

  private setRequest(slot: number, r: SplitRequest): void {
    const a = slot * REQUEST_ARGS;
    this.args[a] = r.hist;
    this.args[a + 1] = r.nSamples;
    this.args[a + 2] = r.sumGradients;
    this.args[a + 3] = r.sumHessians;
    this.args[a + 4] = r.value;
  }

  private resultsFor(slot: number): Float64Array {
    const size = this.d.binned.nFeatures * FEATURE_RESULT_SIZE;
    return this.results.subarray(slot * size, (slot + 1) * size);
  }

  root(request: SplitRequest): void {
    const { binned, gradients, pool, rootCounts } = this.d;
    const f1 = this.ranges[1];
    this.setRequest(0, request);
    this.dispatch(OP_ROOT);
    this.own.root(binned.rows, gradients, binned.nRows, rootCounts, pool.data, request.hist);
    const results = this.resultsFor(0);
    findFeatureSplits(this.d, request, results, 0, f1);
    this.finish();
    resolveSplit(this.d, request, results);
  }

  children(
    start: number,
    count: number,
    smallHist: number,
    parentHist: number,
    left: SplitRequest | null,
    right: SplitRequest | null,
  ): void {
    const nF = this.d.binned.nFeatures;
    if (count * nF < MIN_NODE_WORK) {
      // Small node: not worth waking the workers.
      childHistograms(this.d, this.all.node, start, count, smallHist, parentHist, 0, nF);
      for (const r of [left, right]) {
        if (!r) continue;
        findFeatureSplits(this.d, r, this.serialResults, 0, nF);
        resolveSplit(this.d, r, this.serialResults);
      }
      return;
    }
    const ctl = this.ctl;
    ctl[START] = start;
    ctl[COUNT] = count;
    ctl[SMALL] = smallHist;
    ctl[PARENT] = parentHist;
    ctl[HAS_LEFT] = left ? 1 : 0;
    ctl[HAS_RIGHT] = right ? 1 : 0;
    if (left) this.setRequest(0, left);
    if (right) this.setRequest(1, right);
    this.dispatch(OP_CHILDREN);
    const f1 = this.ranges[1];
    childHistograms(this.d, this.own.node, start, count, smallHist, parentHist, 0, f1);
    if (left) findFeatureSplits(this.d, left, this.resultsFor(0), 0, f1);
    if (right) findFeatureSplits(this.d, right, this.resultsFor(1), 0, f1);
    this.finish();
    if (left) resolveSplit(this.d, left, this.resultsFor(0));
    if (right) resolveSplit(this.d, right, this.resultsFor(1));
  }

  splitIndices(start: number, count: number, split: SplitInfo): number {
    return partitionNode(this.d, start, count, split);
  }

  private stopWorkers(): void {
    this.dispatch0(OP_EXIT);
    waitUntil(this.ctl, DONE, this.workers.length);
  }

  /** dispatch without the buffer check (used to stop the workers). */
  private dispatch0(op: number): void {
    Atomics.store(this.ctl, OP, op);
    Atomics.store(this.ctl, DONE, 0);
    Atomics.add(this.ctl, GEN, 1);
    Atomics.notify(this.ctl, GEN);
  }

  /** Release the workers for the next fit. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopWorkers();
    idleWorkers.push(...this.workers);
  }
}
