/**
 * Growing one tree, scikit-learn 1.2's TreeGrower (grower.py): best-first, always splitting the
 * leaf whose best split has the greatest gain, from a max-heap that follows Python's heapq
 * exactly (same sift rules, so equal gains are popped in sklearn's order).
 *
 * A node becomes a leaf when it has fewer than 2 * min_samples_leaf samples, when its depth reaches
 * max_depth, when no split has a positive gain, or when the tree has max_leaf_nodes leaves.
 * Leaf values are the Newton steps -G / (H + l2) computed by the splitter, multiplied by the
 * learning rate once the tree is complete (sklearn's _apply_shrinkage).
 *
 * Memory: a node's sample indices are a range of one of two index buffers (a split writes its
 * children's into the other buffer, at the same positions); histograms live in a pool of reusable
 * slots; the smaller child's histograms are built from its samples and the larger child's by
 * subtraction from the parent's, in the parent's slot. The data work itself is the engine's
 * (TreeKernels), which may spread it over threads.
 *
 * Intentional difference: the root's gradient sum is a plain sequential float64 sum. sklearn sums
 * it with an OpenMP reduction whose grouping depends on its thread count (sum_parallel), so its
 * last bits vary between machines; ours equals sklearn's with one thread, on every machine.
 */
import type { BinnedMatrix } from './binning.js';
import type { HistogramPool } from './histogram.js';
import { TreePredictor } from './predictor.js';
import { emptySplitInfo, MIN_HESSIAN_TO_SPLIT, rightUpperBound, type SplitInfo } from './splitting.js';

/** Numbers per segment in leafSegments()/assignLeaves(). */
export const SEGMENT_SIZE = 8;

/**
 * Record which leaf each training sample of positions [from, to) fell in: leafOf[sample] = leaf id.
 * A segment is [start, count, leaf, feature, bin, upper, rightLeaf, buffer]: its samples are at
 * positions [start, start + count) of index buffer `buffer` (indices[buffer * nRows + k]); with
 * feature -1 they all are in `leaf`, otherwise they go to `leaf` or `rightLeaf` by the same test as
 * partitionInto. The raw predictions are then updated row by row, in order, by the next pass over
 * the rows (loss.ts residualsAfterTree), which is sklearn's _update_raw_predictions (raw[sample] +=
 * leaf.value, once per sample and tree) with sequential instead of scattered float updates.
 * Self-contained (runs in worker threads).
 */
export function assignLeaves(
  leafOf: Uint16Array | Uint32Array,
  indices: Uint32Array,
  columns: Uint8Array,
  nRows: number,
  segments: Float64Array,
  nSegments: number,
  from: number,
  to: number,
): void {
  for (let s = 0; s < nSegments; s++) {
    const o = s * 8;
    // (| 0: the segments are doubles; loop bounds and indices must be small integers for V8)
    const start = segments[o] | 0;
    const end = start + (segments[o + 1] | 0);
    const a = Math.max(start, from);
    const b = Math.min(end, to);
    if (a >= b) continue;
    const leaf = segments[o + 2] | 0;
    const feature = segments[o + 3] | 0;
    const base = (segments[o + 7] | 0) * nRows;
    if (feature < 0) {
      for (let k = a; k < b; k++) leafOf[indices[base + k]] = leaf;
    } else {
      const col = feature * nRows;
      const bin = segments[o + 4] | 0;
      const upper = segments[o + 5] | 0;
      const toRight = (segments[o + 6] | 0) - leaf;
      for (let k = a; k < b; k++) {
        const idx = indices[base + k];
        const v = columns[col + idx];
        leafOf[idx] = leaf + toRight * (((bin - v) & (v - upper)) >>> 31);
      }
    }
  }
}

/** A node whose best split is wanted: where its histograms are and its sums. */
export interface SplitRequest {
  /** pool offset of the node's histograms */
  hist: number;
  nSamples: number;
  sumGradients: number;
  sumHessians: number;
  /** the node's value (before shrinkage), which enters the gain */
  value: number;
  /** filled with the node's best split */
  out: SplitInfo;
}

