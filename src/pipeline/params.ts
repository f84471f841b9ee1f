/**
 * params.yaml: the pipeline's parameters, validated with messages that name the offending key.
 * Every section has the flagship defaults, so a params.yaml only needs what differs.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { InvalidParameterError, NotFoundError } from '../core/errors.js';
import { PREPROCESSING_ORDERS, type PreprocessingOrder } from '../ml/preprocess.js';

export const MODEL_TYPES = ['hgb', 'random_forest', 'decision_tree', 'linear', 'ridge'] as const;
export type ModelType = (typeof MODEL_TYPES)[number];

export interface RatioSpec {
  name: string;
  numerator: string;
  denominator: string;
}

export interface PipelineParams {
  /**
   * name: the dataset's name in a tracked run (MLflow's dataset input); undefined means the stem
   * of the file trained on. It names data.path, so training on another file (--data) uses that
   * file's stem instead.
   */
  data: { path: string; target: string; name?: string };
  split: { testSize: number; randomState: number };
  features: { numeric: string[]; categorical: string[]; ratios: RatioSpec[] };
  preprocessing: {
    /** the steps' order (src/ml/preprocess.ts); the flagship's is the reference's */
    order: PreprocessingOrder;
    /** impute_encode_ratios: the numeric columns imputed; null for ratios_impute_encode (all) */
    imputeColumns: string[] | null;
    imputeStrategy: 'mean' | 'median' | 'most_frequent';
    handleUnknown: 'ignore' | 'error';
  };
  model: { type: ModelType; params: Record<ModelType, Record<string, unknown>> };
}

export const DEFAULT_PARAMS: PipelineParams = {
  data: { path: 'data/raw/housing.csv', target: 'median_house_value', name: 'california_housing_raw' },
  split: { testSize: 0.2, randomState: 42 },
  features: {
    numeric: [
      'longitude',
      'latitude',
      'housing_median_age',
      'total_rooms',
      'total_bedrooms',
      'population',
      'households',
      'median_income',
    ],
    categorical: ['ocean_proximity'],
    ratios: [
      { name: 'rooms_per_household', numerator: 'total_rooms', denominator: 'households' },
      { name: 'bedrooms_per_room', numerator: 'total_bedrooms', denominator: 'total_rooms' },
      { name: 'population_per_household', numerator: 'population', denominator: 'households' },
    ],
  },
  preprocessing: {
    order: 'impute_encode_ratios',
    imputeColumns: ['total_bedrooms'],
    imputeStrategy: 'median',
    handleUnknown: 'ignore',
  },
  model: {
    type: 'hgb',
    params: {
      hgb: { max_depth: 8, learning_rate: 0.1, max_iter: 200, random_state: 42 },
      random_forest: { n_estimators: 200, random_state: 42 },
      decision_tree: { random_state: 42 },
      linear: {},
      ridge: { alpha: 1.0 },
    },
  },
};

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function section(root: Obj, key: string, file: string): Obj {
  const v = root[key];
  if (v === undefined || v === null) return {};
  if (!isObj(v)) throw new InvalidParameterError(`${file}: "${key}" must be a mapping`);
  return v;
}

function checkKeys(obj: Obj, allowed: readonly string[], where: string): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) {
      throw new InvalidParameterError(
        `${where}: unknown key "${k}" (expected one of: ${allowed.join(', ')})`,
      );
    }
  }
}

function str(v: unknown, where: string, dflt: string): string {
  if (v === undefined) return dflt;
  if (typeof v !== 'string' || v === '')
    throw new InvalidParameterError(`${where} must be a non-empty string`);
  return v;
}

function num(v: unknown, where: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new InvalidParameterError(`${where} must be a number`);
  return v;
}

function strList(v: unknown, where: string, dflt: string[]): string[] {
  if (v === undefined) return dflt;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    throw new InvalidParameterError(`${where} must be a list of column names`);
  }
  return v as string[];
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], where: string, dflt: T): T {
  if (v === undefined) return dflt;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new InvalidParameterError(
      `${where} must be one of ${allowed.join(', ')}; got ${JSON.stringify(v)}`,
    );
  }
  return v as T;
}

