/**
 * OneHotEncoder for categorical columns, as scikit-learn 1.2's sklearn.preprocessing.OneHotEncoder
 * with categories='auto', drop=None, dense output:
 * - categories are the distinct values seen in fit, sorted as Python sorts str (by code point, not
 *   by locale and not by UTF-16 unit);
 * - a missing value is its own category, placed last. A Table marks missing with code -1, which is
 *   what pandas.read_csv gives as NaN, so the category is NaN and its output feature `<col>_nan`
 *   (sklearn would say `<col>_None` for a Python None);
 * - handleUnknown 'error' refuses categories not seen in fit (a missing value not seen in fit is
 *   unknown too); 'ignore' encodes them as all zeros.
 * Transform works on category codes: the strings of a column's dictionary are looked up once, then
 * each row costs one array read.
 */
import {
  InvalidInputError,
  InvalidParameterError,
  ModelPackageError,
  NotFittedError,
} from '../core/errors.js';
import { compareCodePoints, pyRepr } from '../core/python.js';
import { type CategoricalColumn, MISSING_CODE } from '../table/table.js';
import type { Matrix } from './matrix.js';

export type HandleUnknown = 'error' | 'ignore';

export interface OneHotEncoderParams {
  /** default 'error', as sklearn */
  handleUnknown?: HandleUnknown;
}

/** Plain values for one input feature; null or undefined is a missing value. */
export interface CategoricalValues {
  readonly name: string;
  readonly values: readonly (string | null | undefined)[];
}

/** A Table's categorical column (the pipeline's case), or plain values (tests, single requests). */
export type CategoricalInput = CategoricalColumn | CategoricalValues;

/** One input feature's categories; null is the missing-value category and can only be last. */
export type Categories = readonly (string | null)[];

/** The JSON form stored in a model package. */
export interface OneHotEncoderState {
  type: 'OneHotEncoder';
  params: { handle_unknown: HandleUnknown };
  fitted: { feature_names_in: string[]; categories: (string | null)[][] };
}

export class OneHotEncoder {
  readonly handleUnknown: HandleUnknown;
  private fitted: { namesIn: string[]; categories: Categories[] } | undefined;

  constructor(params: OneHotEncoderParams = {}) {
    const handleUnknown = params.handleUnknown ?? 'error';
    if (handleUnknown !== 'error' && handleUnknown !== 'ignore') {
      throw new InvalidParameterError(
        `OneHotEncoder: handleUnknown must be 'error' or 'ignore', got ${JSON.stringify(handleUnknown)}`,
      );
    }
    this.handleUnknown = handleUnknown;
  }

  /** sklearn's categories_: per input feature, its categories in output order. */
  get categories(): readonly Categories[] {
    return this.state().categories;
  }

  get featureNamesIn(): readonly string[] {
    return this.state().namesIn;
  }

  /** Number of output features: the total number of categories. */
  get nFeaturesOut(): number {
    return this.state().categories.reduce((n, c) => n + c.length, 0);
  }

  fit(columns: readonly CategoricalInput[]): this {
    const cols = columns.map(toCategorical);
    const nRows = checkColumns(cols);
    if (nRows === 0) {
      throw new InvalidInputError(
        `Found array with 0 sample(s) (shape=(0, ${cols.length})) while a minimum of 1 is required by OneHotEncoder.`,
      );
    }
    const categories = cols.map((col) => {
      // only values that occur count: a dictionary may hold values no row uses any more
      const used = new Uint8Array(col.dictionary.length);
      let missing = false;
      for (const code of col.codes) {
        if (code === MISSING_CODE) missing = true;
        else used[code] = 1;
      }
      const values = col.dictionary.filter((_, k) => used[k] === 1);
      const sorted: (string | null)[] = [...new Set(values)].sort(compareCategories);
      if (missing) sorted.push(null);
      return sorted;
    });
    this.fitted = { namesIn: cols.map((c) => c.name), categories };
    return this;
  }

  /** sklearn's get_feature_names_out(): `<input name>_<category>`, `<input name>_nan` for missing. */
  featureNamesOut(): string[] {
    const { namesIn, categories } = this.state();
    return categories.flatMap((cats, j) => cats.map((c) => `${namesIn[j]}_${c ?? 'nan'}`));
  }

