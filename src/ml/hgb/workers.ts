/**
 * Worker threads for the fit (WorkerTeam) and binning shared between them (parallelBinning). What
 * each thread computes is in shares.ts; results are identical for any number of threads.
 *
 * Protocol. Every buffer a share touches lives in SharedArrayBuffers, handed once per fit to the
 * workers (setup). To run an operation, the calling thread publishes it (a new "generation" in a
 * shared Int32Array) and then, like every worker that sees the new generation (workers spin for a
 * while after each operation, then sleep in Atomics.wait), claims shares one at a time with a
 * compare-and-swap (shares.ts claimShare) and does them, until none is left; it then waits for the
 * shares the workers are still doing. So a worker the OS has not scheduled (a busy machine) never
 * makes the fit wait: the others take its shares. For the same reason no one waits for the
 * workers to start or to pick up a new state: a worker joins whatever operation is in progress
 * when it gets there (states carry an epoch, and claims a generation tag, so that a late worker
 * never works on a state or an operation that is over).
 *
 * Atomics.notify costs tens of microseconds in V8 even when nobody waits, as much as a whole
 * histogram share of a mid-sized node; so each side says when it sleeps (a counter of sleeping
 * workers, a flag for the calling thread) and the other notifies only then. A sleeper sets its
 * mark before Atomics.wait re-checks the value it waits on, and the waker changes that value before
 * reading the mark; with sequentially consistent atomics one of the two always sees the other.
 *
 * Workers are started once per process, kept for the next fit, and do not keep the process
 * alive. Their code is built from the kernels' and shares' own source (`fn.toString()`) and started
 * with `new Worker(source, { eval: true })`, which works the same from TypeScript under vitest and
 * from the compiled JavaScript in dist/.
 */
import { Worker } from 'node:worker_threads';
import type { Matrix } from '../matrix.js';
import { blockPairwiseSum } from '../pairwise.js';
import {
  type BinMapper,
  type BinnedMatrix,
  binColumnBuckets,
  binColumnSearch,
  bucketsUnusable,
  columnThresholds,
  transposeBins,
} from './binning.js';
import { assignLeaves } from './grower.js';
import { makeHistogramKernels } from './histogram.js';
import { residuals, residualsAfterTree, sumGradients } from './loss.js';
import { predictBinnedPacked } from './predictor.js';
import {
  type BinState,
  bindRowKernels,
  C,
  claimShare,
  type FitState,
  type Kernels,
  MAX_SHARES,
  MAX_THREADS,
  runBinShare,
  runFitShare,
  shareHistKernels,
  splitFeatures,
} from './shares.js';
import { specialize } from './specialize.js';
import { findFeatureSplit, markSides, partitionBySides, partitionInto } from './splitting.js';

/**
 * Spin iterations (about 100 microseconds) before a waiting thread sleeps in Atomics.wait: long
 * enough to stay awake between the operations of a tree, whose gaps are the calling thread's
 * serial work.
 */
const SPIN = 40_000;

export const KERNELS: Kernels = {
  make: makeHistogramKernels,
  split: findFeatureSplit,
  partition: partitionInto,
  mark: markSides,
  bySides: partitionBySides,
  residuals,
  residualsAfterTree,
  sum: sumGradients,
  blockSum: blockPairwiseSum,
  assign: assignLeaves,
  predict: predictBinnedPacked,
  thresholds: columnThresholds,
  bin: binColumnBuckets,
  binSearch: binColumnSearch,
  bucketsUnusable,
  transpose: transposeBins,
  specialize,
};

type State = FitState | BinState;

/**
 * The worker thread's main function (run from its source text, with the kernels and share code
 * passed in). On each setup message it enters its work loop, and returns to the event loop (to
 * take the next setup) on OP_EXIT.
 */
