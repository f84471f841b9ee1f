/**
 * DecisionTreeRegressor: scikit-learn 1.2.1's DecisionTreeRegressor(criterion='squared_error',
 * splitter='best') reproduced step for step, so that the same data and random_state give the same
 * tree, node for node and bit for bit.
 *
 * What is reproduced, and from where (scikit-learn 1.2.1 sources):
 * - sklearn/tree/_classes.py `BaseDecisionTree.fit`: X is cast to float32 (DTYPE) for fitting and
 *   for prediction, y stays float64; the resolution of max_features / min_samples_* (int vs
 *   fraction), min_samples_split = max(min_samples_split, 2 * min_samples_leaf); the splitter's
 *   random state is RandomState(random_state).
 * - sklearn/tree/_splitter.pyx `BestSplitter.node_split`: features drawn without replacement by
 *   a Fisher-Yates walk driven by sklearn's own xorshift `rand_r` (sklearn/tree/_utils.pyx
 *   `our_rand_r`, seeded by RandomState.randint(0, RAND_R_MAX) in `Splitter.init`), skipping
 *   features known to be constant in an ancestor; each visited feature's node values copied and
 *   sorted with sklearn's introsort (median-of-3, 3-way partition, heapsort fallback), which
 *   also fixes the order of the samples and so the rounding of every sum; values within
 *   FEATURE_THRESHOLD = 1e-7 (float32 arithmetic) count as equal; threshold = x[i]/2 + x[i+1]/2
 *   in double, or x[i] if that equals x[i+1]; strict improvement keeps the first best split.
 * - sklearn/tree/_criterion.pyx `MSE` / `RegressionCriterion`: weighted sums, the forward or
 *   reverse incremental update, the proxy improvement sum_l²/w_l + sum_r²/w_r, children impurity
 *   from the left sum of squares, impurity_improvement.
 * - sklearn/tree/_tree.pyx `DepthFirstTreeBuilder.build`: LIFO stack (left child numbered first),
 *   leaf rules, EPSILON tolerance, children's impurity taken from the split record;
 *   `Tree.apply`: x <= threshold goes left.
 * Samples with zero weight are left out of the node counts, as sklearn's splitter does; the
 * random forest passes bootstrap counts as sample weights.
 *
 * Missing values: scikit-learn 1.2 trees refuse NaN, and so do we.
 *
 * The builder is the self-contained function createTreeKernel(): it references nothing outside
 * its own body, so forest.ts can ship its source text to worker threads (`new Worker(code,
 * { eval: true })`) and run the very same code there, from TypeScript under vitest or from dist/.
 */
import {
  InvalidInputError,
  InvalidParameterError,
  ModelPackageError,
  NotFittedError,
} from '../core/errors.js';
import { encodeNumbers } from '../core/json.js';
import type { Regressor, RegressorState } from './estimator.js';
import {
  badFeatureValueError,
  checkFitInput,
  checkPredictInput,
  checkState,
  decodeFeatureNames,
  decodeStateArray,
} from './linear.js';
import type { Matrix } from './matrix.js';
import { RandomState } from './random.js';

/** A fitted tree as flat arrays indexed by node id; node 0 is the root (sklearn's tree_ layout). */
export interface FlatTree {
  nodeCount: number;
  /** depth of the deepest leaf (root = 0) */
  maxDepth: number;
  /** child ids, -1 (TREE_LEAF) for leaves */
  childrenLeft: Int32Array;
  childrenRight: Int32Array;
  /** split feature, -2 (TREE_UNDEFINED) for leaves */
  feature: Int32Array;
  /** rows with float32(x[feature]) <= threshold go left; -2 for leaves */
  threshold: Float64Array;
  /** weighted mean of y in the node */
  value: Float64Array;
  /** weighted variance of y in the node (squared_error) */
  impurity: Float64Array;
  /** number of training rows with non-zero weight in the node */
  nNodeSamples: Int32Array;
  /** sum of the weights of those rows */
  weightedNNodeSamples: Float64Array;
}

/** What the builder needs besides the data, already resolved to integers as sklearn does. */
export interface TreeBuildOptions {
  maxDepth: number;
  minSamplesSplit: number;
  minSamplesLeaf: number;
  minWeightLeaf: number;
  maxFeatures: number;
  minImpurityDecrease: number;
  /** the splitter's rand_r state: RandomState(random_state).randint(0, RAND_R_MAX) */
  randState: number;
}

export type TreeKernel = ReturnType<typeof createTreeKernel>;

/**
 * The tree builder. Self-contained on purpose (see the file header): no imports, no references to
 * module-level names, only typed arrays in and out.
 */
