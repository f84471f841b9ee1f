/**
 * ml/: the algorithms, scikit-learn 1.2.1's to the last bit on the same data and random_state —
 * estimators (linear.ts, tree.ts, forest.ts, hgb/), preprocessing (impute.ts, encode.ts,
 * features.ts, preprocess.ts), splits and cross-validation (split.ts, cv.ts), metrics, and
 * NumPy's RandomState (random.ts). A Matrix (matrix.ts) is a column-major Float64Array.
 *
 * Pure computation on typed arrays: no file, network or database I/O (worker threads only). It
 * imports from core/ and table/ only; model/, pipeline/ and everything above build on it.
 */
export {
  type CrossValOptions,
  crossValScore,
  type Fold,
  KFold,
  type KFoldOptions,
  type Scoring,
} from './cv.js';
export {
  type HandleUnknown,
  OneHotEncoder,
  type OneHotEncoderParams,
  type OneHotEncoderState,
} from './encode.js';
export type { Regressor, RegressorState } from './estimator.js';
export type { RatioFeatureSpec } from './features.js';
export { RandomForestRegressor, type RandomForestRegressorParams } from './forest.js';
export {
  type HistGradientBoostingParams,
  HistGradientBoostingRegressor,
  type IterationInfo,
} from './hgb/index.js';
export {
  type ImputeStrategy,
  SimpleImputer,
  type SimpleImputerParams,
  type SimpleImputerState,
} from './impute.js';
export { LinearRegression, type LinearRegressionParams, Ridge, type RidgeParams } from './linear.js';
export {
  column,
  createMatrix,
  fromColumns,
  fromRows,
  type Matrix,
  takeRows as takeMatrixRows,
  takeValues,
} from './matrix.js';
export { mae, mape, mse, r2, r2Score, rmse } from './metrics.js';
export {
  FeaturePipeline,
  type FeaturePipelineParams,
  type FeaturePipelineState,
  type InputColumn,
} from './preprocess.js';
export { RandomState } from './random.js';
export { type Split, type SplitOptions, trainTestSplit } from './split.js';
export {
  DecisionTreeRegressor,
  type DecisionTreeRegressorParams,
  type MaxFeatures,
  type TreeParams,
} from './tree.js';
