/**
 * The data work of a fit (`Engine`): histograms, split search and partition for the grower, and
 * the per-iteration passes over all rows (gradients and losses, adding a tree to the raw
 * predictions, scoring the validation rows). It owns the fit's buffers and runs every operation
 * as shares (shares.ts) on a WorkerTeam (workers.ts): with one thread the calling thread does
 * them all, with more the workers take theirs, and the results are identical either way. Work too
 * small to pay for waking the workers runs on the calling thread with the same kernels.
 */

import { NUMPY_BLOCK } from '../pairwise.js';
import { type BinnedMatrix, transposeBins } from './binning.js';
import { SEGMENT_SIZE, type SplitRequest, type TreeKernels } from './grower.js';
import { HistogramPool, rootCountHistograms } from './histogram.js';
import { PACKED_NODE_SIZE, type TreePredictor } from './predictor.js';
import {
  bindRowKernels,
  C,
  type FitState,
  type HistKernels,
  MAX_SHARES,
  MAX_THREADS,
  type RowKernels,
  runFitShare,
  shareHistKernels,
  splitFeatures,
} from './shares.js';
import { FEATURE_RESULT_SIZE, pickBestSplit, rightUpperBound, type SplitInfo } from './splitting.js';
import { KERNELS, WorkerTeam } from './workers.js';

/**
 * Below this many (samples x features) in a node, its histograms and split search stay on the
 * calling thread. Low, because the split search of even a small node (every bin of every feature)
 * costs more than waking the workers (about a microsecond when they spin); tuned on the flagship.
 */
const MIN_NODE_WORK = 1_000;
/** Below this many rows, a pass over rows or a partition stays on the calling thread. */
const MIN_ROWS = 4_096;
/**
 * Below this much work (rows x features x max_iter), a fit left to choose its thread count runs on
 * the calling thread alone. A fit is usually the only one in its process (the CLI), so the threads
 * start cold: a worker takes some 25 ms to start and then compiles its own copy of every kernel,
 * and until V8 has optimised them its shares are slow and keep the calling thread waiting. Measured
 * on the flagship data on 2 cores, single fits in fresh processes: at 16,512 rows x 16 features x
 * 200 iterations (5e7) one thread takes ~0.36 s and two ~0.44 s; at 33,000 rows (1e8) 0.55 vs
 * 0.60-0.67 s; at 66,000 rows (2e8) 0.87 vs 0.84 s; at 165,000 rows 1.8 vs 1.45 s. (Fits repeated
 * in one process gain from threads sooner: the flagship's then takes ~0.27 s on two against ~0.31.)
 * Re-measured 2026-12-05 after the kernels got faster: at 165,000 rows one thread 1.71-1.92 s and
 * two 1.70-1.73 s; at 825,600 rows one 10.5-12.4 s and two 7.4-7.7 s; at 16,512 rows two threads
 * still lose (0.59 against 0.41 s).
 */
const AUTO_MIN_WORK = 2e8;

/**
 * The number of threads of a fit: `requested` (> 0) as asked, or, for 0 (automatic), one thread
 * for small fits (AUTO_MIN_WORK) and else `available`; never more than the features (a feature's
 * histogram is one thread's work) nor MAX_THREADS.
 */
export function threadsFor(
  requested: number,
  available: number,
  nRows: number,
  nFeatures: number,
  maxIter: number,
): number {
  const cap = Math.max(1, Math.min(nFeatures, MAX_THREADS));
  if (requested > 0) return Math.min(requested, cap);
  if (nRows * nFeatures * maxIter < AUTO_MIN_WORK) return 1;
  return Math.max(1, Math.min(available, cap));
}

/** What a fit gives its engine. */
export interface EngineInput {
  binned: BinnedMatrix;
  y: Float64Array;
  /** validation rows, binned with the same mapper, and their targets (early stopping) */
  binnedVal: BinnedMatrix | null;
  yval: Float64Array | null;
  /** bins per feature in a histogram, missing-value bin included */
  nBins: number;
  missingBin: number;
  nBinsNonMissing: Uint32Array;
  hasMissing: Uint8Array;
  l2: number;
  minSamplesLeaf: number;
  maxLeafNodes: number | null;
  /** the starting raw prediction of every row */
  baseline: number;
}

