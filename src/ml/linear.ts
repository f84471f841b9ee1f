/**
 * Linear least squares and ridge regression, reproducing scikit-learn 1.2.1's LinearRegression and
 * Ridge (solver 'auto' on dense data) on the same inputs.
 *
 * Both centre X and y when fit_intercept is set (sklearn/linear_model/_base.py `_preprocess_data`),
 * solve for the coefficients on the centred data, and recover
 * intercept = mean(y) - mean(X) · coef (`_set_intercept`).
 *
 * - LinearRegression calls scipy.linalg.lstsq (LAPACK gelsd): an SVD-based solve whose effective
 *   rank drops singular values s <= eps * s_max, returning the minimum-norm solution when columns
 *   are collinear or constant (the flagship's one-hot columns always are once centred). We get the
 *   same solution from a Householder QR (when n_samples >= n_features, so the SVD runs on the small
 *   triangular factor) followed by a one-sided Jacobi SVD, which is accurate to the last few ulps
 *   of each singular value even for badly scaled columns.
 * - Ridge with solver 'auto' on dense data is 'cholesky' (sklearn/linear_model/_ridge.py
 *   `_ridge_regression`): solve (XᵀX + αI) w = Xᵀy, or in the dual form (XXᵀ + αI) d = y,
 *   w = Xᵀd, when n_features > n_samples. If the Cholesky factorisation breaks down (α = 0 on
 *   singular data) sklearn falls back to its SVD solver, which keeps singular values > 1e-15
 *   (`_solve_svd`); so do we.
 *
 * The input checks shared by every regressor of this folder (shape, NaN, infinity, feature names)
 * live here too, with scikit-learn's wording.
 */
import {
  InvalidInputError,
  InvalidParameterError,
  ModelPackageError,
  NotFittedError,
} from '../core/errors.js';
import { decodeFloat64Array, decodeNumber, encodeNumber, encodeNumbers } from '../core/json.js';
import type { Regressor, RegressorState } from './estimator.js';
import type { Matrix } from './matrix.js';

const EPS = 2.220446049250313e-16; // np.finfo(np.float64).eps

// ---------------------------------------------------------------------------------------------
// Input checks shared by the regressors (linear.ts, tree.ts, forest.ts)
// ---------------------------------------------------------------------------------------------

function columnLabel(X: Matrix, j: number): string {
  const name = X.names?.[j];
  return name === undefined ? `column ${j}` : `column ${j} ("${name}")`;
}

/**
 * The error for a feature value an estimator cannot take, worded as scikit-learn's check_array
 * ("Input X contains NaN.") and naming where it is, since the caller has to go and fix that cell.
 */
export function badFeatureValueError(
  X: Matrix,
  row: number,
  col: number,
  value: number,
  estimator: string,
  dtype: 'float64' | 'float32',
): InvalidInputError {
  const where = `${columnLabel(X, col)}, row ${row}`;
  if (Number.isNaN(value)) {
    return new InvalidInputError(
      `Input X contains NaN (${where}). ${estimator} does not accept missing values encoded as NaN natively: impute them first.`,
    );
  }
  return new InvalidInputError(
    `Input X contains infinity or a value too large for dtype('${dtype}') (${where}: ${value}).`,
  );
}

/** Shape and target checks every fit() makes before touching the data (sklearn check_X_y). */
export function checkFitInput(X: Matrix, y: Float64Array, estimator: string): void {
  if (X.nRows < 1) {
    throw new InvalidInputError(
      `Found array with 0 sample(s) (shape=(0, ${X.nCols})) while a minimum of 1 is required by ${estimator}.`,
    );
  }
  if (X.nCols < 1) {
    throw new InvalidInputError(
      `Found array with 0 feature(s) (shape=(${X.nRows}, 0)) while a minimum of 1 is required by ${estimator}.`,
    );
  }
  if (X.data.length !== X.nRows * X.nCols) {
    throw new InvalidInputError(
      `X.data has ${X.data.length} values, expected nRows * nCols = ${X.nRows * X.nCols}`,
    );
  }
  if (y.length !== X.nRows) {
    throw new InvalidInputError(
      `Found input variables with inconsistent numbers of samples: [${X.nRows}, ${y.length}] (X rows, y length)`,
    );
  }
  for (let i = 0; i < y.length; i++) {
    if (!Number.isFinite(y[i])) {
      throw new InvalidInputError(
        Number.isNaN(y[i])
          ? `Input y contains NaN (row ${i}).`
          : `Input y contains infinity or a value too large for dtype('float64') (row ${i}: ${y[i]}).`,
      );
    }
  }
}