/** Validate a parsed params document; `file` names it in errors. */
export function validateParams(doc: unknown, file = 'params.yaml'): PipelineParams {
  if (doc === null || doc === undefined) doc = {};
  if (!isObj(doc)) throw new InvalidParameterError(`${file}: expected a mapping at the top level`);
  checkKeys(doc, ['data', 'split', 'features', 'preprocessing', 'model'], file);
  const d = DEFAULT_PARAMS;

  const data = section(doc, 'data', file);
  checkKeys(data, ['path', 'name', 'target'], `${file}: data`);
  const split = section(doc, 'split', file);
  checkKeys(split, ['test_size', 'random_state'], `${file}: split`);
  const testSize = num(split.test_size, `${file}: split.test_size`, d.split.testSize);
  const randomState = num(split.random_state, `${file}: split.random_state`, d.split.randomState);
  if (!Number.isInteger(randomState) || randomState < 0 || randomState > 0xffffffff) {
    throw new InvalidParameterError(`${file}: split.random_state must be an integer in [0, 2**32 - 1]`);
  }

  const features = section(doc, 'features', file);
  checkKeys(features, ['numeric', 'categorical', 'ratios'], `${file}: features`);
  let ratios = d.features.ratios;
  if (features.ratios !== undefined && features.ratios !== null) {
    if (!isObj(features.ratios)) {
      throw new InvalidParameterError(`${file}: features.ratios must map a name to [numerator, denominator]`);
    }
    ratios = Object.entries(features.ratios).map(([name, pair]) => {
      if (!Array.isArray(pair) || pair.length !== 2 || pair.some((x) => typeof x !== 'string')) {
        throw new InvalidParameterError(`${file}: features.ratios.${name} must be [numerator, denominator]`);
      }
      return { name, numerator: pair[0] as string, denominator: pair[1] as string };
    });
  }

  const pre = section(doc, 'preprocessing', file);
  checkKeys(pre, ['order', 'impute_columns', 'impute_strategy', 'handle_unknown'], `${file}: preprocessing`);
  const order = oneOf(pre.order, PREPROCESSING_ORDERS, `${file}: preprocessing.order`, d.preprocessing.order);

  const model = section(doc, 'model', file);
  checkKeys(model, ['type', ...MODEL_TYPES], `${file}: model`);
  const params = { ...d.model.params };
  for (const t of MODEL_TYPES) {
    if (model[t] === undefined || model[t] === null) continue;
    if (!isObj(model[t]))
      throw new InvalidParameterError(`${file}: model.${t} must be a mapping of parameters`);
    params[t] = model[t] as Obj;
  }

  const numeric = strList(features.numeric, `${file}: features.numeric`, d.features.numeric);
  let imputeColumns: string[] | null = null;
  if (order === 'impute_encode_ratios') {
    // Defaults follow the file: the flagship's column with the flagship's features, every numeric
    // column when the file lists its own.
    const dflt = features.numeric === undefined ? d.preprocessing.imputeColumns! : numeric;
    imputeColumns = strList(pre.impute_columns, `${file}: preprocessing.impute_columns`, dflt);
    const stray = imputeColumns.find((c) => !numeric.includes(c));
    if (stray !== undefined) {
      throw new InvalidParameterError(
        `${file}: preprocessing.impute_columns: "${stray}" is not in features.numeric`,
      );
    }
  } else if (pre.impute_columns !== undefined) {
    throw new InvalidParameterError(
      `${file}: preprocessing.impute_columns applies only to order impute_encode_ratios (${order} imputes every numeric and ratio column)`,
    );
  }

  const out: PipelineParams = {
    data: {
      path: str(data.path, `${file}: data.path`, d.data.path),
      target: str(data.target, `${file}: data.target`, d.data.target),
      // the flagship's name belongs to the flagship's file: another data.path is named by its stem
      name:
        data.name !== undefined || data.path === undefined
          ? str(data.name, `${file}: data.name`, d.data.name!)
          : undefined,
    },
    split: { testSize, randomState },
    features: {
      numeric,
      categorical: strList(features.categorical, `${file}: features.categorical`, d.features.categorical),
      ratios,
    },
    preprocessing: {
      order,
      imputeColumns,
      imputeStrategy: oneOf(
        pre.impute_strategy,
        ['mean', 'median', 'most_frequent'] as const,
        `${file}: preprocessing.impute_strategy`,
        d.preprocessing.imputeStrategy,
      ),
      handleUnknown: oneOf(
        pre.handle_unknown,
        ['ignore', 'error'] as const,
        `${file}: preprocessing.handle_unknown`,
        d.preprocessing.handleUnknown,
      ),
    },
    model: { type: oneOf(model.type, MODEL_TYPES, `${file}: model.type`, d.model.type), params },
  };
  const all = [...out.features.numeric, ...out.features.categorical];
  const dup = all.find((c, i) => all.indexOf(c) !== i);
  if (dup) throw new InvalidParameterError(`${file}: column "${dup}" is listed twice in features`);
  if (all.includes(out.data.target)) {
    throw new InvalidParameterError(`${file}: the target "${out.data.target}" is also listed as a feature`);
  }
  return out;
}

export async function loadParams(path: string): Promise<PipelineParams> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new NotFoundError(`params file not found: ${path}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new InvalidParameterError(`${path}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  return validateParams(doc, path);
}