/**
 * What a grower needs done over the data, serially (parallel.ts) or spread over worker threads by
 * feature (workers.ts); both give identical results. Histogram building and split search are
 * fused per call so that a threaded implementation synchronises once per step.
 */
export interface TreeKernels {
  /** histograms of the root (all rows, natural order) into its slot, then its best split */
  root(request: SplitRequest): void;
  /**
   * After a split: histograms of the smaller child (samples at positions [start, start+count) of
   * index buffer `buffer`) into slot `smallHist`; the larger child's by subtraction, in place in
   * the parent's slot `parentHist`; then the best splits of the children given (null: a leaf, not
   * needed).
   */
  children(
    start: number,
    count: number,
    buffer: number,
    smallHist: number,
    parentHist: number,
    left: SplitRequest | null,
    right: SplitRequest | null,
  ): void;
  /**
   * Stable partition of positions [start, start+count) of index buffer `buffer` by the split into
   * the other buffer, at the same positions; `nLeft` (from the histograms) samples go left.
   */
  splitIndices(start: number, count: number, buffer: number, nLeft: number, split: SplitInfo): void;
}

export interface GrowerParams {
  maxLeafNodes: number | null;
  maxDepth: number | null;
  minSamplesLeaf: number;
  /** the learning rate */
  shrinkage: number;
}

export interface GrowerData {
  binned: BinnedMatrix;
  /** per feature, from the bin mapper */
  nBinsNonMissing: Uint32Array;
  /** per feature: 1 if the training data had missing values */
  hasMissing: Uint8Array;
  /** per feature, the bin mapper's thresholds (for the predictor's real-valued thresholds) */
  thresholds: readonly Float64Array[];
  /** index of the missing-value bin */
  missingBin: number;
  pool: HistogramPool;
}

class GrowerNode {
  split: SplitInfo | null = null;
  isLeaf = false;
  left: GrowerNode | null = null;
  right: GrowerNode | null = null;
  /** pool offset of the histograms, -1 when none */
  hist = -1;
  /**
   * Set on a node split into two leaves without partitioning its samples, which stay in its own
   * range and buffer (see splitNext).
   */
  unpartitioned = false;
  /** which index buffer holds the node's samples */
  buffer = 0;
  constructor(
    readonly depth: number,
    readonly start: number,
    readonly count: number,
    readonly sumGradients: number,
    readonly sumHessians: number,
    public value: number,
  ) {}
}

/** a < b in heapq terms: higher gain pops first (sklearn's TreeNode.__lt__). */
function before(a: GrowerNode, b: GrowerNode): boolean {
  return (a.split as SplitInfo).gain > (b.split as SplitInfo).gain;
}

/** heapq._siftdown */
function siftDown(heap: GrowerNode[], startPos: number, pos: number): void {
  const item = heap[pos];
  while (pos > startPos) {
    const parentPos = (pos - 1) >> 1;
    const parent = heap[parentPos];
    if (before(item, parent)) {
      heap[pos] = parent;
      pos = parentPos;
      continue;
    }
    break;
  }
  heap[pos] = item;
}

/** heapq._siftup */
function siftUp(heap: GrowerNode[], pos: number): void {
  const endPos = heap.length;
  const startPos = pos;
  const item = heap[pos];
  let child = 2 * pos + 1;
  while (child < endPos) {
    const right = child + 1;
    if (right < endPos && !before(heap[child], heap[right])) child = right;
    heap[pos] = heap[child];
    pos = child;
    child = 2 * pos + 1;
  }
  heap[pos] = item;
  siftDown(heap, startPos, pos);
}

function heapPush(heap: GrowerNode[], node: GrowerNode): void {
  heap.push(node);
  siftDown(heap, 0, heap.length - 1);
}

function heapPop(heap: GrowerNode[]): GrowerNode {
  const last = heap.pop() as GrowerNode;
  if (heap.length === 0) return last;
  const top = heap[0];
  heap[0] = last;
  siftUp(heap, 0);
  return top;
}

export class TreeGrower {
  private readonly heap: GrowerNode[] = [];
  private readonly leaves: GrowerNode[] = [];
  private root: GrowerNode | null = null;
  private nNodes = 0;

