/**
 * Restores a fitted estimator from the JSON state in a model package. Only the types listed here
 * can be loaded; each type's fromJSON validates its own state, so a malformed or hostile package
 * fails with a ModelPackageError instead of producing a broken model.
 */
import { ModelPackageError } from '../core/errors.js';
import type { Regressor, RegressorState } from '../ml/estimator.js';
import { RandomForestRegressor } from '../ml/forest.js';
import { HistGradientBoostingRegressor } from '../ml/hgb/gradient-boosting.js';
import { LinearRegression, Ridge } from '../ml/linear.js';
import { DecisionTreeRegressor } from '../ml/tree.js';

const LOADERS: Record<string, (state: RegressorState) => Regressor> = {
  HistGradientBoostingRegressor: (s) => HistGradientBoostingRegressor.fromJSON(s),
  RandomForestRegressor: (s) => RandomForestRegressor.fromJSON(s),
  DecisionTreeRegressor: (s) => DecisionTreeRegressor.fromJSON(s),
  LinearRegression: (s) => LinearRegression.fromJSON(s),
  Ridge: (s) => Ridge.fromJSON(s),
};

export function estimatorFromJSON(state: unknown): Regressor {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    throw new ModelPackageError('estimator state: expected an object');
  }
  const type = (state as { type?: unknown }).type;
  if (typeof type !== 'string' || !Object.hasOwn(LOADERS, type)) {
    throw new ModelPackageError(
      `unknown estimator type ${JSON.stringify(type)} (known: ${Object.keys(LOADERS).join(', ')})`,
    );
  }
  try {
    return LOADERS[type](state as RegressorState);
  } catch (e) {
    if (e instanceof ModelPackageError) throw e;
    throw new ModelPackageError(`${type} state is invalid: ${(e as Error).message}`);
  }
}