export function createTreeKernel() {
  const TREE_LEAF = -1;
  const TREE_UNDEFINED = -2;
  const EPSILON = 2.220446049250313e-16; // np.finfo('double').eps
  const FEATURE_THRESHOLD = Math.fround(1e-7); // a float32 constant in _splitter.pyx
  /** [sumLeft, wLeft] carried between updateLeft calls (no allocation per split candidate). */
  const acc = new Float64Array(2);
  /**
   * sklearn's criterion.update(new_pos) (_criterion.pyx): move the left child's weighted sums
   * acc = [sum of w*y, sum of w] from samples[.. pos) to samples[.. p), walking from whichever
   * end is closer; starting again from the node totals when the far end is closer. The order of
   * additions is sklearn's, so the sums are its to the bit.
   */
  function updateLeft(
    samples: Int32Array,
    wy: Float64Array,
    w: Float64Array,
    pos: number,
    p: number,
    end: number,
    sumTotal: number,
    wNode: number,
    acc: Float64Array,
  ): void {
    let sumLeft = acc[0];
    let wLeft = acc[1];
    if (p - pos <= end - p) {
      for (let q = pos; q < p; q++) {
        const i = samples[q];
        sumLeft += wy[i];
        wLeft += w[i];
      }
    } else {
      sumLeft = sumTotal;
      wLeft = wNode;
      for (let q = end - 1; q >= p; q--) {
        const i = samples[q];
        sumLeft -= wy[i];
        wLeft -= w[i];
      }
    }
    acc[0] = sumLeft;
    acc[1] = wLeft;
  }
  const RAND_R_MAX = 0x7fffffff;

  // ---- sklearn/tree/_splitter.pyx: sort(), introsort(), heapsort() on (Xf, samples) ----------
  // Xf holds float32 values (sklearn's DTYPE) in a Float64Array: every comparison is the same as
  // on float32, and V8 skips a float conversion per load and store (~12% faster tree growing).

  function swap(xf: Float64Array, s: Int32Array, i: number, j: number): void {
    const t = xf[i];
    xf[i] = xf[j];
    xf[j] = t;
    const u = s[i];
    s[i] = s[j];
    s[j] = u;
  }

  function siftDown(xf: Float64Array, s: Int32Array, off: number, start: number, end: number): void {
    let root = start;
    for (;;) {
      const child = root * 2 + 1;
      let maxind = root;
      if (child < end && xf[off + maxind] < xf[off + child]) maxind = child;
      if (child + 1 < end && xf[off + maxind] < xf[off + child + 1]) maxind = child + 1;
      if (maxind === root) return;
      swap(xf, s, off + root, off + maxind);
      root = maxind;
    }
  }

  function heapsort(xf: Float64Array, s: Int32Array, off: number, n: number): void {
    let start = (n - 2) >> 1;
    for (;;) {
      siftDown(xf, s, off, start, n);
      if (start === 0) break;
      start--;
    }
    for (let end = n - 1; end > 0; end--) {
      swap(xf, s, off, off + end);
      siftDown(xf, s, off, 0, end);
    }
  }

  // swap() and median3() written out inline: this is the hottest loop of tree growing.
  function introsort(xf: Float64Array, s: Int32Array, off: number, n: number, maxd: number): void {
    while (n > 1) {
      if (maxd <= 0) {
        heapsort(xf, s, off, n);
        return;
      }
      maxd--;
      const a = xf[off];
      const b = xf[off + (n >> 1)];
      const c = xf[off + n - 1];
      // median3: Bentley & McIlroy's median of three, in sklearn's comparison order
      let pivot: number;
      if (a < b) {
        if (b < c) pivot = b;
        else if (a < c) pivot = c;
        else pivot = a;
      } else if (b < c) {
        if (a < c) pivot = a;
        else pivot = c;
      } else {
        pivot = b;
      }
      // Three-way partition: [off, l) < pivot, [l, r) == pivot, [r, off + n) > pivot
      let i = off;
      let l = off;
      let r = off + n;
      while (i < r) {
        const v = xf[i];
        if (v < pivot) {
          const si = s[i];
          xf[i] = xf[l];
          s[i] = s[l];
          xf[l] = v;
          s[l] = si;
          i++;
          l++;
        } else if (v > pivot) {
          r--;
          const si = s[i];
          xf[i] = xf[r];
          s[i] = s[r];
          xf[r] = v;
          s[r] = si;
        } else {
          i++;
        }
      }
      if (l - off > 1) introsort(xf, s, off, l - off, maxd);
      n -= r - off;
      off = r;
    }
  }

  function sort(xf: Float64Array, s: Int32Array, off: number, n: number): void {
    if (n === 0) return;
    introsort(xf, s, off, n, 2 * Math.trunc(Math.log(n)));
  }

  /**
   * Grow one tree on X (float32, column-major nRows × nCols), y and optional sample weights.
   * Zero-weight rows are not part of the tree at all (they are not in `samples`).
   */
  function buildTree(
    X: Float32Array,
    nRows: number,
    nCols: number,
    y: Float64Array,
    sampleWeight: Float64Array | null,
    o: TreeBuildOptions,
  ) {
    const { maxDepth, minSamplesSplit, minSamplesLeaf, minWeightLeaf, maxFeatures, minImpurityDecrease } = o;
    let randState = o.randState >>> 0;

    // sklearn/tree/_utils.pyx our_rand_r / rand_int
    function randInt(low: number, high: number): number {
      let s = randState;
      if (s === 0) s = 1; // DEFAULT_SEED
      s = (s ^ (s << 13)) >>> 0;
      s = (s ^ (s >>> 17)) >>> 0;
      s = (s ^ (s << 5)) >>> 0;
      randState = s;
      return low + ((s % (RAND_R_MAX + 1)) % (high - low));
    }

    // Splitter.init: only positively weighted samples take part. With no weights every weight
    // is 1.0, which gives the same sums as sklearn's unweighted path (w * y == y for w = 1).
    const weights = sampleWeight ?? new Float64Array(nRows).fill(1);
    const samplesArr = new Int32Array(nRows);
    let nSamples = 0;
    let weightedNSamples = 0;
    // w[i] * y[i] once per row: the same double every time sklearn recomputes it, one load less.
    const weightedY = new Float64Array(nRows);
    for (let i = 0; i < nRows; i++) {
      if (weights[i] !== 0) samplesArr[nSamples++] = i;
      weightedNSamples += weights[i];
      weightedY[i] = weights[i] * y[i];
    }
    const featuresArr = new Int32Array(nCols);
    for (let j = 0; j < nCols; j++) featuresArr[j] = j;
    const constantFeatures = new Int32Array(nCols);
    const xfArr = new Float64Array(nRows);

    // Criterion state for the current node [start, end)
    let sumTotal = 0;
    let sqSumTotal = 0;
    let wNode = 0;

    // Result of nodeSplit()
    let bestPos = 0;
    let bestFeature = 0;
    let bestThreshold = 0;
    let bestImprovement = Number.NEGATIVE_INFINITY;
    let bestImpurityLeft = Number.POSITIVE_INFINITY;
    let bestImpurityRight = Number.POSITIVE_INFINITY;
    let nConstantOut = 0;

    function criterionInit(start: number, end: number): void {
      const samples = samplesArr;
      const w = weights;
      const wy = weightedY;
      let s = 0;
      let sq = 0;
      let wn = 0;
      for (let p = start; p < end; p++) {
        const i = samples[p];
        s += wy[i];
        sq += wy[i] * y[i];
        wn += w[i];
      }
      sumTotal = s;
      sqSumTotal = sq;
      wNode = wn;
    }

    function nodeSplit(start: number, end: number, impurity: number, nKnownConstants: number): void {
      // Locals rather than closure slots in the hot loops below (measurably faster in V8).
      const samples = samplesArr;
      const xf = xfArr;
      const features = featuresArr;
      const w = weights;
      const wy = weightedY;
      let fI = nCols;
      let nVisited = 0;
      let nFoundConstants = 0;
      let nDrawnConstants = 0;
      let nTotalConstants = nKnownConstants;
      let bestProxy = Number.NEGATIVE_INFINITY;
      bestPos = end;
      bestFeature = 0;
      bestThreshold = 0;
      bestImprovement = Number.NEGATIVE_INFINITY;
      bestImpurityLeft = Number.POSITIVE_INFINITY;
      bestImpurityRight = Number.POSITIVE_INFINITY;

      while (
        fI > nTotalConstants &&
        (nVisited < maxFeatures || nVisited <= nFoundConstants + nDrawnConstants)
      ) {
        nVisited++;
        let fJ = randInt(nDrawnConstants, fI - nFoundConstants);
        if (fJ < nKnownConstants) {
          const t = features[nDrawnConstants];
          features[nDrawnConstants] = features[fJ];
          features[fJ] = t;
          nDrawnConstants++;
          continue;
        }
        fJ += nFoundConstants;
        const f = features[fJ];
        const base = f * nRows;
        for (let p = start; p < end; p++) xf[p] = X[base + samples[p]];
        sort(xf, samples, start, end - start);

        if (xf[end - 1] <= Math.fround(xf[start] + FEATURE_THRESHOLD)) {
          features[fJ] = features[nTotalConstants];
          features[nTotalConstants] = f;
          nFoundConstants++;
          nTotalConstants++;
          continue;
        }
        fI--;
        features[fJ] = features[fI];
        features[fI] = f;

        // criterion.reset(), then scan the split positions between distinct values
        let sumLeft = 0;
        let wLeft = 0;
        let pos = start;
        let p = start;
        while (p < end) {
          while (p + 1 < end && xf[p + 1] <= Math.fround(xf[p] + FEATURE_THRESHOLD)) p++;
          p++;
          if (p >= end) continue;
          if (p - start < minSamplesLeaf || end - p < minSamplesLeaf) continue;
          acc[0] = sumLeft;
          acc[1] = wLeft;
          updateLeft(samples, wy, w, pos, p, end, sumTotal, wNode, acc);
          sumLeft = acc[0];
          wLeft = acc[1];
          pos = p;
          const wRight = wNode - wLeft;
          if (wLeft < minWeightLeaf || wRight < minWeightLeaf) continue;
          const sumRight = sumTotal - sumLeft;
          const proxy = (sumLeft * sumLeft) / wLeft + (sumRight * sumRight) / wRight;
          if (proxy > bestProxy) {
            bestProxy = proxy;
            const lo = xf[p - 1];
            const hi = xf[p];
            let threshold = lo / 2.0 + hi / 2.0;
            if (
              threshold === hi ||
              threshold === Number.POSITIVE_INFINITY ||
              threshold === Number.NEGATIVE_INFINITY
            ) {
              threshold = lo;
            }
            bestPos = p;
            bestFeature = f;
            bestThreshold = threshold;
          }
        }
      }

      if (bestPos < end) {
        // Partition samples[start:end] around the threshold (in place, not stable, as sklearn).
        const base = bestFeature * nRows;
        let partitionEnd = end;
        let p = start;
        while (p < partitionEnd) {
          if (X[base + samples[p]] <= bestThreshold) {
            p++;
          } else {
            partitionEnd--;
            const t = samples[p];
            samples[p] = samples[partitionEnd];
            samples[partitionEnd] = t;
          }
        }
        // criterion.reset(); criterion.update(bestPos); children_impurity()
        acc[0] = 0;
        acc[1] = 0;
        updateLeft(samples, wy, w, start, bestPos, end, sumTotal, wNode, acc);
        const sumLeft = acc[0];
        const wLeft = acc[1];
        const wRight = wNode - wLeft;
        const sumRight = sumTotal - sumLeft;
        let sqSumLeft = 0;
        for (let q = start; q < bestPos; q++) {
          const i = samples[q];
          sqSumLeft += wy[i] * y[i];
        }
        const sqSumRight = sqSumTotal - sqSumLeft;
        const meanLeft = sumLeft / wLeft;
        const meanRight = sumRight / wRight;
        bestImpurityLeft = sqSumLeft / wLeft - meanLeft * meanLeft;
        bestImpurityRight = sqSumRight / wRight - meanRight * meanRight;
        bestImprovement =
          (wNode / weightedNSamples) *
          (impurity - (wRight / wNode) * bestImpurityRight - (wLeft / wNode) * bestImpurityLeft);
      }

      // Keep the constant-feature invariant for the children (memcpy pair in node_split).
      for (let j = 0; j < nKnownConstants; j++) features[j] = constantFeatures[j];
      for (let j = nKnownConstants; j < nKnownConstants + nFoundConstants; j++) {
        constantFeatures[j] = features[j];
      }
      nConstantOut = nTotalConstants;
    }

    // ---- Tree storage, grown by doubling ----
    let capacity = 1023;
    let childrenLeft = new Int32Array(capacity);
    let childrenRight = new Int32Array(capacity);
    let feature = new Int32Array(capacity);
    let threshold = new Float64Array(capacity);
    let value = new Float64Array(capacity);
    let impurityArr = new Float64Array(capacity);
    let nNodeSamples = new Int32Array(capacity);
    let weightedNNodeSamples = new Float64Array(capacity);
    let nodeCount = 0;
    let treeDepth = 0;

    function grow(): void {
      capacity = capacity * 2 + 1;
      const g32 = (a: Int32Array) => {
        const b = new Int32Array(capacity);
        b.set(a);
        return b;
      };
      const g64 = (a: Float64Array) => {
        const b = new Float64Array(capacity);
        b.set(a);
        return b;
      };
      childrenLeft = g32(childrenLeft);
      childrenRight = g32(childrenRight);
      feature = g32(feature);
      nNodeSamples = g32(nNodeSamples);
      threshold = g64(threshold);
      value = g64(value);
      impurityArr = g64(impurityArr);
      weightedNNodeSamples = g64(weightedNNodeSamples);
    }

    // ---- DepthFirstTreeBuilder.build ----
    // Stack records: start, end, depth, parent, isLeft, impurity, nConstantFeatures
    const stack: number[] = [0, nSamples, 0, TREE_UNDEFINED, 0, Number.POSITIVE_INFINITY, 0];
    let first = true;
    while (stack.length > 0) {
      const nConstant = stack.pop() as number;
      let impurity = stack.pop() as number;
      const isLeft = stack.pop() as number;
      const parent = stack.pop() as number;
      const depth = stack.pop() as number;
      const end = stack.pop() as number;
      const start = stack.pop() as number;
      const nNode = end - start;

      criterionInit(start, end);
      let isLeaf =
        depth >= maxDepth ||
        nNode < minSamplesSplit ||
        nNode < 2 * minSamplesLeaf ||
        wNode < 2 * minWeightLeaf;
      if (first) {
        const m = sumTotal / wNode;
        impurity = sqSumTotal / wNode - m * m;
        first = false;
      }
      isLeaf = isLeaf || impurity <= EPSILON;
      if (!isLeaf) {
        nodeSplit(start, end, impurity, nConstant);
        isLeaf = bestPos >= end || bestImprovement + EPSILON < minImpurityDecrease;
      }

      if (nodeCount >= capacity) grow();
      const id = nodeCount++;
      if (parent !== TREE_UNDEFINED) {
        if (isLeft) childrenLeft[parent] = id;
        else childrenRight[parent] = id;
      }
      impurityArr[id] = impurity;
      nNodeSamples[id] = nNode;
      weightedNNodeSamples[id] = wNode;
      value[id] = sumTotal / wNode;
      if (isLeaf) {
        childrenLeft[id] = TREE_LEAF;
        childrenRight[id] = TREE_LEAF;
        feature[id] = TREE_UNDEFINED;
        threshold[id] = TREE_UNDEFINED;
      } else {
        feature[id] = bestFeature;
        threshold[id] = bestThreshold;
        stack.push(bestPos, end, depth + 1, id, 0, bestImpurityRight, nConstantOut);
        stack.push(start, bestPos, depth + 1, id, 1, bestImpurityLeft, nConstantOut);
      }
      if (depth > treeDepth) treeDepth = depth;
    }

    return {
      nodeCount,
      maxDepth: treeDepth,
      childrenLeft: childrenLeft.slice(0, nodeCount),
      childrenRight: childrenRight.slice(0, nodeCount),
      feature: feature.slice(0, nodeCount),
      threshold: threshold.slice(0, nodeCount),
      value: value.slice(0, nodeCount),
      impurity: impurityArr.slice(0, nodeCount),
      nNodeSamples: nNodeSamples.slice(0, nodeCount),
      weightedNNodeSamples: weightedNNodeSamples.slice(0, nodeCount),
    };
  }

  return { buildTree };
}

