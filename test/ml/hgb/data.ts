/**
 * The synthetic datasets of test/fixtures/gen_hgb.py, redrawn with our RandomState (bit-identical
 * to NumPy's) and the same float operations, so that fixtures need not store inputs.
 */
import { readFileSync } from 'node:fs';
import { decodeNumber } from '../../../src/core/json.js';
import { createMatrix, type Matrix } from '../../../src/ml/matrix.js';
import { RandomState } from '../../../src/ml/random.js';

export interface DataSpec {
  seed: number;
  kinds: string[];
  nan_fracs: number[];
  target?: 'mix' | 'const' | 'none';
  n?: number;
}

function kind(name: string, u: number): number {
  switch (name) {
    case 'centered':
      return 10 * u - 5;
    case 'unit':
      return u;
    case 'int6':
      return Math.floor(u * 6);
    case 'cubic':
      return u * u * u * 1000;
    case 'const':
      return 7.5;
    case 'nan':
      return Number.NaN;
    case 'int300':
      return Math.floor(u * 300);
    default:
      throw new Error(`unknown column kind ${name}`);
  }
}

/** X (column-major) and y for n rows of the spec, as gen_hgb.py's make_data. */
export function makeData(spec: DataSpec, n: number): { X: Matrix; y: Float64Array } {
  const rs = new RandomState(spec.seed);
  const F = spec.kinds.length;
  const U = new Float64Array(n * F); // row-major, as NumPy fills (n, F)
  for (let k = 0; k < U.length; k++) U[k] = rs.randomSample();
  const X = createMatrix(n, F);
  for (let k = 0; k < n * F; k++) {
    const i = Math.floor(k / F);
    const j = k % F;
    const m = rs.randomSample();
    X.data[j * n + i] = m < spec.nan_fracs[j] ? Number.NaN : kind(spec.kinds[j], U[k]);
  }
  const y = new Float64Array(n);
  const target = spec.target ?? 'mix';
  if (target !== 'none') {
    for (let i = 0; i < n; i++) {
      const e = rs.randomSample();
      const u = (j: number) => U[i * F + j];
      y[i] =
        target === 'const'
          ? 0.1
          : 3 * u(0) + 2 * u(1) * u(1) - 4 * u(2) * u(3) + 1.5 * (u(5) > 0.5 ? 1 : 0) + 0.3 * e;
    }
  }
  return { X, y };
}

/** Rows [start, end) of a column-major matrix. */
export function sliceRows(X: Matrix, start: number, end: number): Matrix {
  const n = end - start;
  const out = createMatrix(n, X.nCols);
  for (let j = 0; j < X.nCols; j++)
    out.data.set(X.data.subarray(j * X.nRows + start, j * X.nRows + end), j * n);
  return out;
}

export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

export function decodeAll(v: unknown[]): Float64Array {
  return Float64Array.from(v, (x) => decodeNumber(x));
}

/** Largest |a - b| / max(1, |b|) over the arrays. */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i]));
    if (!(d <= m)) m = d; // NaN propagates as "not <="
  }
  return m;
}
