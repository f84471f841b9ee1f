/**
 * Gradient histograms, scikit-learn 1.2's HistogramBuilder (histogram.pyx).
 *
 * A node's histograms hold, for every feature and bin, the sum of the gradients and the number of
 * samples of the node falling in that bin. They are stored flat, feature after feature, bin after
 * bin, two float64 per bin: [sumGradients, count] at hist[offset + (f * nBins + b) * 2]. The
 * hessians of the squared error are constant, so, as sklearn does when hessians_are_constant, no
 * hessian sums are kept: the splitter uses the counts instead.
 *
 * Sums are float64 accumulations of the float32 gradients in the order of the node's samples, bin
 * by bin, exactly as sklearn's loops accumulate them; every feature's sums are made by one loop in
 * row order, so splitting the features between threads changes nothing in the results.
 *
 * The kernels below are self-contained (no imports, no closures, no helpers) because the worker
 * threads of workers.ts receive them as source text (`fn.toString()`).
 */

/** Number of float64 in one node's histograms. */
export function histogramSize(nFeatures: number, nBins: number): number {
  return nFeatures * nBins * 2;
}

/** The arrays a fit's histogram kernels work on (bound into them, see makeHistogramKernels). */
export interface HistogramArrays {
  /** the row-major bins */
  rows: Uint8Array;
  gradients: Float32Array;
  /** the root's per-bin counts (rootCountHistograms) */
  rootCounts: Float64Array;
  /** the histogram pool */
  hist: Float64Array;
  /** the two index buffers */
  indices0: Uint32Array;
  indices1: Uint32Array;
}

/** Histograms of the root (every row, natural order) for the kernel's features, into a pool slot. */
export type RootKernel = (offset: number) => void;

/** Histograms of a node's samples indices{b}[start .. start+count) (kernel node[b]) into a slot. */
export type NodeKernel = (start: number, count: number, offset: number) => void;

/** Pool slot parent -= pool slot sibling, for the kernel's features (see makeHistogramKernels). */
export type SubtractKernel = (parentOffset: number, siblingOffset: number) => void;

/**
 * Histogram loops specialised for one feature range of a row-major binned matrix: the loop over a
 * node's samples is unrolled over the features (in blocks of at most 16, one pass over the samples
 * per block) with every offset a constant, which V8 compiles to noticeably tighter code than a
 * generic inner loop over features. The source is generated from numbers only (feature counts,
 * offsets, bins in use), never from data.
 *
 * The fit's arrays are bound into the kernels as constants of their closure (as specialize.ts
 * does for the row kernels, for the same reason: V8 then folds the arrays' base pointers and
 * lengths into the code instead of reloading and re-checking them in the loop; measured 26 -> 21
 * ns per sample for a node's histograms of the flagship's 16 features). The kernels must be made
 * again when one of the arrays is replaced (the pool grows).
 *
 * - node: sklearn's _build_histogram_no_hessian over the node's samples in partition order. sklearn
 *   first gathers the node's gradients into "ordered_gradients"; here the gather is fused into the
 *   loop, which saves a pass. The sums and their order are the same. node[b] reads index buffer b.
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
 * Self-contained (no imports, no helpers): worker threads rebuild their kernels from its source.
 */
