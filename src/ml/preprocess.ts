/**
 * The fitted preprocessing that turns a raw Table into the estimator's feature matrix. It travels
 * inside the model package (its `order` included), so serving applies exactly what training fitted.
 * Two orders of the same three steps, params.yaml's `preprocessing.order`:
 *
 * - 'impute_encode_ratios', the reference's pipelines/train.py step for step (no
 *   ColumnTransformer): SimpleImputer on the `imputeColumns` only (the flagship: total_bedrooms),
 *   written back in place; OneHotEncoder on the categorical columns, appended after the numeric
 *   ones; then the ratios, computed from the imputed values and appended last. Output: the numeric
 *   inputs, the one-hot columns, the ratios. Other numeric columns pass through as they are (a
 *   missing value stays missing, for the estimator to handle, as in the reference), and so does a
 *   ratio's division by zero.
 * - 'ratios_impute_encode', mlship's earlier order, a ColumnTransformer([("num", SimpleImputer,
 *   numeric + ratios), ("cat", OneHotEncoder, categorical)]) after the ratio columns are added from
 *   the raw values. Output: the numeric inputs, then the ratios (both minus any column the imputer
 *   drops for having no observed value in fit), then the one-hot columns. Model packages written
 *   before `order` existed hold no such field and are read as this order, which is what they did.
 */
import {
  InvalidInputError,
  InvalidParameterError,
  ModelPackageError,
  NotFittedError,
} from '../core/errors.js';
import type { CategoricalColumn, Column, Table } from '../table/table.js';
import { type HandleUnknown, OneHotEncoder, type OneHotEncoderState } from './encode.js';
import { parseRatioSpecs, type RatioFeatureSpec, ratioFeature } from './features.js';
import { type ImputeStrategy, SimpleImputer, type SimpleImputerState } from './impute.js';
import { column, createMatrix, type Matrix } from './matrix.js';

export const PREPROCESSING_ORDERS = ['impute_encode_ratios', 'ratios_impute_encode'] as const;
export type PreprocessingOrder = (typeof PREPROCESSING_ORDERS)[number];
/** What a state without `order` did: the only order mlship had before the field existed. */
const LEGACY_ORDER: PreprocessingOrder = 'ratios_impute_encode';

export interface FeaturePipelineParams {
  numeric: readonly string[];
  categorical: readonly string[];
  ratios: readonly RatioFeatureSpec[];
  imputeStrategy: Exclude<ImputeStrategy, 'constant'>;
  handleUnknown: HandleUnknown;
  /** default 'impute_encode_ratios', the reference's order */
  order?: PreprocessingOrder;
  /**
   * 'impute_encode_ratios' only: the numeric columns the imputer fits and fills (default: every
   * numeric column; empty: no imputation). 'ratios_impute_encode' imputes every numeric and ratio
   * column and refuses this list.
   */
  imputeColumns?: readonly string[];
}

export interface FeaturePipelineState {
  type: 'FeaturePipeline';
  /** absent in packages written before it existed: read as 'ratios_impute_encode' */
  order?: PreprocessingOrder;
  numeric: string[];
  categorical: string[];
  ratios: RatioFeatureSpec[];
  /** 'impute_encode_ratios' only: the columns the imputer was fitted on, in its input order */
  impute_columns?: string[];
  /** null: 'impute_encode_ratios' with no column to impute */
  imputer: SimpleImputerState | null;
  encoder: OneHotEncoderState | null;
}

/** One raw input column the pipeline reads, with the MLflow type a caller must send. */
export interface InputColumn {
  name: string;
  type: 'double' | 'string';
}

function findColumn(table: Table, name: string): Column {
  const col = table.columns.find((c) => c.name === name);
  if (!col) {
    const have = table.columns.map((c) => c.name).join(', ');
    throw new InvalidInputError(`missing input column "${name}" (the input has: ${have || 'no columns'})`);
  }
  return col;
}

function numericValues(table: Table, name: string, rows: Int32Array | undefined): Float64Array {
  const col = findColumn(table, name);
  if (col.kind !== 'numeric') {
    const example = col.dictionary.find((_, k) => col.codes.includes(k));
    throw new InvalidInputError(
      `input column "${name}" must be numeric (double)${example === undefined ? '' : `, got text such as "${example}"`}`,
    );
  }
  if (!rows) return col.values;
  const out = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = col.values[rows[i]];
  return out;
}

