/**
 * What keeps one PostgreSQL store from being pinned by slow statements (issue 8 §5.1: 17 slow
 * searches held every pool connection and runs/get then timed out), and its data errors from
 * being 500s (§5.2):
 * - the statement timeout stops a search and answers DEADLINE_EXCEEDED (HTTP 504, MLflow's code
 *   for a deadline, mlflow/protos/databricks.proto);
 * - a search whose signal fires (its client went away) is cancelled on the server, answers
 *   CANCELLED, and gives its connection back healthy: on a pool of one connection the next call
 *   is answered;
 * - PostgreSQL's class 22 data errors are INVALID_PARAMETER_VALUE whatever check missed them.
 * No timing is asserted: a "heavy" search here is one that evaluates 200 distinct clauses on each
 * of 5,000 runs (on 200 keys), seconds of work, and the tests wait for states, not durations.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTrackingStore, type TrackingStore } from '../../../src/tracking/store/index.js';
import { PostgresDatabase } from '../../../src/tracking/store/postgres/database.js';
import { ARTIFACT_ROOT, expectMlflowError, postgresAvailable, postgresHarness } from './harness.js';

const harness = postgresHarness();
afterAll(() => harness.cleanup());
const available = await postgresAvailable();

const RUNS = 5000;
/** 200 clauses on 200 keys every run has: 200 lookups per run, no early exit. */
const HEAVY_FILTER = Array.from({ length: 200 }, (_, i) => `metrics.k${i} > -1`).join(' AND ');

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe.skipIf(!available)('PostgreSQL store: statement timeout, cancellation, data errors', () => {
  let uri: string;
  let experimentId: string;
  let runId: string;

  beforeAll(async () => {
    uri = await harness.newDatabase();
    const store = await openTrackingStore(uri, { defaultArtifactRoot: ARTIFACT_ROOT });
    experimentId = await store.createExperiment('heavy');
    runId = (await store.createRun({ experimentId, userId: 'u', startTime: 0, tags: [] })).info.run_id;
    await store.close();
    await harness.query(
      uri,
      'INSERT INTO runs (run_uuid, name, experiment_id, user_id, status, start_time, lifecycle_stage, artifact_uri) ' +
        `SELECT md5(i::text), 'r' || i, ${experimentId}, 'u', 'RUNNING', i, 'active', '' FROM generate_series(1, ${RUNS}) i`,
    );
    await harness.query(
      uri,
      'INSERT INTO latest_metrics SELECT md5(i::text), ' +
        `'k' || k, 1, 1, 0, false FROM generate_series(1, ${RUNS}) i, generate_series(0, 199) k`,
    );
    await harness.query(uri, 'ANALYZE');
  });

  const heavySearch = (store: TrackingStore, signal?: AbortSignal) =>
    store.searchRuns({
      experimentIds: [experimentId],
      filter: HEAVY_FILTER,
      // Ordering by the metric makes the database evaluate the filter on every run.
      orderBy: ['metrics.k0'],
      runViewType: 'ACTIVE_ONLY',
      maxResults: 10,
      signal,
    });

  /** The statements of this database other sessions than the asking one are running. */
  const activeQueries = async () =>
    (
      await harness.query(
        uri,
        'SELECT pid, state, query FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
      )
    ).filter((r) => r.state === 'active');

  it('stops a statement past the statement timeout with DEADLINE_EXCEEDED and keeps the connection usable', async () => {
    const store = await openTrackingStore(uri, {
      defaultArtifactRoot: ARTIFACT_ROOT,
      maxConnections: 1,
      statementTimeoutMs: 50,
    });
    try {
      const err = await expectMlflowError(
        heavySearch(store),
        'DEADLINE_EXCEEDED',
        /statement timeout \(50 ms\)/,
      );
      expect(err.httpStatus).toBe(504);
      // The single pooled connection answers the next call.
      expect((await store.getRun(runId)).info.run_id).toBe(runId);
    } finally {
      await store.close();
    }
  });

  it('cancels the running statement when the signal fires, and returns the connection healthy', async () => {
    const store = await openTrackingStore(uri, {
      defaultArtifactRoot: ARTIFACT_ROOT,
      maxConnections: 1,
      statementTimeoutMs: 0,
    });
    try {
      const controller = new AbortController();
      const search = heavySearch(store, controller.signal);
      search.catch(() => undefined);
      // The filtering statement itself (its EXISTS subplans), not the short page fetch that also
      // reads latest_metrics after it: cancelled then, the statement may already have ended.
      await until('the search to run', async () =>
        (await activeQueries()).some((q) => String(q.query).includes('OFFSET 0')),
      );
      controller.abort();
      const err = await expectMlflowError(search, 'CANCELLED');
      expect(err.httpStatus).toBe(499);
      // The database stopped the statement itself (query_canceled), not merely the next one.
      expect((err.cause as { code?: string }).code).toBe('57014');
      // Nothing of it runs on after the answer, and the one connection serves the next call.
      expect(await activeQueries()).toEqual([]);
      expect((await store.getRun(runId)).info.run_id).toBe(runId);
      const idle = await harness.query(
        uri,
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'idle'",
      );
      expect(idle[0]!.n).toBe(1);
    } finally {
      await store.close();
    }
  });

  it('keeps answering other calls while many heavy searches are abandoned on a small pool', async () => {
    const store = await openTrackingStore(uri, {
      defaultArtifactRoot: ARTIFACT_ROOT,
      maxConnections: 2,
      statementTimeoutMs: 0,
    });
    try {
      const controllers = Array.from({ length: 8 }, () => new AbortController());
      const searches = controllers.map((c) => heavySearch(store, c.signal));
      for (const s of searches) s.catch(() => undefined);
      await until('the pool to be busy', async () => (await activeQueries()).length === 2);
      for (const c of controllers) c.abort();
      for (const s of searches) await expectMlflowError(s, 'CANCELLED');
      await store.logMetric(runId, { key: 'after', value: 1, timestamp: 1, step: 0 });
      expect((await store.getRun(runId)).data.metrics.map((m) => m.key)).toContain('after');
      expect(await activeQueries()).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('answers a search whose signal never fires', async () => {
    const store = await openTrackingStore(uri, { defaultArtifactRoot: ARTIFACT_ROOT, maxConnections: 1 });
    try {
      const page = await store.searchRuns({
        experimentIds: [experimentId],
        filter: HEAVY_FILTER,
        runViewType: 'ACTIVE_ONLY',
        maxResults: 3,
        signal: new AbortController().signal,
      });
      expect(page.runs).toHaveLength(3);
    } finally {
      await store.close();
    }
  });

  it("turns PostgreSQL's data errors (class 22) into INVALID_PARAMETER_VALUE, never a 500", async () => {
    const db = new PostgresDatabase(uri, { maxConnections: 1 });
    try {
      const read = (sql: string, params: unknown[] = []) =>
        db.transaction((tx) => tx.get(sql, params), { write: false });
      await expectMlflowError(read("SELECT 'x'::int"), 'INVALID_PARAMETER_VALUE', /invalid input syntax/); // 22P02
      await expectMlflowError(read('SELECT ?::text', ['a\u0000b']), 'INVALID_PARAMETER_VALUE', /0x00/); // 22021
      await expectMlflowError(read('SELECT 1 / 0'), 'INVALID_PARAMETER_VALUE', /division by zero/); // 22012
      await expectMlflowError(read('SELECT 9223372036854775807::bigint + 1'), 'INVALID_PARAMETER_VALUE'); // 22003
      await expectMlflowError(
        db.transaction(
          (tx) =>
            tx.run(
              'INSERT INTO runs (run_uuid, experiment_id, status, lifecycle_stage) VALUES (?, 0, ?, ?)',
              ['x'.repeat(33), 'RUNNING', 'active'],
            ),
          { write: true },
        ),
        'INVALID_PARAMETER_VALUE',
        /too long/,
      ); // 22001
      // The connection survives each of them.
      expect(await read('SELECT 1 AS one')).toEqual({ one: 1 });
    } finally {
      await db.close();
    }
  });
});

describe('the statement timeout setting', () => {
  it('refuses an MLSHIP_STATEMENT_TIMEOUT_MS that is not a whole number of milliseconds', async () => {
    const saved = process.env.MLSHIP_STATEMENT_TIMEOUT_MS;
    process.env.MLSHIP_STATEMENT_TIMEOUT_MS = '30s';
    try {
      await expect(openTrackingStore('sqlite://', { defaultArtifactRoot: ARTIFACT_ROOT })).rejects.toThrow(
        "MLSHIP_STATEMENT_TIMEOUT_MS must be a whole number of milliseconds (0 for none), not '30s'",
      );
    } finally {
      if (saved === undefined) delete process.env.MLSHIP_STATEMENT_TIMEOUT_MS;
      else process.env.MLSHIP_STATEMENT_TIMEOUT_MS = saved;
    }
  });
});
