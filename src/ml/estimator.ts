import type { Matrix } from './matrix.js';

/**
 * What every regressor offers. State that a model package stores is produced by toJSON() as
 * plain JSON data (numbers, strings, arrays) and read back by the estimator module's fromJSON():
 * a model is data, never code.
 */
export interface Regressor {
  fit(X: Matrix, y: Float64Array): this;
  /** length X.nRows */
  predict(X: Matrix): Float64Array;
  toJSON(): RegressorState;
}

export interface RegressorState {
  /** e.g. "HistGradientBoostingRegressor", "RandomForestRegressor" */
  type: string;
  /** the constructor parameters, scikit-learn names in snake_case */
  params: Record<string, unknown>;
  /** fitted attributes */
  fitted: Record<string, unknown>;
}
