/**
 * pipeline/: the training pipeline — params.yaml (params.ts) → read the CSV, split, fit the
 * preprocessing and the estimator (estimators.ts maps params.yaml's names to them) → a model
 * package, metrics.json and split.json published atomically (train.ts) — and the same run logged
 * to an MLflow-compatible tracking server (tracking.ts).
 *
 * It imports from every folder below it (core/, table/, ml/, storage/, data/, model/, tracking/);
 * never from serving/, ui/ or cli/, which call it.
 */
export { createEstimator, type IterationInfo, type PipelineEstimator } from './estimators.js';
export {
  DEFAULT_PARAMS,
  loadParams,
  MODEL_TYPES,
  type ModelType,
  type PipelineParams,
  type RatioSpec,
  validateParams,
} from './params.js';
export {
  DEFAULT_EXPERIMENT,
  MODEL_ARTIFACT_PATH,
  type TrackedRun,
  type TrackedTrainResult,
  type TrackingOptions,
  trainWithTracking,
} from './tracking.js';
export { dataMd5, type Scores, type TrainOptions, type TrainResult, train } from './train.js';
