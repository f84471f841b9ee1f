/**
 * Migration 1: the tracking tables, modelled on MLflow's (mlflow/store/tracking/dbmodels/
 * models.py) so the data maps one to one onto MLflow's entities:
 * - metrics keeps every point; `seq` (insertion order) orders points logged at the same
 *   timestamp and step, and the unique constraint makes a point identical in (key, timestamp,
 *   step, value) to one already logged a no-op, as MLflow's primary key does. A NaN value is
 *   stored as 0 with is_nan = true (SQLite turns NaN into NULL); ±Infinity is stored as is.
 * - latest_metrics holds, per run and key, the point with the greatest (step, timestamp, value).
 * - datasets are shared by the runs of an experiment through inputs (source DATASET →
 *   destination RUN), with input_tags such as mlflow.data.context.
 */
import type { Migration } from './index.js';

export const migration001: Migration = {
  version: 1,
  name: 'tracking tables: experiments, runs, metrics, params, tags, datasets, inputs',
  statements: (d) => [
    `CREATE TABLE experiments (
      experiment_id ${d.serialId} PRIMARY KEY,
      name VARCHAR(500) NOT NULL,
      artifact_location TEXT,
      lifecycle_stage VARCHAR(32) NOT NULL,
      creation_time BIGINT,
      last_update_time BIGINT,
      CONSTRAINT experiments_name_unique UNIQUE (name),
      CONSTRAINT experiments_lifecycle_stage CHECK (lifecycle_stage IN ('active', 'deleted'))
    )`,
    `CREATE TABLE experiment_tags (
      experiment_id INTEGER NOT NULL REFERENCES experiments (experiment_id) ON DELETE CASCADE,
      key VARCHAR(250) NOT NULL,
      value TEXT,
      PRIMARY KEY (experiment_id, key)
    )`,
    `CREATE TABLE runs (
      run_uuid VARCHAR(32) NOT NULL PRIMARY KEY,
      name VARCHAR(250),
      experiment_id INTEGER NOT NULL REFERENCES experiments (experiment_id) ON DELETE CASCADE,
      user_id TEXT,
      status VARCHAR(9) NOT NULL,
      start_time BIGINT,
      end_time BIGINT,
      deleted_time BIGINT,
      lifecycle_stage VARCHAR(20) NOT NULL,
      artifact_uri TEXT,
      CONSTRAINT runs_status CHECK (status IN ('SCHEDULED', 'FAILED', 'FINISHED', 'RUNNING', 'KILLED')),
      CONSTRAINT runs_lifecycle_stage CHECK (lifecycle_stage IN ('active', 'deleted'))
    )`,
    'CREATE INDEX runs_experiment ON runs (experiment_id, lifecycle_stage, start_time)',
    `CREATE TABLE metrics (
      seq ${d.serialBigId} PRIMARY KEY,
      run_uuid VARCHAR(32) NOT NULL REFERENCES runs (run_uuid) ON DELETE CASCADE,
      key VARCHAR(250) NOT NULL,
      value DOUBLE PRECISION NOT NULL,
      timestamp BIGINT NOT NULL,
      step BIGINT NOT NULL,
      is_nan BOOLEAN NOT NULL,
      CONSTRAINT metrics_point UNIQUE (run_uuid, key, timestamp, step, value, is_nan)
    )`,
    // History reads (get-history, its pages, the bulk-interval sampler) walk this index in order
    // instead of sorting every point of the key.
    'CREATE INDEX metrics_history ON metrics (run_uuid, key, timestamp, step, seq)',
    `CREATE TABLE latest_metrics (
      run_uuid VARCHAR(32) NOT NULL REFERENCES runs (run_uuid) ON DELETE CASCADE,
      key VARCHAR(250) NOT NULL,
      value DOUBLE PRECISION NOT NULL,
      timestamp BIGINT NOT NULL,
      step BIGINT NOT NULL,
      is_nan BOOLEAN NOT NULL,
      PRIMARY KEY (run_uuid, key)
    )`,
    `CREATE TABLE params (
      run_uuid VARCHAR(32) NOT NULL REFERENCES runs (run_uuid) ON DELETE CASCADE,
      key VARCHAR(250) NOT NULL,
      value TEXT NOT NULL,
      PRIMARY KEY (run_uuid, key)
    )`,
    `CREATE TABLE tags (
      run_uuid VARCHAR(32) NOT NULL REFERENCES runs (run_uuid) ON DELETE CASCADE,
      key VARCHAR(250) NOT NULL,
      value TEXT,
      PRIMARY KEY (run_uuid, key)
    )`,
    `CREATE TABLE datasets (
      dataset_uuid VARCHAR(36) NOT NULL PRIMARY KEY,
      experiment_id INTEGER NOT NULL REFERENCES experiments (experiment_id) ON DELETE CASCADE,
      name VARCHAR(500) NOT NULL,
      digest VARCHAR(36) NOT NULL,
      dataset_source_type VARCHAR(36) NOT NULL,
      dataset_source TEXT NOT NULL,
      dataset_schema TEXT,
      dataset_profile TEXT,
      CONSTRAINT datasets_experiment_name_digest UNIQUE (experiment_id, name, digest)
    )`,
    `CREATE TABLE inputs (
      input_uuid VARCHAR(36) NOT NULL PRIMARY KEY,
      source_type VARCHAR(36) NOT NULL,
      source_id VARCHAR(36) NOT NULL,
      destination_type VARCHAR(36) NOT NULL,
      destination_id VARCHAR(36) NOT NULL,
      CONSTRAINT inputs_edge UNIQUE (source_type, source_id, destination_type, destination_id)
    )`,
    'CREATE INDEX inputs_destination ON inputs (destination_type, destination_id)',
    `CREATE TABLE input_tags (
      input_uuid VARCHAR(36) NOT NULL REFERENCES inputs (input_uuid) ON DELETE CASCADE,
      name VARCHAR(255) NOT NULL,
      value VARCHAR(500) NOT NULL,
      PRIMARY KEY (input_uuid, name)
    )`,
  ],
};
