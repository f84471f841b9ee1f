/**
 * Issue 8 §5.1 and §5.2 through the HTTP API, on SQLite and PostgreSQL: what was tried against the
 * built server, tried again.
 * - `runs/get?run_id=%00`, `experiments/create` with name "a\u0000b", a run_name over 250
 *   characters: PostgreSQL answered 500 (errors 22021, 22001) where SQLite answered. Both now
 *   answer 400 INVALID_PARAMETER_VALUE naming the field (MLflow's code for bad input,
 *   mlflow/protos/databricks.proto; mlflow/utils/validation.py for the limits).
 * - A 200-clause runs/search answers, with the runs each clause keeps.
 * - PostgreSQL: searches whose clients disconnect are cancelled on the database (CANCELLED), so
 *   runs/get and log-metric still answer on a small pool; a search past the statement timeout is
 *   504 DEADLINE_EXCEEDED, not a 500 with a stack.
 */
import { request as httpRequest } from 'node:http';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTrackingStore, type TrackingStore } from '../../../src/tracking/store/index.js';
import {
  client,
  createDatabase,
  type Database,
  dialects,
  portOf,
  type ServerFixture,
  startServer,
} from './harness.js';

const DIALECTS = await dialects();

describe.each(DIALECTS)('hostile strings and many-clause searches on %s', (dialect) => {
  let fx: ServerFixture;
  let api: ReturnType<typeof client>;
  beforeAll(async () => {
    fx = await startServer(dialect);
    api = client(fx.app);
  });
  afterAll(async () => {
    await fx?.close();
  });

  const bad = (field: RegExp) => ({
    error_code: 'INVALID_PARAMETER_VALUE',
    message: expect.stringMatching(field),
  });

  it('answers runs/get?run_id=%00 with 400 naming run_id', async () => {
    const r = await api.send('GET', 'runs/get?run_id=%00');
    expect(r.status).toBe(400);
    expect(r.json).toEqual(bad(/'run_id'/));
  });

  it('answers experiments/create with a NUL in the name with 400, and creates nothing', async () => {
    const r = await api.post('experiments/create', { name: 'a\u0000b' });
    expect(r.status).toBe(400);
    expect(r.json).toEqual(bad(/'name'/));
    const search = await api.post('experiments/search', { max_results: 100 });
    expect(search.json.experiments.map((e: { name: string }) => e.name)).toEqual(['Default']);
  });

  it('answers a run_name over 250 characters with 400 (runs.name is String(250) in MLflow)', async () => {
    const exp = (await api.post('experiments/create', { name: 'names' })).json.experiment_id;
    const r = await api.post('runs/create', { experiment_id: exp, run_name: 'x'.repeat(251) });
    expect(r.status).toBe(400);
    expect(r.json).toEqual(bad(/'run_name'.*250/));
    const ok = await api.post('runs/create', { experiment_id: exp, run_name: 'x'.repeat(250) });
    expect(ok.status).toBe(200);
    const update = await api.post('runs/update', {
      run_id: ok.json.run.info.run_id,
      run_name: 'y'.repeat(251),
    });
    expect(update.status).toBe(400);
    const tag = await api.post('runs/set-tag', {
      run_id: ok.json.run.info.run_id,
      key: 'mlflow.runName',
      value: 'z'.repeat(251),
    });
    expect(tag.status).toBe(400);
  });

  it('answers NUL in params, tags, metric keys and dataset fields with 400', async () => {
    const exp = (await api.post('experiments/create', { name: 'nul-fields' })).json.experiment_id;
    const runId = (await api.post('runs/create', { experiment_id: exp })).json.run.info.run_id;
    const calls: [string, unknown][] = [
      ['runs/log-parameter', { run_id: runId, key: 'p', value: 'a\u0000' }],
      ['runs/set-tag', { run_id: runId, key: 't', value: '\u0000' }],
      ['runs/log-batch', { run_id: runId, params: [{ key: 'q', value: 'x\u0000y' }] }],
      [
        'runs/log-inputs',
        {
          run_id: runId,
          datasets: [{ dataset: { name: 'd\u0000', digest: 'x', source_type: 'local', source: '{}' } }],
        },
      ],
      ['runs/search', { experiment_ids: [exp], filter: "params.p = '\u0000'" }],
      ['experiments/set-experiment-tag', { experiment_id: exp, key: 'k', value: '\u0000' }],
    ];
    for (const [path, body] of calls) {
      const r = await api.post(path, body);
      expect({ path, status: r.status, code: r.json?.error_code }).toEqual({
        path,
        status: 400,
        code: 'INVALID_PARAMETER_VALUE',
      });
    }
    const history = await api.get('metrics/get-history', { run_id: runId, metric_key: 'm\u0000' });
    expect(history.status).toBe(400);
    const run = (await api.get('runs/get', { run_id: runId })).json.run;
    expect(run.data.params).toBeUndefined();
  });

  it('answers a 200-clause runs/search with the runs every clause keeps', async () => {
    const exp = (await api.post('experiments/create', { name: 'clauses' })).json.experiment_id;
    const kept: string[] = [];
    for (let i = 0; i < 6; i++) {
      const run = (await api.post('runs/create', { experiment_id: exp, start_time: i })).json.run.info;
      await api.post('runs/log-batch', {
        run_id: run.run_id,
        metrics: Array.from({ length: 20 }, (_, k) => ({ key: `k${k}`, value: i % 2, timestamp: 1 })),
      });
      if (i % 2 === 1) kept.unshift(run.run_id);
    }
    const filter = Array.from({ length: 200 }, (_, c) => `metrics.k${c % 20} = 1`).join(' AND ');
    const same = Array(200).fill('metrics.k0 = 1').join(' AND ');
    for (const f of [filter, same]) {
      const r = await api.post('runs/search', { experiment_ids: [exp], filter: f });
      expect(r.status).toBe(200);
      expect(r.json.runs.map((x: { info: { run_id: string } }) => x.info.run_id)).toEqual(kept);
    }
  });
});

