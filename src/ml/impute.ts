/**
 * SimpleImputer for numeric features, as scikit-learn 1.2's sklearn.impute.SimpleImputer with
 * missing_values=np.nan on dense input: the same statistics to the last bit, the same handling of
 * features that have no observed value, the same errors.
 */
import {
  InvalidInputError,
  InvalidParameterError,
  ModelPackageError,
  NotFittedError,
} from '../core/errors.js';
import { decodeFloat64Array, encodeNumbers, type JsonNumber } from '../core/json.js';
import { column, createMatrix, type Matrix } from './matrix.js';
import { pairwiseSum } from './pairwise.js';

export type ImputeStrategy = 'mean' | 'median' | 'most_frequent' | 'constant';
const STRATEGIES: readonly ImputeStrategy[] = ['mean', 'median', 'most_frequent', 'constant'];

export interface SimpleImputerParams {
  /** default 'mean', as sklearn */
  strategy?: ImputeStrategy;
  /** value written by strategy 'constant'; default 0 (sklearn's fill_value=None on numeric data) */
  fillValue?: number;
  /**
   * sklearn's keep_empty_features (default false). A feature with no observed value in fit has no
   * mean, median or mode: with false its statistic is NaN and transform() DROPS that feature from
   * its output (sklearn 1.2.1 does so silently unless the deprecated `verbose` is set; here
   * `emptyFeatures` tells the caller which were dropped, so it can warn). With true the statistic
   * is 0 and the feature is kept. Strategy 'constant' never drops a feature.
   */
  keepEmptyFeatures?: boolean;
}

/** The JSON form stored in a model package. */
export interface SimpleImputerState {
  type: 'SimpleImputer';
  params: { strategy: ImputeStrategy; fill_value: JsonNumber; keep_empty_features: boolean };
  fitted: { statistics: JsonNumber[]; feature_names_in?: string[] };
}

export class SimpleImputer {
  readonly strategy: ImputeStrategy;
  readonly fillValue: number;
  readonly keepEmptyFeatures: boolean;
  private stats: Float64Array | undefined;
  private namesIn: readonly string[] | undefined;

  constructor(params: SimpleImputerParams = {}) {
    const strategy = params.strategy ?? 'mean';
    if (!STRATEGIES.includes(strategy)) {
      throw new InvalidParameterError(
        `SimpleImputer: strategy must be one of ${STRATEGIES.map((s) => `'${s}'`).join(', ')}, got ${JSON.stringify(strategy)}`,
      );
    }
    const fillValue = params.fillValue ?? 0;
    if (typeof fillValue !== 'number') {
      throw new InvalidParameterError(
        `'fill_value'=${JSON.stringify(fillValue)} is invalid. Expected a numerical value when imputing numerical data`,
      );
    }
    this.strategy = strategy;
    this.fillValue = fillValue;
    this.keepEmptyFeatures = params.keepEmptyFeatures ?? false;
  }

  /**
   * One statistic per input feature (sklearn's statistics_): the value that replaces NaN in that
   * feature, or NaN for a feature with no observed value that transform() drops.
   */
  get statistics(): Float64Array {
    if (this.stats === undefined) throw new NotFittedError('SimpleImputer');
    return this.stats;
  }

  get nFeaturesIn(): number {
    return this.statistics.length;
  }

  /** Indices of the input features transform() drops (no observed value in fit). */
  get emptyFeatures(): number[] {
    const stats = this.statistics;
    const out: number[] = [];
    if (this.dropsEmpty()) for (let j = 0; j < stats.length; j++) if (Number.isNaN(stats[j])) out.push(j);
    return out;
  }

  fit(X: Matrix): this {
    checkShape(X);
    checkNoInfinity(X);
    const stats = new Float64Array(X.nCols);
    for (let j = 0; j < X.nCols; j++) stats[j] = this.statistic(column(X, j));
    this.stats = stats;
    this.namesIn = X.names ? [...X.names] : undefined;
    return this;
  }

