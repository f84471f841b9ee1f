/**
 * params.yaml names estimator parameters as scikit-learn does (snake_case); the estimators take
 * camelCase options. This maps one to the other for each model type, refusing names the
 * estimator does not have, so a typo in params.yaml fails loudly instead of being ignored.
 */
import { InvalidParameterError } from '../core/errors.js';
import type { Regressor } from '../ml/estimator.js';
import { RandomForestRegressor } from '../ml/forest.js';
import { HistGradientBoostingRegressor, type IterationInfo } from '../ml/hgb/gradient-boosting.js';
import { LinearRegression, Ridge } from '../ml/linear.js';
import type { Matrix } from '../ml/matrix.js';
import { DecisionTreeRegressor } from '../ml/tree.js';
import type { ModelType } from './params.js';

export type { IterationInfo };

const TREE_PARAMS = [
  'max_depth',
  'min_samples_split',
  'min_samples_leaf',
  'min_impurity_decrease',
  'max_features',
];

const ALLOWED: Record<ModelType, readonly string[]> = {
  hgb: [
    'loss',
    'learning_rate',
    'max_iter',
    'max_leaf_nodes',
    'max_depth',
    'min_samples_leaf',
    'l2_regularization',
    'max_bins',
    'early_stopping',
    'scoring',
    'validation_fraction',
    'n_iter_no_change',
    'tol',
    'random_state',
    'n_threads',
  ],
  random_forest: [...TREE_PARAMS, 'n_estimators', 'bootstrap', 'max_samples', 'random_state', 'n_jobs'],
  decision_tree: [...TREE_PARAMS, 'criterion', 'random_state'],
  linear: ['fit_intercept'],
  ridge: ['fit_intercept', 'alpha'],
};

function camel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function toOptions(type: ModelType, params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) {
    if (!ALLOWED[type].includes(k)) {
      throw new InvalidParameterError(
        `model.${type}: unknown parameter "${k}" (expected one of: ${ALLOWED[type].join(', ')})`,
      );
    }
    out[camel(k)] = v;
  }
  return out;
}

/** A configured estimator and a uniform way to fit it. */
export interface PipelineEstimator {
  model: Regressor;
  /**
   * Fits the model; returns the number of boosting iterations, or null for other models.
   * onIteration follows a boosting model's iterations, onTree a forest's trees.
   */
  fit(
    X: Matrix,
    y: Float64Array,
    onIteration?: (info: IterationInfo) => void,
    onTree?: (done: number, total: number) => void,
  ): number | null;
}

export function createEstimator(type: ModelType, params: Record<string, unknown>): PipelineEstimator {
  const o = toOptions(type, params);
  switch (type) {
    case 'hgb': {
      const model = new HistGradientBoostingRegressor(o);
      return {
        model,
        fit: (X, y, onIteration) => model.fit(X, y, { onIteration }).nIter,
      };
    }
    case 'random_forest': {
      const model = new RandomForestRegressor(o);
      return {
        model,
        fit: (X, y, _onIteration, onTree) => {
          model.fit(X, y, { onTree });
          return null;
        },
      };
    }
    case 'decision_tree':
      return plain(new DecisionTreeRegressor(o));
    case 'linear':
      return plain(new LinearRegression(o));
    case 'ridge':
      return plain(new Ridge(o));
  }
}

function plain(model: Regressor): PipelineEstimator {
  return {
    model,
    fit: (X, y) => {
      model.fit(X, y);
      return null;
    },
  };
}