const RUNS = 5000;
/** 200 clauses on 200 keys every run has, ordered by a metric: seconds of work per search. */
const HEAVY = {
  filter: Array.from({ length: 200 }, (_, i) => `metrics.k${i} > -1`).join(' AND '),
  order_by: ['metrics.k0'],
  max_results: 10,
};

describe.skipIf(!DIALECTS.includes('postgresql'))('slow searches on PostgreSQL (issue 8 §5.1)', () => {
  let database: Database;
  let experimentId: string;
  let runId: string;

  /** Run SQL on the test database directly. */
  const sql = async (text: string) => {
    const c = new pg.Client({ connectionString: database.uri });
    await c.connect();
    try {
      return (await c.query(text)).rows as Record<string, unknown>[];
    } finally {
      await c.end();
    }
  };

  beforeAll(async () => {
    database = await createDatabase('postgresql');
    const store = await openTrackingStore(database.uri, { defaultArtifactRoot: 'mlflow-artifacts:' });
    experimentId = await store.createExperiment('heavy');
    runId = (await store.createRun({ experimentId, userId: 'u', startTime: 0, tags: [] })).info.run_id;
    await store.close();
    await sql(
      'INSERT INTO runs (run_uuid, name, experiment_id, user_id, status, start_time, lifecycle_stage, artifact_uri) ' +
        `SELECT md5(i::text), 'r' || i, ${experimentId}, 'u', 'RUNNING', i, 'active', '' FROM generate_series(1, ${RUNS}) i`,
    );
    await sql(
      'INSERT INTO latest_metrics SELECT md5(i::text), ' +
        `'k' || k, 1, 1, 0, false FROM generate_series(1, ${RUNS}) i, generate_series(0, 199) k`,
    );
    await sql('ANALYZE');
  });
  afterAll(async () => {
    await database?.drop();
  });

  const activeSearches = async () =>
    (
      await sql(
        "SELECT query FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'",
      )
    ).filter((r) => String(r.query).includes('latest_metrics'));

  /** The store, with each searchRuns outcome recorded (its error code, or 'answered'). */
  function recording(store: TrackingStore, outcomes: string[]): TrackingStore {
    return new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'searchRuns') {
          return (input: Parameters<TrackingStore['searchRuns']>[0]) =>
            target.searchRuns(input).then(
              (page) => {
                outcomes.push('answered');
                return page;
              },
              (err: { errorCode?: string }) => {
                outcomes.push(err.errorCode ?? 'other');
                throw err;
              },
            );
        }
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  async function until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
    for (let i = 0; i < 1200; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`gave up waiting for ${what}`);
  }

  it('cancels the searches of clients that disconnect; runs/get and log-metric answer meanwhile', async () => {
    const outcomes: string[] = [];
    const store = await openTrackingStore(database.uri, {
      defaultArtifactRoot: 'mlflow-artifacts:',
      maxConnections: 2,
      statementTimeoutMs: 0,
    });
    const fx = await startServer('postgresql', { store: recording(store, outcomes), listen: true });
    try {
      const port = portOf(fx.app);
      const body = JSON.stringify({ experiment_ids: [experimentId], ...HEAVY });
      const requests = Array.from({ length: 8 }, () => {
        const req = httpRequest({
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/api/2.0/mlflow/runs/search',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          agent: false,
        });
        req.on('error', () => undefined);
        req.end(body);
        return req;
      });
      await until('both pool connections to run a search', async () => (await activeSearches()).length === 2);
      for (const req of requests) req.destroy();
      await until('every search to end', () => outcomes.length === requests.length);
      expect(outcomes).toEqual(Array(requests.length).fill('CANCELLED'));
      expect(await activeSearches()).toEqual([]);
      const api = client(fx.app);
      expect((await api.get('runs/get', { run_id: runId })).status).toBe(200);
      const logged = await api.post('runs/log-metric', {
        run_id: runId,
        key: 'after',
        value: 1,
        timestamp: 1,
      });
      expect(logged.status).toBe(200);
    } finally {
      await fx.close();
    }
  });

  it('answers a search past the statement timeout with 504 DEADLINE_EXCEEDED', async () => {
    const store = await openTrackingStore(database.uri, {
      defaultArtifactRoot: 'mlflow-artifacts:',
      maxConnections: 1,
      statementTimeoutMs: 50,
    });
    const fx = await startServer('postgresql', { store });
    try {
      const api = client(fx.app);
      const r = await api.post('runs/search', { experiment_ids: [experimentId], ...HEAVY });
      expect(r.status).toBe(504);
      expect(r.json).toEqual({
        error_code: 'DEADLINE_EXCEEDED',
        message: expect.stringMatching(/statement timeout \(50 ms\)/),
      });
      expect((await api.get('runs/get', { run_id: runId })).status).toBe(200);
    } finally {
      await fx.close();
    }
  });
});
