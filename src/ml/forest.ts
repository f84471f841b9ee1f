/**
 * RandomForestRegressor: scikit-learn 1.2.1's RandomForestRegressor (bootstrap of rows, a
 * DecisionTreeRegressor per bootstrap sample, prediction = mean of the trees), with the same
 * seeding, so that the same data and random_state give the same forest, tree for tree.
 *
 * Seeding, from sklearn/ensemble/_forest.py and _base.py (1.2.1):
 * - `BaseForest.fit`: rs = check_random_state(random_state); each new tree gets
 *   random_state = rs.randint(np.iinfo(np.int32).max) (`_set_random_states`), in tree order.
 * - `_parallel_build_trees` / `_generate_sample_indices`: the bootstrap rows are
 *   RandomState(tree_seed).randint(0, n_samples, n_samples_bootstrap), turned into per-row counts
 *   by np.bincount and passed to the tree as sample weights (the rows are not copied).
 * - the tree's splitter draws its rand_r seed from a fresh RandomState(tree_seed) (tree.ts).
 * - `ForestRegressor.predict`: the trees' predictions are summed, then divided by n_estimators;
 *   we sum in tree order, which is what sklearn does with n_jobs=1 (with several jobs sklearn adds
 *   in whatever order its threads finish, so its last bits vary from run to run).
 *
 * Parallelism: trees are grown in worker_threads. The worker runs the source text of tree.ts's
 * self-contained createTreeKernel() (`new Worker(code, { eval: true })`), so the same code runs
 * under vitest (TypeScript) and from dist/. X (float32) and y live in SharedArrayBuffers; each task
 * carries one tree's bootstrap counts and rand_r seed, computed here in tree order. fit() stays
 * synchronous, as Regressor requires: the calling thread blocks on Atomics.wait and collects
 * results with receiveMessageOnPort. Every tree depends only on its own seed, so the forest is
 * identical for any number of threads.
 */
import { availableParallelism } from 'node:os';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { InvalidParameterError, MlshipError, ModelPackageError, NotFittedError } from '../core/errors.js';
import type { Regressor, RegressorState } from './estimator.js';
import { checkFitInput, checkPredictInput, checkState, decodeFeatureNames } from './linear.js';
import type { Matrix } from './matrix.js';
import { RandomState } from './random.js';
import {
  addTreePredictions,
  createTreeKernel,
  entropySeed,
  type FlatTree,
  type ResolvedTreeParams,
  resolveBuildOptions,
  splitterSeed,
  type TreeBuildOptions,
  type TreeParams,
  toFloat32Features,
  treeFromJSON,
  treeKernel,
  treeParamsFromJSON,
  treeParamsToJSON,
  treeToJSON,
  validateRandomState,
  validateTreeParams,
} from './tree.js';

const MAX_INT32 = 2147483647; // np.iinfo(np.int32).max

export interface RandomForestRegressorParams extends TreeParams {
  /** number of trees (default 100) */
  nEstimators?: number;
  /** draw a bootstrap sample per tree (default true); false grows every tree on all rows */
  bootstrap?: boolean;
  /**
   * rows per bootstrap sample: null = n_samples, an integer count >= 2, or a fraction in (0, 1]
   * (1 means sklearn's 1.0, all rows: JavaScript has no separate float type)
   */
  maxSamples?: number | null;
  /** seed in [0, 2**32 - 1]; null draws one (not reproducible) */
  randomState?: number | null;
  /** threads used by fit(); default os.availableParallelism(); 1 grows trees on the calling thread */
  nJobs?: number;
}

/** Per-tree seeds, exactly as sklearn's _set_random_states draws them. */
export function treeSeeds(randomState: number, nEstimators: number): number[] {
  const rs = new RandomState(randomState);
  const seeds = new Array<number>(nEstimators);
  for (let t = 0; t < nEstimators; t++) seeds[t] = rs.randint(0, MAX_INT32);
  return seeds;
}

/** np.bincount(RandomState(seed).randint(0, nSamples, nBootstrap), minlength=nSamples) as weights. */
export function bootstrapCounts(seed: number, nSamples: number, nBootstrap: number): Float64Array {
  const rs = new RandomState(seed);
  const counts = new Float64Array(nSamples);
  for (let k = 0; k < nBootstrap; k++) counts[rs.randint(0, nSamples)] += 1;
  return counts;
}