  /** X with every NaN replaced by its feature's statistic, minus the features in emptyFeatures. */
  transform(X: Matrix): Matrix {
    const stats = this.statistics;
    if (X.nCols !== stats.length) {
      throw new InvalidInputError(
        `X has ${X.nCols} features, but SimpleImputer is expecting ${stats.length} features as input.`,
      );
    }
    if (this.namesIn && X.names && !sameNames(this.namesIn, X.names)) {
      throw new InvalidInputError(
        `The feature names should match those that were passed during fit: expected [${this.namesIn.join(', ')}], got [${X.names.join(', ')}]`,
      );
    }
    checkNoInfinity(X);
    const dropped = new Set(this.emptyFeatures);
    const kept: number[] = [];
    for (let j = 0; j < X.nCols; j++) if (!dropped.has(j)) kept.push(j);
    const names = X.names ?? this.namesIn;
    const out = createMatrix(X.nRows, kept.length, names ? kept.map((j) => names[j]) : undefined);
    kept.forEach((j, k) => {
      const src = column(X, j);
      const dst = column(out, k);
      const fill = stats[j];
      for (let i = 0; i < src.length; i++) {
        const v = src[i];
        dst[i] = Number.isNaN(v) ? fill : v;
      }
    });
    return out;
  }

  fitTransform(X: Matrix): Matrix {
    return this.fit(X).transform(X);
  }

  /** Names of transform()'s output features (the input names minus the dropped features). */
  featureNamesOut(inputNames?: readonly string[]): string[] {
    const names = inputNames ?? this.namesIn;
    if (names === undefined)
      throw new InvalidParameterError('SimpleImputer: no feature names were seen in fit');
    if (names.length !== this.nFeaturesIn) {
      throw new InvalidParameterError(
        `SimpleImputer: expected ${this.nFeaturesIn} input names, got ${names.length}`,
      );
    }
    const dropped = new Set(this.emptyFeatures);
    return names.filter((_, j) => !dropped.has(j));
  }

  toJSON(): SimpleImputerState {
    const fitted: SimpleImputerState['fitted'] = { statistics: encodeNumbers(this.statistics) };
    if (this.namesIn) fitted.feature_names_in = [...this.namesIn];
    return {
      type: 'SimpleImputer',
      params: {
        strategy: this.strategy,
        fill_value: encodeNumbers([this.fillValue])[0],
        keep_empty_features: this.keepEmptyFeatures,
      },
      fitted,
    };
  }

  /** Rebuilds a fitted imputer from toJSON()'s output; refuses anything malformed. */
  static fromJSON(state: unknown): SimpleImputer {
    const fail = (why: string): never => {
      throw new ModelPackageError(`SimpleImputer state: ${why}`);
    };
    if (typeof state !== 'object' || state === null) fail('expected an object');
    const s = state as Partial<SimpleImputerState>;
    if (s.type !== 'SimpleImputer') fail(`expected type "SimpleImputer", got ${JSON.stringify(s.type)}`);
    if (typeof s.params !== 'object' || s.params === null) fail('missing params');
    if (typeof s.fitted !== 'object' || s.fitted === null) fail('missing fitted');
    const p = s.params as SimpleImputerState['params'];
    const f = s.fitted as SimpleImputerState['fitted'];
    if (typeof p.keep_empty_features !== 'boolean') fail('params.keep_empty_features must be a boolean');
    let imputer: SimpleImputer;
    let stats: Float64Array;
    try {
      imputer = new SimpleImputer({
        strategy: p.strategy,
        fillValue: decodeFloat64Array([p.fill_value], 'params.fill_value')[0],
        keepEmptyFeatures: p.keep_empty_features,
      });
      stats = decodeFloat64Array(f.statistics, 'fitted.statistics');
    } catch (e) {
      return fail((e as Error).message);
    }
    if (stats.length === 0) fail('fitted.statistics is empty');
    const names = f.feature_names_in;
    if (names !== undefined) {
      if (!Array.isArray(names) || !names.every((n) => typeof n === 'string'))
        fail('fitted.feature_names_in must be an array of strings');
      if (names.length !== stats.length) fail(`${names.length} feature names for ${stats.length} statistics`);
    }
    imputer.stats = stats;
    imputer.namesIn = names ? [...names] : undefined;
    return imputer;
  }

  private dropsEmpty(): boolean {
    return this.strategy !== 'constant' && !this.keepEmptyFeatures;
  }