let localKernel: TreeKernel | undefined;
/** The kernel for the current thread, created on first use. */
export function treeKernel(): TreeKernel {
  localKernel ??= createTreeKernel();
  return localKernel;
}

// ---------------------------------------------------------------------------------------------
// Input conversion, parameter resolution, prediction
// ---------------------------------------------------------------------------------------------

/**
 * X as float32 (column-major, same layout), as sklearn's trees see it. NaN is refused (no missing
 * value support in scikit-learn 1.2 trees), and so is any value that is not finite once rounded
 * to float32. `out` lets the forest write into shared memory.
 */
export function toFloat32Features(X: Matrix, estimator: string, out?: Float32Array): Float32Array {
  const n = X.nRows * X.nCols;
  const f = out ?? new Float32Array(n);
  const data = X.data;
  for (let k = 0; k < n; k++) {
    const v = Math.fround(data[k]);
    if (!Number.isFinite(v)) {
      const col = Math.floor(k / X.nRows);
      throw badFeatureValueError(X, k - col * X.nRows, col, data[k], estimator, 'float32');
    }
    f[k] = v;
  }
  return f;
}

/**
 * scikit-learn's max_features: null = all features; 'sqrt' / 'log2'; an integer >= 2 is a
 * count; a number in (0, 1] is a fraction, max(1, floor(fraction * n_features)). JavaScript has no
 * separate float type, so 1 means sklearn's 1.0 (all features); to get exactly one feature per
 * split, pass a fraction below 2 / n_features.
 */
