/**
 * A fitted tree flattened into typed arrays, scikit-learn 1.2's TreePredictor (predictor.py,
 * _predictor.pyx). Nodes are numbered in depth-first pre-order (node, left subtree, right
 * subtree), as sklearn's _fill_predictor_arrays numbers them; node 0 is the root.
 *
 * An internal node sends a row left when its value x satisfies x <= threshold, right otherwise,
 * and a missing x (NaN) to the side recorded in missingGoToLeft. The threshold is the bin's upper
 * edge, so raw-data prediction agrees with the binned decision made in training; a split "on NaN"
 * (between the non-missing values and the missing ones) has threshold +Infinity.
 */
import { ModelPackageError } from '../../core/errors.js';
import { decodeFloat64Array, encodeNumbers } from '../../core/json.js';
import type { Matrix } from '../matrix.js';

/** The arrays of one tree. For a leaf, feature/threshold/left/right are unused (0). */
export interface TreeArrays {
  /** split feature of an internal node */
  feature: Int32Array;
  /** real-valued threshold (sklearn num_threshold) */
  threshold: Float64Array;
  /** bin threshold, for prediction on binned data (sklearn bin_threshold) */
  binThreshold: Uint8Array;
  /** 1 when missing values go to the left child */
  missingGoToLeft: Uint8Array;
  left: Int32Array;
  right: Int32Array;
  /** leaf value, shrinkage included; for internal nodes the node's value before shrinkage */
  value: Float64Array;
  isLeaf: Uint8Array;
  /** training samples that reached the node */
  count: Uint32Array;
}

/** Integers per node in TreePredictor.pack(): feature, bin threshold, missing-go-left, left, right, is-leaf. */
export const PACKED_NODE_SIZE = 8;

/**
 * Rows [start, end) of a row-major binned matrix: add the packed tree's value to raw (sklearn's
 * predict_binned, for the early-stopping validation rows) unless `withTree` is false (the score
 * before the first tree), and store each row's loss 0.5 * (raw - y)**2 for the validation score.
 * Self-contained (runs in worker threads).
 */
export function predictBinnedPacked(
  nodes: Int32Array,
  values: Float64Array,
  rows: Uint8Array,
  nFeatures: number,
  missingBin: number,
  raw: Float64Array,
  y: Float64Array,
  losses: Float64Array,
  withTree: boolean,
  start: number,
  end: number,
): void {
  for (let i = start; i < end; i++) {
    if (withTree) {
      const r = i * nFeatures;
      let node = 0;
      let o = 0;
      while (nodes[o + 5] === 0) {
        const b = rows[r + nodes[o]];
        if (b === missingBin) node = nodes[o + 2] === 1 ? nodes[o + 3] : nodes[o + 4];
        else node = b <= nodes[o + 1] ? nodes[o + 3] : nodes[o + 4];
        o = node * 8;
      }
      raw[i] += values[node];
    }
    const d = raw[i] - y[i];
    losses[i] = 0.5 * d * d;
  }
}

export class TreePredictor implements TreeArrays {
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly binThreshold: Uint8Array;
  readonly missingGoToLeft: Uint8Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly value: Float64Array;
  readonly isLeaf: Uint8Array;
  readonly count: Uint32Array;

  constructor(a: TreeArrays) {
    this.feature = a.feature;
    this.threshold = a.threshold;
    this.binThreshold = a.binThreshold;
    this.missingGoToLeft = a.missingGoToLeft;
    this.left = a.left;
    this.right = a.right;
    this.value = a.value;
    this.isLeaf = a.isLeaf;
    this.count = a.count;
  }

  static allocate(nNodes: number): TreePredictor {
    return new TreePredictor({
      feature: new Int32Array(nNodes),
      threshold: new Float64Array(nNodes),
      binThreshold: new Uint8Array(nNodes),
      missingGoToLeft: new Uint8Array(nNodes),
      left: new Int32Array(nNodes),
      right: new Int32Array(nNodes),
      value: new Float64Array(nNodes),
      isLeaf: new Uint8Array(nNodes),
      count: new Uint32Array(nNodes),
    });
  }

  get nNodes(): number {
    return this.value.length;
  }

  get nLeaves(): number {
    let n = 0;
    for (let i = 0; i < this.isLeaf.length; i++) n += this.isLeaf[i];
    return n;
  }

