/**
 * Gradient histograms, scikit-learn 1.2's HistogramBuilder (histogram.pyx).
 *
 * A node's histograms hold, for every feature and bin, the sum of the gradients and the number of
 * samples of the node falling in that bin, in two arrays with the same layout (feature after
 * feature, bin after bin): the sum at hist[offset + f * nBins + b] (float64) and the count at
 * counts[offset + f * nBins + b] (int32). The hessians of the squared error are constant, so, as
 * sklearn does when hessians_are_constant, no hessian sums are kept: the splitter uses the counts
 * instead. (Counts as int32 in an array of their own rather than as float64 next to each sum: 12
 * instead of 16 bytes per bin, which the subtraction, the clearing and the split scan move through
 * memory, and integer increments in the histogram loop; measured 20% faster node histograms and
 * subtractions in a pool of histogram slots as a fit uses it.)
 *
 * Sums are float64 accumulations of the float32 gradients in the order of the node's samples, bin
 * by bin, exactly as sklearn's loops accumulate them; every feature's sums are made by one loop in
 * row order, so splitting the features between threads changes nothing in the results.
 *
 * The kernels below are self-contained (no imports, no closures, no helpers) because the worker
 * threads of workers.ts receive them as source text (`fn.toString()`).
 */

/** Number of bins (elements of `hist` and of `counts`) in one node's histograms. */
export function histogramSize(nFeatures: number, nBins: number): number {
  return nFeatures * nBins;
}

/** The arrays a fit's histogram kernels work on (bound into them, see makeHistogramKernels). */
export interface HistogramArrays {
  /**
   * the row-major bins of the kernel's features [f0, f1) only: f1 - f0 bytes per row (with one
   * thread, all features: the binned matrix's own rows)
   */
  rows: Uint8Array;
  gradients: Float32Array;
  /** the root's per-bin counts (rootCountHistograms) */
  rootCounts: Int32Array;
  /** the histogram pool: gradient sums and counts */
  hist: Float64Array;
  counts: Int32Array;
  /** the two index buffers, one after the other (buffer b at b * nRows) */
  indices: Uint32Array;
}

/** Histograms of the root (every row, natural order) for the kernel's features, into a pool slot. */
export type RootKernel = (offset: number) => void;

/** Histograms of the samples indices[from .. from+count) into a pool slot. */
export type NodeKernel = (from: number, count: number, offset: number) => void;

/** Pool slot parent -= pool slot sibling, for the kernel's features (see makeHistogramKernels). */
export type SubtractKernel = (parentOffset: number, siblingOffset: number) => void;

/**
 * Histogram loops specialised for one feature range of a row-major binned matrix: the loop over a
 * node's samples is unrolled over the features with every offset a constant, each feature's bin
 * read and its sums updated in one statement (measured on the flagship's 16 features: 16 ns per
 * sample, against 21 with the 16 bins read first and the 32 updates after, and 53 with an inner
 * loop over the features; the statement per feature also keeps few values live, which makes
 * V8's compilation of the kernel much cheaper). The source is generated from numbers only
 * (feature counts, offsets), never from data.
 *
 * The fit's arrays are bound into the kernels as constants of their closure (as specialize.ts
 * does for the row kernels, for the same reason: V8 then folds the arrays' base pointers and
 * lengths into the code instead of reloading and re-checking them in the loop; measured 26 -> 21
 * ns per sample). The kernels must be made again when one of the arrays is replaced (the pool
 * grows). Both index buffers are one array, so that one kernel serves both (one compilation).
 *
 * - node: sklearn's _build_histogram_no_hessian over the node's samples in partition order. sklearn
 *   first gathers the node's gradients into "ordered_gradients"; here the gather is fused into the
 *   loop, which saves a pass. The sums and their order are the same.
 * - root: sklearn's _build_histogram_root_no_hessian: every row in natural order, no indirection.
 *   The root's counts are the same for every tree, so they are copied from `rootCounts` (see
 *   rootCountHistograms) and only the gradients are summed.
 * - sub: the subtraction trick, hist(parent) - hist(sibling), same operations as sklearn's
 *   _subtract_histograms, written over the parent's histograms, which are no longer needed once
 *   both children have theirs (the larger child inherits the parent's slot).
 *
 * Only the bins a feature can use are touched: its first `usedBins[f]` bins and, when it has
 * missing values, the last bin. The other bins of a slot are never written, so they stay at the
 * zero they were allocated with, and the splitter never reads them; skipping them matters for
 * small nodes, where clearing and subtracting whole slots would cost more than the samples.
 *
 * With several threads, each thread's kernels read row-major bins of their own features only
 * (arrays.rows holds features [f0, f1), f1 - f0 bytes per row): every thread gathers the rows of a
 * node's samples, and with rows of all features each would pull the others' bytes through memory
 * too, which at a million rows is most of the histograms' cost.
 *
 * Self-contained (no imports, no helpers): worker threads rebuild their kernels from its source.
 */
