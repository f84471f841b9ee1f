/**
 * The tracking API, endpoint by endpoint, against the real stores (SQLite, and PostgreSQL in a
 * private database): request fields, defaults, response shape and error codes as MLflow states
 * them. Each expectation names its source: `service.proto` (mlflow/protos/service.proto),
 * `handlers` (mlflow/server/handlers.py), `sqlalchemy_store` (mlflow/store/tracking/
 * sqlalchemy_store.py), `validation` (mlflow/utils/validation.py), spec §n
 * (shared/specs/mlflow-rest-api.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, dialects, invalid, missing, type ServerFixture, startServer } from './harness.js';

const DIALECTS = await dialects();

describe.each(DIALECTS)('tracking API on %s', (dialect) => {
  let fx: ServerFixture;
  let api: ReturnType<typeof client>;
  let n = 0;
  /** A name no other test uses. */
  const unique = (what: string) => `${what}-${++n}-${Date.now()}`;

  beforeAll(async () => {
    fx = await startServer(dialect);
    api = client(fx.app);
  });
  afterAll(async () => {
    await fx?.close();
  });

  async function newExperiment(extra: Record<string, unknown> = {}): Promise<string> {
    const r = await api.post('experiments/create', { name: unique('exp'), ...extra });
    expect(r.status).toBe(200);
    return r.json.experiment_id;
  }

  async function newRun(experimentId?: string, extra: Record<string, unknown> = {}) {
    const r = await api.post('runs/create', {
      experiment_id: experimentId ?? (await newExperiment()),
      start_time: 1_700_000_000_000,
      ...extra,
    });
    expect(r.status).toBe(200);
    return r.json.run;
  }

  describe('experiments', () => {
    it('has experiment 0 "Default" on a new store (sqlalchemy_store._create_default_experiment)', async () => {
      const r = await api.get('experiments/get', { experiment_id: '0' });
      expect(r.status).toBe(200);
      const e = r.json.experiment;
      expect(e).toMatchObject({
        experiment_id: '0',
        name: 'Default',
        lifecycle_stage: 'active',
        // The proxy's default root (MLflow's DEFAULT_ARTIFACTS_URI) + "/0".
        artifact_location: 'mlflow-artifacts:/0',
      });
      // int64 fields are JSON numbers, not protobuf's strings (proto_json_utils.message_to_json).
      expect(typeof e.creation_time).toBe('number');
      expect(typeof e.last_update_time).toBe('number');
      // Empty repeated fields are omitted from proto JSON.
      expect(e).not.toHaveProperty('tags');
    });

    it('creates one: {experiment_id} as a string, default location <root>/<id>, tags kept (service.proto CreateExperiment)', async () => {
      const name = unique('create');
      const r = await api.post('experiments/create', { name, tags: [{ key: 'team', value: 'ml' }] });
      expect(r.status).toBe(200);
      expect(Object.keys(r.json)).toEqual(['experiment_id']);
      expect(r.json.experiment_id).toMatch(/^\d+$/);
      const e = (await api.get('experiments/get', { experiment_id: r.json.experiment_id })).json.experiment;
      expect(e).toMatchObject({
        name,
        artifact_location: `mlflow-artifacts:/${r.json.experiment_id}`,
        lifecycle_stage: 'active',
        tags: [{ key: 'team', value: 'ml' }],
      });
    });

    it('keeps an explicit artifact_location', async () => {
      const id = await newExperiment({ artifact_location: 's3://bucket/somewhere' });
      expect(
        (await api.get('experiments/get', { experiment_id: id })).json.experiment.artifact_location,
      ).toBe('s3://bucket/somewhere');
    });

    it('requires name (handlers._create_experiment: name [_assert_required, _assert_string])', async () => {
      expect((await api.post('experiments/create', {})).json).toEqual(missing('name'));
      expect((await api.post('experiments/create', { name: '' })).json).toEqual(missing('name'));
      const wrongType = await api.post('experiments/create', { name: 123 });
      expect(wrongType.status).toBe(400);
      expect(wrongType.json).toEqual(invalid('name', '123', 'int'));
    });

    it('refuses a duplicate name with 400 RESOURCE_ALREADY_EXISTS (spec §1: 400, not 409)', async () => {
      const name = unique('dup');
      await api.post('experiments/create', { name });
      const r = await api.post('experiments/create', { name });
      expect(r.status).toBe(400);
      expect(r.json.error_code).toBe('RESOURCE_ALREADY_EXISTS');
    });

    it('validates artifact_location as handlers._validate_artifact_root_uri does', async () => {
      const fragment = await api.post('experiments/create', {
        name: unique('x'),
        artifact_location: 'http:///#../../etc',
      });
      expect(fragment.status).toBe(400);
      expect(fragment.json).toEqual({
        error_code: 'INVALID_PARAMETER_VALUE',
        message: "'artifact_location' URL can't include fragments or params.",
      });
      const query = await api.post('experiments/create', {
        name: unique('x'),
        artifact_location: 'http:///?x=%2e%2e/%2e%2e/etc',
      });
      expect(query.json).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: 'Invalid query string' });
      const runs = await api.post('experiments/create', {
        name: unique('x'),
        artifact_location: 'runs:/abc/model',
      });
      expect(runs.json).toEqual({
        error_code: 'INVALID_PARAMETER_VALUE',
        message: "Artifact location cannot be a runs:/ URI. Given: 'runs:/abc/model'",
      });
      const long = await api.post('experiments/create', {
        name: unique('x'),
        artifact_location: `s3://b/${'a'.repeat(2048)}`,
      });
      expect(long.status).toBe(400);
      expect(long.json.message).toMatch(/^Invalid artifact path length/);
    });

    it('gets by id: 404 RESOURCE_DOES_NOT_EXIST for an unknown id, 400 for a missing one', async () => {
      const unknown = await api.get('experiments/get', { experiment_id: '987654' });
      expect(unknown.status).toBe(404);
      expect(unknown.json.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
      expect((await api.get('experiments/get')).json).toEqual(missing('experiment_id'));
    });

    it('gets by name; unknown → 404 "Could not find experiment with name" (handlers._get_experiment_by_name)', async () => {
      const name = unique('byname');
      const id = await newExperiment({ name });
      const r = await api.get('experiments/get-by-name', { experiment_name: name });
      expect(r.json.experiment.experiment_id).toBe(id);
      const unknown = await api.get('experiments/get-by-name', { experiment_name: 'no such experiment' });
      expect(unknown.status).toBe(404);
      expect(unknown.json).toEqual({
        error_code: 'RESOURCE_DOES_NOT_EXIST',
        message: "Could not find experiment with name 'no such experiment'",
      });
      expect((await api.get('experiments/get-by-name')).json).toEqual(missing('experiment_name'));
    });

    it('renames (experiments/update: new_name required), refuses a taken name', async () => {
      const id = await newExperiment();
      const newName = unique('renamed');
      expect((await api.post('experiments/update', { experiment_id: id, new_name: newName })).json).toEqual(
        {},
      );
      expect((await api.get('experiments/get', { experiment_id: id })).json.experiment.name).toBe(newName);
      expect((await api.post('experiments/update', { experiment_id: id })).json).toEqual(missing('new_name'));
      const taken = await api.post('experiments/update', { experiment_id: id, new_name: 'Default' });
      expect(taken.status).toBe(400);
      expect(taken.json.error_code).toBe('RESOURCE_ALREADY_EXISTS');
    });

    it('deletes softly (runs too) and restores (service.proto deleteExperiment / restoreExperiment)', async () => {
      const id = await newExperiment();
      const run = await newRun(id);
      expect((await api.post('experiments/delete', { experiment_id: id })).json).toEqual({});
      // Deleted experiments are still returned by get (service.proto getExperiment).
      expect((await api.get('experiments/get', { experiment_id: id })).json.experiment.lifecycle_stage).toBe(
        'deleted',
      );
      expect((await api.get('runs/get', { run_id: run.info.run_id })).json.run.info.lifecycle_stage).toBe(
        'deleted',
      );
      expect((await api.post('experiments/restore', { experiment_id: id })).json).toEqual({});
      expect((await api.get('experiments/get', { experiment_id: id })).json.experiment.lifecycle_stage).toBe(
        'active',
      );
      expect((await api.get('runs/get', { run_id: run.info.run_id })).json.run.info.lifecycle_stage).toBe(
        'active',
      );
      const unknown = await api.post('experiments/delete', { experiment_id: '987654' });
      expect(unknown.status).toBe(404);
      expect((await api.post('experiments/delete', {})).json).toEqual(missing('experiment_id'));
    });

    it('sets and deletes experiment tags (set-experiment-tag upserts)', async () => {
      const id = await newExperiment();
      await api.post('experiments/set-experiment-tag', { experiment_id: id, key: 'k', value: 'v1' });
      await api.post('experiments/set-experiment-tag', { experiment_id: id, key: 'k', value: 'v2' });
      expect((await api.get('experiments/get', { experiment_id: id })).json.experiment.tags).toEqual([
        { key: 'k', value: 'v2' },
      ]);
      expect(
        (await api.post('experiments/set-experiment-tag', { experiment_id: id, value: 'v' })).json,
      ).toEqual(missing('key'));
      expect(
        (await api.post('experiments/delete-experiment-tag', { experiment_id: id, key: 'k' })).json,
      ).toEqual({});
      expect((await api.get('experiments/get', { experiment_id: id })).json.experiment).not.toHaveProperty(
        'tags',
      );
    });

    it('searches: active only by default, view_type by name or number, filter, paging, {} when empty', async () => {
      const prefix = unique('search');
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push(await newExperiment({ name: `${prefix}-${i}` }));
      await api.post('experiments/delete', { experiment_id: ids[2] });
      const filter = `name LIKE '${prefix}-%'`;
      const active = await api.post('experiments/search', { filter, max_results: 10 });
      expect(active.json.experiments.map((e: { name: string }) => e.name).sort()).toEqual([
        `${prefix}-0`,
        `${prefix}-1`,
      ]);
      // GET is an endpoint too (service.proto searchExperiments: POST and GET); the enum by number.
      const all = await api.get('experiments/search', { filter, view_type: '3', max_results: 10 });
      expect(all.json.experiments).toHaveLength(3);
      const deleted = await api.post('experiments/search', {
        filter,
        view_type: 'DELETED_ONLY',
        max_results: 10,
      });
      expect(deleted.json.experiments.map((e: { experiment_id: string }) => e.experiment_id)).toEqual([
        ids[2],
      ]);
      // Paging: a token while more may follow, then the rest.
      const page1 = await api.post('experiments/search', { filter, max_results: 1, order_by: ['name ASC'] });
      expect(page1.json.experiments.map((e: { name: string }) => e.name)).toEqual([`${prefix}-0`]);
      expect(typeof page1.json.next_page_token).toBe('string');
      const page2 = await api.post('experiments/search', {
        filter,
        max_results: 1,
        order_by: ['name ASC'],
        page_token: page1.json.next_page_token,
      });
      expect(page2.json.experiments.map((e: { name: string }) => e.name)).toEqual([`${prefix}-1`]);
      // No hits: the empty response message, `{}` (proto JSON omits empty repeated fields).
      const none = await api.post('experiments/search', { filter: "name = 'nothing matches this'" });
      expect(none.status).toBe(200);
      expect(none.json).toEqual({});
      const badView = await api.post('experiments/search', { view_type: 'SOME' });
      expect(badView.json).toEqual(invalid('view_type', '"SOME"', 'str'));
      const badFilter = await api.post('experiments/search', { filter: 'name ~ 1' });
      expect(badFilter.status).toBe(400);
      expect(badFilter.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    });
  });

  describe('runs', () => {
    it('creates a run: RUNNING, active, artifact_uri under the experiment, run_uuid = run_id (service.proto RunInfo)', async () => {
      const exp = await newExperiment();
      const r = await api.post('runs/create', {
        experiment_id: exp,
        run_name: 'first',
        start_time: 1_700_000_000_123,
        user_id: 'alice',
        tags: [{ key: 'source', value: 'test' }],
      });
      expect(r.status).toBe(200);
      const { info, data } = r.json.run;
      expect(info.run_id).toMatch(/^[0-9a-f]{32}$/);
      expect(info).toMatchObject({
        run_uuid: info.run_id,
        run_name: 'first',
        experiment_id: exp,
        user_id: 'alice',
        status: 'RUNNING',
        start_time: 1_700_000_000_123,
        artifact_uri: `mlflow-artifacts:/${exp}/${info.run_id}/artifacts`,
        lifecycle_stage: 'active',
      });
      expect(info).not.toHaveProperty('end_time');
      // The store keeps the mlflow.runName tag in sync with run_name (sqlalchemy_store.create_run).
      expect(data.tags).toEqual(
        expect.arrayContaining([
          { key: 'source', value: 'test' },
          { key: 'mlflow.runName', value: 'first' },
        ]),
      );
    });

    it('defaults experiment_id to "0" and accepts it as a number (proto_json_utils._stringify_all_experiment_ids)', async () => {
      expect((await api.post('runs/create', {})).json.run.info.experiment_id).toBe('0');
      const exp = await newExperiment();
      expect(
        (await api.post('runs/create', { experiment_id: Number(exp) })).json.run.info.experiment_id,
      ).toBe(exp);
    });

    it('refuses an unknown experiment (404) and a start_time that is not an integer (400)', async () => {
      expect((await api.post('runs/create', { experiment_id: '987654' })).status).toBe(404);
      const bad = await api.post('runs/create', { start_time: 'yesterday' });
      expect(bad.json).toEqual(invalid('start_time', '"yesterday"', 'str'));
    });

    it('gets a run by run_id or its run_uuid alias; unknown → 404 "Run with id=… not found"', async () => {
      const run = await newRun();
      const id = run.info.run_id;
      expect((await api.get('runs/get', { run_id: id })).json.run.info.run_id).toBe(id);
      expect((await api.get('runs/get', { run_uuid: id })).json.run.info.run_id).toBe(id);
      const unknown = await api.get('runs/get', { run_id: 'f'.repeat(32) });
      expect(unknown.status).toBe(404);
      expect(unknown.json).toEqual({
        error_code: 'RESOURCE_DOES_NOT_EXIST',
        message: `Run with id=${'f'.repeat(32)} not found`,
      });
      expect((await api.get('runs/get')).json).toEqual(missing('run_id'));
    });

    it('updates status (by name or number), end_time and run_name → {run_info}', async () => {
      const run = await newRun();
      const id = run.info.run_id;
      const r = await api.post('runs/update', {
        run_id: id,
        status: 'FINISHED',
        end_time: 1_700_000_100_000,
      });
      expect(r.status).toBe(200);
      expect(Object.keys(r.json)).toEqual(['run_info']);
      expect(r.json.run_info).toMatchObject({
        run_id: id,
        run_uuid: id,
        status: 'FINISHED',
        end_time: 1_700_000_100_000,
      });
      // RunStatus enum by number (service.proto: FAILED = 4).
      expect((await api.post('runs/update', { run_uuid: id, status: 4 })).json.run_info.status).toBe(
        'FAILED',
      );
      expect(
        (await api.post('runs/update', { run_id: id, run_name: 'renamed' })).json.run_info.run_name,
      ).toBe('renamed');
      const badStatus = await api.post('runs/update', { run_id: id, status: 'DONE' });
      expect(badStatus.json).toEqual(invalid('status', '"DONE"', 'str'));
      expect((await api.post('runs/update', { status: 'FINISHED' })).json).toEqual(missing('run_id'));
    });

    it('deletes and restores; a deleted run refuses writes with MLflow\'s "active state" message', async () => {
      const run = await newRun();
      const id = run.info.run_id;
      expect((await api.post('runs/delete', { run_id: id })).json).toEqual({});
      expect((await api.get('runs/get', { run_id: id })).json.run.info.lifecycle_stage).toBe('deleted');
      const write = await api.post('runs/log-parameter', { run_id: id, key: 'p', value: '1' });
      expect(write.status).toBe(400);
      expect(write.json).toEqual({
        error_code: 'INVALID_PARAMETER_VALUE',
        message: `The run ${id} must be in the 'active' state. Current state is deleted.`,
      });
      expect((await api.post('runs/restore', { run_id: id })).json).toEqual({});
      expect((await api.get('runs/get', { run_id: id })).json.run.info.lifecycle_stage).toBe('active');
      expect((await api.post('runs/delete', { run_id: 'f'.repeat(32) })).status).toBe(404);
    });

    it('searches runs: filter grammar, order_by, paging, view type, {} when empty, max_results ≤ 50000', async () => {
      const exp = await newExperiment();
      const runs = [];
      for (let i = 0; i < 3; i++) {
        const run = await newRun(exp, { start_time: 1_700_000_000_000 + i });
        await api.post('runs/log-batch', {
          run_id: run.info.run_id,
          metrics: [{ key: 'rmse', value: i * 10, timestamp: 1, step: 0 }],
          params: [{ key: 'model', value: i === 1 ? 'hgb' : 'linear' }],
          tags: [{ key: 'team', value: 'ml' }],
        });
        runs.push(run.info.run_id);
      }
      const search = (body: Record<string, unknown>) =>
        api.post('runs/search', { experiment_ids: [exp], ...body });
      // Default order: start_time DESC (service.proto SearchRuns.order_by).
      expect((await search({})).json.runs.map((r: { info: { run_id: string } }) => r.info.run_id)).toEqual(
        [...runs].reverse(),
      );
      const filtered = await search({
        filter: "metrics.rmse < 15 and params.model = 'linear' and tags.team = 'ml'",
      });
      expect(filtered.json.runs.map((r: { info: { run_id: string } }) => r.info.run_id)).toEqual([runs[0]]);
      const ordered = await search({ order_by: ['metrics.rmse DESC'] });
      expect(ordered.json.runs[0].info.run_id).toBe(runs[2]);
      const page1 = await search({ max_results: 2 });
      expect(page1.json.runs).toHaveLength(2);
      const page2 = await search({ max_results: 2, page_token: page1.json.next_page_token });
      expect(page2.json.runs.map((r: { info: { run_id: string } }) => r.info.run_id)).toEqual([runs[0]]);
      await api.post('runs/delete', { run_id: runs[0] });
      expect((await search({ run_view_type: 'DELETED_ONLY' })).json.runs).toHaveLength(1);
      expect((await search({ filter: 'metrics.rmse > 1000' })).json).toEqual({});
      // handlers._search_runs: max_results [_assert_intlike, _assert_less_than_or_equal(int(x), 50000)]
      expect((await search({ max_results: 50001 })).json).toEqual(invalid('max_results', '50001', 'int'));
      const badFilter = await search({ filter: 'metrics.rmse <' });
      expect(badFilter.status).toBe(400);
      expect(badFilter.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    });
  });

  describe('run data', () => {
    it('logs metrics: key, value and timestamp required; step defaults to 0; history keeps every value', async () => {
      const run = await newRun();
      const id = run.info.run_id;
      const log = (m: Record<string, unknown>) => api.post('runs/log-metric', { run_id: id, ...m });
      expect((await log({ key: 'loss', value: 0.5, timestamp: 10 })).json).toEqual({});
      expect((await log({ key: 'loss', value: 0.25, timestamp: 20, step: 1 })).json).toEqual({});
      // handlers._log_metric schema: value [_assert_required, _assert_floatlike], timestamp [.., _assert_required]
      expect((await log({ value: 1, timestamp: 1 })).json).toEqual(missing('key'));
      expect((await log({ key: 'loss', timestamp: 1 })).json).toEqual(missing('value'));
      expect((await log({ key: 'loss', value: 1 })).json).toEqual(missing('timestamp'));
      expect((await log({ key: 'loss', value: 'high', timestamp: 1 })).json).toEqual(
        invalid('value', '"high"', 'str'),
      );
      expect((await log({ key: 'loss', value: 1, timestamp: 1.5 })).json).toEqual(
        invalid('timestamp', '1.5', 'float'),
      );
      const history = await api.get('metrics/get-history', { run_id: id, metric_key: 'loss' });
      expect(history.json.metrics).toEqual([
        { key: 'loss', value: 0.5, timestamp: 10, step: 0 },
        { key: 'loss', value: 0.25, timestamp: 20, step: 1 },
      ]);
      // data.metrics holds the latest value per key (service.proto getRun).
      expect((await api.get('runs/get', { run_id: id })).json.run.data.metrics).toEqual([
        { key: 'loss', value: 0.25, timestamp: 20, step: 1 },
      ]);
    });

    it('takes NaN and ±Infinity as quoted strings and writes them back that way (protobuf JSON mapping)', async () => {
      const run = await newRun();
      const id = run.info.run_id;
      for (const [value, step] of [
        ['NaN', 0],
        ['Infinity', 1],
        ['-Infinity', 2],
      ] as const) {
        expect(
          (await api.post('runs/log-metric', { run_id: id, key: 'odd', value, timestamp: 5, step })).status,
        ).toBe(200);
      }
      const history = await api.get('metrics/get-history', { run_id: id, metric_key: 'odd' });
      expect(history.json.metrics.map((m: { value: unknown }) => m.value)).toEqual([
        'NaN',
        'Infinity',
        '-Infinity',
      ]);
      expect(history.text).not.toMatch(/\bNaN\b(?!")/);
    });

    it('logs params once: the same value again is a no-op, another value is 400 (sqlalchemy_store.log_param)', async () => {
      const run = await newRun();
      const id = run.info.run_id;
      expect((await api.post('runs/log-parameter', { run_id: id, key: 'lr', value: '0.1' })).json).toEqual(
        {},
      );
      expect((await api.post('runs/log-parameter', { run_id: id, key: 'lr', value: '0.1' })).json).toEqual(
        {},
      );
      const changed = await api.post('runs/log-parameter', { run_id: id, key: 'lr', value: '0.2' });
      expect(changed.status).toBe(400);
      expect(changed.json.error_code).toBe('INVALID_PARAMETER_VALUE');
      expect(changed.json.message).toMatch(/^Changing param values is not allowed/);
      expect((await api.post('runs/log-parameter', { run_id: id, value: '1' })).json).toEqual(missing('key'));
      expect((await api.get('runs/get', { run_id: id })).json.run.data.params).toEqual([
        { key: 'lr', value: '0.1' },
      ]);
    });

    it('sets tags (overwrite) and deletes them; deleting an absent tag is 404', async () => {
      const run = await newRun();
      const id = run.info.run_id;
      await api.post('runs/set-tag', { run_id: id, key: 'stage', value: 'a' });
      await api.post('runs/set-tag', { run_uuid: id, key: 'stage', value: 'b' });
      const tags = (await api.get('runs/get', { run_id: id })).json.run.data.tags;
      expect(tags).toEqual(expect.arrayContaining([{ key: 'stage', value: 'b' }]));
      expect((await api.post('runs/delete-tag', { run_id: id, key: 'stage' })).json).toEqual({});
      const absent = await api.post('runs/delete-tag', { run_id: id, key: 'stage' });
      expect(absent.status).toBe(404);
      expect(absent.json.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    });

    it('logs a batch in order, with nested required fields checked (handlers._log_batch)', async () => {
      const run = await newRun();
      const id = run.info.run_id;
      const ok = await api.post('runs/log-batch', {
        run_id: id,
        metrics: [
          { key: 'm', value: 1, timestamp: 1, step: 0 },
          { key: 'm', value: 2, timestamp: 2, step: 1 },
          { key: 'm', value: '3.5', timestamp: '3', step: '2' },
        ],
        params: [{ key: 'p', value: 'v' }],
        tags: [{ key: 't', value: 'w' }],
      });
      expect(ok.json).toEqual({});
      const history = (await api.get('metrics/get-history', { run_id: id, metric_key: 'm' })).json.metrics;
      expect(history.map((m: { value: number }) => m.value)).toEqual([1, 2, 3.5]);
      expect(
        (await api.post('runs/log-batch', { run_id: id, metrics: [{ key: 'm', timestamp: 1 }] })).json,
      ).toEqual(missing('metrics[0].value'));
      expect((await api.post('runs/log-batch', { run_id: id, params: [{ value: 'x' }] })).json).toEqual(
        missing('params[0].key'),
      );
      expect((await api.post('runs/log-batch', { run_id: id, tags: [{ key: '' }] })).json).toEqual(
        missing('tags[0].key'),
      );
      // A value of the wrong type is refused, not logged as 0 as MLflow's partly parsed message would.
      expect(
        (await api.post('runs/log-batch', { run_id: id, metrics: [{ key: 'm', value: 'x', timestamp: 1 }] }))
          .json,
      ).toEqual(invalid('metrics[0].value', '"x"', 'str'));
      expect((await api.post('runs/log-batch', { metrics: [] })).json).toEqual(missing('run_id'));
    });

    it('applies log-batch limits and writes nothing of a refused batch', async () => {
      const run = await newRun();
      const id = run.info.run_id;
      const metrics = Array.from({ length: 1001 }, (_, i) => ({ key: 'k', value: i, timestamp: i }));
      const tooMany = await api.post('runs/log-batch', { run_id: id, metrics });
      expect(tooMany.status).toBe(400);
      expect(tooMany.json.error_code).toBe('INVALID_PARAMETER_VALUE');
      await api.post('runs/log-parameter', { run_id: id, key: 'fixed', value: 'a' });
      // The param change fails the batch; its metric and tag must not be half-written.
      const mixed = await api.post('runs/log-batch', {
        run_id: id,
        metrics: [{ key: 'half', value: 1, timestamp: 1 }],
        params: [{ key: 'fixed', value: 'b' }],
        tags: [{ key: 'half', value: 'x' }],
      });
      expect(mixed.status).toBe(400);
      const data = (await api.get('runs/get', { run_id: id })).json.run.data;
      expect(data.metrics ?? []).toEqual([]);
      expect((data.tags ?? []).find((t: { key: string }) => t.key === 'half')).toBeUndefined();
    });

    it('logs dataset inputs with tags; run.inputs lists them (service.proto LogInputs, DatasetInput)', async () => {
      const run = await newRun();
      const id = run.info.run_id;
      const dataset = {
        name: 'housing',
        digest: 'd1c47305',
        source_type: 'local',
        source: 'data/raw/housing.csv',
      };
      const r = await api.post('runs/log-inputs', {
        run_id: id,
        datasets: [{ dataset, tags: [{ key: 'mlflow.data.context', value: 'training' }] }],
      });
      expect(r.json).toEqual({});
      expect((await api.get('runs/get', { run_id: id })).json.run.inputs).toEqual({
        dataset_inputs: [{ dataset, tags: [{ key: 'mlflow.data.context', value: 'training' }] }],
      });
      const noName = await api.post('runs/log-inputs', {
        run_id: id,
        datasets: [{ dataset: { digest: 'x', source_type: 'local', source: 's' } }],
      });
      expect(noName.json).toEqual(missing('datasets[0].dataset.name'));
      expect((await api.post('runs/log-inputs', { datasets: [] })).json).toEqual(missing('run_id'));
    });
  });

  describe('metric history', () => {
    it('pages get-history with max_results and page_token; unknown run 404; unknown key {}', async () => {
      const run = await newRun();
      const id = run.info.run_id;
      const metrics = Array.from({ length: 25 }, (_, i) => ({
        key: 'h',
        value: i,
        timestamp: 100 + i,
        step: i,
      }));
      await api.post('runs/log-batch', { run_id: id, metrics });
      const seen: number[] = [];
      let token: string | undefined;
      do {
        const page = await api.get('metrics/get-history', {
          run_id: id,
          metric_key: 'h',
          max_results: 10,
          ...(token ? { page_token: token } : {}),
        });
        expect(page.status).toBe(200);
        seen.push(...page.json.metrics.map((m: { step: number }) => m.step));
        token = page.json.next_page_token;
      } while (token);
      expect(seen).toEqual(metrics.map((m) => m.step));
      expect((await api.get('metrics/get-history', { run_id: id, metric_key: 'nothing' })).json).toEqual({});
      expect((await api.get('metrics/get-history', { run_id: 'f'.repeat(32), metric_key: 'h' })).status).toBe(
        404,
      );
      expect((await api.get('metrics/get-history', { run_id: id })).json).toEqual(missing('metric_key'));
      expect(
        (await api.get('metrics/get-history', { run_id: id, metric_key: 'h', max_results: 'ten' })).json,
      ).toEqual(invalid('max_results', '"ten"', 'str'));
    });

    it("serves get-history-bulk-interval with run_id on each point and MLflow's limits", async () => {
      const a = await newRun();
      const b = await newRun();
      for (const run of [a, b]) {
        const metrics = Array.from({ length: 5 }, (_, i) => ({
          key: 'acc',
          value: i / 10,
          timestamp: i,
          step: i,
        }));
        await api.post('runs/log-batch', { run_id: run.info.run_id, metrics });
      }
      const r = await api.get('metrics/get-history-bulk-interval', {
        run_ids: [a.info.run_id, b.info.run_id],
        metric_key: 'acc',
        max_results: 100,
      });
      expect(r.status).toBe(200);
      expect(r.json.metrics).toHaveLength(10);
      expect(new Set(r.json.metrics.map((m: { run_id: string }) => m.run_id))).toEqual(
        new Set([a.info.run_id, b.info.run_id]),
      );
      // handlers.get_metric_history_bulk_interval_handler schema.
      const tooMany = await api.get('metrics/get-history-bulk-interval', {
        run_ids: Array.from({ length: 101 }, (_, i) => `r${i}`),
        metric_key: 'acc',
      });
      expect(tooMany.json).toEqual({
        error_code: 'INVALID_PARAMETER_VALUE',
        message:
          'GetMetricHistoryBulkInterval request must specify at most 100 run_ids. Received 101 run_ids. See the API docs for more information about request parameters.',
      });
      const badMax = await api.get('metrics/get-history-bulk-interval', {
        run_ids: [a.info.run_id],
        metric_key: 'acc',
        max_results: 0,
      });
      expect(badMax.json).toEqual({
        error_code: 'INVALID_PARAMETER_VALUE',
        message:
          'max_results must be between 1 and 2500. See the API docs for more information about request parameters.',
      });
      expect((await api.get('metrics/get-history-bulk-interval', { metric_key: 'acc' })).json).toEqual(
        missing('run_ids'),
      );
      const halfRange = await api.get('metrics/get-history-bulk-interval', {
        run_ids: [a.info.run_id],
        metric_key: 'acc',
        start_step: 1,
      });
      expect(halfRange.status).toBe(400);
      expect(halfRange.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    });

    it('serves the UI\'s get-history-bulk under /ajax-api only, with "metrics" even when empty', async () => {
      const run = await newRun();
      await api.post('runs/log-metric', { run_id: run.info.run_id, key: 'x', value: 1, timestamp: 1 });
      const ajax = client(fx.app, '/ajax-api/2.0/mlflow');
      const r = await ajax.get('metrics/get-history-bulk', { run_id: run.info.run_id, metric_key: 'x' });
      expect(r.json).toEqual({
        metrics: [{ key: 'x', value: 1, timestamp: 1, step: 0, run_id: run.info.run_id }],
      });
      expect(
        (await ajax.get('metrics/get-history-bulk', { run_id: run.info.run_id, metric_key: 'none' })).json,
      ).toEqual({
        metrics: [],
      });
      expect((await ajax.get('metrics/get-history-bulk', { metric_key: 'x' })).json.message).toBe(
        'GetMetricHistoryBulk request must specify at least one run_id.',
      );
      expect(
        (await api.get('metrics/get-history-bulk', { run_id: run.info.run_id, metric_key: 'x' })).status,
      ).toBe(404);
    });
  });

  describe('artifacts/list', () => {
    it("lists a run's proxied artifacts relative to its root (service.proto ListArtifacts, handlers.list_artifacts_impl)", async () => {
      const run = await newRun();
      const { run_id: runId, artifact_uri: root, experiment_id: exp } = run.info;
      // The run's root is mlflow-artifacts:/<exp>/<run>/artifacts, i.e. proxy path <exp>/<run>/artifacts.
      for (const [path, body] of [
        ['model/MLmodel', 'flavors: {}'],
        ['model/model.json', '{}'],
        ['metrics.json', '[]'],
      ]) {
        const put = await api.send(
          'PUT',
          `/api/2.0/mlflow-artifacts/artifacts/${exp}/${runId}/artifacts/${path}`,
          body,
          {
            'content-type': 'application/octet-stream',
          },
        );
        expect(put.status).toBe(200);
      }
      expect((await api.get('artifacts/list', { run_id: runId })).json).toEqual({
        root_uri: root,
        files: [
          { path: 'metrics.json', is_dir: false, file_size: 2 },
          { path: 'model', is_dir: true },
        ],
      });
      expect((await api.get('artifacts/list', { run_uuid: runId, path: 'model' })).json.files).toEqual([
        { path: 'model/MLmodel', is_dir: false, file_size: 11 },
        { path: 'model/model.json', is_dir: false, file_size: 2 },
      ]);
      // A run without artifacts: only root_uri (files is an empty repeated field).
      const empty = await newRun();
      expect((await api.get('artifacts/list', { run_id: empty.info.run_id })).json).toEqual({
        root_uri: empty.info.artifact_uri,
      });
      expect((await api.get('artifacts/list', { run_id: runId, path: '../x' })).json).toEqual({
        error_code: 'INVALID_PARAMETER_VALUE',
        message: 'Invalid path',
      });
      expect((await api.get('artifacts/list', { run_id: 'f'.repeat(32) })).status).toBe(404);
      expect((await api.get('artifacts/list')).json).toEqual(missing('run_id'));
    });
  });

  describe('aliases', () => {
    it("serves every endpoint under /ajax-api/2.0/mlflow too (the UI's prefix)", async () => {
      const ajax = client(fx.app, '/ajax-api/2.0/mlflow');
      const created = await ajax.post('experiments/create', { name: unique('ajax') });
      expect(created.status).toBe(200);
      const viaApi = await api.get('experiments/get', { experiment_id: created.json.experiment_id });
      expect(viaApi.status).toBe(200);
      const run = await ajax.post('runs/create', { experiment_id: created.json.experiment_id });
      expect((await ajax.get('runs/get', { run_id: run.json.run.info.run_id })).status).toBe(200);
    });
  });
});