/** sklearn's _get_n_samples_bootstrap: a fraction is rounded with Python's round (half to even). */
export function nSamplesBootstrap(nSamples: number, maxSamples: number | null): number {
  if (maxSamples === null) return nSamples;
  if (Number.isInteger(maxSamples) && maxSamples !== 1) {
    if (maxSamples > nSamples) {
      throw new InvalidParameterError(
        `\`max_samples\` must be <= n_samples=${nSamples} but got value ${maxSamples}`,
      );
    }
    return maxSamples;
  }
  const x = nSamples * maxSamples;
  const r = Math.round(x);
  // Math.round rounds halves up; Python's round() rounds them to even.
  const rounded = Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  if (rounded < 1) {
    throw new InvalidParameterError(`max_samples=${maxSamples} leaves no rows to bootstrap from ${nSamples}`);
  }
  return rounded;
}

export interface ForestFitOptions {
  /**
   * Called on the calling thread each time a tree is done, with the number done so far and the
   * forest's size (for a progress bar: a 200-tree forest of the flagship takes half a minute).
   */
  onTree?: (done: number, total: number) => void;
}

interface TreeTask {
  index: number;
  randState: number;
  weights: Float64Array | null;
}

/** The code a worker runs: the tree kernel plus a loop that grows the trees it is sent. */
function workerSource(): string {
  return `'use strict';
const { workerData } = require('node:worker_threads');
const { port, signal, slot, X, nRows, nCols, y, options } = workerData;
const Xf = new Float32Array(X);
const yv = new Float64Array(y);
const wake = () => { Atomics.add(signal, 0, 1); Atomics.notify(signal, 0); };
process.on('exit', () => { Atomics.store(signal, slot, 1); wake(); });
let kernel;
let startError;
try {
  kernel = (${createTreeKernel.toString()})();
} catch (e) {
  startError = String(e && e.stack ? e.stack : e);
}
port.on('message', (task) => {
  if (task === null) { port.close(); return; }
  let msg;
  let transfer = [];
  try {
    if (startError !== undefined) throw new Error('tree kernel failed to load: ' + startError);
    const t = kernel.buildTree(Xf, nRows, nCols, yv, task.weights, { ...options, randState: task.randState });
    msg = { index: task.index, tree: t };
    transfer = [t.childrenLeft.buffer, t.childrenRight.buffer, t.feature.buffer, t.threshold.buffer,
      t.value.buffer, t.impurity.buffer, t.nNodeSamples.buffer, t.weightedNNodeSamples.buffer];
  } catch (e) {
    msg = { index: task.index, error: String(e && e.stack ? e.stack : e) };
  }
  port.postMessage(msg, transfer);
  wake();
});
`;
}

/**
 * Grow the trees on `nWorkers` worker threads, blocking the calling thread until all are done.
 * Tasks are handed out one at a time as workers free up; results are placed by tree index.
 * Returns undefined when worker threads cannot be started at all (the caller then grows the
 * trees itself: the forest is the same either way); a failure while growing a tree throws.
 */