export function makeHistogramKernels(
  nBins: number,
  nRows: number,
  usedBins: ArrayLike<number>,
  hasMissing: ArrayLike<number>,
  f0: number,
  f1: number,
  arrays: HistogramArrays,
): { root: RootKernel; node: NodeKernel; sub: SubtractKernel } {
  // [from, to) ranges of bins within a slot that the features may use, in pairs
  const bounds: number[] = [];
  for (let f = f0; f < f1; f++) {
    bounds.push(f * nBins, f * nBins + usedBins[f]);
    if (hasMissing[f]) bounds.push((f + 1) * nBins - 1, (f + 1) * nBins);
  }
  const ranges = Int32Array.from(bounds);
  const nr = ranges.length;
  const rootSums: string[] = [];
  const nodeSums: string[] = [];
  const width = f1 - f0;
  for (let f = f0; f < f1; f++) {
    rootSums.push(`hist[offset + ${f * nBins} + rows[r + ${f - f0}]] += g;`);
    nodeSums.push(`{ const h = offset + ${f * nBins} + rows[r + ${f - f0}]; hist[h] += g; counts[h] += 1; }`);
  }
  const source = [
    'return {',
    'root: function rootHistograms(offset) {',
    `for (let q = 0; q < ${nr}; q += 2) {`,
    '  for (let k = ranges[q]; k < ranges[q + 1]; k++) {',
    '    hist[offset + k] = 0;',
    '    counts[offset + k] = rootCounts[k];',
    '  }',
    '}',
    `for (let i = 0, r = 0; i < ${nRows}; i++, r += ${width}) {`,
    'const g = gradients[i];',
    ...rootSums,
    '}',
    '},',
    'node: function nodeHistograms(from, count, offset) {',
    `for (let q = 0; q < ${nr}; q += 2) {`,
    '  hist.fill(0, offset + ranges[q], offset + ranges[q + 1]);',
    '  counts.fill(0, offset + ranges[q], offset + ranges[q + 1]);',
    '}',
    'const end = from + count;',
    'for (let k = from; k < end; k++) {',
    'const idx = indices[k];',
    'const g = gradients[idx];',
    `const r = idx * ${width};`,
    ...nodeSums,
    '}',
    '},',
    'sub: function subtractHistograms(parent, sibling) {',
    `for (let q = 0; q < ${nr}; q += 2) {`,
    '  for (let k = ranges[q]; k < ranges[q + 1]; k++) {',
    '    hist[parent + k] -= hist[sibling + k];',
    '    counts[parent + k] -= counts[sibling + k];',
    '  }',
    '}',
    '},',
    '};',
  ].join('\n');
  // One closure per function literal (the factory runs once): V8 treats the bound arrays as
  // constants (see above).
  const factory = new Function(
    'rows',
    'gradients',
    'rootCounts',
    'hist',
    'counts',
    'indices',
    'ranges',
    source,
  ) as (...a: unknown[]) => { root: RootKernel; node: NodeKernel; sub: SubtractKernel };
  const { rows, gradients, rootCounts, hist, counts, indices } = arrays;
  return factory(rows, gradients, rootCounts, hist, counts, indices, ranges);
}

/**
 * The per-bin counts of all rows (histogram layout): the part of every tree's root histograms
 * that does not change between trees.
 */
export function rootCountHistograms(
  columns: Uint8Array,
  nRows: number,
  nFeatures: number,
  nBins: number,
): Int32Array {
  const out = new Int32Array(nFeatures * nBins);
  for (let f = 0; f < nFeatures; f++) {
    const col = f * nRows;
    const base = f * nBins;
    for (let i = 0; i < nRows; i++) out[base + columns[col + i]]++;
  }
  return out;
}

/**
 * Histogram storage reused across nodes and trees: a Float64Array of sums and an Int32Array of
 * counts, both cut into equal slots (a slot's offset is the same in both), so that
 * growing a tree allocates nothing once the pool has reached the size the tree needs. A node keeps
 * its slot while it waits in the splitting heap; the larger child inherits its parent's slot
 * (subtraction in place) and a leaf gives its slot back.
 */
export class HistogramPool {
  readonly slotSize: number;
  private readonly shared: boolean;
  data: Float64Array;
  counts: Int32Array;
  private free: number[] = [];
  private nSlots = 0;

  constructor(nFeatures: number, nBins: number, initialSlots: number, shared: boolean) {
    this.slotSize = histogramSize(nFeatures, nBins);
    this.shared = shared;
    this.data = new Float64Array(this.allocate(initialSlots * this.slotSize * 8));
    this.counts = new Int32Array(this.allocate(initialSlots * this.slotSize * 4));
    this.nSlots = initialSlots;
    for (let s = initialSlots - 1; s >= 0; s--) this.free.push(s);
  }

  private allocate(bytes: number): ArrayBuffer | SharedArrayBuffer {
    return this.shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  }

  /** Offset (in bins) of a free slot; grows the pool if none is free. */
  acquire(): number {
    if (this.free.length === 0) this.grow();
    return (this.free.pop() as number) * this.slotSize;
  }

  release(offset: number): void {
    this.free.push(offset / this.slotSize);
  }

  /** All slots free again (between trees). */
  reset(): void {
    this.free.length = 0;
    for (let s = this.nSlots - 1; s >= 0; s--) this.free.push(s);
  }

  private grow(): void {
    const slots = Math.max(4, this.nSlots * 2);
    const data = new Float64Array(this.allocate(slots * this.slotSize * 8));
    const counts = new Int32Array(this.allocate(slots * this.slotSize * 4));
    data.set(this.data);
    counts.set(this.counts);
    this.data = data;
    this.counts = counts;
    for (let s = slots - 1; s >= this.nSlots; s--) this.free.push(s);
    this.nSlots = slots;
  }
}