/** Every value of X must be finite (float64 estimators). */
export function checkFiniteFeatures(X: Matrix, estimator: string): void {
  const { nRows, nCols, data } = X;
  for (let j = 0; j < nCols; j++) {
    const off = j * nRows;
    for (let i = 0; i < nRows; i++) {
      const v = data[off + i];
      if (!Number.isFinite(v)) throw badFeatureValueError(X, i, j, v, estimator, 'float64');
    }
  }
}

/**
 * predict() checks: same number of features as seen in fit, and the same names when both sides
 * have names (scikit-learn 1.2 raises on mismatched feature names too).
 */
export function checkPredictInput(
  X: Matrix,
  nFeatures: number,
  featureNames: readonly string[] | undefined,
  estimator: string,
): void {
  if (X.nCols !== nFeatures) {
    throw new InvalidInputError(
      `X has ${X.nCols} features, but ${estimator} is expecting ${nFeatures} features as input.`,
    );
  }
  if (X.data.length !== X.nRows * X.nCols) {
    throw new InvalidInputError(
      `X.data has ${X.data.length} values, expected nRows * nCols = ${X.nRows * X.nCols}`,
    );
  }
  if (featureNames && X.names) {
    for (let j = 0; j < nFeatures; j++) {
      if (X.names[j] !== featureNames[j]) {
        throw new InvalidInputError(
          `The feature names should match those that were passed during fit: column ${j} is "${X.names[j]}", expected "${featureNames[j]}".`,
        );
      }
    }
  }
}

/** fromJSON() checks shared by the regressors: right type, object-shaped params and fitted. */
export function checkState(state: RegressorState, type: string): void {
  if (!state || typeof state !== 'object' || state.type !== type) {
    throw new ModelPackageError(`expected a ${type} state, got type ${JSON.stringify(state?.type)}`);
  }
  if (
    !state.params ||
    typeof state.params !== 'object' ||
    !state.fitted ||
    typeof state.fitted !== 'object'
  ) {
    throw new ModelPackageError(`${type} state needs "params" and "fitted" objects`);
  }
}

/** Decode a JSON array of numbers, turning a malformed one into a ModelPackageError. */
export function decodeStateArray(v: unknown, what: string, length?: number): Float64Array {
  let out: Float64Array;
  try {
    out = decodeFloat64Array(v, what);
  } catch (e) {
    throw new ModelPackageError(`corrupt model state: ${(e as Error).message}`);
  }
  if (length !== undefined && out.length !== length) {
    throw new ModelPackageError(`corrupt model state: ${what} has ${out.length} values, expected ${length}`);
  }
  return out;
}

export function decodeStateNumber(v: unknown, what: string): number {
  try {
    return decodeNumber(v, what);
  } catch (e) {
    throw new ModelPackageError(`corrupt model state: ${(e as Error).message}`);
  }
}

export function decodeFeatureNames(v: unknown, nFeatures: number): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.length !== nFeatures || v.some((s) => typeof s !== 'string')) {
    throw new ModelPackageError(`corrupt model state: feature_names_in must be ${nFeatures} strings`);
  }
  return v as string[];
}

// ---------------------------------------------------------------------------------------------
// Dense linear algebra on column-major Float64Arrays
// ---------------------------------------------------------------------------------------------

/** Column means (sequential sums, as NumPy's reduction over rows of a C-ordered array). */
function columnMeans(X: Matrix): Float64Array {
  const means = new Float64Array(X.nCols);
  for (let j = 0; j < X.nCols; j++) {
    const off = j * X.nRows;
    let s = 0;
    for (let i = 0; i < X.nRows; i++) s += X.data[off + i];
    means[j] = s / X.nRows;
  }
  return means;
}

function mean(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return s / v.length;
}