function categoricalColumn(table: Table, name: string, rows: Int32Array | undefined): CategoricalColumn {
  const col = findColumn(table, name);
  if (col.kind !== 'categorical') {
    // A column of numbers where text is expected: categories are strings, so read them as text.
    const values = rows ? Array.from(rows, (r) => col.values[r]) : Array.from(col.values);
    const dictionary: string[] = [];
    const index = new Map<string, number>();
    const codes = new Int32Array(values.length);
    values.forEach((v, i) => {
      if (Number.isNaN(v)) {
        codes[i] = -1;
        return;
      }
      const s = String(v);
      let k = index.get(s);
      if (k === undefined) {
        k = dictionary.length;
        dictionary.push(s);
        index.set(s, k);
      }
      codes[i] = k;
    });
    return { kind: 'categorical', name, codes, dictionary };
  }
  if (!rows) return col;
  const codes = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i++) codes[i] = col.codes[rows[i]];
  return { kind: 'categorical', name, codes, dictionary: col.dictionary };
}

export class FeaturePipeline {
  readonly params: FeaturePipelineParams;
  readonly order: PreprocessingOrder;
  /** 'impute_encode_ratios': the columns imputed; 'ratios_impute_encode': every numeric and ratio */
  readonly imputeColumns: readonly string[];
  private fittedImputerOrNull: SimpleImputer | null | undefined;
  private encoder: OneHotEncoder | null | undefined;