  /** One Float64Array of 0/1 per output feature, in featureNamesOut() order. */
  transform(columns: readonly CategoricalInput[]): Float64Array[] {
    const cols = this.checkTransformInput(columns);
    const nRows = cols[0].codes.length;
    const out = Array.from({ length: this.nFeaturesOut }, () => new Float64Array(nRows));
    let k = 0;
    cols.forEach((col, j) => {
      const pos = this.positions(col, j);
      for (let i = 0; i < nRows; i++) if (pos[i] >= 0) out[k + pos[i]][i] = 1;
      k += this.state().categories[j].length;
    });
    return out;
  }

  /**
   * Writes the encoding into columns [firstCol, firstCol + nFeaturesOut) of `out` (which must have
   * as many rows as the inputs), for a pipeline that assembles one feature matrix.
   */
  transformInto(columns: readonly CategoricalInput[], out: Matrix, firstCol: number): void {
    const cols = this.checkTransformInput(columns);
    const nRows = cols[0].codes.length;
    const width = this.nFeaturesOut;
    if (out.nRows !== nRows) {
      throw new InvalidParameterError(
        `OneHotEncoder.transformInto: the matrix has ${out.nRows} rows, the input ${nRows}`,
      );
    }
    if (!Number.isInteger(firstCol) || firstCol < 0 || firstCol + width > out.nCols) {
      throw new InvalidParameterError(
        `OneHotEncoder.transformInto: columns ${firstCol}..${firstCol + width - 1} do not fit in a matrix of ${out.nCols} columns`,
      );
    }
    const data = out.data;
    data.fill(0, firstCol * nRows, (firstCol + width) * nRows);
    let k = firstCol;
    cols.forEach((col, j) => {
      const pos = this.positions(col, j);
      for (let i = 0; i < nRows; i++) if (pos[i] >= 0) data[(k + pos[i]) * nRows + i] = 1;
      k += this.state().categories[j].length;
    });
  }

  toJSON(): OneHotEncoderState {
    const { namesIn, categories } = this.state();
    return {
      type: 'OneHotEncoder',
      params: { handle_unknown: this.handleUnknown },
      fitted: { feature_names_in: [...namesIn], categories: categories.map((c) => [...c]) },
    };
  }

  /** Rebuilds a fitted encoder from toJSON()'s output; refuses anything malformed. */
  static fromJSON(state: unknown): OneHotEncoder {
    const fail = (why: string): never => {
      throw new ModelPackageError(`OneHotEncoder state: ${why}`);
    };
    if (typeof state !== 'object' || state === null) fail('expected an object');
    const s = state as Partial<OneHotEncoderState>;
    if (s.type !== 'OneHotEncoder') fail(`expected type "OneHotEncoder", got ${JSON.stringify(s.type)}`);
    const handleUnknown = s.params?.handle_unknown;
    if (handleUnknown !== 'error' && handleUnknown !== 'ignore')
      fail(`params.handle_unknown must be "error" or "ignore", got ${JSON.stringify(handleUnknown)}`);
    const names = s.fitted?.feature_names_in;
    const categories = s.fitted?.categories;
    if (!Array.isArray(names) || names.length === 0 || !names.every((n) => typeof n === 'string'))
      fail('fitted.feature_names_in must be a non-empty array of strings');
    if (!Array.isArray(categories) || categories.length !== names?.length)
      fail('fitted.categories must hold one list per input feature');
    for (const [j, cats] of (categories as unknown[]).entries()) {
      if (!Array.isArray(cats) || cats.length === 0)
        fail(`fitted.categories[${j}] must be a non-empty array`);
      for (const [k, c] of (cats as unknown[]).entries()) {
        const last = k === (cats as unknown[]).length - 1;
        if (c === null ? !last : typeof c !== 'string')
          fail(`fitted.categories[${j}][${k}]: expected a string (or null, last, for missing values)`);
        if (k > 0 && c !== null && compareCodePoints((cats as string[])[k - 1], c as string) >= 0)
          fail(`fitted.categories[${j}] is not strictly increasing at ${k}`);
      }
    }
    const encoder = new OneHotEncoder({ handleUnknown });
    encoder.fitted = {
      namesIn: [...(names as string[])],
      categories: (categories as (string | null)[][]).map((c) => [...c]),
    };
    return encoder;
  }