  /** The statistic of one feature; NaN stands for "no observed value" (sklearn's masked result). */
  private statistic(col: Float64Array): number {
    if (this.strategy === 'constant') return this.fillValue;
    const observed = observedValues(col);
    let stat: number;
    if (this.strategy === 'mean') stat = maskedMean(col, observed.length);
    else if (this.strategy === 'median') stat = maskedMedian(observed);
    else stat = mostFrequent(observed);
    // keep_empty_features turns every masked statistic into 0
    return Number.isNaN(stat) && this.keepEmptyFeatures ? 0 : stat;
  }
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, j) => name === b[j]);
}

function checkShape(X: Matrix): void {
  if (X.nRows === 0) {
    throw new InvalidInputError(
      `Found array with 0 sample(s) (shape=(0, ${X.nCols})) while a minimum of 1 is required by SimpleImputer.`,
    );
  }
  if (X.nCols === 0) {
    throw new InvalidInputError(
      `Found array with 0 feature(s) (shape=(${X.nRows}, 0)) while a minimum of 1 is required by SimpleImputer.`,
    );
  }
}

/** sklearn validates with force_all_finite="allow-nan": NaN is "missing", ±Infinity an error. */
function checkNoInfinity(X: Matrix): void {
  const d = X.data;
  for (let k = 0; k < d.length; k++) {
    if (d[k] === Number.POSITIVE_INFINITY || d[k] === Number.NEGATIVE_INFINITY) {
      const j = Math.floor(k / X.nRows);
      const where = X.names?.[j] !== undefined ? `"${X.names[j]}"` : `${j}`;
      throw new InvalidInputError(
        `Input X contains infinity or a value too large for dtype('float64'): row ${k % X.nRows}, feature ${where}.`,
      );
    }
  }
}

function observedValues(col: Float64Array): Float64Array {
  let n = 0;
  for (let i = 0; i < col.length; i++) if (!Number.isNaN(col[i])) n++;
  const out = new Float64Array(n);
  n = 0;
  for (let i = 0; i < col.length; i++) if (!Number.isNaN(col[i])) out[n++] = col[i];
  return out;
}

/**
 * np.ma.mean(axis=0): the column with missing entries filled by 0, summed pairwise in row order
 * (NumPy's order for a column of a Fortran-ordered or one-column array; a C-ordered array with
 * several columns is summed row by row and can differ in the last bit), divided by the count.
 * numpy.ma masks a non-finite quotient, so a mean that overflows counts as "no value", as in sklearn.
 */
function maskedMean(col: Float64Array, count: number): number {
  if (count === 0) return Number.NaN;
  const filled = new Float64Array(col.length);
  for (let i = 0; i < col.length; i++) filled[i] = Number.isNaN(col[i]) ? 0 : col[i];
  const mean = pairwiseSum(filled) / count;
  return Number.isFinite(mean) ? mean : Number.NaN;
}

/**
 * np.ma.median(axis=0) on a 2-d array: the low and high middle values of the sorted observed
 * values, summed and halved, even for an odd count (where low = high). So the median equals numpy's
 * median, except that a middle value above DBL_MAX / 2 gives Infinity, exactly as in sklearn.
 */
function maskedMedian(observed: Float64Array): number {
  const n = observed.length;
  if (n === 0) return Number.NaN;
  const sorted = observed.slice().sort();
  const h = Math.floor(n / 2);
  const l = n % 2 === 1 ? h : h - 1;
  return (sorted[l] + sorted[h]) / 2;
}

/** scipy.stats.mode as sklearn 1.2 uses it: the most frequent value, the smallest among ties. */
function mostFrequent(observed: Float64Array): number {
  if (observed.length === 0) return Number.NaN;
  const sorted = observed.slice().sort();
  let best = sorted[0];
  let bestCount = 0;
  let run = 0;
  for (let i = 0; i < sorted.length; i++) {
    run = i > 0 && sorted[i] === sorted[i - 1] ? run + 1 : 1;
    // strictly greater: the first (smallest) value to reach a count keeps it
    if (run > bestCount) {
      bestCount = run;
      best = sorted[i];
    }
  }
  return best;
}
