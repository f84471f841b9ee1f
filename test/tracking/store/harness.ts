/**
 * Databases for the store tests. SQLite: files in a temp folder. PostgreSQL: a new database
 * `mlship_test_<random>` per call on the server at MLSHIP_TEST_POSTGRES_URL (default
 * postgresql://postgres@127.0.0.1:5432/test), dropped afterwards, so test runs never share state.
 * Without a reachable server the PostgreSQL tests are skipped, except under CI, where they must
 * run (the suite fails instead).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { expect } from 'vitest';
import { MlflowError, type MlflowErrorCode } from '../../../src/tracking/errors.js';
import { openTrackingStore, parseStoreUri, type TrackingStore } from '../../../src/tracking/store/index.js';
import {
  createScratchDatabase,
  POSTGRES_URL,
  postgresAvailable,
  type ScratchDatabase,
} from '../../helpers/postgres.js';

export const ARTIFACT_ROOT = 'mlflow-artifacts:/';

export interface Harness {
  dialect: 'sqlite' | 'postgresql';
  /** The URI of a new, empty database. */
  newDatabase(): Promise<string>;
  /** Run SQL on a database directly (not through a store), e.g. to inspect or tamper. */
  query(uri: string, sql: string): Promise<Record<string, unknown>[]>;
  /** Remove every database this harness created. */
  cleanup(): Promise<void>;
}

export function open(uri: string): Promise<TrackingStore> {
  return openTrackingStore(uri, { defaultArtifactRoot: ARTIFACT_ROOT });
}

export function sqliteHarness(): Harness {
  let dir: string | undefined;
  let n = 0;
  return {
    dialect: 'sqlite',
    async newDatabase() {
      dir ??= await mkdtemp(join(tmpdir(), 'mlship-store-'));
      // An absolute path after "sqlite:///" gives SQLAlchemy's four-slash form.
      return `sqlite:///${join(dir, `t${n++}.db`)}`;
    },
    async query(uri, sql) {
      const location = parseStoreUri(uri);
      if (location.dialect !== 'sqlite') throw new Error(`not a SQLite URI: ${uri}`);
      const db = new Database(location.path);
      try {
        const stmt = db.prepare(sql);
        if (stmt.reader) return stmt.all() as Record<string, unknown>[];
        stmt.run();
        return [];
      } finally {
        db.close();
      }
    },
    async cleanup() {
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

export { POSTGRES_URL, postgresAvailable };

export function postgresHarness(): Harness {
  const created: ScratchDatabase[] = [];
  return {
    dialect: 'postgresql',
    async newDatabase() {
      const db = await createScratchDatabase('mlship_test');
      created.push(db);
      return db.uri;
    },
    async query(uri, sql) {
      const client = new pg.Client({ connectionString: uri });
      await client.connect();
      try {
        return (await client.query(sql)).rows;
      } finally {
        await client.end();
      }
    },
    async cleanup() {
      for (const db of created.splice(0)) await db.drop();
    },
  };
}

/** Await `p` and check it fails with an MlflowError of `code` whose message matches `message`. */
export async function expectMlflowError(
  p: Promise<unknown>,
  code: MlflowErrorCode,
  message?: string | RegExp,
): Promise<MlflowError> {
  let error: unknown;
  try {
    await p;
  } catch (e) {
    error = e;
  }
  expect(error, 'expected an MlflowError').toBeInstanceOf(MlflowError);
  const err = error as MlflowError;
  expect(err.errorCode).toBe(code);
  if (typeof message === 'string') expect(err.message).toBe(message);
  else if (message) expect(err.message).toMatch(message);
  return err;
}

/** A name no other test uses. */
export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}