function workerMain(
  wt: typeof import('node:worker_threads'),
  K: Kernels,
  S: {
    bindRows: typeof bindRowKernels;
    bindHist: typeof shareHistKernels;
    runFit: typeof runFitShare;
    runBin: typeof runBinShare;
    split: typeof splitFeatures;
    claim: typeof claimShare;
  },
): void {
  const port = wt.parentPort;
  if (!port) return;
  port.on('message', ({ state: s }: { state: State }) => {
    const ctl = s.control;
    const c = s.c;
    const R = s.kind === 'fit' ? S.bindRows(s, K) : null;
    const H = s.kind === 'fit' ? S.bindHist(s, K) : null;
    // A state this worker reaches late (it was still starting, or busy with the previous state)
    // may be over already: closed (OP_EXIT) or replaced by a newer setup (epoch). Otherwise it
    // joins the operation in progress, if any share of it is left.
    let gen = Atomics.load(ctl, c.GEN);
    const stale = () => Atomics.load(ctl, c.OP) === c.OP_EXIT || Atomics.load(ctl, c.EPOCH) !== s.epoch;
    if (stale()) return;
    Atomics.add(ctl, c.READY, 1);
    for (;;) {
      // Only shares of generation `gen`, which the checks above found to be of this state.
      for (let k = S.claim(ctl, c, gen); k >= 0; k = S.claim(ctl, c, gen)) {
        const op = Atomics.load(ctl, c.OP);
        try {
          if (s.kind === 'fit' && R && H) S.runFit(s, K, R, H, S.split, op, k, Atomics.load(ctl, c.NSHARES));
          else if (s.kind === 'bin') S.runBin(s, K, op, k);
        } catch {
          Atomics.store(ctl, c.FAILED, 1);
        }
        Atomics.add(ctl, c.DONE, 1);
        if (Atomics.load(ctl, c.MAIN_SLEEPING) === 1) Atomics.notify(ctl, c.DONE);
      }
      let spins = 0;
      while (Atomics.load(ctl, c.GEN) === gen) {
        if (++spins >= s.spin) {
          Atomics.add(ctl, c.SLEEPERS, 1);
          Atomics.wait(ctl, c.GEN, gen);
          Atomics.sub(ctl, c.SLEEPERS, 1);
          spins = 0;
        }
      }
      gen = Atomics.load(ctl, c.GEN);
      if (stale()) return;
    }
  });
}

let workerSource: string | null = null;

function source(): string {
  if (workerSource === null) {
    const fn = (f: (...args: never[]) => unknown) => `(${f.toString()})`;
    const kernels = Object.entries(KERNELS).map(([k, f]) => `${k}: ${fn(f)}`);
    const shares = {
      bindRows: bindRowKernels,
      bindHist: shareHistKernels,
      runFit: runFitShare,
      runBin: runBinShare,
      split: splitFeatures,
      claim: claimShare,
    };
    const shareSource = Object.entries(shares).map(([k, f]) => `${k}: ${fn(f)}`);
    workerSource = [
      `const K = {\n${kernels.join(',\n')}\n};`,
      `const S = {\n${shareSource.join(',\n')}\n};`,
      `${fn(workerMain)}(require('node:worker_threads'), K, S);`,
    ].join('\n');
  }
  return workerSource;
}

/** Started workers not used by a fit right now; kept for the next fit (they do not hold the process open). */
const idleWorkers: Worker[] = [];

/** The calling thread waits until ctl[slot] >= target (spinning, then sleeping; see the header). */
function waitUntil(ctl: Int32Array, slot: number, target: number): void {
  let spins = 0;
  for (;;) {
    const v = Atomics.load(ctl, slot);
    if (v >= target) return;
    if (++spins >= SPIN) {
      Atomics.store(ctl, C.MAIN_SLEEPING, 1);
      Atomics.wait(ctl, slot, v, 100);
      Atomics.store(ctl, C.MAIN_SLEEPING, 0);
      spins = 0;
    }
  }
}

/** Make the workers see a new generation (see the header for when a notify is needed). */
function publish(ctl: Int32Array, gen: number): void {
  Atomics.store(ctl, C.GEN, gen);
  if (Atomics.load(ctl, C.SLEEPERS) > 0) Atomics.notify(ctl, C.GEN);
}

/**
 * The calling thread plus nThreads - 1 workers (none for one thread: run() then just does the
 * single share). setup() hands the workers a state, run() performs one operation.
 */
export class WorkerTeam {
  readonly ctl: Int32Array;
  private readonly workers: Worker[] = [];
  private closed = false;
  private gen = 0;
  private epoch = 0;
  // Contention guard: shares done by the workers vs all shares, over the last window of runs.
  private windowRuns = 0;
  private windowShares = 0;
  private windowWorkerShares = 0;
  /** runs left to do on the calling thread alone (see run()) */
  private soloRuns = 0;