  constructor(
    private readonly data: GrowerData,
    private readonly params: GrowerParams,
    private readonly kernels: TreeKernels,
  ) {}

  /**
   * Grow the tree from the current gradients, whose sum is given; afterwards leafSegments() and
   * makePredictor() describe it.
   */
  grow(sumGradients: number): void {
    const { pool } = this.data;
    const n = this.data.binned.nRows;
    // sum_hessians = hessians[0] * n_samples: the hessian is 1.
    const root = new GrowerNode(0, 0, n, sumGradients, n, 0);
    this.root = root;
    this.nNodes = 1;
    pool.reset();
    if (n < 2 * this.params.minSamplesLeaf || root.sumHessians < MIN_HESSIAN_TO_SPLIT) {
      this.finalizeLeaf(root);
    } else {
      root.hist = pool.acquire();
      const request = this.requestFor(root);
      this.kernels.root(request);
      this.pushOrFinalize(root, request.out);
    }
    while (this.heap.length > 0) this.splitNext();
    for (const leaf of this.leaves) leaf.value *= this.params.shrinkage;
  }

  private finalizeLeaf(node: GrowerNode): void {
    node.isLeaf = true;
    if (node.hist >= 0) {
      this.data.pool.release(node.hist);
      node.hist = -1;
    }
    this.leaves.push(node);
  }

  private requestFor(node: GrowerNode): SplitRequest {
    return {
      hist: node.hist,
      nSamples: node.count,
      sumGradients: node.sumGradients,
      sumHessians: node.sumHessians,
      value: node.value,
      out: emptySplitInfo(),
    };
  }

  /** sklearn's _compute_best_split_and_push, once the split is known. */
  private pushOrFinalize(node: GrowerNode, split: SplitInfo): void {
    node.split = split;
    if (split.gain <= 0) this.finalizeLeaf(node);
    else heapPush(this.heap, node);
  }

  private splitNext(): void {
    const { pool, hasMissing } = this.data;
    const { maxLeafNodes, maxDepth, minSamplesLeaf } = this.params;
    const node = heapPop(this.heap);
    const split = node.split as SplitInfo;
    const depth = node.depth + 1;
    const nLeafNodes = this.leaves.length + this.heap.length + 2;
    // When both children are bound to be leaves (the conditions below, known from the split's
    // counts), their samples need no partition: its only use would be telling which leaf each
    // sample is in, which assignLeaves finds by testing the split again over the parent's range.
    // Same result, one pass instead of two.
    const terminal =
      (maxLeafNodes !== null && nLeafNodes === maxLeafNodes) ||
      (maxDepth !== null && depth === maxDepth) ||
      (split.nSamplesLeft < 2 * minSamplesLeaf && split.nSamplesRight < 2 * minSamplesLeaf);
    const nLeft = split.nSamplesLeft;
    if (terminal) node.unpartitioned = true;
    else this.kernels.splitIndices(node.start, node.count, node.buffer, nLeft, split);

    const left = new GrowerNode(
      depth,
      node.start,
      nLeft,
      split.sumGradientLeft,
      split.sumHessianLeft,
      split.valueLeft,
    );
    const right = new GrowerNode(
      depth,
      node.start + nLeft,
      node.count - nLeft,
      split.sumGradientRight,
      split.sumHessianRight,
      split.valueRight,
    );
    node.left = left;
    node.right = right;
    left.buffer = right.buffer = node.unpartitioned ? node.buffer : node.buffer ^ 1;
    // Without missing values in training, NaN at predict time goes to the child with more samples.
    if (!hasMissing[split.feature]) split.missingGoToLeft = left.count > right.count;
    this.nNodes += 2;

    if (maxLeafNodes !== null && nLeafNodes === maxLeafNodes) {
      this.finalizeLeaf(left);
      this.finalizeLeaf(right);
      while (this.heap.length > 0) this.finalizeLeaf(this.heap.pop() as GrowerNode);
      this.releaseHist(node);
      return;
    }
    if (maxDepth !== null && depth === maxDepth) {
      this.finalizeLeaf(left);
      this.finalizeLeaf(right);
      this.releaseHist(node);
      return;
    }
    if (left.count < 2 * minSamplesLeaf) this.finalizeLeaf(left);
    if (right.count < 2 * minSamplesLeaf) this.finalizeLeaf(right);

    if (!left.isLeaf || !right.isLeaf) {
      const smallest = left.count < right.count ? left : right;
      const largest = smallest === left ? right : left;
      smallest.hist = pool.acquire();
      largest.hist = node.hist;
      node.hist = -1;
      const leftRequest = left.isLeaf ? null : this.requestFor(left);
      const rightRequest = right.isLeaf ? null : this.requestFor(right);
      this.kernels.children(
        smallest.start,
        smallest.count,
        smallest.buffer,
        smallest.hist,
        largest.hist,
        leftRequest,
        rightRequest,
      );
      // Left first, then right: the order sklearn pushes them, which matters for equal gains.
      if (leftRequest) this.pushOrFinalize(left, leftRequest.out);
      if (rightRequest) this.pushOrFinalize(right, rightRequest.out);
      this.releaseHist(left.isLeaf ? left : null);
      this.releaseHist(right.isLeaf ? right : null);
    } else {
      this.releaseHist(node);
    }
  }