/** The mean of n values from their 8192-row block sums: added in order to 0.0, as NumPy does. */
function blocksMean(blocks: Float64Array, n: number): number {
  let total = 0;
  for (let b = 0; b < blocks.length; b++) total += blocks[b];
  return total / n;
}

/**
 * Row-major bins of each feature share's features [ranges[k], ranges[k + 1]) (see
 * makeHistogramKernels: each thread then gathers only its own features' bytes).
 */
function shareRowMatrices(
  binned: BinnedMatrix,
  ranges: readonly number[],
  buffer: (bytes: number) => ArrayBufferLike,
): Uint8Array[] {
  const { nRows: n, columns } = binned;
  const out: Uint8Array[] = [];
  for (let k = 0; k + 1 < ranges.length; k++) {
    const width = ranges[k + 1] - ranges[k];
    const rows = new Uint8Array(buffer(n * width));
    // (the share's features are consecutive columns of the column-major bins)
    transposeBins(columns.subarray(ranges[k] * n, ranges[k + 1] * n), rows, n, width, 0, n);
    out.push(rows);
  }
  return out;
}

/** Room for the most leaves a tree can have: each holds >= min_samples_leaf samples. */
export function maxSegments(nRows: number, minSamplesLeaf: number, maxLeafNodes: number | null): number {
  const bound = Math.max(1, Math.floor(nRows / minSamplesLeaf) + 1);
  return maxLeafNodes === null ? bound : Math.min(bound, maxLeafNodes);
}

export class Engine implements TreeKernels {
  readonly pool: HistogramPool;
  /** both index buffers; the root's samples start in buffer 0 (0 .. n-1, see resetTree) */
  private readonly indices: Uint32Array;
  /** buffers for the grower's leafSegments() (room for every leaf) */
  readonly segments: Float64Array;
  readonly leafValues: Float64Array;
  /** whether the last tree's leaves are assigned but not yet added to the raw predictions */
  private pendingTree = false;
  private readonly n: number;
  private readonly nFeatures: number;
  private readonly nThreads: number;
  private readonly team: WorkerTeam;
  private state: FitState;
  /** row kernels bound to the fit's arrays */
  private readonly rowKernels: RowKernels;
  /** histogram kernels of each feature share (one per thread) */
  private shareKernels: HistKernels[];