  private state(): { namesIn: string[]; categories: Categories[] } {
    if (this.fitted === undefined) throw new NotFittedError('OneHotEncoder');
    return this.fitted;
  }

  private checkTransformInput(columns: readonly CategoricalInput[]): CategoricalColumn[] {
    const { namesIn } = this.state();
    const cols = columns.map(toCategorical);
    if (cols.length !== namesIn.length) {
      throw new InvalidInputError(
        `X has ${cols.length} features, but OneHotEncoder is expecting ${namesIn.length} features as input.`,
      );
    }
    cols.forEach((c, j) => {
      if (c.name !== namesIn[j]) {
        throw new InvalidInputError(
          `The feature names should match those that were passed during fit: input ${j} is "${c.name}", expected "${namesIn[j]}"`,
        );
      }
    });
    checkColumns(cols);
    return cols;
  }

  /**
   * For each row, the position of its value among input j's categories, or -1 for an unknown value
   * (only with 'ignore'; with 'error' an unknown value stops the transform with sklearn's message).
   * The dictionary is mapped to positions once (slot 0 for the missing code), so a row costs one read.
   */
  private positions(col: CategoricalColumn, j: number): Int32Array {
    const cats = this.state().categories[j];
    const position = new Map<string | null, number>(cats.map((c, k) => [c, k]));
    const lookup = new Int32Array(col.dictionary.length + 1);
    lookup[0] = position.get(null) ?? -1;
    col.dictionary.forEach((v, k) => {
      lookup[k + 1] = position.get(v) ?? -1;
    });
    const codes = col.codes;
    const out = new Int32Array(codes.length);
    let unknown: Set<number> | undefined;
    for (let i = 0; i < codes.length; i++) {
      const c = lookup[codes[i] + 1];
      out[i] = c;
      if (c < 0 && this.handleUnknown === 'error') (unknown ??= new Set()).add(codes[i]);
    }
    if (unknown) throw unknownCategoriesError(col, j, unknown);
    return out;
  }
}

/**
 * sklearn's message, values in Python's list repr. sklearn lists them in Python set order, which
 * varies between runs; here they are sorted (code point order, nan last) so the message is stable.
 */
function unknownCategoriesError(col: CategoricalColumn, j: number, codes: Set<number>): InvalidInputError {
  const values = [...codes].filter((c) => c !== MISSING_CODE).map((c) => col.dictionary[c]);
  const shown = [...new Set(values)].sort(compareCodePoints).map(pyRepr);
  if (codes.has(MISSING_CODE)) shown.push('nan');
  return new InvalidInputError(
    `Found unknown categories [${shown.join(', ')}] in column ${j} during transform (input feature "${col.name}")`,
  );
}

function toCategorical(input: CategoricalInput): CategoricalColumn {
  if ('codes' in input) return input;
  const index = new Map<string, number>();
  const dictionary: string[] = [];
  const codes = new Int32Array(input.values.length);
  input.values.forEach((v, i) => {
    if (v === null || v === undefined) {
      codes[i] = MISSING_CODE;
      return;
    }
    let code = index.get(v);
    if (code === undefined) {
      code = dictionary.length;
      index.set(v, code);
      dictionary.push(v);
    }
    codes[i] = code;
  });
  return { kind: 'categorical', name: input.name, codes, dictionary };
}

/** Number of rows shared by all columns; every code must index the column's dictionary. */
function checkColumns(cols: readonly CategoricalColumn[]): number {
  if (cols.length === 0) {
    throw new InvalidInputError('OneHotEncoder needs at least one input column, got none');
  }
  const nRows = cols[0].codes.length;
  for (const col of cols) {
    if (col.codes.length !== nRows) {
      throw new InvalidInputError(`column "${col.name}" has ${col.codes.length} rows, expected ${nRows}`);
    }
    const n = col.dictionary.length;
    for (let i = 0; i < col.codes.length; i++) {
      const c = col.codes[i];
      if (c < MISSING_CODE || c >= n) {
        throw new InvalidInputError(
          `column "${col.name}" row ${i}: category code ${c} is outside its dictionary of ${n} values`,
        );
      }
    }
  }
  return nRows;
}

/** Python's str ordering (core/python.ts), with the missing-value category (null) last. */
export function compareCategories(a: string | null, b: string | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  return compareCodePoints(a, b);
}