export type MaxFeatures = number | 'sqrt' | 'log2' | null;

/** Tree-growing parameters shared by DecisionTreeRegressor and RandomForestRegressor. */
export interface TreeParams {
  /** null (default) grows until leaves are pure or hit min_samples_* */
  maxDepth?: number | null;
  /** integer >= 2, or a fraction in (0, 1] of the rows (default 2) */
  minSamplesSplit?: number;
  /** integer >= 1, or a fraction in (0, 1) of the rows (default 1) */
  minSamplesLeaf?: number;
  /** split only if the weighted impurity decrease is at least this (default 0) */
  minImpurityDecrease?: number;
  maxFeatures?: MaxFeatures;
}

export interface DecisionTreeRegressorParams extends TreeParams {
  criterion?: 'squared_error';
  /** seed in [0, 2**32 - 1] of the feature order; null draws one (not reproducible) */
  randomState?: number | null;
}

export interface ResolvedTreeParams {
  maxDepth: number | null;
  minSamplesSplit: number;
  minSamplesLeaf: number;
  minImpurityDecrease: number;
  maxFeatures: MaxFeatures;
}

/** Check tree parameters against sklearn's _parameter_constraints; returns them with defaults. */
export function validateTreeParams(p: TreeParams, defaultMaxFeatures: MaxFeatures): ResolvedTreeParams {
  const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
  const maxDepth = p.maxDepth ?? null;
  if (maxDepth !== null && !(isInt(maxDepth) && maxDepth >= 1)) {
    throw new InvalidParameterError(`max_depth must be an integer >= 1 or null, got ${maxDepth}`);
  }
  const minSamplesSplit = p.minSamplesSplit ?? 2;
  if (
    !(isInt(minSamplesSplit) && minSamplesSplit >= 2) &&
    !(typeof minSamplesSplit === 'number' && minSamplesSplit > 0 && minSamplesSplit <= 1)
  ) {
    throw new InvalidParameterError(
      `min_samples_split must be an integer >= 2 or a fraction in (0, 1], got ${minSamplesSplit}`,
    );
  }
  const minSamplesLeaf = p.minSamplesLeaf ?? 1;
  if (
    !(isInt(minSamplesLeaf) && minSamplesLeaf >= 1) &&
    !(typeof minSamplesLeaf === 'number' && minSamplesLeaf > 0 && minSamplesLeaf < 1)
  ) {
    throw new InvalidParameterError(
      `min_samples_leaf must be an integer >= 1 or a fraction in (0, 1), got ${minSamplesLeaf}`,
    );
  }
  const minImpurityDecrease = p.minImpurityDecrease ?? 0;
  if (
    typeof minImpurityDecrease !== 'number' ||
    !(minImpurityDecrease >= 0) ||
    !Number.isFinite(minImpurityDecrease)
  ) {
    throw new InvalidParameterError(
      `min_impurity_decrease must be a number >= 0, got ${minImpurityDecrease}`,
    );
  }
  const maxFeatures = p.maxFeatures === undefined ? defaultMaxFeatures : p.maxFeatures;
  if (
    !(maxFeatures === null || maxFeatures === 'sqrt' || maxFeatures === 'log2') &&
    !(isInt(maxFeatures) && maxFeatures >= 1) &&
    !(typeof maxFeatures === 'number' && maxFeatures > 0 && maxFeatures <= 1)
  ) {
    throw new InvalidParameterError(
      `max_features must be null, 'sqrt', 'log2', an integer >= 1 or a fraction in (0, 1], got ${JSON.stringify(maxFeatures)}`,
    );
  }
  return { maxDepth, minSamplesSplit, minSamplesLeaf, minImpurityDecrease, maxFeatures };
}