  private releaseHist(node: GrowerNode | null): void {
    if (node && node.hist >= 0) {
      this.data.pool.release(node.hist);
      node.hist = -1;
    }
  }

  /**
   * Describe where the tree's leaves are, for assignLeaves(): one segment per leaf (its range of
   * an index buffer and its id) and one per unpartitioned node (its range, its split and its two
   * leaves). The segments tile the rows. Writes them to `out` (SEGMENT_SIZE numbers each; room for
   * max(1, n / min_samples_leaf) segments suffices) and the leaf values (shrinkage included) to
   * `values` by id; returns the number of segments.
   */
  leafSegments(out: Float64Array, values: Float64Array): number {
    let n = 0;
    let leaves = 0;
    const missingBin = this.data.missingBin;
    const visit = (node: GrowerNode): void => {
      const o = n * SEGMENT_SIZE;
      if (node.isLeaf || node.unpartitioned) {
        out[o] = node.start;
        out[o + 1] = node.count;
        out[o + 7] = node.buffer;
        n++;
      }
      if (node.isLeaf) {
        values[leaves] = node.value;
        out[o + 2] = leaves++;
        out[o + 3] = -1;
      } else if (node.unpartitioned) {
        const split = node.split as SplitInfo;
        values[leaves] = (node.left as GrowerNode).value;
        out[o + 2] = leaves++;
        out[o + 3] = split.feature;
        out[o + 4] = split.bin;
        out[o + 5] = rightUpperBound(split.missingGoToLeft, missingBin);
        values[leaves] = (node.right as GrowerNode).value;
        out[o + 6] = leaves++;
      } else {
        visit(node.left as GrowerNode);
        visit(node.right as GrowerNode);
      }
    };
    visit(this.root as GrowerNode);
    return n;
  }

  get nLeaves(): number {
    return this.leaves.length;
  }

  /** The tree as flat arrays, nodes in depth-first pre-order (sklearn's make_predictor). */
  makePredictor(): TreePredictor {
    const tree = TreePredictor.allocate(this.nNodes);
    const { nBinsNonMissing, thresholds } = this.data;
    let next = 0;
    const fill = (node: GrowerNode): void => {
      const id = next++;
      tree.count[id] = node.count;
      tree.value[id] = node.value;
      if (node.isLeaf) {
        tree.isLeaf[id] = 1;
        return;
      }
      const split = node.split as SplitInfo;
      const f = split.feature;
      tree.feature[id] = f;
      tree.binThreshold[id] = split.bin;
      tree.missingGoToLeft[id] = split.missingGoToLeft ? 1 : 0;
      // A split on the last non-missing bin separates the values from the NaNs.
      tree.threshold[id] =
        split.bin === nBinsNonMissing[f] - 1 ? Number.POSITIVE_INFINITY : thresholds[f][split.bin];
      tree.left[id] = next;
      fill(node.left as GrowerNode);
      tree.right[id] = next;
      fill(node.right as GrowerNode);
    };
    fill(this.root as GrowerNode);
    return tree;
  }
}