  constructor(readonly nThreads: number) {
    if (nThreads < 1 || nThreads > MAX_THREADS)
      throw new RangeError(`nThreads=${nThreads} out of [1, ${MAX_THREADS}]`);
    this.ctl = new Int32Array(nThreads > 1 ? new SharedArrayBuffer(C.SIZE * 4) : new ArrayBuffer(C.SIZE * 4));
    this.workers = idleWorkers.splice(0, nThreads - 1);
    while (this.workers.length < nThreads - 1) {
      const w = new Worker(source(), { eval: true });
      w.unref();
      this.workers.push(w);
    }
  }

  /**
   * Hand the workers a state. No waiting for them: a worker takes part in the operations published
   * after it has picked the state up, and until then the others (at least the calling thread) do
   * its shares. So starting the workers (some 20-40 ms for a fresh thread) overlaps the fit instead
   * of delaying it. A new epoch makes workers still on a previous state of this team leave it
   * before they touch a share (they check it at every operation).
   */
  setup(state: State): void {
    state.spin = SPIN;
    if (this.workers.length === 0) return;
    state.epoch = ++this.epoch;
    const ctl = this.ctl;
    Atomics.store(ctl, C.READY, 0);
    // epoch before clearing OP: a worker that sees OP no longer OP_EXIT then sees the new epoch
    Atomics.store(ctl, C.EPOCH, state.epoch);
    Atomics.store(ctl, C.OP, 0);
    for (const w of this.workers) w.postMessage({ state });
  }

  /**
   * Run `op` as nShares shares (1 <= nShares <= MAX_SHARES): publish it, claim and do shares
   * until none is left, wait for the workers' shares. The caller has set the arguments.
   */
  run(op: number, nShares: number, doShare: (k: number) => void): void {
    if (this.workers.length === 0 || this.soloRuns > 0) {
      if (this.soloRuns > 0) this.soloRuns--;
      for (let k = 0; k < nShares; k++) doShare(k);
      return;
    }
    const ctl = this.ctl;
    const tag = ++this.gen & C.TAG_MASK;
    Atomics.store(ctl, C.CLAIM, (tag << 11) | 2047); // closed (see claimShare)
    Atomics.store(ctl, C.NSHARES, nShares);
    Atomics.store(ctl, C.OP, op);
    Atomics.store(ctl, C.DONE, 0);
    Atomics.store(ctl, C.CLAIM, tag << 11);
    publish(ctl, this.gen);
    let done = 0;
    for (let k = claimShare(ctl, C, this.gen); k >= 0; k = claimShare(ctl, C, this.gen)) {
      doShare(k);
      done++;
    }
    if (done > 0) Atomics.add(ctl, C.DONE, done);
    waitUntil(ctl, C.DONE, nShares);
    // (workers still starting do not count against the team)
    if (Atomics.load(ctl, C.READY) >= this.workers.length) this.guard(nShares, nShares - done);
    if (Atomics.load(ctl, C.FAILED)) {
      // Not expected (the kernels only index arrays sized for them); do not reuse these workers.
      this.closed = true;
      this.stop();
      for (const w of this.workers) void w.terminate();
      throw new Error('a worker thread of the gradient-boosting fit failed');
    }
  }

  /**
   * When the machine's other load leaves the workers little CPU, they take few shares, and their
   * spinning only slows the calling thread down. If, over a window of operations, the workers did
   * less than a fifth of their fair part, the next operations run on the calling thread alone (the
   * workers then sleep), and the team tries again afterwards. Results do not depend on who does
   * which share, so this only changes the time.
   */
  private guard(shares: number, workerShares: number): void {
    this.windowRuns++;
    this.windowShares += shares;
    this.windowWorkerShares += workerShares;
    if (this.windowRuns < 64) return;
    const fair = (this.windowShares * (this.nThreads - 1)) / this.nThreads;
    if (this.windowWorkerShares < fair / 5) this.soloRuns = 512;
    this.windowRuns = 0;
    this.windowShares = 0;
    this.windowWorkerShares = 0;
  }