function growInWorkers(
  Xf: Float32Array,
  nRows: number,
  nCols: number,
  y: Float64Array,
  options: TreeBuildOptions,
  nTasks: number,
  makeTask: (index: number) => TreeTask,
  nWorkers: number,
  onTree: ForestFitOptions['onTree'],
): FlatTree[] | undefined {
  // signal[0]: bumped after every message; signal[1 + w]: set when worker w exits
  const signal = new Int32Array(new SharedArrayBuffer(4 * (1 + nWorkers)));
  const ySab = new SharedArrayBuffer(y.length * 8);
  new Float64Array(ySab).set(y);
  const source = workerSource();
  const workers: { worker: Worker; port: MessagePort; busy: boolean }[] = [];
  const results = new Array<FlatTree | undefined>(nTasks);
  let next = 0;
  let done = 0;
  const dispatch = (w: { port: MessagePort; busy: boolean }) => {
    if (next >= nTasks) {
      w.busy = false;
      return;
    }
    const task = makeTask(next++);
    w.busy = true;
    w.port.postMessage(task, task.weights ? [task.weights.buffer as ArrayBuffer] : []);
  };
  try {
    for (let k = 0; k < nWorkers; k++) {
      const { port1, port2 } = new MessageChannel();
      let worker: Worker;
      try {
        worker = new Worker(source, {
          eval: true,
          workerData: { port: port2, signal, slot: 1 + k, X: Xf.buffer, nRows, nCols, y: ySab, options },
          transferList: [port2],
        });
      } catch {
        port1.close();
        if (k === 0) return undefined; // no threads available here: grow on the calling thread
        break; // carry on with the workers already started
      }
      // Errors are reported through `signal` and the port; without a listener the 'error' event
      // would later crash the process.
      worker.on('error', () => {});
      worker.unref();
      workers.push({ worker, port: port1, busy: false });
    }
    for (const w of workers) dispatch(w);
    let seen = Atomics.load(signal, 0);
    while (done < nTasks) {
      for (let k = 0; k < workers.length; k++) {
        const w = workers[k];
        for (let m = receiveMessageOnPort(w.port); m !== undefined; m = receiveMessageOnPort(w.port)) {
          const msg = m.message as { index: number; tree?: FlatTree; error?: string };
          if (msg.error !== undefined) {
            throw new MlshipError(
              'INTERNAL',
              `growing tree ${msg.index} failed in a worker thread: ${msg.error}`,
            );
          }
          results[msg.index] = msg.tree;
          done++;
          onTree?.(done, nTasks);
          dispatch(w);
        }
        if (w.busy && Atomics.load(signal, 1 + k) === 1) {
          // A worker died with a task in hand (startup failure, out of memory).
          throw new MlshipError('INTERNAL', `worker thread ${k} exited while growing a tree`);
        }
      }
      if (done < nTasks) {
        Atomics.wait(signal, 0, seen, 1000);
        seen = Atomics.load(signal, 0);
      }
    }
  } finally {
    for (const w of workers) {
      w.port.postMessage(null);
      w.port.close();
      void w.worker.terminate();
    }
  }
  return results as FlatTree[];
}

export class RandomForestRegressor implements Regressor {
  readonly params: ResolvedTreeParams;
  readonly nEstimators: number;
  readonly bootstrap: boolean;
  readonly maxSamples: number | null;
  readonly randomState: number | null;
  readonly nJobs: number;
  trees: FlatTree[] | undefined;
  nFeatures = 0;
  featureNames: readonly string[] | undefined;

  constructor(params: RandomForestRegressorParams = {}) {
    this.params = validateTreeParams(params, 1.0); // sklearn 1.2's regressor default: max_features=1.0
    const nEstimators = params.nEstimators ?? 100;
    if (!Number.isInteger(nEstimators) || nEstimators < 1) {
      throw new InvalidParameterError(`n_estimators must be an integer >= 1, got ${nEstimators}`);
    }
    this.nEstimators = nEstimators;
    const bootstrap = params.bootstrap ?? true;
    if (typeof bootstrap !== 'boolean')
      throw new InvalidParameterError(`bootstrap must be a boolean, got ${bootstrap}`);
    this.bootstrap = bootstrap;
    const maxSamples = params.maxSamples ?? null;
    if (maxSamples !== null) {
      if (!bootstrap) {
        throw new InvalidParameterError(
          '`max_sample` cannot be set if `bootstrap=False`. Either switch to `bootstrap=True` or set `max_sample=None`.',
        );
      }
      if (
        typeof maxSamples !== 'number' ||
        !(maxSamples > 0) ||
        (!Number.isInteger(maxSamples) && maxSamples > 1)
      ) {
        throw new InvalidParameterError(
          `max_samples must be null, an integer >= 1 or a fraction in (0, 1], got ${maxSamples}`,
        );
      }
    }
    this.maxSamples = maxSamples;
    this.randomState = validateRandomState(params.randomState);
    const nJobs = params.nJobs ?? availableParallelism();
    if (!Number.isInteger(nJobs) || nJobs < 1) {
      throw new InvalidParameterError(`n_jobs must be an integer >= 1, got ${nJobs}`);
    }
    this.nJobs = nJobs;
  }