  constructor(
    private readonly input: EngineInput,
    nThreads: number,
  ) {
    const { binned, nBins } = input;
    const n = binned.nRows;
    const nF = binned.nFeatures;
    this.n = n;
    this.nFeatures = nF;
    this.nThreads = nThreads;
    const shared = nThreads > 1;
    // Plain ArrayBuffers when no other thread reads them.
    const buffer = (bytes: number) => (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
    const f64 = (len: number) => new Float64Array(buffer(8 * len));
    const u32 = (len: number) => new Uint32Array(buffer(4 * len));
    this.pool = new HistogramPool(nF, nBins, (input.maxLeafNodes ?? 31) + 2, shared);
    this.indices = u32(2 * n);
    const segments = maxSegments(n, input.minSamplesLeaf, input.maxLeafNodes);
    this.segments = f64(SEGMENT_SIZE * segments);
    // two leaves per segment at most (an unpartitioned node has two)
    this.leafValues = f64(2 * segments);
    const nVal = input.yval?.length ?? 0;
    const copy = (v: Float64Array) => {
      const out = f64(v.length);
      out.set(v);
      return out;
    };
    const maxNodes = 2 * maxSegments(n, input.minSamplesLeaf, input.maxLeafNodes);
    // One feature share per thread: each feature share is a pass over the node's samples, so
    // more shares would cost more passes. Row operations are cut finer, for balance.
    const ranges: number[] = [];
    for (let t = 0; t <= nThreads; t++) ranges.push(Math.round((t * nF) / nThreads));
    this.team = new WorkerTeam(nThreads);
    this.state = {
      kind: 'fit',
      control: this.team.ctl,
      args: f64(2 * C.REQUEST_ARGS),
      ranges,
      rowShares: Math.min(4 * nThreads, MAX_SHARES),
      shareRows: ranges.length === 2 ? [binned.rows] : shareRowMatrices(binned, ranges, buffer),
      columns: binned.columns,
      nRows: n,
      nFeatures: nF,
      nBins,
      missingBin: input.missingBin,
      nBinsNonMissing: input.nBinsNonMissing,
      hasMissing: input.hasMissing,
      l2: input.l2,
      minSamplesLeaf: input.minSamplesLeaf,
      rootCounts: rootCountHistograms(binned.columns, n, nF, nBins),
      gradients: new Float32Array(buffer(4 * n)),
      indices: this.indices,
      sides: new Uint8Array(buffer(n)),
      hist: this.pool.data,
      counts: this.pool.counts,
      results: f64(2 * nF * FEATURE_RESULT_SIZE),
      resultSize: FEATURE_RESULT_SIZE,
      y: copy(input.y),
      raw: f64(n).fill(input.baseline),
      losses: f64(n),
      lossBlocks: f64(Math.ceil(n / NUMPY_BLOCK)),
      lossBlocksVal: f64(Math.ceil(nVal / NUMPY_BLOCK)),
      segments: this.segments,
      leafOf: 2 * segments <= 0xffff ? new Uint16Array(buffer(2 * n)) : new Uint32Array(buffer(4 * n)),
      leafValues: this.leafValues,
      treeNodes: new Int32Array(buffer(4 * PACKED_NODE_SIZE * maxNodes)),
      treeValues: f64(maxNodes),
      valRows: input.binnedVal?.rows ?? null,
      yval: input.yval ? copy(input.yval) : null,
      rawVal: input.yval ? f64(nVal).fill(input.baseline) : null,
      lossesVal: input.yval ? f64(nVal) : null,
      spin: 0, // set by the team
      epoch: 0,
      c: C,
    };
    this.rowKernels = bindRowKernels(this.state, KERNELS);
    this.shareKernels = shareHistKernels(this.state, KERNELS);
    this.team.setup(this.state);
  }

  /**
   * The histogram pool grows when a tree needs more slots than it had (only possible without
   * max_leaf_nodes): every use of the histograms must then see the new buffer, on this thread
   * (the state) and on the workers (a new setup). Called before any histogram work.
   */
  private syncPool(): void {
    if (this.pool.data === this.state.hist) return;
    this.team.stop();
    this.state = { ...this.state, hist: this.pool.data, counts: this.pool.counts };
    // (The histogram kernels have the pool bound in: new ones; the row kernels do not use it.)
    this.shareKernels = shareHistKernels(this.state, KERNELS);
    this.team.setup(this.state);
  }

  /** Run `op` over nShares shares (its arguments are set). */
  private run(op: number, nShares: number): void {
    this.syncPool();
    const s = this.state;
    this.team.run(op, nShares, (k) =>
      runFitShare(s, KERNELS, this.rowKernels, this.shareKernels, splitFeatures, op, k, nShares),
    );
  }

  private setRequest(slot: number, r: SplitRequest): void {
    const args = this.state.args;
    const a = slot * C.REQUEST_ARGS;
    args[a] = r.hist;
    args[a + 1] = r.nSamples;
    args[a + 2] = r.sumGradients;
    args[a + 3] = r.value;
  }

  private resolve(r: SplitRequest, results: Float64Array, slot: number): void {
    const size = this.nFeatures * FEATURE_RESULT_SIZE;
    const own = results.subarray(slot * size, (slot + 1) * size);
    pickBestSplit(own, this.nFeatures, r.nSamples, r.sumGradients, r.sumHessians, this.input.l2, r.out);
  }

  root(request: SplitRequest): void {
    this.syncPool();
    this.setRequest(0, request);
    this.run(C.OP_ROOT, this.nThreads);
    this.resolve(request, this.state.results, 0);
  }

  children(
    start: number,
    count: number,
    buffer: number,
    smallHist: number,
    parentHist: number,
    left: SplitRequest | null,
    right: SplitRequest | null,
  ): void {
    this.syncPool();
    if (left) this.setRequest(0, left);
    if (right) this.setRequest(1, right);
    const s = this.state;
    if (this.nThreads === 1 || count * this.nFeatures < MIN_NODE_WORK) {
      // The shares' kernels one after the other (not one kernel for all features: with threads,
      // that would be one more set of kernels for V8 to compile, a cost that matters more to a
      // single fit than the extra pass over these few samples).
      for (const k of this.shareKernels) {
        k.node(buffer * this.n + start, count, smallHist);
        k.sub(parentHist, smallHist);
      }
      if (left) splitFeatures(s, KERNELS, 0, 0, 0, this.nFeatures);
      if (right) splitFeatures(s, KERNELS, C.REQUEST_ARGS, 1, 0, this.nFeatures);
    } else {
      const ctl = s.control;
      ctl[C.A0] = start;
      ctl[C.A0 + 1] = count;
      ctl[C.A0 + 2] = smallHist;
      ctl[C.A0 + 3] = parentHist;
      ctl[C.A0 + 4] = left ? 1 : 0;
      ctl[C.A0 + 5] = right ? 1 : 0;
      ctl[C.A0 + 6] = buffer;
      this.run(C.OP_CHILDREN, this.nThreads);
    }
    if (left) this.resolve(left, s.results, 0);
    if (right) this.resolve(right, s.results, 1);
  }

  splitIndices(start: number, count: number, buffer: number, nLeft: number, split: SplitInfo): void {
    const s = this.state;
    const upper = rightUpperBound(split.missingGoToLeft, s.missingBin);
    const { feature, bin } = split;
    if (this.nThreads === 1 || count < MIN_ROWS) {
      this.rowKernels.partition(buffer, start, start + count, feature, bin, upper, start, start + nLeft);
      return;
    }
    // Threaded: mark each sample's side and count each chunk's left samples, then every chunk
    // writes its samples at offsets that follow from the counts (see shares.ts OP_PARTITION).
    const ctl = s.control;
    ctl[C.A0] = start;
    ctl[C.A0 + 1] = count;
    ctl[C.A0 + 2] = feature;
    ctl[C.A0 + 3] = bin;
    ctl[C.A0 + 4] = upper;
    ctl[C.A0 + 5] = buffer;
    this.run(C.OP_COUNT, s.rowShares);
    this.run(C.OP_PARTITION, s.rowShares);
  }

  /** Whether a pass over n rows is shared between threads. */
  private shared(n: number): boolean {
    return this.nThreads > 1 && n >= MIN_ROWS;
  }

  /**
   * Gradients for the next tree from the current raw predictions, and, when `withLoss`, the
   * per-sample training losses; returns the sum of the gradients (in row order).
   */
  residuals(withLoss: boolean): number {
    const k = this.rowKernels;
    const afterTree = this.pendingTree;
    this.pendingTree = false;
    const ctl = this.state.control;
    ctl[C.A0] = withLoss ? 1 : 0;
    ctl[C.A0 + 1] = afterTree ? 1 : 0;
    this.run(C.OP_RESIDUALS, this.shared(this.n) ? this.state.rowShares : 1);
    return k.sum(0, this.n, 0);
  }

  /** Mean training loss (after residuals(true)): NumPy's np.average, block sums added in order. */
  trainLoss(): number {
    return blocksMean(this.state.lossBlocks, this.n);
  }

  /** The root's samples 0 .. n-1 in index buffer 0, before growing a tree. */
  resetTree(): void {
    if (this.shared(this.n)) {
      this.run(C.OP_RESET, this.state.rowShares);
    } else {
      const p = this.indices;
      for (let i = 0; i < this.n; i++) p[i] = i;
    }
  }

  /**
   * Take a grown tree (nSegments segments in `segments`, leaf values in `leafValues`): record each
   * training row's leaf; the next residuals() adds the leaf values to the raw predictions.
   */
  applyTree(nSegments: number): void {
    if (this.shared(this.n)) {
      this.state.control[C.A0] = nSegments;
      this.run(C.OP_APPLY, this.state.rowShares);
    } else {
      this.rowKernels.assign(nSegments, 0, this.n);
    }
    this.pendingTree = true;
  }

  /** Add a tree (null: none) to the validation rows' raw predictions; returns their mean loss. */
  validate(tree: TreePredictor | null): number {
    const s = this.state;
    if (!this.rowKernels.predict || !s.yval) return Number.NaN;
    if (tree) tree.pack(s.treeNodes, s.treeValues);
    const nVal = s.yval.length;
    s.control[C.A0] = tree ? 1 : 0;
    this.run(C.OP_VALIDATE, this.shared(nVal) ? s.rowShares : 1);
    return blocksMean(s.lossBlocksVal, nVal);
  }

  close(): void {
    this.team.close();
  }
}
