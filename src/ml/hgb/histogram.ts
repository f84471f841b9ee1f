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
 * threads of parallel.ts receive them as source text (`fn.toString()`).
 */

/** Number of float64 in one node's histograms. */
export function histogramSize(nFeatures: number, nBins: number): number {
  return nFeatures * nBins * 2;
}

/**
 * Root histograms for features [f0, f1): every row in its natural order with the gradients as
 * they are (sklearn's _build_histogram_root_no_hessian, no indirection through sample indices).
 */
export function buildRootHistograms(
  binned: Uint8Array,
  nFeatures: number,
  nRows: number,
  gradients: Float32Array,
  hist: Float64Array,
  offset: number,
  nBins: number,
  f0: number,
  f1: number,
): void {
  const stride = nBins * 2;
  hist.fill(0, offset + f0 * stride, offset + f1 * stride);
  const nf = f1 - f0;
  const base = offset + f0 * stride;
  if (nf === 1) {
    for (let i = 0, r = f0; i < nRows; i++, r += nFeatures) {
      const b = base + 2 * binned[r];
      hist[b] += gradients[i];
      hist[b + 1] += 1;
    }
    return;
  }
  for (let i = 0; i < nRows; i++) {
    const g = gradients[i];
    const r = i * nFeatures + f0;
    let h = base;
    let f = 0;
    for (; f + 4 <= nf; f += 4, h += 4 * stride) {
      const b0 = h + 2 * binned[r + f];
      const b1 = h + stride + 2 * binned[r + f + 1];
      const b2 = h + 2 * stride + 2 * binned[r + f + 2];
      const b3 = h + 3 * stride + 2 * binned[r + f + 3];
      hist[b0] += g;
      hist[b0 + 1] += 1;
      hist[b1] += g;
      hist[b1 + 1] += 1;
      hist[b2] += g;
      hist[b2 + 1] += 1;
      hist[b3] += g;
      hist[b3 + 1] += 1;
    }
    for (; f < nf; f++, h += stride) {
      const b = h + 2 * binned[r + f];
      hist[b] += g;
      hist[b + 1] += 1;
    }
  }
}

/**
 * Histograms of a non-root node for features [f0, f1): its samples are
 * indices[start .. start + count), visited in that order. sklearn first gathers the node's
 * gradients into an "ordered_gradients" array; here the gather is fused into the loop (the
 * gradient is read next to the row's bins), which saves a pass and lets every thread read only
 * shared inputs. The sums and their order are the same.
 */
export function buildNodeHistograms(
  binned: Uint8Array,
  nFeatures: number,
  indices: Uint32Array,
  start: number,
  count: number,
  gradients: Float32Array,
  hist: Float64Array,
  offset: number,
  nBins: number,
  f0: number,
  f1: number,
): void {
  const stride = nBins * 2;
  hist.fill(0, offset + f0 * stride, offset + f1 * stride);
  const nf = f1 - f0;
  const base = offset + f0 * stride;
  const end = start + count;
  for (let k = start; k < end; k++) {
    const idx = indices[k];
    const g = gradients[idx];
    const r = idx * nFeatures + f0;
    let h = base;
    let f = 0;
    for (; f + 4 <= nf; f += 4, h += 4 * stride) {
      const b0 = h + 2 * binned[r + f];
      const b1 = h + stride + 2 * binned[r + f + 1];
      const b2 = h + 2 * stride + 2 * binned[r + f + 2];
      const b3 = h + 3 * stride + 2 * binned[r + f + 3];
      hist[b0] += g;
      hist[b0 + 1] += 1;
      hist[b1] += g;
      hist[b1 + 1] += 1;
      hist[b2] += g;
      hist[b2 + 1] += 1;
      hist[b3] += g;
      hist[b3 + 1] += 1;
    }
    for (; f < nf; f++, h += stride) {
      const b = h + 2 * binned[r + f];
      hist[b] += g;
      hist[b + 1] += 1;
    }
  }
}

/**
 * The subtraction trick, in place: hist(parent) - hist(sibling) is the other child's histogram
 * (sklearn's _subtract_histograms, same operations), written over the parent's, which is no longer
 * needed once both children have theirs.
 */
export function subtractHistograms(
  hist: Float64Array,
  parentOffset: number,
  siblingOffset: number,
  nBins: number,
  f0: number,
  f1: number,
): void {
  const stride = nBins * 2;
  const a = parentOffset + f0 * stride;
  const b = siblingOffset + f0 * stride;
  const n = (f1 - f0) * stride;
  for (let k = 0; k < n; k++) hist[a + k] -= hist[b + k];
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

  /** True when `data` was replaced since the last call (workers must be given the new buffer). */
  takeGrown(): boolean {
    const g = this.grown;
    this.grown = false;
    return g;
  }
  private grown = false;

  private grow(): void {
    const slots = Math.max(4, this.nSlots * 2);
    const data = this.allocate(slots);
    data.set(this.data);
    this.data = data;
    for (let s = slots - 1; s >= this.nSlots; s--) this.free.push(s);
    this.nSlots = slots;
    this.grown = true;
  }
}
