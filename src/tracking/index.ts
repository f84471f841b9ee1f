/**
 * tracking/: the MLflow-compatible tracking service — MLflow's entities and error model
 * (entities.ts, errors.ts), the store contract and its SQLite and PostgreSQL implementations
 * (store/, with the search grammar in search/), the HTTP server implementing MLflow's REST API 2.0
 * and artifact proxy (server/), the proxy's artifact handling over a BlobStore (artifacts/), and
 * the typed REST client with artifact upload/download (client.ts, client/).
 *
 * It may import from core/, storage/ and model/ only — never from pipeline/ or cli/, which build on
 * it (the training pipeline logs runs through the client; `mlship server` starts the server).
 * This places tracking/ above pipeline/ in the import order, one step earlier than DESIGN.md's
 * layout list: the pipeline must log to tracking, and tracking needs nothing from the pipeline.
 */

export { proxiedKeyOf, validateArtifactPath } from './artifacts/paths.js';
export { ArtifactRepository } from './artifacts/repository.js';
export * from './client.js';
export * from './entities.js';
export * from './errors.js';
export {
  createTrackingServer,
  DEFAULT_BODY_LIMIT,
  DEFAULT_MAX_ARTIFACT_BYTES,
  type TrackingServerOptions,
} from './server/app.js';
export { closeOnSignals, type ShutdownOptions } from './server/shutdown.js';
export { openTrackingStore, parseStoreUri } from './store/index.js';
export type { TrackingStore } from './store/types.js';

/**
 * The default artifact root of a server that proxies artifacts (MLflow's DEFAULT_ARTIFACTS_URI):
 * experiments get `mlflow-artifacts:/<experiment_id>`, resolved by the proxy to its destination.
 */
export const PROXY_ARTIFACT_ROOT = 'mlflow-artifacts:/';
