/**
 * The client against a real tracking server (SQLite, local artifacts, a real socket): every typed
 * endpoint method round-trips what MLflow's API defines, errors arrive as MlflowError with the
 * server's code and message, and the MlflowClient-level helpers (log-batch splitting, paged
 * history, get-or-create) behave as MLflow's client does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricPoint, TrackingApi } from '../../../src/tracking/client.js';
import {
  MAX_METRICS_PER_BATCH,
  MlflowRestError,
  openTrackingClient,
  TrackingClient,
} from '../../../src/tracking/client.js';
import { MlflowError } from '../../../src/tracking/errors.js';
import { startTrackingServer, type TrackingServerFixture, testEnv } from './fixtures.js';

let server: TrackingServerFixture;
let client: TrackingClient;

beforeAll(async () => {
  server = await startTrackingServer();
  client = await openTrackingClient(server.url, { env: testEnv(), wait: async () => undefined });
});
afterAll(async () => {
  await client?.close();
  await server?.close();
});

async function newRun(experimentName: string) {
  const exp = await client.getOrCreateExperiment(experimentName);
  return client.createRun({ experimentId: exp.experiment_id, runName: 'r' });
}

describe('experiments', () => {
  it('create, get, get-by-name and search', async () => {
    const id = await client.createExperiment('exp-a', { tags: [{ key: 'team', value: 'ml' }] });
    expect(id).toMatch(/^\d+$/);
    const exp = await client.getExperiment(id);
    expect(exp).toMatchObject({ experiment_id: id, name: 'exp-a', lifecycle_stage: 'active' });
    expect(exp.tags).toEqual([{ key: 'team', value: 'ml' }]);
    // the server proxies artifacts: experiments get mlflow-artifacts:/<id>
    expect(exp.artifact_location).toBe(`mlflow-artifacts:/${id}`);
    expect((await client.getExperimentByName('exp-a'))?.experiment_id).toBe(id);
    const found = await client.searchExperiments({ filter: "name = 'exp-a'" });
    expect(found.items.map((e) => e.name)).toEqual(['exp-a']);
    // Default (id 0) exists on a new store, as in MLflow
    expect((await client.getExperiment('0')).name).toBe('Default');
  });

  it('get-by-name of an unknown name is null, as MLflow client returns None', async () => {
    expect(await client.getExperimentByName('no such experiment')).toBeNull();
  });

  it("errors carry the server's error_code and message", async () => {
    await client.createExperiment('dup');
    const err = await client.createExperiment('dup').catch((e) => e);
    expect(err).toBeInstanceOf(MlflowError);
    expect(err).toBeInstanceOf(MlflowRestError);
    expect(err.errorCode).toBe('RESOURCE_ALREADY_EXISTS');
    expect(err.status).toBe(400);
    expect(err.message).toBe('Experiment(name=dup) already exists.');
    const missing = await client.getExperiment('987654').catch((e) => e);
    expect(missing).toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST', status: 404 });
    expect(missing.message).toBe('No Experiment with id=987654 exists');
  });

  it('getOrCreateExperiment creates once, then finds it; concurrent callers agree', async () => {
    const results = await Promise.all(
      Array.from({ length: 5 }, () => client.getOrCreateExperiment('shared')),
    );
    expect(new Set(results.map((e) => e.experiment_id)).size).toBe(1);
    expect((await client.getOrCreateExperiment('shared')).experiment_id).toBe(results[0].experiment_id);
  });
});

describe('runs', () => {
  it('create, get, update, search, set-terminated', async () => {
    const exp = await client.getOrCreateExperiment('runs');
    const t0 = Date.now();
    const run = await client.createRun({
      experimentId: exp.experiment_id,
      runName: 'first',
      tags: [{ key: 'mlflow.user', value: 'alice' }],
      userId: 'alice',
    });
    expect(run.info).toMatchObject({
      run_name: 'first',
      status: 'RUNNING',
      lifecycle_stage: 'active',
      user_id: 'alice',
    });
    expect(run.info.run_id).toMatch(/^[0-9a-f]{32}$/);
    expect(run.info.artifact_uri).toBe(`mlflow-artifacts:/${exp.experiment_id}/${run.info.run_id}/artifacts`);
    expect(run.info.start_time).toBeGreaterThanOrEqual(t0);
    expect(run.data.tags).toContainEqual({ key: 'mlflow.runName', value: 'first' });
    // empty repeated fields, omitted by the server, are filled back
    expect(run.data.metrics).toEqual([]);
    expect(run.data.params).toEqual([]);
    expect(run.inputs.dataset_inputs).toEqual([]);

    const renamed = await client.updateRun(run.info.run_id, { runName: 'renamed' });
    expect(renamed.run_name).toBe('renamed');
    const ended = await client.setTerminated(run.info.run_id, 'FAILED');
    expect(ended.status).toBe('FAILED');
    expect(ended.end_time).toBeGreaterThanOrEqual(run.info.start_time);

    await client.createRun({ experimentId: exp.experiment_id, runName: 'second' });
    const all = await client.searchRuns({
      experimentIds: [exp.experiment_id],
      orderBy: ['attributes.run_name ASC'],
    });
    expect(all.items.map((r) => r.info.run_name)).toEqual(['renamed', 'second']);
    const failed = await client.searchRuns({
      experimentIds: [exp.experiment_id],
      filter: "attributes.status = 'FAILED'",
    });
    expect(failed.items.map((r) => r.info.run_id)).toEqual([run.info.run_id]);
    const paged = await client.searchRuns({ experimentIds: [exp.experiment_id], maxResults: 1 });
    expect(paged.items).toHaveLength(1);
    expect(paged.nextPageToken).toBeTruthy();
  });

  it("an unknown run is RESOURCE_DOES_NOT_EXIST with MLflow's text", async () => {
    const err = await client.getRun('0123456789abcdef0123456789abcdef').catch((e) => e);
    expect(err).toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST', status: 404 });
    expect(err.message).toBe('Run with id=0123456789abcdef0123456789abcdef not found');
  });
});

describe('run data', () => {
  it('log-metric, log-parameter, set-tag, log-batch and log-inputs land on the run', async () => {
    const run = await newRun('data');
    const id = run.info.run_id;
    await client.logMetric(id, { key: 'loss', value: 0.5, timestamp: 1000, step: 1 });
    await client.logMetric(id, { key: 'loss', value: 0.25, timestamp: 2000, step: 2 });
    await client.logParam(id, 'alpha', '0.1');
    await client.setTag(id, 'stage', 'dev');
    await client.logBatch(id, {
      metrics: [{ key: 'acc', value: 0.9, timestamp: 3000 }],
      params: [{ key: 'beta', value: 'x' }],
      tags: [{ key: 'stage', value: 'prod' }],
    });
    await client.logInputs(id, [
      {
        tags: [{ key: 'mlflow.data.context', value: 'training' }],
        dataset: {
          name: 'd',
          digest: 'abc',
          source_type: 'local',
          source: '{"uri": "/x.csv"}',
          schema: '{}',
        },
      },
    ]);
    const got = await client.getRun(id);
    // data.metrics holds the latest value per key
    expect(got.data.metrics).toContainEqual({ key: 'loss', value: 0.25, timestamp: 2000, step: 2 });
    expect(got.data.metrics).toContainEqual({ key: 'acc', value: 0.9, timestamp: 3000, step: 0 });
    expect(got.data.params).toEqual(
      expect.arrayContaining([
        { key: 'alpha', value: '0.1' },
        { key: 'beta', value: 'x' },
      ]),
    );
    expect(got.data.tags).toContainEqual({ key: 'stage', value: 'prod' });
    expect(got.inputs.dataset_inputs).toEqual([
      {
        tags: [{ key: 'mlflow.data.context', value: 'training' }],
        dataset: {
          name: 'd',
          digest: 'abc',
          source_type: 'local',
          source: '{"uri": "/x.csv"}',
          schema: '{}',
        },
      },
    ]);
    expect((await client.getMetricHistory(id, 'loss')).map((m) => [m.step, m.value])).toEqual([
      [1, 0.5],
      [2, 0.25],
    ]);
  });

  it('NaN and ±Infinity survive the JSON round trip (sent and read as protobuf strings)', async () => {
    const id = (await newRun('special')).info.run_id;
    const values = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
    await client.logBatch(id, {
      metrics: values.map((value, step) => ({ key: 'v', value, timestamp: 1, step })),
    });
    const history = await client.getMetricHistory(id, 'v');
    expect(history.map((m) => m.value)).toEqual(values);
  });

  it("changing a param is refused with MLflow's INVALID_PARAMETER_VALUE", async () => {
    const id = (await newRun('params')).info.run_id;
    await client.logParam(id, 'p', '1');
    await client.logParam(id, 'p', '1'); // the same value again is a no-op
    const err = await client.logParam(id, 'p', '2').catch((e) => e);
    expect(err).toMatchObject({ errorCode: 'INVALID_PARAMETER_VALUE', status: 400 });
    expect(err.message).toMatch(/^Changing param values is not allowed\. Param with key='p'/);
  });

  it('a history longer than one page is read completely, 25,000 points per page', async () => {
    const id = (await newRun('long')).info.run_id;
    const n = 30_000;
    const metrics: MetricPoint[] = Array.from({ length: n }, (_, step) => ({
      key: 'm',
      value: step / 2,
      timestamp: 1,
      step,
    }));
    await client.logBatch(id, { metrics });
    const pages: (number | undefined)[] = [];
    const api = client.api;
    const spy: TrackingApi = Object.create(api);
    spy.getMetricHistory = async (runId, key, options) => {
      pages.push(options?.maxResults);
      return api.getMetricHistory(runId, key, options);
    };
    const history = await new TrackingClient(spy, client.http).getMetricHistory(id, 'm');
    expect(history).toHaveLength(n);
    expect(history.every((m, i) => m.step === i && m.value === i / 2)).toBe(true);
    expect(pages.length).toBeGreaterThanOrEqual(2);
    expect(pages.every((p) => p === 25_000)).toBe(true);
  });
});

describe("logBatch splitting (MLflow client's log_batch chunking)", () => {
  it('params and tags 100 per call, topped up with metrics to 1000 entities, then metrics 1000 per call', async () => {
    const calls: { metrics: number; params: number; tags: number; firstMetric?: number }[] = [];
    const recorder = {
      async logBatch(
        _runId: string,
        batch: { metrics?: MetricPoint[]; params?: unknown[]; tags?: unknown[] },
      ) {
        calls.push({
          metrics: batch.metrics?.length ?? 0,
          params: batch.params?.length ?? 0,
          tags: batch.tags?.length ?? 0,
          firstMetric: batch.metrics?.[0]?.step,
        });
      },
    } as unknown as TrackingApi;
    const metrics = Array.from({ length: 2500 }, (_, step) => ({ key: 'm', value: 1, timestamp: 1, step }));
    const params = Array.from({ length: 150 }, (_, i) => ({ key: `p${i}`, value: 'v' }));
    const tags = Array.from({ length: 120 }, (_, i) => ({ key: `t${i}`, value: 'v' }));
    await new TrackingClient(recorder).logBatch('r', { metrics, params, tags });
    expect(calls).toEqual([
      { metrics: 800, params: 100, tags: 100, firstMetric: 0 },
      { metrics: 930, params: 50, tags: 20, firstMetric: 800 },
      { metrics: 770, params: 0, tags: 0, firstMetric: 1730 },
    ]);
    expect(Math.max(...calls.map((c) => c.metrics))).toBeLessThanOrEqual(MAX_METRICS_PER_BATCH);
  });

  it('against the server: 2500 metrics, 150 params and 120 tags all arrive', async () => {
    const id = (await newRun('split')).info.run_id;
    await client.logBatch(id, {
      metrics: Array.from({ length: 2500 }, (_, step) => ({ key: 'm', value: step, timestamp: 1, step })),
      params: Array.from({ length: 150 }, (_, i) => ({ key: `p${i}`, value: String(i) })),
      tags: Array.from({ length: 120 }, (_, i) => ({ key: `t${i}`, value: String(i) })),
    });
    const run = await client.getRun(id);
    expect(run.data.params).toHaveLength(150);
    expect(run.data.tags.filter((t) => /^t\d+$/.test(t.key))).toHaveLength(120);
    expect((await client.getMetricHistory(id, 'm')).map((m) => m.step)).toEqual(
      Array.from({ length: 2500 }, (_, i) => i),
    );
  });
});