export function validateRandomState(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new InvalidParameterError(`random_state must be an integer in [0, 2**32 - 1] or null, got ${v}`);
  }
  return v;
}

/** A fresh seed for random_state=null (sklearn would use NumPy's global, unseeded state). */
export function entropySeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0];
}

/** Resolve parameters against the data shape exactly as BaseDecisionTree.fit does. */
export function resolveBuildOptions(
  p: ResolvedTreeParams,
  nSamples: number,
  nFeatures: number,
  randState: number,
): TreeBuildOptions {
  const minSamplesLeaf = Number.isInteger(p.minSamplesLeaf)
    ? p.minSamplesLeaf
    : Math.ceil(p.minSamplesLeaf * nSamples);
  let minSamplesSplit = Number.isInteger(p.minSamplesSplit)
    ? p.minSamplesSplit
    : Math.max(2, Math.ceil(p.minSamplesSplit * nSamples));
  // A fraction of exactly 1 is an integer in JavaScript; sklearn would read min_samples_split=1.0
  // as a fraction (= all rows), which the integer path cannot mean (the minimum integer is 2).
  if (p.minSamplesSplit === 1) minSamplesSplit = nSamples;
  minSamplesSplit = Math.max(minSamplesSplit, 2 * minSamplesLeaf);
  return {
    maxDepth: p.maxDepth ?? 2147483647, // np.iinfo(np.int32).max
    minSamplesSplit,
    minSamplesLeaf,
    minWeightLeaf: 0, // min_weight_fraction_leaf is 0: no weight-based leaf constraint
    maxFeatures: resolveMaxFeatures(p.maxFeatures, nFeatures),
    minImpurityDecrease: p.minImpurityDecrease,
    randState,
  };
}

