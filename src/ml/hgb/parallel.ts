/**
 * The grower's data kernels (histograms, split search, partition) run on the calling thread.
 * workers.ts spreads the same kernels over threads, feature by feature, with identical results.
 */
import type { BinnedMatrix } from './binning.js';
import type { SplitRequest, TreeKernels } from './grower.js';
import {
  buildNodeHistograms,
  buildRootHistograms,
  type HistogramPool,
  subtractHistograms,
} from './histogram.js';
import {
  FEATURE_RESULT_SIZE,
  findFeatureSplit,
  MIN_HESSIAN_TO_SPLIT,
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
  for (let f = f0; f < f1; f++) {
    findFeatureSplit(
      d.pool.data,
      r.hist,
      f,
      d.nBins,
      d.nBinsNonMissing[f],
      d.hasMissing[f],
      r.nSamples,
      r.sumGradients,
      r.sumHessians,
      r.value,
      d.l2,
      d.minSamplesLeaf,
      MIN_HESSIAN_TO_SPLIT,
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
    d.binned.data,
    d.binned.nFeatures,
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

export class SerialKernels implements TreeKernels {
  private readonly results: Float64Array;

  constructor(private readonly d: KernelData) {
    this.results = new Float64Array(d.binned.nFeatures * FEATURE_RESULT_SIZE);
  }

  root(request: SplitRequest): void {
    const { binned, gradients, pool, nBins } = this.d;
    const nF = binned.nFeatures;
    buildRootHistograms(binned.data, nF, binned.nRows, gradients, pool.data, request.hist, nBins, 0, nF);
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
    const { binned, gradients, partition, pool, nBins } = this.d;
    const nF = binned.nFeatures;
    buildNodeHistograms(
      binned.data,
      nF,
      partition,
      start,
      count,
      gradients,
      pool.data,
      smallHist,
      nBins,
      0,
      nF,
    );
    subtractHistograms(pool.data, parentHist, smallHist, nBins, 0, nF);
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