/** Centred copies of X and y (or plain copies when not centring). */
function centred(
  X: Matrix,
  y: Float64Array,
  fitIntercept: boolean,
): { a: Float64Array; b: Float64Array; xOffset: Float64Array; yOffset: number } {
  const a = Float64Array.from(X.data);
  const b = Float64Array.from(y);
  const xOffset = fitIntercept ? columnMeans(X) : new Float64Array(X.nCols);
  const yOffset = fitIntercept ? mean(y) : 0;
  if (fitIntercept) {
    for (let j = 0; j < X.nCols; j++) {
      const off = j * X.nRows;
      const m = xOffset[j];
      for (let i = 0; i < X.nRows; i++) a[off + i] -= m;
    }
    for (let i = 0; i < b.length; i++) b[i] -= yOffset;
  }
  return { a, b, xOffset, yOffset };
}

/**
 * Householder QR of the m×k column-major matrix a (m >= k), in place; the same reflections are
 * applied to b. Returns the k×k upper-triangular R (column-major) and the first k entries of Qᵀb,
 * which is all a least-squares solve needs: ||a x - b|| = ||R x - (Qᵀb)[:k]|| + const.
 */
function householderQR(
  a: Float64Array,
  m: number,
  k: number,
  b: Float64Array,
): { r: Float64Array; qtb: Float64Array } {
  for (let j = 0; j < k; j++) {
    const cj = j * m;
    let norm2 = 0;
    for (let i = j; i < m; i++) norm2 += a[cj + i] * a[cj + i];
    if (norm2 === 0) continue; // a zero column below the diagonal: nothing to reflect
    const x0 = a[cj + j];
    const alpha = x0 > 0 ? -Math.sqrt(norm2) : Math.sqrt(norm2);
    // v = x - alpha e1, stored in place of x; vᵀv = norm2 - x0² + (x0 - alpha)²
    const v0 = x0 - alpha;
    a[cj + j] = v0;
    const vtv = norm2 - x0 * x0 + v0 * v0;
    const beta = 2 / vtv;
    for (let l = j + 1; l < k; l++) {
      const cl = l * m;
      let s = 0;
      for (let i = j; i < m; i++) s += a[cj + i] * a[cl + i];
      s *= beta;
      for (let i = j; i < m; i++) a[cl + i] -= s * a[cj + i];
    }
    let s = 0;
    for (let i = j; i < m; i++) s += a[cj + i] * b[i];
    s *= beta;
    for (let i = j; i < m; i++) b[i] -= s * a[cj + i];
    a[cj + j] = alpha; // R_jj; entries below it are no longer needed
  }
  const r = new Float64Array(k * k);
  for (let j = 0; j < k; j++) for (let i = 0; i <= j; i++) r[j * k + i] = a[j * m + i];
  return { r, qtb: b.slice(0, k) };
}

/**
 * One-sided Jacobi SVD (Hestenes): rotates pairs of columns of the m×k matrix w (column-major, in
 * place) until they are mutually orthogonal, accumulating the rotations in v (k×k). Afterwards
 * w = U·diag(s) and the input equals w·vᵀ, with s_j = ||w_j||. Works for any m, k; columns in a
 * null space converge to zero.
 */
function jacobiSVD(w: Float64Array, m: number, k: number): { v: Float64Array; s: Float64Array } {
  const v = new Float64Array(k * k);
  for (let j = 0; j < k; j++) v[j * k + j] = 1;
  const maxSweeps = 100;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let rotated = false;
    for (let p = 0; p < k - 1; p++) {
      for (let q = p + 1; q < k; q++) {
        const cp = p * m;
        const cq = q * m;
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < m; i++) {
          const x = w[cp + i];
          const y = w[cq + i];
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (Math.abs(gamma) <= EPS * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.hypot(1, zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const sn = c * t;
        for (let i = 0; i < m; i++) {
          const x = w[cp + i];
          const y = w[cq + i];
          w[cp + i] = c * x - sn * y;
          w[cq + i] = sn * x + c * y;
        }
        const vp = p * k;
        const vq = q * k;
        for (let i = 0; i < k; i++) {
          const x = v[vp + i];
          const y = v[vq + i];
          v[vp + i] = c * x - sn * y;
          v[vq + i] = sn * x + c * y;
        }
      }
    }
    if (!rotated) break;
  }
  const s = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    let n2 = 0;
    for (let i = 0; i < m; i++) n2 += w[j * m + i] * w[j * m + i];
    s[j] = Math.sqrt(n2);
  }
  return { v, s };
}