export function resolveMaxFeatures(m: MaxFeatures, nFeatures: number): number {
  if (m === null) return nFeatures;
  if (m === 'sqrt') return Math.max(1, Math.trunc(Math.sqrt(nFeatures)));
  if (m === 'log2') return Math.max(1, Math.trunc(Math.log2(nFeatures)));
  if (Number.isInteger(m) && m >= 2) {
    if (m > nFeatures) {
      throw new InvalidParameterError(`max_features must be in (0, n_features=${nFeatures}], got ${m}`);
    }
    return m;
  }
  return Math.max(1, Math.trunc(m * nFeatures));
}

/** sklearn's Splitter.init draw: the first randint(0, RAND_R_MAX) of RandomState(seed). */
export function splitterSeed(randomState: number): number {
  return new RandomState(randomState).randint(0, 0x7fffffff);
}

/** Predictions of one tree for float32 rows (column-major nRows × nCols), added into `out`. */
export function addTreePredictions(tree: FlatTree, Xf: Float32Array, nRows: number, out: Float64Array): void {
  const { childrenLeft, childrenRight, feature, threshold, value } = tree;
  for (let i = 0; i < nRows; i++) {
    let node = 0;
    let left = childrenLeft[0];
    while (left !== -1) {
      node = Xf[feature[node] * nRows + i] <= threshold[node] ? left : childrenRight[node];
      left = childrenLeft[node];
    }
    out[i] += value[node];
  }
}

