/**
 * model/: the model package — a directory MLflow recognises as a model (MLmodel with a signature
 * and input example) holding only data (model.json) and its checksums (SHA256SUMS): save, verify,
 * load, and predict a Table with the preprocessing it carries. Restores only the estimator types it
 * lists (estimators.ts); loading never evaluates code from a package.
 *
 * It imports from core/, table/ and ml/ only; never from storage/ up (fetching a package from a
 * remote store is the caller's job: tracking/, serving/, cli/).
 */
export { estimatorFromJSON } from './estimators.js';
export { formatManifest, MANIFEST_FILE, parseManifest, readVerified, sha256 } from './manifest.js';
export {
  FLAVOR,
  FORMAT_VERSION,
  formatMLmodel,
  type MLmodel,
  parseMLmodel,
  REGRESSION_OUTPUT,
} from './mlmodel.js';
export {
  INPUT_EXAMPLE_FILE,
  LoadedModel,
  loadModel,
  MLMODEL_FILE,
  MODEL_FILE,
  type ModelDocument,
  type SaveModelOptions,
  saveModel,
  verifyModel,
} from './package.js';
export type { ColSpec, MlflowDataType, ModelSignature, TensorSpec } from './signature.js';