/**
 * SVD of the centred design, reduced to k×k work when m >= k: a = Q·R and R = U_R·S·Vᵀ, so the
 * left singular vectors of a are Q·U_R and (U_aᵀ b) = U_Rᵀ (Qᵀb)[:k]. Returns w = U·S (mw×k),
 * v, s and c with U_aᵀ b = (wᵀ c) / s.
 */
function svdForSolve(
  a: Float64Array,
  m: number,
  k: number,
  b: Float64Array,
): { w: Float64Array; mw: number; v: Float64Array; s: Float64Array; c: Float64Array } {
  if (m >= k) {
    const { r, qtb } = householderQR(a, m, k, b);
    const { v, s } = jacobiSVD(r, k, k);
    return { w: r, mw: k, v, s, c: qtb };
  }
  const { v, s } = jacobiSVD(a, m, k);
  return { w: a, mw: m, v, s, c: b };
}

/**
 * x = Σ_j v_j · (u_jᵀ c) · filter(s_j), over the singular triplets (u_j = w_j / s_j) that `keep`
 * selects; filter(s) = 1/s for least squares, s/(s² + α) for ridge.
 */
function combine(
  svd: { w: Float64Array; mw: number; v: Float64Array; s: Float64Array; c: Float64Array },
  k: number,
  keep: (s: number) => boolean,
  filter: (s: number) => number,
): Float64Array {
  const { w, mw, v, s, c } = svd;
  const x = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    if (!keep(s[j])) continue;
    let wc = 0;
    for (let i = 0; i < mw; i++) wc += w[j * mw + i] * c[i];
    const coef = (wc / s[j]) * filter(s[j]);
    for (let i = 0; i < k; i++) x[i] += v[j * k + i] * coef;
  }
  return x;
}

/**
 * Minimum-norm least-squares solution of a x ≈ b (a is m×k column-major, destroyed), with the
 * effective rank decided as LAPACK gelsd does under scipy's default cond = eps:
 * singular values s <= eps * max(s) count as zero.
 */
export function lstsq(
  a: Float64Array,
  m: number,
  k: number,
  b: Float64Array,
): { x: Float64Array; rank: number; singular: Float64Array } {
  const svd = svdForSolve(a, m, k, Float64Array.from(b));
  const sMax = svd.s.reduce((acc, v) => Math.max(acc, v), 0);
  const cutoff = EPS * sMax;
  const keep = (s: number) => s > cutoff;
  const x = combine(svd, k, keep, (s) => 1 / s);
  // gelsd reports min(m, k) singular values; when k > m the extra Jacobi columns are null-space zeros.
  const singular = Float64Array.from(svd.s).sort().reverse().slice(0, Math.min(m, k));
  let rank = 0;
  for (const s of svd.s) if (keep(s)) rank++;
  return { x, rank, singular };
}

/**
 * In-place Cholesky factorisation of the symmetric n×n matrix g (lower triangle used, column-major
 * = row-major here by symmetry). Returns false when g is not numerically positive definite.
 */
function cholesky(g: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let d = g[j * n + j];
    for (let k = 0; k < j; k++) d -= g[j * n + k] * g[j * n + k];
    if (!(d > 0)) return false;
    const ljj = Math.sqrt(d);
    g[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = g[i * n + j];
      for (let k = 0; k < j; k++) s -= g[i * n + k] * g[j * n + k];
      g[i * n + j] = s / ljj;
    }
  }
  return true;
}

/** Solve L Lᵀ x = rhs with the factor from cholesky() (row i of L is g[i*n .. i*n+i]). */
function choleskySolve(l: Float64Array, n: number, rhs: Float64Array): Float64Array {
  const x = Float64Array.from(rhs);
  for (let i = 0; i < n; i++) {
    let s = x[i];
    for (let k = 0; k < i; k++) s -= l[i * n + k] * x[k];
    x[i] = s / l[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i];
    for (let k = i + 1; k < n; k++) s -= l[k * n + i] * x[k];
    x[i] = s / l[i * n + i];
  }
  return x;
}

