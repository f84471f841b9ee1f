/**
 * The data work of a fit, behind one interface (`Engine`): histograms, split search and partition
 * for the grower, and the per-iteration passes over all rows (gradients and losses, adding a tree
 * to the raw predictions, scoring the validation rows). SerialEngine does it on the calling
 * thread; workers.ts's ParallelEngine spreads the same kernels over threads with identical
 * results. The engine owns the per-fit buffers.
 */
import type { BinnedMatrix } from './binning.js';
import { applySegments, SEGMENT_SIZE, type SplitRequest, type TreeKernels } from './grower.js';
import {
  HistogramPool,
  makeHistogramKernels,
  type NodeKernel,
  type RootKernel,
  rootCountHistograms,
  type SubtractKernel,
} from './histogram.js';
import { meanOf, residuals, sumGradients } from './loss.js';
import { PACKED_NODE_SIZE, predictBinnedPacked, type TreePredictor } from './predictor.js';
import {
  FEATURE_RESULT_SIZE,
  findFeatureSplit,
  pickBestSplit,
  type SplitInfo,
  splitIndices,
} from './splitting.js';

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

export interface Engine extends TreeKernels {
  readonly partition: Uint32Array;
  readonly pool: HistogramPool;
  /**
   * Gradients for the next tree from the current raw predictions, and, when `withLoss`, the
   * per-sample training losses; returns the sum of the gradients.
   */
  residuals(withLoss: boolean): number;
  /** Mean training loss (after residuals(true)). */
  trainLoss(): number;
  /** Partition back to 0 .. n-1, before growing a tree. */
  resetTree(): void;
  /** Add a grown tree's leaf values to the training rows' raw predictions. */
  applyTree(segments: Float64Array, nSegments: number): void;
  /** Add a tree (null: none) to the validation rows' raw predictions; returns their mean loss. */
  validate(tree: TreePredictor | null): number;
  /** Buffer for the grower's leafSegments() (room for every leaf). */
  readonly segments: Float64Array;
  close(): void;
}

/** Room for the most leaves a tree can have: each holds >= min_samples_leaf samples. */
export function maxSegments(nRows: number, minSamplesLeaf: number, maxLeafNodes: number | null): number {
  const bound = Math.max(1, Math.floor(nRows / minSamplesLeaf) + 1);
  return maxLeafNodes === null ? bound : Math.min(bound, maxLeafNodes);
}

/** The buffers of a fit, allocated shared (SharedArrayBuffer) when threads will read them. */
export class EngineBuffers {
  readonly n: number;
  readonly nFeatures: number;
  readonly y: Float64Array;
  readonly raw: Float64Array;
  readonly gradients: Float32Array;
  readonly losses: Float64Array;
  readonly partition: Uint32Array;
  readonly scratch: Uint32Array;
  readonly segments: Float64Array;
  readonly rootCounts: Float64Array;
  readonly pool: HistogramPool;
  readonly rawVal: Float64Array | null;
  readonly yval: Float64Array | null;
  readonly lossesVal: Float64Array | null;
  /** the tree being added to the validation rows, packed (TreePredictor.pack) */
  readonly treeNodes: Int32Array;
  readonly treeValues: Float64Array;

