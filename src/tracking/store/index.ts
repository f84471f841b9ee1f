/**
 * store/: the tracking store behind one interface (types.ts) with MLflow's SQL-store semantics,
 * on SQLite (sqlite/, better-sqlite3) or PostgreSQL (postgres/, pg), its versioned schema
 * (migrations/), and openTrackingStore, which picks the database from a backend store URI.
 * Imports from core/, tracking/entities, errors, validation and search/; never from the server.
 */

import { MlshipError } from '../../core/errors.js';
import { SqlTrackingStore } from './sql-store.js';
import type { OpenStoreOptions, TrackingStore } from './types.js';
import { parseStoreUri, redact } from './uri.js';

export { LATEST_VERSION, MIGRATIONS } from './migrations/index.js';
export { DEFAULT_EXPERIMENT_ID, DEFAULT_EXPERIMENT_NAME, SqlTrackingStore } from './sql-store.js';
export type * from './types.js';
export { parseStoreUri, redact, type StoreLocation } from './uri.js';

export interface OpenTrackingStoreOptions extends OpenStoreOptions {
  /** SQLite: 'normal' (default, survives process crashes) or 'full' (also power loss). */
  sqliteDurability?: 'normal' | 'full';
  /** PostgreSQL pool size (default 16). */
  maxConnections?: number;
  /**
   * PostgreSQL statement timeout in ms (0 = none). Default: MLSHIP_STATEMENT_TIMEOUT_MS, else 30 s.
   * A statement past it fails with DEADLINE_EXCEEDED (HTTP 504) and frees its connection. SQLite
   * has no way to stop a running statement (better-sqlite3 has no interrupt).
   */
  statementTimeoutMs?: number;
}

/** The statement timeout the options or MLSHIP_STATEMENT_TIMEOUT_MS ask for (undefined: the default). */
function statementTimeout(options: OpenTrackingStoreOptions): number | undefined {
  if (options.statementTimeoutMs !== undefined) return options.statementTimeoutMs;
  const env = process.env.MLSHIP_STATEMENT_TIMEOUT_MS;
  if (env === undefined || env.trim() === '') return undefined;
  if (!/^\d+$/.test(env.trim())) {
    throw new MlshipError(
      'INVALID_PARAMETER',
      `MLSHIP_STATEMENT_TIMEOUT_MS must be a whole number of milliseconds (0 for none), not '${env}'`,
    );
  }
  return Number(env.trim());
}

/**
 * Open (creating and migrating when needed) the store a backend store URI names:
 * `sqlite:///relative.db`, `sqlite:////absolute.db`, `sqlite://` (in memory), or
 * `postgresql://user:password@host:port/database`. The drivers load on first use, so a SQLite
 * user never loads pg and the reverse.
 */
export async function openTrackingStore(
  uri: string,
  options: OpenTrackingStoreOptions,
): Promise<TrackingStore> {
  const location = parseStoreUri(uri);
  const statementTimeoutMs = statementTimeout(options);
  try {
    if (location.dialect === 'sqlite') {
      const { SqliteDatabase } = await import('./sqlite/database.js');
      const db = new SqliteDatabase(location.path, { durability: options.sqliteDurability });
      return await SqlTrackingStore.open(db, options);
    }
    const { PostgresDatabase } = await import('./postgres/database.js');
    const db = new PostgresDatabase(location.connectionString, {
      maxConnections: options.maxConnections,
      statementTimeoutMs,
    });
    return await SqlTrackingStore.open(db, options);
  } catch (err) {
    // Our own refusals (a schema newer than this code) already say what to do.
    if (err instanceof MlshipError) throw err;
    const reason = err instanceof Error ? err.message || (err as { code?: string }).code : String(err);
    throw new MlshipError('INVALID_PARAMETER', `Cannot open the tracking store ${redact(uri)}: ${reason}`, {
      cause: err,
    });
  }
}