/** Ridge coefficients for the centred m×k design a and target b (sklearn's 'cholesky' solver). */
function ridgeSolve(a: Float64Array, m: number, k: number, b: Float64Array, alpha: number): Float64Array {
  if (k > m) {
    // Dual form, as sklearn does when n_features > n_samples: (a aᵀ + αI) d = b, x = aᵀ d.
    const g = new Float64Array(m * m);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let l = 0; l < k; l++) s += a[l * m + i] * a[l * m + j];
        g[i * m + j] = s;
        g[j * m + i] = s;
      }
      g[i * m + i] += alpha;
    }
    if (cholesky(g, m)) {
      const d = choleskySolve(g, m, b);
      const x = new Float64Array(k);
      for (let l = 0; l < k; l++) {
        let s = 0;
        for (let i = 0; i < m; i++) s += a[l * m + i] * d[i];
        x[l] = s;
      }
      return x;
    }
  } else {
    const g = new Float64Array(k * k);
    const rhs = new Float64Array(k);
    for (let p = 0; p < k; p++) {
      for (let q = 0; q <= p; q++) {
        let s = 0;
        for (let i = 0; i < m; i++) s += a[p * m + i] * a[q * m + i];
        g[p * k + q] = s;
        g[q * k + p] = s;
      }
      g[p * k + p] += alpha;
      let s = 0;
      for (let i = 0; i < m; i++) s += a[p * m + i] * b[i];
      rhs[p] = s;
    }
    if (cholesky(g, k)) return choleskySolve(g, k, rhs);
  }
  // Not positive definite (alpha = 0 on rank-deficient data): sklearn's _solve_svd.
  const svd = svdForSolve(a, m, k, Float64Array.from(b));
  return combine(
    svd,
    k,
    (s) => s > 1e-15,
    (s) => s / (s * s + alpha),
  );
}

// ---------------------------------------------------------------------------------------------
// Estimators
// ---------------------------------------------------------------------------------------------

export interface LinearRegressionParams {
  /** centre X and y and fit an intercept (default true) */
  fitIntercept?: boolean;
}

export interface RidgeParams extends LinearRegressionParams {
  /** L2 penalty, >= 0 (default 1.0) */
  alpha?: number;
}

interface LinearFit {
  coef: Float64Array;
  intercept: number;
  featureNames: readonly string[] | undefined;
}

function predictLinear(X: Matrix, fit: LinearFit, estimator: string): Float64Array {
  checkPredictInput(X, fit.coef.length, fit.featureNames, estimator);
  checkFiniteFeatures(X, estimator);
  const out = new Float64Array(X.nRows).fill(fit.intercept);
  for (let j = 0; j < X.nCols; j++) {
    const w = fit.coef[j];
    const off = j * X.nRows;
    for (let i = 0; i < X.nRows; i++) out[i] += X.data[off + i] * w;
  }
  return out;
}

function interceptFrom(xOffset: Float64Array, yOffset: number, coef: Float64Array): number {
  let dot = 0;
  for (let j = 0; j < coef.length; j++) dot += xOffset[j] * coef[j];
  return yOffset - dot;
}

function checkFitIntercept(v: unknown): boolean {
  if (typeof v !== 'boolean') throw new InvalidParameterError(`fit_intercept must be a boolean, got ${v}`);
  return v;
}

/** Ordinary least squares; scikit-learn's LinearRegression (fit_intercept, no sample weights). */
export class LinearRegression implements Regressor {
  readonly fitIntercept: boolean;
  /** length n_features; undefined before fit() */
  coef: Float64Array | undefined;
  intercept = 0;
  /** effective rank of the centred design (sklearn rank_) */
  rank = 0;
  /** singular values of the centred design, descending (sklearn singular_) */
  singular: Float64Array | undefined;
  featureNames: readonly string[] | undefined;

  constructor(params: LinearRegressionParams = {}) {
    this.fitIntercept = checkFitIntercept(params.fitIntercept ?? true);
  }