  constructor(params: FeaturePipelineParams) {
    this.params = params;
    const names = [...params.numeric, ...params.ratios.map((r) => r.name), ...params.categorical];
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup !== undefined) throw new InvalidInputError(`feature "${dup}" is defined twice`);
    this.order = params.order ?? 'impute_encode_ratios';
    if (!PREPROCESSING_ORDERS.includes(this.order)) {
      throw new InvalidParameterError(
        `preprocessing order must be one of ${PREPROCESSING_ORDERS.join(', ')}; got ${JSON.stringify(this.order)}`,
      );
    }
    if (this.order === 'ratios_impute_encode') {
      if (params.imputeColumns !== undefined) {
        throw new InvalidParameterError(
          'the columns to impute are chosen only with order impute_encode_ratios; ratios_impute_encode imputes every numeric and ratio column',
        );
      }
      this.imputeColumns = [...params.numeric, ...params.ratios.map((r) => r.name)];
    } else {
      const cols = params.imputeColumns ?? params.numeric;
      for (const [i, c] of cols.entries()) {
        if (!params.numeric.includes(c)) {
          throw new InvalidParameterError(
            `cannot impute "${c}": it is not one of the numeric features (${params.numeric.join(', ')})`,
          );
        }
        if (cols.indexOf(c) !== i) throw new InvalidParameterError(`column "${c}" is listed twice to impute`);
      }
      this.imputeColumns = [...cols];
    }
  }

  /** The fitted imputer; null when order impute_encode_ratios has no column to impute. */
  get imputer(): SimpleImputer | null {
    if (this.fittedImputerOrNull === undefined) throw new NotFittedError('FeaturePipeline');
    return this.fittedImputerOrNull;
  }

  /** The raw columns a caller must provide, in signature order. */
  get inputColumns(): InputColumn[] {
    const out: InputColumn[] = this.params.numeric.map((name) => ({ name, type: 'double' }));
    const seen = new Set(this.params.numeric);
    for (const r of this.params.ratios) {
      for (const name of [r.numerator, r.denominator]) {
        if (!seen.has(name)) {
          seen.add(name);
          out.push({ name, type: 'double' });
        }
      }
    }
    for (const name of this.params.categorical) out.push({ name, type: 'string' });
    return out;
  }

  /** Names of the output features, in matrix column order. */
  get featureNames(): string[] {
    const imputer = this.imputer;
    const oneHot = this.encoder ? this.encoder.featureNamesOut() : [];
    const ratioNames = this.params.ratios.map((r) => r.name);
    if (this.order === 'impute_encode_ratios') return [...this.params.numeric, ...oneHot, ...ratioNames];
    const dropped = new Set(imputer ? imputer.emptyFeatures : []);
    const kept = [...this.params.numeric, ...ratioNames].filter((_, j) => !dropped.has(j));
    return [...kept, ...oneHot];
  }

  /** Fit on `rows` of `table` (all rows when omitted). */
  fit(table: Table, rows?: Int32Array): this {
    if (this.imputeColumns.length === 0) this.fittedImputerOrNull = null;
    else {
      const imputer = new SimpleImputer({ strategy: this.params.imputeStrategy });
      this.fittedImputerOrNull = imputer.fit(this.imputerInput(table, rows));
      const empty = this.order === 'impute_encode_ratios' ? imputer.emptyFeatures : [];
      if (empty.length > 0) {
        // The reference writes the imputer's output back into its columns; scikit-learn dropping
        // an empty column would fail there, so it is an error here too, naming the column.
        this.fittedImputerOrNull = undefined;
        throw new InvalidInputError(
          `cannot impute ${empty.map((j) => `"${this.imputeColumns[j]}"`).join(', ')}: no value in the training rows`,
        );
      }
    }
    this.encoder =
      this.params.categorical.length === 0
        ? null
        : new OneHotEncoder({ handleUnknown: this.params.handleUnknown }).fit(
            this.params.categorical.map((c) => categoricalColumn(table, c, rows)),
          );
    return this;
  }

  /** The feature matrix for `rows` of `table` (all rows when omitted). */
  transform(table: Table, rows?: Int32Array): Matrix {
    return this.order === 'impute_encode_ratios'
      ? this.transformReference(table, rows)
      : this.transformColumnTransformer(table, rows);
  }

  toJSON(): FeaturePipelineState {
    const imputer = this.imputer;
    return {
      type: 'FeaturePipeline',
      order: this.order,
      numeric: [...this.params.numeric],
      categorical: [...this.params.categorical],
      ratios: this.params.ratios.map((r) => ({ ...r })),
      ...(this.order === 'impute_encode_ratios' ? { impute_columns: [...this.imputeColumns] } : {}),
      imputer: imputer ? imputer.toJSON() : null,
      encoder: this.encoder ? this.encoder.toJSON() : null,
    };
  }

  static fromJSON(state: unknown): FeaturePipeline {
    const fail = (why: string): never => {
      throw new ModelPackageError(`FeaturePipeline state: ${why}`);
    };
    if (typeof state !== 'object' || state === null) fail('expected an object');
    const s = state as Partial<FeaturePipelineState>;
    if (s.type !== 'FeaturePipeline') fail(`expected type "FeaturePipeline", got ${JSON.stringify(s.type)}`);
    const names = (v: unknown, key: string): string[] =>
      Array.isArray(v) && v.every((x) => typeof x === 'string')
        ? (v as string[])
        : fail(`${key} must be a list of names`);
    const order = s.order ?? LEGACY_ORDER;
    if (!PREPROCESSING_ORDERS.includes(order)) {
      fail(`order must be one of ${PREPROCESSING_ORDERS.join(', ')}, got ${JSON.stringify(order)}`);
    }
    const numeric = names(s.numeric, 'numeric');
    const categorical = names(s.categorical, 'categorical');
    let ratios: RatioFeatureSpec[] = [];
    try {
      ratios = parseRatioSpecs(s.ratios, 'ratios');
    } catch (e) {
      fail((e as Error).message);
    }
    let imputeColumns: string[] | undefined;
    if (order === 'impute_encode_ratios') imputeColumns = names(s.impute_columns, 'impute_columns');
    else if (s.impute_columns !== undefined) fail(`impute_columns is not used with order ${order}`);
    const imputer = s.imputer == null ? null : SimpleImputer.fromJSON(s.imputer);
    const encoder = s.encoder == null ? null : OneHotEncoder.fromJSON(s.encoder);
    const handleUnknown = encoder ? encoder.handleUnknown : 'ignore';
    let p: FeaturePipeline;
    try {
      p = new FeaturePipeline({
        numeric,
        categorical,
        ratios,
        imputeStrategy: (imputer?.strategy ?? 'median') as FeaturePipelineParams['imputeStrategy'],
        handleUnknown,
        order,
        imputeColumns,
      });
    } catch (e) {
      return fail((e as Error).message);
    }
    const nImputed = p.imputeColumns.length;
    if ((imputer?.nFeaturesIn ?? 0) !== nImputed) {
      fail(
        `the imputer was fitted on ${imputer?.nFeaturesIn ?? 0} features, but the pipeline imputes ${nImputed}`,
      );
    }
    if (order === 'impute_encode_ratios' && imputer && imputer.emptyFeatures.length > 0) {
      fail('the imputer drops a column it should fill');
    }
    if ((encoder ? encoder.featureNamesIn.join('\0') : '') !== categorical.join('\0')) {
      fail('the encoder was fitted on other columns than the pipeline lists as categorical');
    }
    p.fittedImputerOrNull = imputer;
    p.encoder = encoder;
    return p;
  }

  /** The matrix the imputer fits on and transforms: its columns, for `rows` of `table`. */
  private imputerInput(table: Table, rows: Int32Array | undefined): Matrix {
    if (this.order === 'ratios_impute_encode') return this.rawNumericAndRatios(table, rows);
    const nRows = rows ? rows.length : table.nRows;
    const m = createMatrix(nRows, this.imputeColumns.length, this.imputeColumns);
    this.imputeColumns.forEach((name, j) => {
      m.data.set(numericValues(table, name, rows), j * nRows);
    });
    return m;
  }

  /** 'ratios_impute_encode': the numeric inputs and the ratios of raw values, as one matrix. */
  private rawNumericAndRatios(table: Table, rows: Int32Array | undefined): Matrix {
    const names = this.imputeColumns;
    const nRows = rows ? rows.length : table.nRows;
    const m = createMatrix(nRows, names.length, names);
    this.params.numeric.forEach((name, j) => {
      m.data.set(numericValues(table, name, rows), j * nRows);
    });
    const base = this.params.numeric.length;
    this.params.ratios.forEach((r, k) => {
      const values = ratioFeature(
        numericValues(table, r.numerator, rows),
        numericValues(table, r.denominator, rows),
      );
      m.data.set(values, (base + k) * nRows);
    });
    return m;
  }

  /** The one-hot columns written into `out` from column `offset` on (nothing without categoricals). */
  private encodeInto(table: Table, rows: Int32Array | undefined, out: Matrix, offset: number): void {
    if (!this.encoder) return;
    this.encoder.transformInto(
      this.params.categorical.map((c) => categoricalColumn(table, c, rows)),
      out,
      offset,
    );
  }

  /** 'ratios_impute_encode': impute [numeric, ratios of raw values], then the one-hot columns. */
  private transformColumnTransformer(table: Table, rows: Int32Array | undefined): Matrix {
    const raw = this.rawNumericAndRatios(table, rows);
    const numeric = this.imputer ? this.imputer.transform(raw) : raw;
    const nOneHot = this.encoder ? this.encoder.nFeaturesOut : 0;
    const out = createMatrix(numeric.nRows, numeric.nCols + nOneHot, this.featureNames);
    out.data.set(numeric.data, 0);
    this.encodeInto(table, rows, out, numeric.nCols);
    return out;
  }

  /** 'impute_encode_ratios': numeric (imputeColumns filled), one-hot, ratios of the imputed values. */
  private transformReference(table: Table, rows: Int32Array | undefined): Matrix {
    const { numeric, ratios } = this.params;
    const nRows = rows ? rows.length : table.nRows;
    const nOneHot = this.encoder ? this.encoder.nFeaturesOut : 0;
    const out = createMatrix(nRows, numeric.length + nOneHot + ratios.length, this.featureNames);
    numeric.forEach((name, j) => {
      out.data.set(numericValues(table, name, rows), j * nRows);
    });
    const imputer = this.imputer;
    if (imputer) {
      const filled = imputer.transform(this.imputerInput(table, rows));
      this.imputeColumns.forEach((name, k) => {
        out.data.set(column(filled, k), numeric.indexOf(name) * nRows);
      });
    }
    this.encodeInto(table, rows, out, numeric.length);
    // A ratio reads a numeric feature's values as imputed above, any other column as it is.
    const operand = (name: string): Float64Array => {
      const j = numeric.indexOf(name);
      return j >= 0 ? column(out, j) : numericValues(table, name, rows);
    };
    const base = numeric.length + nOneHot;
    ratios.forEach((r, k) => {
      out.data.set(ratioFeature(operand(r.numerator), operand(r.denominator)), (base + k) * nRows);
    });
    return out;
  }
}