/** Weights must be finite, >= 0 and not all zero (sklearn _check_sample_weight + a usable tree). */
export function checkSampleWeight(sampleWeight: Float64Array, nRows: number): void {
  if (sampleWeight.length !== nRows) {
    throw new InvalidInputError(`sample_weight has ${sampleWeight.length} values, expected ${nRows}`);
  }
  let total = 0;
  for (let i = 0; i < nRows; i++) {
    const v = sampleWeight[i];
    if (!Number.isFinite(v) || v < 0) {
      throw new InvalidInputError(`sample_weight must be finite and >= 0, got ${v} at row ${i}`);
    }
    total += v;
  }
  if (!(total > 0)) throw new InvalidInputError('sample_weight sums to zero: nothing to fit');
}

// ---- JSON form of a FlatTree (sklearn tree_ attribute names) ----

export function treeToJSON(t: FlatTree): Record<string, unknown> {
  return {
    node_count: t.nodeCount,
    max_depth: t.maxDepth,
    children_left: Array.from(t.childrenLeft),
    children_right: Array.from(t.childrenRight),
    feature: Array.from(t.feature),
    threshold: encodeNumbers(t.threshold),
    value: encodeNumbers(t.value),
    impurity: encodeNumbers(t.impurity),
    n_node_samples: Array.from(t.nNodeSamples),
    weighted_n_node_samples: encodeNumbers(t.weightedNNodeSamples),
  };
}

/**
 * Rebuild and check a tree from its JSON form: every child id must point forward inside the
 * array and every split feature must exist, so that predict() can never loop or read out of range.
 */
export function treeFromJSON(v: unknown, nFeatures: number): FlatTree {
  if (!v || typeof v !== 'object') throw new ModelPackageError('corrupt model state: tree is not an object');
  const o = v as Record<string, unknown>;
  const n = Number(o.node_count);
  if (!Number.isInteger(n) || n < 1)
    throw new ModelPackageError(`corrupt model state: node_count ${o.node_count}`);
  const ints = (key: string) => Int32Array.from(decodeStateArray(o[key], key, n));
  const t: FlatTree = {
    nodeCount: n,
    maxDepth: Number(o.max_depth),
    childrenLeft: ints('children_left'),
    childrenRight: ints('children_right'),
    feature: ints('feature'),
    threshold: decodeStateArray(o.threshold, 'threshold', n),
    value: decodeStateArray(o.value, 'value', n),
    impurity: decodeStateArray(o.impurity, 'impurity', n),
    nNodeSamples: ints('n_node_samples'),
    weightedNNodeSamples: decodeStateArray(o.weighted_n_node_samples, 'weighted_n_node_samples', n),
  };
  for (let i = 0; i < n; i++) {
    const l = t.childrenLeft[i];
    const r = t.childrenRight[i];
    const leaf = l === -1 && r === -1;
    if (!leaf && !(l > i && l < n && r > i && r < n && t.feature[i] >= 0 && t.feature[i] < nFeatures)) {
      throw new ModelPackageError(`corrupt model state: node ${i} has invalid children or feature`);
    }
  }
  return t;
}

