/**
 * The grower's data kernels (histograms, split search, partition) run on the calling thread.
 * workers.ts spreads the same kernels over threads, feature by feature, with identical results.
 */
import type { BinnedMatrix } from './binning.js';
import type { SplitRequest, TreeKernels } from './grower.js';
import {
  type HistogramPool,
  makeHistogramKernels,
  type NodeKernel,
  type RootKernel,
  subtractHistograms,
} from './histogram.js';
import {
  FEATURE_RESULT_SIZE,
  findFeatureSplit,
  pickBestSplit,
  type SplitInfo,
  splitIndices,
} from './splitting.js';

/** Everything the kernels read or write during one fit. */
export interface KernelData {
  binned: BinnedMatrix;
  /** bins per feature in a histogram, missing-value bin included */
  nBins: number;
  missingBin: number;
  nBinsNonMissing: Uint32Array;
  hasMissing: Uint8Array;
  /** the root's per-bin counts (rootCountHistograms) */
  rootCounts: Float64Array;
  /** gradients of the current iteration */
  gradients: Float32Array;
  partition: Uint32Array;
  /** scratch for splitIndices, as long as partition */
  scratch: Uint32Array;
  pool: HistogramPool;
  l2: number;
  minSamplesLeaf: number;
}

/** Best split of features [f0, f1) of a node into results (FEATURE_RESULT_SIZE per feature). */
export function findFeatureSplits(
  d: KernelData,
  r: SplitRequest,
  results: Float64Array,
  f0: number,
  f1: number,
): void {
  const hist = d.pool.data;
  for (let f = f0; f < f1; f++) {
    findFeatureSplit(
      hist,
      r.hist,
      f,
      d.nBins,
      d.nBinsNonMissing[f],
      d.hasMissing[f],
      r.nSamples,
      r.sumGradients,
      r.value,
      d.l2,
      d.minSamplesLeaf,
      results,
      f * FEATURE_RESULT_SIZE,
    );
  }
}

/** Turn the per-feature results into the node's best split. */
export function resolveSplit(d: KernelData, r: SplitRequest, results: Float64Array): void {
  pickBestSplit(results, d.binned.nFeatures, r.nSamples, r.sumGradients, r.sumHessians, d.l2, r.out);
}

/** Stable partition of a node's samples by a split (shared by both runners). */
export function partitionNode(d: KernelData, start: number, count: number, split: SplitInfo): number {
  return splitIndices(
    d.binned.columns,
    d.binned.nRows,
    d.partition,
    start,
    count,
    split.feature,
    split.bin,
    split.missingGoToLeft,
    d.missingBin,
    d.scratch,
  );
}

/** Histograms of a node's smaller child and, by subtraction, of the larger one, for features [f0, f1). */
export function childHistograms(
  d: KernelData,
  node: NodeKernel,
  start: number,
  count: number,
  smallHist: number,
  parentHist: number,
  f0: number,
  f1: number,
): void {
  const hist = d.pool.data;
  node(d.binned.rows, d.partition, start, count, d.gradients, hist, smallHist);
  subtractHistograms(hist, parentHist, smallHist, d.nBins, f0, f1);
}

export class SerialKernels implements TreeKernels {
  private readonly results: Float64Array;
  private readonly rootKernel: RootKernel;
  private readonly nodeKernel: NodeKernel;

  constructor(private readonly d: KernelData) {
    const nF = d.binned.nFeatures;
    this.results = new Float64Array(nF * FEATURE_RESULT_SIZE);
    const k = makeHistogramKernels(nF, d.nBins, 0, nF);
    this.rootKernel = k.root;
    this.nodeKernel = k.node;
  }

  root(request: SplitRequest): void {
    const { binned, gradients, pool, rootCounts } = this.d;
    this.rootKernel(binned.rows, gradients, binned.nRows, rootCounts, pool.data, request.hist);
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
    childHistograms(this.d, this.nodeKernel, start, count, smallHist, parentHist, 0, this.d.binned.nFeatures);
    if (left) this.split(left);
    if (right) this.split(right);
  }

  private split(request: SplitRequest): void {
    findFeatureSplits(this.d, request, this.results, 0, this.d.binned.nFeatures);
    resolveSplit(this.d, request, this.results);
  }

  splitIndices(start: number, count: number, split: SplitInfo): number {
    return partitionNode(this.d, start, count, split);
  }
}