  constructor(
    readonly input: EngineInput,
    shared: boolean,
  ) {
    const { binned, nBins } = input;
    const n = binned.nRows;
    this.n = n;
    this.nFeatures = binned.nFeatures;
    // Plain ArrayBuffers when no other thread reads them (a SharedArrayBuffer is not slower, but
    // there is no reason to share).
    const buffer = (bytes: number) => (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
    const f64 = (len: number) => new Float64Array(buffer(8 * len));
    this.y = f64(n);
    this.y.set(input.y);
    this.raw = f64(n).fill(input.baseline);
    this.gradients = new Float32Array(buffer(4 * n));
    this.losses = f64(n);
    this.partition = new Uint32Array(buffer(4 * n));
    this.scratch = new Uint32Array(buffer(4 * n));
    this.segments = f64(SEGMENT_SIZE * maxSegments(n, input.minSamplesLeaf, input.maxLeafNodes));
    this.rootCounts = rootCountHistograms(binned.columns, n, this.nFeatures, nBins);
    const slots = (input.maxLeafNodes ?? 31) + 2;
    this.pool = new HistogramPool(this.nFeatures, nBins, slots, shared);
    const nVal = input.yval?.length ?? 0;
    this.yval = input.yval ? f64(nVal) : null;
    if (this.yval && input.yval) this.yval.set(input.yval);
    this.rawVal = input.yval ? f64(nVal).fill(input.baseline) : null;
    this.lossesVal = input.yval ? f64(nVal) : null;
    const maxNodes = 2 * maxSegments(n, input.minSamplesLeaf, input.maxLeafNodes);
    this.treeNodes = new Int32Array(buffer(4 * PACKED_NODE_SIZE * maxNodes));
    this.treeValues = f64(maxNodes);
  }
}

/** Best split of features [f0, f1) of a node into results (FEATURE_RESULT_SIZE per feature). */
export function findFeatureSplits(
  b: EngineBuffers,
  r: SplitRequest,
  results: Float64Array,
  f0: number,
  f1: number,
): void {
  const { input } = b;
  const hist = b.pool.data;
  for (let f = f0; f < f1; f++) {
    findFeatureSplit(
      hist,
      r.hist,
      f,
      input.nBins,
      input.nBinsNonMissing[f],
      input.hasMissing[f],
      r.nSamples,
      r.sumGradients,
      r.value,
      input.l2,
      input.minSamplesLeaf,
      results,
      f * FEATURE_RESULT_SIZE,
    );
  }
}

/** Turn the per-feature results into the node's best split. */
export function resolveSplit(b: EngineBuffers, r: SplitRequest, results: Float64Array): void {
  pickBestSplit(results, b.nFeatures, r.nSamples, r.sumGradients, r.sumHessians, b.input.l2, r.out);
}

/** Histograms of a node's smaller child and, by subtraction, of the larger one, for features [f0, f1). */
export function childHistograms(
  b: EngineBuffers,
  kernels: { node: NodeKernel; sub: SubtractKernel },
  start: number,
  count: number,
  smallHist: number,
  parentHist: number,
): void {
  const hist = b.pool.data;
  kernels.node(b.input.binned.rows, b.partition, start, count, b.gradients, hist, smallHist);
  kernels.sub(hist, parentHist, smallHist);
}

/** Kernels for features [f0, f1) of a fit (see makeHistogramKernels). */
export function kernelsFor(b: EngineBuffers, f0: number, f1: number): HistogramKernels {
  const { input } = b;
  return makeHistogramKernels(b.nFeatures, input.nBins, input.nBinsNonMissing, input.hasMissing, f0, f1);
}

export interface HistogramKernels {
  root: RootKernel;
  node: NodeKernel;
  sub: SubtractKernel;
}

export class SerialEngine implements Engine {
  private readonly results: Float64Array;
  private readonly kernels: HistogramKernels;

  constructor(private readonly b: EngineBuffers) {
    this.results = new Float64Array(b.nFeatures * FEATURE_RESULT_SIZE);
    this.kernels = kernelsFor(b, 0, b.nFeatures);
  }

  get partition(): Uint32Array {
    return this.b.partition;
  }
  get pool(): HistogramPool {
    return this.b.pool;
  }
  get segments(): Float64Array {
    return this.b.segments;
  }

  root(request: SplitRequest): void {
    const { b } = this;
    const binned = b.input.binned;
    this.kernels.root(binned.rows, b.gradients, binned.nRows, b.rootCounts, b.pool.data, request.hist);
    this.split(request);
  }

  children(
    start: number,
    count: number,
    smallHist: number,
    parentHist: number,
    left: SplitRequest | null,
    right: SplitRequest | null,
  ): void {
    childHistograms(this.b, this.kernels, start, count, smallHist, parentHist);
    if (left) this.split(left);
    if (right) this.split(right);
  }

  private split(request: SplitRequest): void {
    findFeatureSplits(this.b, request, this.results, 0, this.b.nFeatures);
    resolveSplit(this.b, request, this.results);
  }

  splitIndices(start: number, count: number, split: SplitInfo): number {
    const { b } = this;
    const binned = b.input.binned;
    return splitIndices(
      binned.columns,
      binned.nRows,
      b.partition,
      b.scratch,
      start,
      count,
      split.feature,
      split.bin,
      split.missingGoToLeft,
      b.input.missingBin,
    );
  }

  residuals(withLoss: boolean): number {
    const { b } = this;
    residuals(b.y, b.raw, b.gradients, b.losses, 0, b.n, withLoss);
    return sumGradients(b.gradients, 0, b.n, 0);
  }

  trainLoss(): number {
    return meanOf(this.b.losses, this.b.n);
  }

  resetTree(): void {
    const p = this.b.partition;
    for (let i = 0; i < p.length; i++) p[i] = i;
  }

  applyTree(segments: Float64Array, nSegments: number): void {
    const { b } = this;
    const binned = b.input.binned;
    applySegments(b.raw, b.partition, binned.columns, binned.nRows, segments, nSegments, 0, b.n);
  }

  validate(tree: TreePredictor | null): number {
    const { b } = this;
    const val = b.input.binnedVal;
    if (!val || !b.rawVal || !b.yval || !b.lossesVal) return Number.NaN;
    if (tree) tree.pack(b.treeNodes, b.treeValues);
    predictBinnedPacked(
      tree ? b.treeNodes : null,
      b.treeValues,
      val.rows,
      val.nFeatures,
      b.input.missingBin,
      b.rawVal,
      b.yval,
      b.lossesVal,
      0,
      val.nRows,
    );
    return meanOf(b.lossesVal, val.nRows);
  }

  close(): void {}
}