  /** Send the workers back to their event loop (to take another state). */
  stop(): void {
    if (this.workers.length === 0) return;
    const tag = ++this.gen & C.TAG_MASK;
    Atomics.store(this.ctl, C.CLAIM, (tag << 11) | 2047);
    Atomics.store(this.ctl, C.NSHARES, 0);
    Atomics.store(this.ctl, C.OP, C.OP_EXIT);
    publish(this.ctl, this.gen);
  }

  /** Release the workers for the next fit. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stop();
    idleWorkers.push(...this.workers);
  }
}

/**
 * Bin the training rows (and the validation rows) of X, thresholds from the training rows only
 * (BinMapper.fit then transform), with the features shared between nThreads threads: the same
 * kernels per feature, so the same thresholds and bins as BinMapper. Each feature's column of X is
 * binned whole, in place, and each set takes its rows' bins, so X is never copied.
 * `trainRows`/`valRows` are row indices into X (trainRows null: all rows, in order); `subsample`
 * are positions within the training rows (BinMapper.subsampleRows). With more than one thread the
 * results are in SharedArrayBuffers, ready for a threaded Engine.
 */
export function binRows(
  mapper: BinMapper,
  X: Matrix,
  trainRows: Int32Array | null,
  valRows: Int32Array | null,
  subsample: Int32Array | null,
  nThreads: number,
): { binned: BinnedMatrix; binnedVal: BinnedMatrix | null } {
  const nF = X.nCols;
  const T = Math.max(1, Math.min(nThreads, nF, MAX_THREADS));
  const shared = T > 1;
  const maxBins = mapper.nBins - 1;
  const buffer = (bytes: number) => (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  const ints = (v: Int32Array) => {
    const out = new Int32Array(buffer(v.length * 4));
    out.set(v);
    return out;
  };
  let x = X.data;
  if (shared && !(x.buffer instanceof SharedArrayBuffer)) {
    x = new Float64Array(buffer(X.data.length * 8));
    x.set(X.data);
  }
  const sets = [trainRows, ...(valRows ? [valRows] : [])].map((rows, i) => {
    const n = rows ? rows.length : X.nRows;
    return {
      rows: rows && shared ? ints(rows) : rows,
      n,
      columns: new Uint8Array(buffer(n * nF)),
      binnedRows: new Uint8Array(buffer(n * nF)),
      isTrain: i === 0,
    };
  });
  // The rows of X the thresholds come from: the training rows, or the subsample of them.
  let thresholdRows = trainRows;
  if (subsample) {
    thresholdRows = new Int32Array(subsample.length);
    for (let i = 0; i < subsample.length; i++) {
      thresholdRows[i] = trainRows ? trainRows[subsample[i]] : subsample[i];
    }
  }
  const team = new WorkerTeam(T);
  const state: BinState = {
    kind: 'bin',
    control: team.ctl,
    featureShares: Math.min(nF, MAX_SHARES),
    rowShares: Math.min(2 * T, MAX_SHARES),
    nFeatures: nF,
    maxBins,
    missingBin: mapper.missingBin,
    x,
    nRowsX: X.nRows,
    sets: sets.map(({ rows, n, columns, binnedRows }) => ({ rows, n, columns, binnedRows })),
    thresholdRows: thresholdRows && shared ? ints(thresholdRows) : thresholdRows,
    thresholds: new Float64Array(buffer(nF * maxBins * 8)),
    counts: new Int32Array(buffer(nF * 4)),
    spin: SPIN,
    epoch: 0,
    c: C,
  };
  try {
    team.setup(state);
    // One share per feature: the threads take features until none is left, which balances
    // cheap features (few distinct values, no sort) against expensive ones.
    team.run(C.OP_BIN, state.featureShares, (k) => runBinShare(state, KERNELS, C.OP_BIN, k));
    team.run(C.OP_TRANSPOSE, state.rowShares, (k) => runBinShare(state, KERNELS, C.OP_TRANSPOSE, k));
  } finally {
    team.close();
  }
  const { thresholds, counts } = state;
  mapper.setThresholds(
    Array.from({ length: nF }, (_, f) => thresholds.slice(f * maxBins, f * maxBins + counts[f])),
  );
  const [train, val] = sets.map((m) => ({
    nRows: m.n,
    nFeatures: nF,
    rows: m.binnedRows,
    columns: m.columns,
  }));
  return { binned: train, binnedVal: val ?? null };
}