export function makeHistogramKernels(
  nFeatures: number,
  nBins: number,
  nRows: number,
  usedBins: ArrayLike<number>,
  hasMissing: ArrayLike<number>,
  f0: number,
  f1: number,
  arrays: HistogramArrays,
): { root: RootKernel; node: [NodeKernel, NodeKernel]; sub: SubtractKernel } {
  const stride = nBins * 2;
  const BLOCK = 16;
  // [from, to) ranges of float64 within a slot that feature f may use
  const ranges: [number, number][] = [];
  for (let f = f0; f < f1; f++) {
    ranges.push([f * stride, f * stride + 2 * usedBins[f]]);
    if (hasMissing[f]) ranges.push([f * stride + 2 * (nBins - 1), (f + 1) * stride]);
  }
  const root: string[] = [];
  const node: string[] = ['const end = start + count;'];
  const sub: string[] = [];
  for (const [a, b] of ranges) {
    root.push(`for (let k = ${a}; k < ${b}; k++) hist[offset + k] = rootCounts[k];`);
    node.push(`hist.fill(0, offset + ${a}, offset + ${b});`);
    sub.push(`for (let k = ${a}; k < ${b}; k++) hist[parent + k] -= hist[sibling + k];`);
  }
  for (let b0 = f0; b0 < f1; b0 += BLOCK) {
    const b1 = Math.min(f1, b0 + BLOCK);
    const bins: string[] = [];
    const sums: string[] = [];
    const counts: string[] = [];
    for (let f = b0; f < b1; f++) {
      bins.push(`const h${f} = offset + ${f * stride} + 2 * rows[r + ${f}];`);
      sums.push(`hist[h${f}] += g;`);
      counts.push(`hist[h${f} + 1] += 1;`);
    }
    root.push(
      `for (let i = 0, r = 0; i < ${nRows}; i++, r += ${nFeatures}) {`,
      'const g = gradients[i];',
      ...bins,
      ...sums,
      '}',
    );
    node.push(
      'for (let k = start; k < end; k++) {',
      'const idx = indices[k];',
      'const g = gradients[idx];',
      `const r = idx * ${nFeatures};`,
      ...bins,
      ...sums,
      ...counts,
      '}',
    );
  }
  const nodeBody = node.join('\n');
  // One closure per function literal (the factory runs once): V8 treats the bound arrays as
  // constants (see above).
  const factory = new Function(
    'rows',
    'gradients',
    'rootCounts',
    'hist',
    'indices0',
    'indices1',
    [
      'return {',
      `root: function rootHistograms(offset) {\n${root.join('\n')}\n},`,
      `node: [function nodeHistograms0(start, count, offset) {\nconst indices = indices0;\n${nodeBody}\n},`,
      `function nodeHistograms1(start, count, offset) {\nconst indices = indices1;\n${nodeBody}\n}],`,
      `sub: function subtractHistograms(parent, sibling) {\n${sub.join('\n')}\n},`,
      '};',
    ].join('\n'),
  ) as (...a: unknown[]) => { root: RootKernel; node: [NodeKernel, NodeKernel]; sub: SubtractKernel };
  const { rows, gradients, rootCounts, hist, indices0, indices1 } = arrays;
  return factory(rows, gradients, rootCounts, hist, indices0, indices1);
}

/**
 * The root's histograms with zero gradient sums and the per-bin counts of all rows: the part of
 * every tree's root histograms that does not change between trees.
 */
export function rootCountHistograms(
  columns: Uint8Array,
  nRows: number,
  nFeatures: number,
  nBins: number,
): Float64Array {
  const stride = nBins * 2;
  const out = new Float64Array(nFeatures * stride);
  const counts = new Uint32Array(nBins);
  for (let f = 0; f < nFeatures; f++) {
    counts.fill(0);
    const col = columns.subarray(f * nRows, (f + 1) * nRows);
    for (let i = 0; i < nRows; i++) counts[col[i]]++;
    for (let b = 0; b < nBins; b++) out[f * stride + 2 * b + 1] = counts[b];
  }
  return out;
}

/**
 * Histogram storage reused across nodes and trees: one Float64Array cut into equal slots, so that
 * growing a tree allocates nothing once the pool has reached the size the tree needs. A node keeps
 * its slot while it waits in the splitting heap; the larger child inherits its parent's slot
 * (subtraction in place) and a leaf gives its slot back.
 */
export class HistogramPool {
  readonly slotSize: number;
  private readonly shared: boolean;
  data: Float64Array;
  private free: number[] = [];
  private nSlots = 0;

  constructor(nFeatures: number, nBins: number, initialSlots: number, shared: boolean) {
    this.slotSize = histogramSize(nFeatures, nBins);
    this.shared = shared;
    this.data = this.allocate(initialSlots);
    this.nSlots = initialSlots;
    for (let s = initialSlots - 1; s >= 0; s--) this.free.push(s);
  }

  private allocate(slots: number): Float64Array {
    const bytes = slots * this.slotSize * 8;
    return this.shared ? new Float64Array(new SharedArrayBuffer(bytes)) : new Float64Array(bytes / 8);
  }

  /** Offset (in float64) of a free slot; grows the pool if none is free. */
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
    const data = this.allocate(slots);
    data.set(this.data);
    this.data = data;
    for (let s = slots - 1; s >= this.nSlots; s--) this.free.push(s);
    this.nSlots = slots;
  }
}
