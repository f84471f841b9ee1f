/**
 * search/: MLflow's search languages — the filter grammar of search-runs and search-experiments,
 * order_by entries, page tokens — parsed with MLflow's rules and error messages, and translated to
 * parameterised SQL for SQLite and PostgreSQL. Pure functions, no I/O. Imports only
 * tracking/errors.ts; the stores import from here, never the other way round.
 */
export {
  type Clause,
  type Comparator,
  type EntityType,
  parseExperimentFilter,
  parseRunFilter,
} from './filter.js';
export { type OrderBy, parseExperimentOrderBy, parseRunOrderBy } from './order-by.js';
export { createPageToken, parsePageToken } from './page-token.js';
export {
  type Dialect,
  experimentFilterSql,
  experimentOrderSql,
  likeToGlob,
  runFilterSql,
  runOrderSql,
  type SqlFragment,
} from './sql.js';
