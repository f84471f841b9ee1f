/**
 * A dense feature matrix in column-major order: feature j of row i is data[j * nRows + i].
 * Column-major because every algorithm here scans one feature at a time (binning, split search,
 * sorting for trees), and a column is then one contiguous Float64Array (see column()).
 * NaN marks a missing value.
 */
export interface Matrix {
  readonly nRows: number;
  readonly nCols: number;
  /** length nRows * nCols, column-major */
  readonly data: Float64Array;
  /** optional feature names, length nCols */
  readonly names?: readonly string[];
}

export function createMatrix(nRows: number, nCols: number, names?: readonly string[]): Matrix {
  return { nRows, nCols, data: new Float64Array(nRows * nCols), names };
}

/** Feature j as a view (no copy). */
export function column(m: Matrix, j: number): Float64Array {
  return m.data.subarray(j * m.nRows, (j + 1) * m.nRows);
}

/** Build a matrix from columns (copied). */
export function fromColumns(cols: readonly ArrayLike<number>[], names?: readonly string[]): Matrix {
  const nCols = cols.length;
  const nRows = nCols === 0 ? 0 : cols[0].length;
  const m = createMatrix(nRows, nCols, names);
  for (let j = 0; j < nCols; j++) {
    if (cols[j].length !== nRows)
      throw new RangeError(`column ${j} has ${cols[j].length} rows, expected ${nRows}`);
    m.data.set(cols[j], j * nRows);
  }
  return m;
}

/** Build a matrix from row-major nested arrays (tests and fixtures). */
export function fromRows(rows: readonly (readonly number[])[], names?: readonly string[]): Matrix {
  const nRows = rows.length;
  const nCols = nRows === 0 ? 0 : rows[0].length;
  const m = createMatrix(nRows, nCols, names);
  for (let i = 0; i < nRows; i++) {
    const r = rows[i];
    for (let j = 0; j < nCols; j++) m.data[j * nRows + i] = r[j] ?? Number.NaN;
  }
  return m;
}

/** Rows `indices` of m, in that order (copied). */
export function takeRows(m: Matrix, indices: ArrayLike<number>): Matrix {
  const n = indices.length;
  const out = createMatrix(n, m.nCols, m.names);
  for (let j = 0; j < m.nCols; j++) {
    const src = j * m.nRows;
    const dst = j * n;
    for (let i = 0; i < n; i++) out.data[dst + i] = m.data[src + indices[i]];
  }
  return out;
}

export function takeValues(v: Float64Array, indices: ArrayLike<number>): Float64Array {
  const out = new Float64Array(indices.length);
  for (let i = 0; i < indices.length; i++) out[i] = v[indices[i]];
  return out;
}