  fit(X: Matrix, y: Float64Array): this {
    checkFitInput(X, y, 'LinearRegression');
    checkFiniteFeatures(X, 'LinearRegression');
    const { a, b, xOffset, yOffset } = centred(X, y, this.fitIntercept);
    const { x, rank, singular } = lstsq(a, X.nRows, X.nCols, b);
    this.coef = x;
    this.rank = rank;
    this.singular = singular;
    this.intercept = this.fitIntercept ? interceptFrom(xOffset, yOffset, x) : 0;
    this.featureNames = X.names ? [...X.names] : undefined;
    return this;
  }

  predict(X: Matrix): Float64Array {
    if (!this.coef) throw new NotFittedError('LinearRegression');
    return predictLinear(
      X,
      { coef: this.coef, intercept: this.intercept, featureNames: this.featureNames },
      'LinearRegression',
    );
  }

  toJSON(): RegressorState {
    if (!this.coef || !this.singular) throw new NotFittedError('LinearRegression');
    return {
      type: 'LinearRegression',
      params: { fit_intercept: this.fitIntercept },
      fitted: {
        coef: encodeNumbers(this.coef),
        intercept: encodeNumber(this.intercept),
        rank: this.rank,
        singular: encodeNumbers(this.singular),
        n_features_in: this.coef.length,
        feature_names_in: this.featureNames ?? null,
      },
    };
  }

  static fromJSON(state: RegressorState): LinearRegression {
    checkState(state, 'LinearRegression');
    const model = new LinearRegression({ fitIntercept: state.params.fit_intercept as boolean });
    const f = state.fitted;
    model.coef = decodeStateArray(f.coef, 'coef');
    model.intercept = decodeStateNumber(f.intercept, 'intercept');
    model.singular = decodeStateArray(f.singular, 'singular');
    model.rank = Number(f.rank);
    model.featureNames = decodeFeatureNames(f.feature_names_in, model.coef.length);
    return model;
  }
}

/** L2-penalised least squares; scikit-learn's Ridge with solver 'auto' on dense data. */
export class Ridge implements Regressor {
  readonly alpha: number;
  readonly fitIntercept: boolean;
  coef: Float64Array | undefined;
  intercept = 0;
  featureNames: readonly string[] | undefined;

  constructor(params: RidgeParams = {}) {
    const alpha = params.alpha ?? 1.0;
    if (typeof alpha !== 'number' || !(alpha >= 0) || !Number.isFinite(alpha)) {
      throw new InvalidParameterError(`alpha must be a finite number >= 0, got ${alpha}`);
    }
    this.alpha = alpha;
    this.fitIntercept = checkFitIntercept(params.fitIntercept ?? true);
  }

  fit(X: Matrix, y: Float64Array): this {
    checkFitInput(X, y, 'Ridge');
    checkFiniteFeatures(X, 'Ridge');
    const { a, b, xOffset, yOffset } = centred(X, y, this.fitIntercept);
    this.coef = ridgeSolve(a, X.nRows, X.nCols, b, this.alpha);
    this.intercept = this.fitIntercept ? interceptFrom(xOffset, yOffset, this.coef) : 0;
    this.featureNames = X.names ? [...X.names] : undefined;
    return this;
  }

  predict(X: Matrix): Float64Array {
    if (!this.coef) throw new NotFittedError('Ridge');
    return predictLinear(
      X,
      { coef: this.coef, intercept: this.intercept, featureNames: this.featureNames },
      'Ridge',
    );
  }

  toJSON(): RegressorState {
    if (!this.coef) throw new NotFittedError('Ridge');
    return {
      type: 'Ridge',
      params: { alpha: this.alpha, fit_intercept: this.fitIntercept },
      fitted: {
        coef: encodeNumbers(this.coef),
        intercept: encodeNumber(this.intercept),
        n_features_in: this.coef.length,
        feature_names_in: this.featureNames ?? null,
      },
    };
  }

  static fromJSON(state: RegressorState): Ridge {
    checkState(state, 'Ridge');
    const model = new Ridge({
      alpha: state.params.alpha as number,
      fitIntercept: state.params.fit_intercept as boolean,
    });
    model.coef = decodeStateArray(state.fitted.coef, 'coef');
    model.intercept = decodeStateNumber(state.fitted.intercept, 'intercept');
    model.featureNames = decodeFeatureNames(state.fitted.feature_names_in, model.coef.length);
    return model;
  }
}