  /** Add this tree's value for every row of X (column-major raw data) to out. */
  addPredictions(X: Matrix, out: Float64Array): void {
    const { nRows, data } = X;
    const { feature, threshold, missingGoToLeft, left, right, value, isLeaf } = this;
    for (let i = 0; i < nRows; i++) {
      let node = 0;
      while (isLeaf[node] === 0) {
        const x = data[feature[node] * nRows + i];
        if (Number.isNaN(x)) node = missingGoToLeft[node] === 1 ? left[node] : right[node];
        else node = x <= threshold[node] ? left[node] : right[node];
      }
      out[i] += value[node];
    }
  }

  /** The fields binned prediction needs, for predictBinnedPacked (worker threads read them from shared memory). */
  pack(nodes: Int32Array, values: Float64Array): void {
    const n = this.nNodes;
    for (let i = 0; i < n; i++) {
      const o = i * PACKED_NODE_SIZE;
      nodes[o] = this.feature[i];
      nodes[o + 1] = this.binThreshold[i];
      nodes[o + 2] = this.missingGoToLeft[i];
      nodes[o + 3] = this.left[i];
      nodes[o + 4] = this.right[i];
      nodes[o + 5] = this.isLeaf[i];
    }
    values.set(this.value);
  }

  /** Plain-JSON form (NaN-safe numbers). */
  toJSON(): Record<string, unknown> {
    return {
      feature: Array.from(this.feature),
      threshold: encodeNumbers(this.threshold),
      bin_threshold: Array.from(this.binThreshold),
      missing_go_to_left: Array.from(this.missingGoToLeft),
      left: Array.from(this.left),
      right: Array.from(this.right),
      value: encodeNumbers(this.value),
      is_leaf: Array.from(this.isLeaf),
      count: Array.from(this.count),
    };
  }
}

function corrupt(what: string, why: string): ModelPackageError {
  return new ModelPackageError(`corrupt model state: ${what}: ${why}`);
}

function intArray(v: unknown, what: string, n: number | null, min: number, max: number): number[] {
  if (!Array.isArray(v)) throw corrupt(what, 'expected an array');
  if (n !== null && v.length !== n) throw corrupt(what, `has ${v.length} values, expected ${n}`);
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max) {
      throw corrupt(`${what}[${i}]`, `expected an integer in [${min}, ${max}], got ${JSON.stringify(x)}`);
    }
  }
  return v as number[];
}

/**
 * Read a tree saved by toJSON(), refusing anything that could not have been written by it: wrong
 * lengths, features out of range, or child links that do not point forward (pre-order numbering
 * puts children after their parent, which also guarantees that prediction terminates).
 */
export function treeFromJSON(v: unknown, nFeatures: number, what: string): TreePredictor {
  if (!v || typeof v !== 'object') throw corrupt(what, 'expected an object');
  const o = v as Record<string, unknown>;
  const isLeaf = intArray(o.is_leaf, `${what}.is_leaf`, null, 0, 1);
  const n = isLeaf.length;
  if (n === 0) throw corrupt(what, 'a tree needs at least one node');
  const feature = intArray(o.feature, `${what}.feature`, n, 0, nFeatures - 1);
  const binThreshold = intArray(o.bin_threshold, `${what}.bin_threshold`, n, 0, 255);
  const missing = intArray(o.missing_go_to_left, `${what}.missing_go_to_left`, n, 0, 1);
  const left = intArray(o.left, `${what}.left`, n, 0, n - 1);
  const right = intArray(o.right, `${what}.right`, n, 0, n - 1);
  const count = intArray(o.count, `${what}.count`, n, 0, 0xffffffff);
  let threshold: Float64Array;
  let value: Float64Array;
  try {
    threshold = decodeFloat64Array(o.threshold, `${what}.threshold`);
    value = decodeFloat64Array(o.value, `${what}.value`);
  } catch (e) {
    throw new ModelPackageError(`corrupt model state: ${(e as Error).message}`);
  }
  if (threshold.length !== n || value.length !== n)
    throw corrupt(what, `threshold and value need ${n} values`);
  for (let i = 0; i < n; i++) {
    if (isLeaf[i] === 0 && (left[i] <= i || right[i] <= i)) {
      throw corrupt(`${what} node ${i}`, 'children must come after their parent');
    }
  }
  return new TreePredictor({
    feature: Int32Array.from(feature),
    threshold,
    binThreshold: Uint8Array.from(binThreshold),
    missingGoToLeft: Uint8Array.from(missing),
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    value,
    isLeaf: Uint8Array.from(isLeaf),
    count: Uint32Array.from(count),
  });
}