  fit(X: Matrix, y: Float64Array, options: ForestFitOptions = {}): this {
    checkFitInput(X, y, 'RandomForestRegressor');
    const n = X.nRows;
    const nWorkers = Math.min(this.nJobs, this.nEstimators);
    // X as float32 (sklearn's DTYPE); in shared memory when worker threads will read it.
    const Xf = new Float32Array(
      nWorkers > 1 ? new SharedArrayBuffer(4 * n * X.nCols) : new ArrayBuffer(4 * n * X.nCols),
    );
    toFloat32Features(X, 'RandomForestRegressor', Xf);
    const nBoot = this.bootstrap ? nSamplesBootstrap(n, this.maxSamples) : 0;
    const seeds = treeSeeds(this.randomState ?? entropySeed(), this.nEstimators);
    const build = resolveBuildOptions(this.params, n, X.nCols, 0);
    const makeTask = (index: number): TreeTask => ({
      index,
      randState: splitterSeed(seeds[index]),
      weights: this.bootstrap ? bootstrapCounts(seeds[index], n, nBoot) : null,
    });

    let trees: FlatTree[];
    const grown =
      nWorkers > 1
        ? growInWorkers(Xf, n, X.nCols, y, build, this.nEstimators, makeTask, nWorkers, options.onTree)
        : undefined;
    if (grown) {
      trees = grown;
    } else {
      const kernel = treeKernel();
      trees = [];
      for (let t = 0; t < this.nEstimators; t++) {
        const task = makeTask(t);
        trees.push(
          kernel.buildTree(Xf, n, X.nCols, y, task.weights, { ...build, randState: task.randState }),
        );
        options.onTree?.(t + 1, this.nEstimators);
      }
    }
    this.trees = trees;
    this.nFeatures = X.nCols;
    this.featureNames = X.names ? [...X.names] : undefined;
    return this;
  }

  predict(X: Matrix): Float64Array {
    if (!this.trees) throw new NotFittedError('RandomForestRegressor');
    checkPredictInput(X, this.nFeatures, this.featureNames, 'RandomForestRegressor');
    const Xf = toFloat32Features(X, 'RandomForestRegressor');
    const out = new Float64Array(X.nRows);
    for (const tree of this.trees) addTreePredictions(tree, Xf, X.nRows, out);
    for (let i = 0; i < out.length; i++) out[i] /= this.trees.length;
    return out;
  }

  toJSON(): RegressorState {
    if (!this.trees) throw new NotFittedError('RandomForestRegressor');
    return {
      type: 'RandomForestRegressor',
      params: {
        n_estimators: this.nEstimators,
        criterion: 'squared_error',
        ...treeParamsToJSON(this.params),
        bootstrap: this.bootstrap,
        max_samples: this.maxSamples,
        random_state: this.randomState,
        n_jobs: this.nJobs,
      },
      fitted: {
        n_features_in: this.nFeatures,
        feature_names_in: this.featureNames ?? null,
        estimators: this.trees.map(treeToJSON),
      },
    };
  }

  static fromJSON(state: RegressorState): RandomForestRegressor {
    checkState(state, 'RandomForestRegressor');
    const p = state.params;
    const model = new RandomForestRegressor({
      ...treeParamsFromJSON(p),
      nEstimators: p.n_estimators as number,
      bootstrap: p.bootstrap as boolean,
      maxSamples: p.max_samples as number | null,
      randomState: p.random_state as number | null,
      nJobs: p.n_jobs as number,
    });
    const nFeatures = Number(state.fitted.n_features_in);
    if (!Number.isInteger(nFeatures) || nFeatures < 1) {
      throw new ModelPackageError(`corrupt model state: n_features_in ${state.fitted.n_features_in}`);
    }
    const estimators = state.fitted.estimators;
    if (!Array.isArray(estimators) || estimators.length !== model.nEstimators) {
      throw new ModelPackageError(`corrupt model state: expected ${model.nEstimators} estimators`);
    }
    model.nFeatures = nFeatures;
    model.featureNames = decodeFeatureNames(state.fitted.feature_names_in, nFeatures);
    model.trees = estimators.map((t) => treeFromJSON(t, nFeatures));
    return model;
  }
}