export function treeParamsToJSON(p: ResolvedTreeParams): Record<string, unknown> {
  return {
    max_depth: p.maxDepth,
    min_samples_split: p.minSamplesSplit,
    min_samples_leaf: p.minSamplesLeaf,
    min_impurity_decrease: p.minImpurityDecrease,
    max_features: p.maxFeatures,
  };
}

export function treeParamsFromJSON(params: Record<string, unknown>): TreeParams {
  return {
    maxDepth: params.max_depth as number | null,
    minSamplesSplit: params.min_samples_split as number,
    minSamplesLeaf: params.min_samples_leaf as number,
    minImpurityDecrease: params.min_impurity_decrease as number,
    maxFeatures: params.max_features as MaxFeatures,
  };
}

// ---------------------------------------------------------------------------------------------
// The estimator
// ---------------------------------------------------------------------------------------------

export class DecisionTreeRegressor implements Regressor {
  readonly params: ResolvedTreeParams;
  readonly randomState: number | null;
  tree: FlatTree | undefined;
  nFeatures = 0;
  featureNames: readonly string[] | undefined;

  constructor(params: DecisionTreeRegressorParams = {}) {
    if (params.criterion !== undefined && params.criterion !== 'squared_error') {
      throw new InvalidParameterError(
        `criterion must be 'squared_error', got ${JSON.stringify(params.criterion)}`,
      );
    }
    this.params = validateTreeParams(params, null);
    this.randomState = validateRandomState(params.randomState);
  }

  /** sampleWeight: optional non-negative weights, length X.nRows (the forest passes bootstrap counts). */
  fit(X: Matrix, y: Float64Array, sampleWeight?: Float64Array): this {
    checkFitInput(X, y, 'DecisionTreeRegressor');
    if (sampleWeight) checkSampleWeight(sampleWeight, X.nRows);
    const Xf = toFloat32Features(X, 'DecisionTreeRegressor');
    const opts = resolveBuildOptions(
      this.params,
      X.nRows,
      X.nCols,
      splitterSeed(this.randomState ?? entropySeed()),
    );
    this.tree = treeKernel().buildTree(Xf, X.nRows, X.nCols, y, sampleWeight ?? null, opts);
    this.nFeatures = X.nCols;
    this.featureNames = X.names ? [...X.names] : undefined;
    return this;
  }

  predict(X: Matrix): Float64Array {
    if (!this.tree) throw new NotFittedError('DecisionTreeRegressor');
    checkPredictInput(X, this.nFeatures, this.featureNames, 'DecisionTreeRegressor');
    const out = new Float64Array(X.nRows);
    addTreePredictions(this.tree, toFloat32Features(X, 'DecisionTreeRegressor'), X.nRows, out);
    return out;
  }

  toJSON(): RegressorState {
    if (!this.tree) throw new NotFittedError('DecisionTreeRegressor');
    return {
      type: 'DecisionTreeRegressor',
      params: {
        criterion: 'squared_error',
        ...treeParamsToJSON(this.params),
        random_state: this.randomState,
      },
      fitted: {
        n_features_in: this.nFeatures,
        feature_names_in: this.featureNames ?? null,
        tree: treeToJSON(this.tree),
      },
    };
  }

  static fromJSON(state: RegressorState): DecisionTreeRegressor {
    checkState(state, 'DecisionTreeRegressor');
    const model = new DecisionTreeRegressor({
      ...treeParamsFromJSON(state.params),
      randomState: state.params.random_state as number | null,
    });
    const nFeatures = Number(state.fitted.n_features_in);
    if (!Number.isInteger(nFeatures) || nFeatures < 1) {
      throw new ModelPackageError(`corrupt model state: n_features_in ${state.fitted.n_features_in}`);
    }
    model.nFeatures = nFeatures;
    model.featureNames = decodeFeatureNames(state.fitted.feature_names_in, nFeatures);
    model.tree = treeFromJSON(state.fitted.tree, nFeatures);
    return model;
  }
}
