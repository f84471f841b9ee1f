/**
 * The fitted preprocessing that turns a raw Table into the estimator's feature matrix — the
 * equivalent of the reference's ColumnTransformer([("num", SimpleImputer, numeric + ratios),
 * ("cat", OneHotEncoder, categorical)]) after the ratio columns are added. It travels inside the
 * model package, so serving applies exactly what training fitted.
 *
 * Output column order: the numeric inputs, then the ratio features (both minus any column the
 * imputer drops for having no observed value in fit), then the one-hot columns.
 */
import { InvalidInputError, ModelPackageError, NotFittedError } from '../core/errors.js';
import type { CategoricalColumn, Column, Table } from '../table/table.js';
import { type HandleUnknown, OneHotEncoder, type OneHotEncoderState } from './encode.js';
import { parseRatioSpecs, type RatioFeatureSpec, ratioFeature } from './features.js';
import { type ImputeStrategy, SimpleImputer, type SimpleImputerState } from './impute.js';
import { createMatrix, type Matrix } from './matrix.js';

export interface FeaturePipelineParams {
  numeric: readonly string[];
  categorical: readonly string[];
  ratios: readonly RatioFeatureSpec[];
  imputeStrategy: Exclude<ImputeStrategy, 'constant'>;
  handleUnknown: HandleUnknown;
}

export interface FeaturePipelineState {
  type: 'FeaturePipeline';
  numeric: string[];
  categorical: string[];
  ratios: RatioFeatureSpec[];
  imputer: SimpleImputerState;
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
  private imputer: SimpleImputer | undefined;
  private encoder: OneHotEncoder | null | undefined;

  constructor(params: FeaturePipelineParams) {
    this.params = params;
    const names = [...params.numeric, ...params.ratios.map((r) => r.name), ...params.categorical];
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup !== undefined) throw new InvalidInputError(`feature "${dup}" is defined twice`);
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
    const imputer = this.fittedImputer();
    const numericNames = this.numericNames();
    const dropped = new Set(imputer.emptyFeatures);
    const kept = numericNames.filter((_, j) => !dropped.has(j));
    return [...kept, ...(this.encoder ? this.encoder.featureNamesOut() : [])];
  }

  /** Fit on `rows` of `table` (all rows when omitted). */
  fit(table: Table, rows?: Int32Array): this {
    this.imputer = new SimpleImputer({ strategy: this.params.imputeStrategy }).fit(
      this.numericMatrix(table, rows),
    );
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
    const imputer = this.fittedImputer();
    const numeric = imputer.transform(this.numericMatrix(table, rows));
    const nRows = numeric.nRows;
    const nOneHot = this.encoder ? this.encoder.nFeaturesOut : 0;
    const out = createMatrix(nRows, numeric.nCols + nOneHot, this.featureNames);
    out.data.set(numeric.data, 0);
    if (this.encoder) {
      this.encoder.transformInto(
        this.params.categorical.map((c) => categoricalColumn(table, c, rows)),
        out,
        numeric.nCols,
      );
    }
    return out;
  }

  toJSON(): FeaturePipelineState {
    return {
      type: 'FeaturePipeline',
      numeric: [...this.params.numeric],
      categorical: [...this.params.categorical],
      ratios: this.params.ratios.map((r) => ({ ...r })),
      imputer: this.fittedImputer().toJSON(),
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
    const numeric = names(s.numeric, 'numeric');
    const categorical = names(s.categorical, 'categorical');
    let ratios: RatioFeatureSpec[] = [];
    try {
      ratios = parseRatioSpecs(s.ratios, 'ratios');
    } catch (e) {
      fail((e as Error).message);
    }
    const imputer = SimpleImputer.fromJSON(s.imputer);
    const encoder = s.encoder == null ? null : OneHotEncoder.fromJSON(s.encoder);
    const handleUnknown = encoder ? encoder.handleUnknown : 'ignore';
    const p = new FeaturePipeline({
      numeric,
      categorical,
      ratios,
      imputeStrategy: imputer.strategy as FeaturePipelineParams['imputeStrategy'],
      handleUnknown,
    });
    if (imputer.nFeaturesIn !== numeric.length + ratios.length) {
      fail(
        `the imputer was fitted on ${imputer.nFeaturesIn} features, but the pipeline has ${numeric.length + ratios.length}`,
      );
    }
    if ((encoder ? encoder.featureNamesIn.join('\0') : '') !== categorical.join('\0')) {
      fail('the encoder was fitted on other columns than the pipeline lists as categorical');
    }
    p.imputer = imputer;
    p.encoder = encoder;
    return p;
  }

  private numericNames(): string[] {
    return [...this.params.numeric, ...this.params.ratios.map((r) => r.name)];
  }

  private numericMatrix(table: Table, rows: Int32Array | undefined): Matrix {
    const names = this.numericNames();
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

  private fittedImputer(): SimpleImputer {
    if (!this.imputer) throw new NotFittedError('FeaturePipeline');
    return this.imputer;
  }
}
