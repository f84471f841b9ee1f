/**
 * mlship's public API, the package's main entry (`import … from 'mlship'`): train the pipeline
 * from its parameters, read a CSV into a Table, save / verify / load a model package and predict
 * with it, and the error classes every function throws. Each capability has its own entry with
 * the rest of its API: mlship/core, mlship/table, mlship/ml, mlship/storage, mlship/data,
 * mlship/model, mlship/tracking, mlship/pipeline (package.json `exports`; nothing else of dist/
 * can be imported).
 *
 * It may import from any folder of src/ except cli/: the command line is an application of this
 * API, not part of it.
 */
export * from './core/errors.js';
export { VERSION } from './core/version.js';
export {
  LoadedModel,
  loadModel,
  type MLmodel,
  type SaveModelOptions,
  saveModel,
  verifyModel,
} from './model/index.js';
export {
  DEFAULT_PARAMS,
  loadParams,
  MODEL_TYPES,
  type ModelType,
  type PipelineParams,
  type Scores,
  type TrainOptions,
  type TrainResult,
  train,
  validateParams,
} from './pipeline/index.js';
export { type Column, parseCsv, type ReadCsvOptions, readCsv, type Table, writeCsv } from './table/index.js';
