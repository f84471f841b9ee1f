/**
 * The columnar table every other layer reads and writes. Columns are typed arrays, never arrays
 * of row objects: numeric columns are Float64Array with NaN for a missing value; string columns
 * are Int32Array category codes into a dictionary, with -1 for a missing value.
 */

export interface NumericColumn {
  readonly kind: 'numeric';
  readonly name: string;
  /** length nRows; NaN = missing */
  readonly values: Float64Array;
}

export interface CategoricalColumn {
  readonly kind: 'categorical';
  readonly name: string;
  /** length nRows; index into `dictionary`, -1 = missing */
  readonly codes: Int32Array;
  /** distinct values in order of first appearance */
  readonly dictionary: readonly string[];
}

export type Column = NumericColumn | CategoricalColumn;

export interface Table {
  readonly nRows: number;
  readonly columns: readonly Column[];
}

export const MISSING_CODE = -1;
