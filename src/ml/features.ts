/**
 * Engineered ratio features, declared as data ({name, numerator, denominator}) so that params.yaml
 * and a model package can carry them and a served model recomputes exactly what training computed.
 *
 * Division by zero gives NaN (a missing value), as the project spec says. This deliberately differs
 * from pandas, which the reference uses: pandas gives ±Infinity for x/0 with x != 0 and NaN for 0/0.
 * NaN keeps a bad ratio out of the gradient boosting's split thresholds (it goes to the missing-value
 * branch), where an infinity would be binned as the largest value. On the California housing data no
 * denominator (households, total_rooms) is zero, so the flagship's features are identical to pandas'.
 */
import { InvalidInputError, InvalidParameterError } from '../core/errors.js';
import type { NumericColumn, Table } from '../table/table.js';

export interface RatioFeatureSpec {
  /** name of the new column */
  readonly name: string;
  /** name of the numeric column divided */
  readonly numerator: string;
  /** name of the numeric column it is divided by */
  readonly denominator: string;
}

/** The flagship's engineered features (DESIGN.md, "The flagship pipeline"). */
export const DEFAULT_RATIO_FEATURES: readonly RatioFeatureSpec[] = Object.freeze([
  { name: 'rooms_per_household', numerator: 'total_rooms', denominator: 'households' },
  { name: 'bedrooms_per_room', numerator: 'total_bedrooms', denominator: 'total_rooms' },
  { name: 'population_per_household', numerator: 'population', denominator: 'households' },
]);

/** num[i] / den[i], NaN where den[i] is 0 (either sign) or either value is NaN. */
export function ratioFeature(num: Float64Array, den: Float64Array): Float64Array {
  if (num.length !== den.length) {
    throw new InvalidInputError(
      `ratioFeature: numerator has ${num.length} values, denominator ${den.length}`,
    );
  }
  const out = new Float64Array(num.length);
  for (let i = 0; i < num.length; i++) {
    const d = den[i];
    out[i] = d === 0 ? Number.NaN : num[i] / d;
  }
  return out;
}

/** The ratio columns of `table`, one per spec, in spec order. */
export function ratioFeatures(
  table: Table,
  specs: readonly RatioFeatureSpec[] = DEFAULT_RATIO_FEATURES,
): NumericColumn[] {
  const numeric = (name: string, spec: RatioFeatureSpec): Float64Array => {
    const col = table.columns.find((c) => c.name === name);
    if (col === undefined) {
      throw new InvalidInputError(
        `feature "${spec.name}" needs column "${name}", which the data does not have`,
      );
    }
    if (col.kind !== 'numeric') {
      throw new InvalidInputError(
        `feature "${spec.name}" needs column "${name}" to be numeric, but it is categorical`,
      );
    }
    return col.values;
  };
  return specs.map((spec) => ({
    kind: 'numeric',
    name: spec.name,
    values: ratioFeature(numeric(spec.numerator, spec), numeric(spec.denominator, spec)),
  }));
}

/**
 * Checks specs read from a file (params.yaml, a model package): each needs three non-empty string
 * fields, and the new names must be distinct.
 */
export function parseRatioSpecs(value: unknown, where = 'ratio features'): RatioFeatureSpec[] {
  if (!Array.isArray(value)) throw new InvalidParameterError(`${where}: expected a list`);
  const seen = new Set<string>();
  return value.map((item, i) => {
    const spec = item as Partial<Record<keyof RatioFeatureSpec, unknown>>;
    for (const key of ['name', 'numerator', 'denominator'] as const) {
      if (typeof item !== 'object' || item === null || typeof spec[key] !== 'string' || spec[key] === '') {
        throw new InvalidParameterError(`${where}[${i}]: "${key}" must be a non-empty string`);
      }
    }
    const name = spec.name as string;
    if (seen.has(name)) throw new InvalidParameterError(`${where}[${i}]: the name "${name}" is used twice`);
    seen.add(name);
    return { name, numerator: spec.numerator as string, denominator: spec.denominator as string };
  });
}
