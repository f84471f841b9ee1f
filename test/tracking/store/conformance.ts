/**
 * The tracking-store conformance suite, run against every store (sqlite.test.ts,
 * postgres.test.ts). Each expectation is MLflow's behaviour, cited from its sources:
 * service.proto (the API contract), mlflow/store/tracking/sqlalchemy_store.py (SQL-store
 * semantics), mlflow/utils/validation.py and mlflow/utils/search_utils.py (rules and messages),
 * mlflow/server/handlers.py (bulk-interval sampling).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Metric, Run } from '../../../src/tracking/entities.js';
import type { MetricInput, TrackingStore } from '../../../src/tracking/store/index.js';
import { ARTIFACT_ROOT, expectMlflowError, type Harness, open, unique } from './harness.js';
import { describeHostileInput } from './hostile-input.js';

const HEX32 = /^[0-9a-f]{32}$/;

function metric(key: string, value: number, step: number, timestamp = 1000 + step): MetricInput {
  return { key, value, step, timestamp };
}

function tagsOf(run: Run): Record<string, string> {
  return Object.fromEntries(run.data.tags.map((t) => [t.key, t.value]));
}

export function describeTrackingStore(harness: Harness): void {
  let store: TrackingStore;

  beforeAll(async () => {
    store = await open(await harness.newDatabase());
  });
  afterAll(async () => {
    await store?.close();
  });

  async function newExperiment(prefix = 'exp'): Promise<string> {
    return store.createExperiment(unique(prefix));
  }

  async function newRun(experimentId?: string, startTime = Date.now()): Promise<Run> {
    return store.createRun({
      experimentId: experimentId ?? (await newExperiment()),
      userId: 'alice',
      startTime,
      tags: [],
    });
  }

  describe('a new store', () => {
    it('has experiment 0 "Default" at <default artifact root>/0 (SqlAlchemyStore._create_default_experiment)', async () => {
      const fresh = await open(await harness.newDatabase());
      try {
        const e = await fresh.getExperiment('0');
        expect(e).toMatchObject({
          experiment_id: '0',
          name: 'Default',
          artifact_location: 'mlflow-artifacts:/0',
          lifecycle_stage: 'active',
          tags: [],
        });
        expect(e.creation_time).toBeGreaterThan(Date.now() - 60_000);
        expect(e.last_update_time).toBe(e.creation_time);
        const page = await fresh.searchExperiments({ viewType: 'ACTIVE_ONLY', maxResults: 10 });
        expect(page.experiments.map((x) => x.experiment_id)).toEqual(['0']);
        expect(page.nextPageToken).toBeUndefined();
        // Autoincrement ids continue after 0, as strings.
        expect(await fresh.createExperiment('first')).toBe('1');
        expect(await fresh.createExperiment('second')).toBe('2');
      } finally {
        await fresh.close();
      }
    });

    it('opens again without migrating twice or adding a second Default, keeping the data', async () => {
      const uri = await harness.newDatabase();
      const a = await open(uri);
      const id = await a.createExperiment('kept');
      await a.close();
      const b = await open(uri);
      try {
        expect((await b.getExperiment(id)).name).toBe('kept');
        const all = await b.searchExperiments({ viewType: 'ALL', maxResults: 100 });
        expect(all.experiments.filter((e) => e.name === 'Default')).toHaveLength(1);
      } finally {
        await b.close();
      }
      expect(await harness.query(uri, 'SELECT version FROM schema_version')).toEqual([{ version: 1 }]);
    });

    it('refuses a database whose schema is newer than this code, and leaves it untouched', async () => {
      const uri = await harness.newDatabase();
      await (await open(uri)).close();
      await harness.query(
        uri,
        "INSERT INTO schema_version (version, name, applied_at) VALUES (999, 'from the future', 0)",
      );
      await expect(open(uri)).rejects.toThrow(
        'The tracking database schema is at version 999, newer than this mlship understands (up to 1); upgrade mlship to use this database.',
      );
      expect(await harness.query(uri, 'SELECT version FROM schema_version ORDER BY version')).toEqual([
        { version: 1 },
        { version: 999 },
      ]);
    });
  });

  describe('experiments', () => {
    it('creates with the default artifact location, an explicit one, and tags (create_experiment)', async () => {
      const id = await store.createExperiment(unique('plain'));
      expect(id).toMatch(/^\d+$/);
      expect((await store.getExperiment(id)).artifact_location).toBe(`${ARTIFACT_ROOT}${id}`);
      const name = unique('located');
      const id2 = await store.createExperiment(name, 's3://bucket/prefix', [
        { key: 'team', value: 'ml' },
        { key: 'x', value: '' },
      ]);
      const e = await store.getExperiment(id2);
      expect(e).toMatchObject({ name, artifact_location: 's3://bucket/prefix', lifecycle_stage: 'active' });
      expect(e.tags).toEqual([
        { key: 'team', value: 'ml' },
        { key: 'x', value: '' },
      ]);
    });

    it('refuses a duplicate name, deleted experiments included, with RESOURCE_ALREADY_EXISTS', async () => {
      const name = unique('dup');
      const id = await store.createExperiment(name);
      await expectMlflowError(
        store.createExperiment(name),
        'RESOURCE_ALREADY_EXISTS',
        `Experiment(name=${name}) already exists.`,
      );
      await store.deleteExperiment(id);
      await expectMlflowError(store.createExperiment(name), 'RESOURCE_ALREADY_EXISTS');
    });

    it('validates the name and artifact location (validation._validate_experiment_name)', async () => {
      await expectMlflowError(
        store.createExperiment(''),
        'INVALID_PARAMETER_VALUE',
        "Invalid experiment name: ''",
      );
      await expectMlflowError(
        store.createExperiment('n'.repeat(501)),
        'INVALID_PARAMETER_VALUE',
        "'name' exceeds the maximum length of 500 characters",
      );
      expect(
        await store.getExperiment(await store.createExperiment(`${unique('x')}${'n'.repeat(480)}`)),
      ).toBeTruthy();
      await expectMlflowError(
        store.createExperiment(unique('runs'), 'runs:/abc/model'),
        'INVALID_PARAMETER_VALUE',
        "Artifact location cannot be a runs:/ URI. Given: 'runs:/abc/model'",
      );
    });

    it('answers an unknown id with RESOURCE_DOES_NOT_EXIST "No Experiment with id=… exists"', async () => {
      await expectMlflowError(
        store.getExperiment('987654'),
        'RESOURCE_DOES_NOT_EXIST',
        'No Experiment with id=987654 exists',
      );
      // The SQL store's ids are integers: anything else names no experiment.
      await expectMlflowError(
        store.getExperiment('abc'),
        'RESOURCE_DOES_NOT_EXIST',
        'No Experiment with id=abc exists',
      );
      await expectMlflowError(store.getExperiment('99999999999999'), 'RESOURCE_DOES_NOT_EXIST');
    });

    it('finds by name, deleted ones too, and returns null for an unknown name', async () => {
      const name = unique('byname');
      const id = await store.createExperiment(name);
      expect((await store.getExperimentByName(name))?.experiment_id).toBe(id);
      await store.deleteExperiment(id);
      expect((await store.getExperimentByName(name))?.lifecycle_stage).toBe('deleted');
      expect(await store.getExperimentByName(unique('nobody'))).toBeNull();
    });

    it('renames an active experiment and refuses taken names and deleted experiments', async () => {
      const id = await newExperiment();
      const before = await store.getExperiment(id);
      const newName = unique('renamed');
      await new Promise((r) => setTimeout(r, 5));
      await store.renameExperiment(id, newName);
      const after = await store.getExperiment(id);
      expect(after.name).toBe(newName);
      expect(after.last_update_time).toBeGreaterThan(before.last_update_time);
      const other = unique('other');
      await store.createExperiment(other);
      await expectMlflowError(store.renameExperiment(id, other), 'RESOURCE_ALREADY_EXISTS');
      await expectMlflowError(store.renameExperiment(id, ''), 'INVALID_PARAMETER_VALUE');
      await store.deleteExperiment(id);
      await expectMlflowError(
        store.renameExperiment(id, unique('z')),
        'INVALID_STATE',
        'Cannot rename a non-active experiment.',
      );
      await expectMlflowError(store.renameExperiment('987655', unique('z')), 'RESOURCE_DOES_NOT_EXIST');
    });

    it('soft-deletes and restores an experiment together with its runs (delete_experiment/restore_experiment)', async () => {
      const id = await newExperiment();
      const r1 = await newRun(id);
      const r2 = await newRun(id);
      await store.deleteExperiment(id);
      expect((await store.getExperiment(id)).lifecycle_stage).toBe('deleted');
      expect((await store.getRun(r1.info.run_id)).info.lifecycle_stage).toBe('deleted');
      expect((await store.getRun(r2.info.run_id)).info.lifecycle_stage).toBe('deleted');
      // Only active experiments can be deleted, only deleted ones restored (404 otherwise).
      await expectMlflowError(
        store.deleteExperiment(id),
        'RESOURCE_DOES_NOT_EXIST',
        `No Experiment with id=${id} exists`,
      );
      await expectMlflowError(
        store.createRun({ experimentId: id, userId: 'u', startTime: 1, tags: [] }),
        'INVALID_PARAMETER_VALUE',
        `The experiment ${id} must be in the 'active' state. Current state is deleted.`,
      );
      await store.restoreExperiment(id);
      expect((await store.getExperiment(id)).lifecycle_stage).toBe('active');
      expect((await store.getRun(r1.info.run_id)).info.lifecycle_stage).toBe('active');
      await expectMlflowError(store.restoreExperiment(id), 'RESOURCE_DOES_NOT_EXIST');
      await expectMlflowError(store.deleteExperiment('987656'), 'RESOURCE_DOES_NOT_EXIST');
    });

    it('sets (upserts) and deletes experiment tags with MLflow limits', async () => {
      const id = await newExperiment();
      await store.setExperimentTag(id, 'k', 'v1');
      await store.setExperimentTag(id, 'k', 'v2');
      await store.setExperimentTag(id, 'note', 'n'.repeat(5000));
      expect((await store.getExperiment(id)).tags).toEqual([
        { key: 'k', value: 'v2' },
        { key: 'note', value: 'n'.repeat(5000) },
      ]);
      // validation._validate_experiment_tag: no truncation for experiment tags.
      await expectMlflowError(
        store.setExperimentTag(id, 'k', 'v'.repeat(5001)),
        'INVALID_PARAMETER_VALUE',
        "'value' exceeds the maximum length of 5000 characters",
      );
      await expectMlflowError(
        store.setExperimentTag(id, 'k'.repeat(251), 'v'),
        'INVALID_PARAMETER_VALUE',
        "'key' exceeds the maximum length of 250 characters",
      );
      await expectMlflowError(
        store.setExperimentTag(id, 'a//b', 'v'),
        'INVALID_PARAMETER_VALUE',
        /would resolve to 'a\/b'$/,
      );
      await store.deleteExperimentTag(id, 'k');
      expect((await store.getExperiment(id)).tags.map((t) => t.key)).toEqual(['note']);
      await expectMlflowError(
        store.deleteExperimentTag(id, 'k'),
        'RESOURCE_DOES_NOT_EXIST',
        `No tag with name: k in experiment with id ${id}`,
      );
      await store.deleteExperiment(id);
      await expectMlflowError(
        store.setExperimentTag(id, 'k', 'v'),
        'INVALID_PARAMETER_VALUE',
        `The experiment ${id} must be in the 'active' state. Current state is deleted.`,
      );
      await expectMlflowError(store.setExperimentTag('987657', 'k', 'v'), 'RESOURCE_DOES_NOT_EXIST');
    });

    describe('search', () => {
      const prefix = unique('srch');
      const ids: string[] = [];
      beforeAll(async () => {
        // Created in this order, so creation_time increases (1 ms apart at least).
        for (const [suffix, tag] of [
          ['Alpha', 'a'],
          ['alpha', 'b'],
          ['beta', 'a'],
          ['gamma', 'c'],
        ] as const) {
          ids.push(
            await store.createExperiment(`${prefix}-${suffix}`, undefined, [{ key: 'grp', value: tag }]),
          );
          await new Promise((r) => setTimeout(r, 3));
        }
        await store.deleteExperiment(ids[3]!);
      });
      const search = (
        filter: string,
        extra: Partial<Parameters<TrackingStore['searchExperiments']>[0]> = {},
      ) =>
        store.searchExperiments({
          viewType: 'ALL',
          maxResults: 100,
          filter: `name LIKE '${prefix}%' AND ${filter}`,
          ...extra,
        });
      const names = (p: { experiments: { name: string }[] }) =>
        p.experiments.map((e) => e.name.slice(prefix.length + 1));

      it('filters by name (LIKE case-sensitive, ILIKE not), tags and view type', async () => {
        expect(names(await search("name LIKE '%-alpha'"))).toEqual(['alpha']);
        expect(names(await search("name ILIKE '%-ALPHA'", { orderBy: ['name'] }))).toEqual([
          'Alpha',
          'alpha',
        ]);
        expect(names(await search("tags.grp = 'a'", { orderBy: ['name ASC'] }))).toEqual(['Alpha', 'beta']);
        expect(names(await search("tags.grp != 'a'", { orderBy: ['name'] }))).toEqual(['alpha', 'gamma']);
        expect(names(await search(`name = '${prefix}-beta'`))).toEqual(['beta']);
        const active = await store.searchExperiments({
          viewType: 'ACTIVE_ONLY',
          maxResults: 100,
          filter: `name LIKE '${prefix}%'`,
        });
        expect(names(active).sort()).toEqual(['Alpha', 'alpha', 'beta']);
        const deleted = await store.searchExperiments({
          viewType: 'DELETED_ONLY',
          maxResults: 100,
          filter: `name LIKE '${prefix}%'`,
        });
        expect(names(deleted)).toEqual(['gamma']);
        const created = (await store.getExperiment(ids[2]!)).creation_time;
        expect(names(await search(`creation_time >= ${created}`, { orderBy: ['creation_time'] }))).toEqual([
          'beta',
          'gamma',
        ]);
      });

      it('orders by creation_time DESC, experiment_id ASC by default and by order_by otherwise', async () => {
        expect(names(await search("name != ''"))).toEqual(['gamma', 'beta', 'alpha', 'Alpha']);
        expect(names(await search("name != ''", { orderBy: ['experiment_id ASC'] }))).toEqual([
          'Alpha',
          'alpha',
          'beta',
          'gamma',
        ]);
        expect(names(await search("name != ''", { orderBy: ['last_update_time DESC', 'name'] }))[0]).toBe(
          'gamma',
        );
        await expectMlflowError(
          search("name != ''", { orderBy: ['tags.grp'] }),
          'INVALID_PARAMETER_VALUE',
          'Invalid order_by entity: tag',
        );
        await expectMlflowError(
          search("name != ''", { orderBy: ['owner'] }),
          'INVALID_PARAMETER_VALUE',
          /^Invalid attribute key 'owner' specified/,
        );
      });

      it('pages with exact tokens (it looks one ahead) and refuses bad tokens and max_results', async () => {
        const seen: string[] = [];
        let token: string | undefined;
        let pages = 0;
        do {
          const page = await search("name != ''", {
            maxResults: 3,
            pageToken: token,
            orderBy: ['experiment_id'],
          });
          seen.push(...names(page));
          token = page.nextPageToken;
          pages++;
        } while (token);
        expect(seen).toEqual(['Alpha', 'alpha', 'beta', 'gamma']);
        expect(pages).toBe(2);
        const exact = await search("name != ''", { maxResults: 4 });
        expect(exact.nextPageToken).toBeUndefined();
        await expectMlflowError(
          search("name != ''", { pageToken: 'not base64!' }),
          'INVALID_PARAMETER_VALUE',
          /^Invalid page token/,
        );
        await expectMlflowError(
          search("name != ''", { maxResults: 0 }),
          'INVALID_PARAMETER_VALUE',
          "Invalid value 0 for parameter 'max_results' supplied. It must be a positive integer",
        );
        await expectMlflowError(
          search("name != ''", { maxResults: 50001 }),
          'INVALID_PARAMETER_VALUE',
          "Invalid value 50001 for parameter 'max_results' supplied. It must be at most 50000",
        );
        await expectMlflowError(
          search('metrics.x > 1'),
          'INVALID_PARAMETER_VALUE',
          "Invalid entity type 'metrics'. Valid entity types are ('attribute', 'tag', 'tags')",
        );
      });
    });
  });

  describe('runs', () => {
    it('creates a RUNNING, active run with MLflow run id, artifact URI, name and mlflow.runName tag (create_run)', async () => {
      const exp = await newExperiment();
      const run = await store.createRun({
        experimentId: exp,
        userId: 'alice',
        startTime: 1234,
        tags: [{ key: 'k', value: 'v' }],
      });
      expect(run.info).toMatchObject({
        run_uuid: run.info.run_id,
        experiment_id: exp,
        user_id: 'alice',
        status: 'RUNNING',
        start_time: 1234,
        lifecycle_stage: 'active',
        artifact_uri: `mlflow-artifacts:/${exp}/${run.info.run_id}/artifacts`,
      });
      expect(run.info.run_id).toMatch(HEX32);
      expect(run.info.end_time).toBeUndefined();
      // name_utils._generate_random_name: "<adjective>-<noun>-<number>".
      expect(run.info.run_name).toMatch(/^[a-z]+-[a-z]+-\d{1,3}$/);
      expect(tagsOf(run)).toEqual({ k: 'v', 'mlflow.runName': run.info.run_name });
      expect(run.data.metrics).toEqual([]);
      expect(run.inputs.dataset_inputs).toEqual([]);
      expect(await store.getRun(run.info.run_id)).toEqual(run);
    });

    it('takes the run name from run_name or the mlflow.runName tag, and refuses the two disagreeing', async () => {
      const exp = await newExperiment();
      const a = await store.createRun({
        experimentId: exp,
        userId: '',
        startTime: 1,
        tags: [],
        runName: 'given',
      });
      expect(a.info.run_name).toBe('given');
      expect(tagsOf(a)['mlflow.runName']).toBe('given');
      const b = await store.createRun({
        experimentId: exp,
        userId: '',
        startTime: 1,
        tags: [{ key: 'mlflow.runName', value: 'tagged' }],
      });
      expect(b.info.run_name).toBe('tagged');
      await expectMlflowError(
        store.createRun({
          experimentId: exp,
          userId: '',
          startTime: 1,
          tags: [{ key: 'mlflow.runName', value: 'x' }],
          runName: 'y',
        }),
        'INVALID_PARAMETER_VALUE',
        "Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='y', mlflow.runName='x').",
      );
    });

    it('answers unknown experiments and runs with RESOURCE_DOES_NOT_EXIST', async () => {
      await expectMlflowError(
        store.createRun({ experimentId: '987658', userId: '', startTime: 1, tags: [] }),
        'RESOURCE_DOES_NOT_EXIST',
        'No Experiment with id=987658 exists',
      );
      await expectMlflowError(
        store.getRun('0123456789abcdef0123456789abcdef'),
        'RESOURCE_DOES_NOT_EXIST',
        'Run with id=0123456789abcdef0123456789abcdef not found',
      );
      for (const call of [
        () => store.updateRunInfo('nope', { status: 'FINISHED' }),
        () => store.deleteRun('nope'),
        () => store.restoreRun('nope'),
        () => store.logBatch('nope', [], [], []),
        () => store.setTag('nope', 'k', 'v'),
        () => store.getMetricHistory('nope', 'm'),
      ]) {
        await expectMlflowError(call(), 'RESOURCE_DOES_NOT_EXIST', 'Run with id=nope not found');
      }
    });

    it('updates status, end time and name (update_run_info), keeping mlflow.runName in step', async () => {
      const run = await newRun();
      const info = await store.updateRunInfo(run.info.run_id, {
        status: 'FINISHED',
        endTime: 99_999,
        runName: 'final',
      });
      expect(info).toMatchObject({ status: 'FINISHED', end_time: 99_999, run_name: 'final' });
      const again = await store.getRun(run.info.run_id);
      expect(again.info).toEqual(info);
      expect(tagsOf(again)['mlflow.runName']).toBe('final');
      // Nothing given, nothing changed; the server enforces no transition order.
      expect(await store.updateRunInfo(run.info.run_id, {})).toEqual(info);
      expect((await store.updateRunInfo(run.info.run_id, { status: 'RUNNING' })).status).toBe('RUNNING');
      await expectMlflowError(
        store.updateRunInfo(run.info.run_id, { status: 'DONE' as never }),
        'INVALID_PARAMETER_VALUE',
      );
    });

    it('soft-deletes and restores runs; a deleted run stays readable and refuses every write', async () => {
      const run = await newRun();
      const id = run.info.run_id;
      await store.deleteRun(id);
      expect((await store.getRun(id)).info.lifecycle_stage).toBe('deleted');
      const message = `The run ${id} must be in the 'active' state. Current state is deleted.`;
      for (const call of [
        () => store.logBatch(id, [metric('m', 1, 0)], [], []),
        () => store.logMetric(id, metric('m', 1, 0)),
        () => store.logParam(id, 'p', 'v'),
        () => store.setTag(id, 't', 'v'),
        () => store.deleteTag(id, 'mlflow.runName'),
        () => store.updateRunInfo(id, { status: 'FINISHED' }),
        () =>
          store.logInputs(id, [
            { tags: [], dataset: { name: 'd', digest: 'x', source_type: 'local', source: '{}' } },
          ]),
      ]) {
        await expectMlflowError(call(), 'INVALID_PARAMETER_VALUE', message);
      }
      await store.deleteRun(id); // deleting again is allowed (delete_run does not check the stage)
      await store.restoreRun(id);
      expect((await store.getRun(id)).info.lifecycle_stage).toBe('active');
      await store.logParam(id, 'p', 'v');
    });
  });

  describe('run data', () => {
    it('logs metrics, params and tags in one batch; data.metrics holds the latest value per key', async () => {
      const run = await newRun();
      const id = run.info.run_id;
      await store.logBatch(
        id,
        [metric('loss', 0.9, 0), metric('loss', 0.5, 1), metric('acc', 0.7, 1)],
        [
          { key: 'lr', value: '0.1' },
          { key: 'depth', value: '8' },
        ],
        [{ key: 'team', value: 'ml' }],
      );
      const got = await store.getRun(id);
      expect(got.data.metrics).toEqual([
        { key: 'acc', value: 0.7, timestamp: 1001, step: 1 },
        { key: 'loss', value: 0.5, timestamp: 1001, step: 1 },
      ]);
      expect(got.data.params).toEqual([
        { key: 'depth', value: '8' },
        { key: 'lr', value: '0.1' },
      ]);
      expect(tagsOf(got).team).toBe('ml');
      expect((await store.getMetricHistory(id, 'loss')).metrics.map((m) => m.value)).toEqual([0.9, 0.5]);
    });

    it('keeps as latest the greatest (step, timestamp, value), not the last logged (_update_latest_metrics_if_necessary)', async () => {
      const id = (await newRun()).info.run_id;
      const latest = async () => (await store.getRun(id)).data.metrics.find((m) => m.key === 'm');
      await store.logMetric(id, { key: 'm', value: 5, step: 2, timestamp: 10 });
      await store.logMetric(id, { key: 'm', value: 9, step: 1, timestamp: 1000 }); // older step
      expect(await latest()).toEqual({ key: 'm', value: 5, step: 2, timestamp: 10 });
      await store.logMetric(id, { key: 'm', value: 1, step: 2, timestamp: 11 }); // same step, later
      expect(await latest()).toEqual({ key: 'm', value: 1, step: 2, timestamp: 11 });
      await store.logMetric(id, { key: 'm', value: 0.5, step: 2, timestamp: 11 }); // same (step, ts), smaller value
      expect((await latest())?.value).toBe(1);
      await store.logMetric(id, { key: 'm', value: 3, step: 2, timestamp: 11 }); // same (step, ts), greater
      expect((await latest())?.value).toBe(3);
      // Within one batch too, whatever the order inside it.
      await store.logBatch(id, [metric('b', 7, 5, 5), metric('b', 8, 6, 1), metric('b', 6, 4, 99)], [], []);
      expect((await store.getRun(id)).data.metrics.find((m) => m.key === 'b')).toEqual({
        key: 'b',
        value: 8,
        step: 6,
        timestamp: 1,
      });
    });

    it('stores NaN and ±Infinity and returns them (is_nan column; SQLite cannot store NaN)', async () => {
      const id = (await newRun()).info.run_id;
      await store.logBatch(
        id,
        [
          metric('nan', Number.NaN, 0),
          metric('pinf', Number.POSITIVE_INFINITY, 0),
          metric('ninf', Number.NEGATIVE_INFINITY, 0),
          metric('nan', 1, 0, 900),
        ],
        [],
        [],
      );
      const hist = (await store.getMetricHistory(id, 'nan')).metrics;
      expect(hist.map((m) => m.value)).toEqual([1, Number.NaN]);
      const byKey = Object.fromEntries((await store.getRun(id)).data.metrics.map((m) => [m.key, m.value]));
      expect(byKey).toEqual({
        nan: Number.NaN,
        pinf: Number.POSITIVE_INFINITY,
        ninf: Number.NEGATIVE_INFINITY,
      });
      // A NaN point logged twice is one point, as any identical point.
      await store.logMetric(id, metric('nan', Number.NaN, 0));
      expect((await store.getMetricHistory(id, 'nan')).metrics).toHaveLength(2);
    });

    it('stores an identical point once but keeps points differing in value (metrics primary key)', async () => {
      const id = (await newRun()).info.run_id;
      await store.logBatch(id, [metric('m', 1, 0), metric('m', 1, 0)], [], []);
      await store.logMetric(id, metric('m', 1, 0));
      await store.logMetric(id, metric('m', 2, 0));
      expect((await store.getMetricHistory(id, 'm')).metrics.map((m) => m.value)).toEqual([1, 2]);
    });

    it('makes params immutable: same value is a no-op, another value is INVALID_PARAMETER_VALUE (log_param/_log_params)', async () => {
      const id = (await newRun()).info.run_id;
      await store.logParam(id, 'p', 'a');
      await store.logParam(id, 'p', 'a');
      await store.logBatch(id, [], [{ key: 'p', value: 'a' }], []);
      await expectMlflowError(
        store.logParam(id, 'p', 'b'),
        'INVALID_PARAMETER_VALUE',
        `Changing param values is not allowed. Param with key='p' was already logged with value='a' for run ID='${id}'. Attempted logging new value 'b'.`,
      );
      // A batch holding a changed param writes nothing at all.
      await expectMlflowError(
        store.logBatch(
          id,
          [metric('unwritten', 1, 0)],
          [
            { key: 'q', value: '1' },
            { key: 'p', value: 'c' },
          ],
          [{ key: 'unwritten', value: 'x' }],
        ),
        'INVALID_PARAMETER_VALUE',
        `Changing param values is not allowed. Params were already logged='[{'key': 'p', 'old_value': 'a', 'new_value': 'c'}]' for run ID='${id}'.`,
      );
      const run = await store.getRun(id);
      expect(run.data.params).toEqual([{ key: 'p', value: 'a' }]);
      expect(run.data.metrics).toEqual([]);
      expect(tagsOf(run).unwritten).toBeUndefined();
    });

    it('refuses duplicate param keys in one batch and enforces the batch limits (validation.py)', async () => {
      const id = (await newRun()).info.run_id;
      await expectMlflowError(
        store.logBatch(
          id,
          [],
          [
            { key: 'p', value: '1' },
            { key: 'p', value: '1' },
          ],
          [],
        ),
        'INVALID_PARAMETER_VALUE',
        "Duplicate parameter keys have been submitted: ['p']. Please ensure the request contains only one param value per param key.",
      );
      const many = (n: number) => Array.from({ length: n }, (_, i) => metric(`m${i}`, i, 0));
      const params = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `p${i}`, value: 'v' }));
      await expectMlflowError(
        store.logBatch(id, many(1001), [], []),
        'INVALID_PARAMETER_VALUE',
        'A batch logging request can contain at most 1000 metrics. Got 1001 metrics. Please split up metrics across multiple requests and try again.',
      );
      await expectMlflowError(
        store.logBatch(id, [], params(101), []),
        'INVALID_PARAMETER_VALUE',
        /at most 100 params\. Got 101 params/,
      );
      await expectMlflowError(
        store.logBatch(id, [], [], params(101)),
        'INVALID_PARAMETER_VALUE',
        /at most 100 tags\. Got 101 tags/,
      );
      await expectMlflowError(
        store.logBatch(id, many(950), params(51), []),
        'INVALID_PARAMETER_VALUE',
        /at most 1000 metrics, params, and tags\. Got 1001 metrics, params, and tags/,
      );
      // Exactly at the limits is fine.
      await store.logBatch(id, many(900), params(100), []);
      expect((await store.getRun(id)).data.metrics).toHaveLength(900);
    });

    it('validates keys, timestamps and values with MLflow messages and JSON paths', async () => {
      const id = (await newRun()).info.run_id;
      await expectMlflowError(
        store.logBatch(id, [metric('ok', 1, 0), metric('a//b', 1, 0)], [], []),
        'INVALID_PARAMETER_VALUE',
        `Invalid value "a//b" for parameter 'metrics[1].name' supplied: Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to 'a/b'`,
      );
      await expectMlflowError(
        store.logMetric(id, metric('bad@key', 1, 0)),
        'INVALID_PARAMETER_VALUE',
        `Invalid value "bad@key" for parameter 'name' supplied: Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).`,
      );
      await expectMlflowError(
        store.logParam(id, '../x', 'v'),
        'INVALID_PARAMETER_VALUE',
        /^Invalid value "..\/x" for parameter 'key' supplied: .*resolve to '..\/x'$/,
      );
      await expectMlflowError(
        store.setTag(id, '', 'v'),
        'INVALID_PARAMETER_VALUE',
        /for parameter 'key' supplied: .* would resolve to '\.'$/,
      );
      await expectMlflowError(
        store.logBatch(id, [{ key: 'm', value: 1, step: 0, timestamp: -1 }], [], []),
        'INVALID_PARAMETER_VALUE',
        "Invalid value -1 for parameter 'metrics[0].timestamp' supplied: metric 'm' (value=1). Timestamp must be a nonnegative long (64-bit integer) ",
      );
      await expectMlflowError(
        store.logMetric(id, { key: 'm', value: '1' as unknown as number, step: 0, timestamp: 1 }),
        'INVALID_PARAMETER_VALUE',
        `Invalid value "1" for parameter 'value' supplied: (timestamp=1). Please specify value as a valid double (64-bit floating point)`,
      );
      await expectMlflowError(
        store.logMetric(id, metric('k'.repeat(251), 1, 0)),
        'INVALID_PARAMETER_VALUE',
        "'Metric name' exceeds the maximum length of 250 characters",
      );
      await expectMlflowError(
        store.logBatch('bad id!', [], [], []),
        'INVALID_PARAMETER_VALUE',
        `Invalid value "bad id!" for parameter 'run_id' supplied.`,
      );
      // Allowed: slashes, spaces, colons, dots, dashes, non-ASCII letters.
      await store.logBatch(id, [metric('train/loss: ép 1.0-x', 1, 0)], [], []);
    });

    it('truncates long param (6000) and tag (8000) values, as MLflow does by default', async () => {
      const id = (await newRun()).info.run_id;
      await store.logParam(id, 'long', 'x'.repeat(7000));
      await store.setTag(id, 'long', 'y'.repeat(9000));
      const run = await store.getRun(id);
      expect(run.data.params[0]?.value).toBe('x'.repeat(6000));
      expect(tagsOf(run).long).toBe('y'.repeat(8000));
      const saved = process.env.MLFLOW_TRUNCATE_LONG_VALUES;
      process.env.MLFLOW_TRUNCATE_LONG_VALUES = 'false';
      try {
        await expectMlflowError(
          store.logParam(id, 'long2', 'x'.repeat(6001)),
          'INVALID_PARAMETER_VALUE',
          "'Param value' exceeds the maximum length of 6000 characters",
        );
      } finally {
        if (saved === undefined) delete process.env.MLFLOW_TRUNCATE_LONG_VALUES;
        else process.env.MLFLOW_TRUNCATE_LONG_VALUES = saved;
      }
    });

    it('sets (upserts) tags, renames the run through mlflow.runName, and deletes tags', async () => {
      const id = (await newRun()).info.run_id;
      await store.setTag(id, 't', '1');
      await store.logBatch(
        id,
        [],
        [],
        [
          { key: 't', value: '2' },
          { key: 't', value: '3' },
        ],
      );
      expect(tagsOf(await store.getRun(id)).t).toBe('3');
      await store.setTag(id, 'mlflow.runName', 'via-tag');
      expect((await store.getRun(id)).info.run_name).toBe('via-tag');
      await store.deleteTag(id, 't');
      expect(tagsOf(await store.getRun(id)).t).toBeUndefined();
      await expectMlflowError(
        store.deleteTag(id, 't'),
        'RESOURCE_DOES_NOT_EXIST',
        `No tag with name: t in run with id ${id}`,
      );
    });

    it('logs dataset inputs with tags, once per (name, digest), shared within the experiment (log_inputs)', async () => {
      const exp = await newExperiment();
      const a = (await newRun(exp)).info.run_id;
      const b = (await newRun(exp)).info.run_id;
      const train = {
        tags: [{ key: 'mlflow.data.context', value: 'training' }],
        dataset: {
          name: 'housing',
          digest: 'd1c47305',
          source_type: 'local',
          source: '{"uri": "data/raw/housing.csv"}',
          schema: '{"mlflow_colspec": []}',
        },
      };
      await store.logInputs(a, [train, train]);
      await store.logInputs(a, [train]);
      await store.logInputs(b, [
        { tags: [{ key: 'mlflow.data.context', value: 'eval' }], dataset: train.dataset },
      ]);
      const ra = await store.getRun(a);
      expect(ra.inputs.dataset_inputs).toEqual([train]);
      expect((await store.getRun(b)).inputs.dataset_inputs[0]?.tags).toEqual([
        { key: 'mlflow.data.context', value: 'eval' },
      ]);
      await expectMlflowError(
        store.logInputs(a, [{ tags: [], dataset: { ...train.dataset, digest: 'x'.repeat(37) } }]),
        'INVALID_PARAMETER_VALUE',
        "'digest' exceeds the maximum length of 36 characters",
      );
      await expectMlflowError(
        store.logInputs(a, [
          { tags: [], dataset: { ...train.dataset, source: undefined as unknown as string } },
        ]),
        'INVALID_PARAMETER_VALUE',
        'Dataset source cannot be None',
      );
    });
  });

  describe('metric history', () => {
    it('returns every point ordered by timestamp and step, points at the same (timestamp, step) in logging order', async () => {
      const id = (await newRun()).info.run_id;
      await store.logBatch(id, [metric('m', 3, 1, 50), metric('m', 1, 0, 50), metric('m', 2, 2, 10)], [], []);
      await store.logBatch(id, [metric('m', 9, 1, 50), metric('m', 4, 1, 50)], [], []);
      const h = (await store.getMetricHistory(id, 'm')).metrics;
      expect(h.map((m) => [m.timestamp, m.step, m.value])).toEqual([
        [10, 2, 2],
        [50, 0, 1],
        [50, 1, 3],
        [50, 1, 9],
        [50, 1, 4],
      ]);
      expect(h[0]).toEqual({ key: 'm', value: 2, timestamp: 10, step: 2 });
      expect((await store.getMetricHistory(id, 'absent')).metrics).toEqual([]);
    });

    it('pages with max_results and tokens', async () => {
      const id = (await newRun()).info.run_id;
      await store.logBatch(
        id,
        Array.from({ length: 25 }, (_, i) => metric('m', i, i)),
        [],
        [],
      );
      const values: number[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await store.getMetricHistory(id, 'm', { maxResults: 10, pageToken: token });
        values.push(...page.metrics.map((m) => m.value));
        token = page.nextPageToken;
        pages++;
      } while (token);
      expect(pages).toBe(3);
      expect(values).toEqual(Array.from({ length: 25 }, (_, i) => i));
      await expectMlflowError(
        store.getMetricHistory(id, 'm', { pageToken: 'e30=' }),
        'INVALID_PARAMETER_VALUE',
        'Invalid page token, parsed value={}',
      );
    });

    it('samples histories for charts as get_metric_history_bulk_interval does', async () => {
      const exp = await newExperiment();
      const a = (await newRun(exp)).info.run_id;
      const b = (await newRun(exp)).info.run_id;
      await store.logBatch(
        a,
        Array.from({ length: 100 }, (_, i) => metric('loss', i, i)),
        [],
        [],
      );
      await store.logBatch(
        b,
        [metric('loss', 1, 5), metric('loss', 2, 5, 2000), metric('loss', 3, 150)],
        [],
        [],
      );
      const out = await store.getMetricHistoryBulkInterval([a, b], 'loss', { maxResults: 10 });
      const stepsOf = (run: string) => out.filter((m) => m.run_id === run).map((m) => m.step);
      // Steps 0..99 and 150 (101 distinct) sampled to 10 at stride 10.1 (0, 10, …, 90), plus the
      // last step (150) and every run's first and last step (0, 99, 5, 150): one set for all runs.
      expect(stepsOf(a)).toEqual([0, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 99]);
      expect(stepsOf(b)).toEqual([5, 5, 150]);
      expect(out.find((m) => m.run_id === b && m.step === 5 && m.timestamp === 2000)).toEqual({
        key: 'loss',
        value: 2,
        timestamp: 2000,
        step: 5,
        run_id: b,
      } satisfies Metric);
      const window = await store.getMetricHistoryBulkInterval([a], 'loss', {
        startStep: 20,
        endStep: 25,
        maxResults: 100,
      });
      expect(window.map((m) => m.step)).toEqual([20, 21, 22, 23, 24, 25]);
      await expectMlflowError(
        store.getMetricHistoryBulkInterval([a], 'loss', { startStep: 5, maxResults: 10 }),
        'INVALID_PARAMETER_VALUE',
        'If either start step or end step are specified, both must be specified.',
      );
      await expectMlflowError(
        store.getMetricHistoryBulkInterval([a], 'loss', { startStep: 5, endStep: 4, maxResults: 10 }),
        'INVALID_PARAMETER_VALUE',
        'end_step must be greater than start_step. Found start_step=5 and end_step=4.',
      );
      expect(await store.getMetricHistoryBulkInterval([a], 'absent', { maxResults: 10 })).toEqual([]);
    });
  });

  describe('search runs', () => {
    let exp: string;
    const ids: Record<string, string> = {};
    beforeAll(async () => {
      exp = await newExperiment('runsearch');
      const spec = [
        {
          name: 'r1',
          start: 100,
          rmse: 0.5,
          model: 'LinearRegression',
          tag: 'Prod',
          k: 'b',
          status: 'FINISHED',
        },
        { name: 'r2', start: 200, rmse: 0.2, model: 'lightgbm', tag: 'dev', k: 'c', status: 'FAILED' },
        {
          name: 'r3',
          start: 300,
          rmse: Number.NaN,
          model: 'LINEAR',
          tag: 'prod',
          k: 'a',
          status: 'FINISHED',
        },
        {
          name: 'r4',
          start: 400,
          rmse: undefined,
          model: undefined,
          tag: undefined,
          k: undefined,
          status: 'RUNNING',
        },
      ] as const;
      for (const s of spec) {
        const run = await store.createRun({
          experimentId: exp,
          userId: s.name === 'r4' ? 'bob' : 'alice',
          startTime: s.start,
          tags: [],
          runName: s.name,
        });
        ids[s.name] = run.info.run_id;
        await store.logBatch(
          run.info.run_id,
          s.rmse === undefined ? [] : [metric('rmse', s.rmse, 0)],
          s.model === undefined
            ? []
            : [
                { key: 'model', value: s.model },
                { key: 'k', value: s.k },
              ],
          s.tag === undefined
            ? []
            : [
                { key: 'env', value: s.tag },
                { key: 'order', value: `${s.start}` },
              ],
        );
        if (s.status !== 'RUNNING')
          await store.updateRunInfo(run.info.run_id, { status: s.status, endTime: s.start + 50 });
      }
      await store.logInputs(ids.r1!, [
        {
          tags: [{ key: 'mlflow.data.context', value: 'training' }],
          dataset: { name: 'housing', digest: 'abc', source_type: 'local', source: 'x' },
        },
      ]);
      const deleted = await store.createRun({
        experimentId: exp,
        userId: 'alice',
        startTime: 500,
        tags: [],
        runName: 'gone',
      });
      ids.gone = deleted.info.run_id;
      await store.deleteRun(deleted.info.run_id);
    });

    const names = async (
      filter?: string,
      orderBy?: string[],
      view: 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL' = 'ACTIVE_ONLY',
    ) =>
      (
        await store.searchRuns({ experimentIds: [exp], filter, orderBy, runViewType: view, maxResults: 100 })
      ).runs.map((r) => r.info.run_name);

    it('returns active runs by start_time DESC by default; deleted ones with DELETED_ONLY or ALL', async () => {
      expect(await names()).toEqual(['r4', 'r3', 'r2', 'r1']);
      expect(await names(undefined, undefined, 'DELETED_ONLY')).toEqual(['gone']);
      expect(await names(undefined, undefined, 'ALL')).toEqual(['gone', 'r4', 'r3', 'r2', 'r1']);
      const run = (
        await store.searchRuns({
          experimentIds: [exp],
          filter: "attributes.run_name = 'r1'",
          runViewType: 'ACTIVE_ONLY',
          maxResults: 10,
        })
      ).runs[0]!;
      expect(run).toEqual(await store.getRun(ids.r1!));
      expect(
        (await store.searchRuns({ experimentIds: ['987659', 'x'], runViewType: 'ALL', maxResults: 10 })).runs,
      ).toEqual([]);
    });

    it('filters on metrics (latest value; NaN only matches !=), params, tags and attributes', async () => {
      expect(await names('metrics.rmse < 0.3')).toEqual(['r2']);
      expect(await names('metrics.rmse >= 0.2')).toEqual(['r2', 'r1']);
      expect(await names('metrics.rmse != 0.5')).toEqual(['r3', 'r2']);
      expect(await names('metrics.rmse = 0.5 and params.model = "LinearRegression"')).toEqual(['r1']);
      expect(await names("params.model != 'lightgbm'")).toEqual(['r3', 'r1']); // r4 lacks the key
      expect(await names("params.model LIKE 'Lin%'")).toEqual(['r1']); // LIKE is case-sensitive
      expect(await names("params.model ILIKE 'lin%'")).toEqual(['r3', 'r1']);
      expect(await names("params.model LIKE '%_gbm'")).toEqual(['r2']);
      expect(await names("tags.env = 'prod'")).toEqual(['r3']);
      expect(await names("tags.env ILIKE 'PROD'")).toEqual(['r3', 'r1']);
      expect(await names("attributes.status = 'FINISHED'")).toEqual(['r3', 'r1']);
      expect(await names("status != 'FINISHED' AND user_id = 'alice'")).toEqual(['r2']);
      expect(await names("run_name LIKE 'r%' and attributes.start_time > 150 and start_time <= 300")).toEqual(
        ['r3', 'r2'],
      );
      expect(await names('attributes.created < 250')).toEqual(['r2', 'r1']);
      expect(await names('end_time > 0')).toEqual(['r3', 'r2', 'r1']);
      expect(await names(`attributes.run_id IN ('${ids.r1}', '${ids.r3}')`)).toEqual(['r3', 'r1']);
      expect(await names(`run_id NOT IN ('${ids.r1}')`)).toEqual(['r4', 'r3', 'r2']);
      expect(await names(`attributes.artifact_uri LIKE '%${ids.r2}%'`)).toEqual(['r2']);
      expect(await names("datasets.name = 'housing' AND datasets.context = 'training'")).toEqual(['r1']);
      expect(await names("datasets.digest IN ('abc', 'zzz')")).toEqual(['r1']);
      expect(await names("tags.`env` = 'dev'")).toEqual(['r2']);
      // IS NULL / IS NOT NULL (an extension): key absent / present.
      expect(await names('metrics.rmse IS NULL')).toEqual(['r4']);
      expect(await names('params.model IS NOT NULL')).toEqual(['r3', 'r2', 'r1']);
      expect(await names('tags.env IS NULL and metrics.rmse IS NULL')).toEqual(['r4']);
    });

    it('orders by metrics, params, tags and attributes with runs lacking the key last in both directions', async () => {
      // NaN sorts after numbers and before missing values (_get_orderby_clauses' CASE column).
      expect(await names(undefined, ['metrics.rmse'])).toEqual(['r2', 'r1', 'r3', 'r4']);
      expect(await names(undefined, ['metrics.rmse DESC'])).toEqual(['r1', 'r2', 'r3', 'r4']);
      expect(await names(undefined, ['params.k'])).toEqual(['r3', 'r1', 'r2', 'r4']);
      expect(await names(undefined, ['params.k DESC'])).toEqual(['r2', 'r1', 'r3', 'r4']);
      expect(await names(undefined, ['`tags`.`order` DESC'])).toEqual(['r3', 'r2', 'r1', 'r4']);
      expect(await names(undefined, ['tags.order', 'metrics.rmse'])).toEqual(['r1', 'r2', 'r3', 'r4']);
      expect(await names(undefined, ['attributes.start_time ASC'])).toEqual(['r1', 'r2', 'r3', 'r4']);
      expect(await names(undefined, ['end_time DESC'])).toEqual(['r3', 'r2', 'r1', 'r4']);
      expect(await names(undefined, ['attributes.run_name DESC'])).toEqual(['r4', 'r3', 'r2', 'r1']);
      await expectMlflowError(
        names(undefined, ['metrics.rmse', 'metrics.rmse DESC']),
        'INVALID_PARAMETER_VALUE',
        /^`order_by` contains duplicate fields/,
      );
      await expectMlflowError(
        names(undefined, ['metrics.rmse sideways']),
        'INVALID_PARAMETER_VALUE',
        "Invalid ordering key in order_by clause 'metrics.rmse sideways'.",
      );
    });

    it('pages with offset tokens, handing one out whenever a page is full (_search_runs)', async () => {
      const page = (token?: string) =>
        store.searchRuns({
          experimentIds: [exp],
          runViewType: 'ACTIVE_ONLY',
          maxResults: 2,
          pageToken: token,
        });
      const p1 = await page();
      expect(p1.runs.map((r) => r.info.run_name)).toEqual(['r4', 'r3']);
      const p2 = await page(p1.nextPageToken);
      expect(p2.runs.map((r) => r.info.run_name)).toEqual(['r2', 'r1']);
      // The last page was full, so MLflow's SQL store gives a token for an empty page.
      expect(p2.nextPageToken).toBeDefined();
      const p3 = await page(p2.nextPageToken);
      expect(p3).toEqual({ runs: [] });
      await expectMlflowError(
        page('abc'),
        'INVALID_PARAMETER_VALUE',
        'Invalid page token, could not base64-decode',
      );
      // Python's b64decode drops characters outside the alphabet: "!!!" decodes to nothing.
      await expectMlflowError(
        page('!!!'),
        'INVALID_PARAMETER_VALUE',
        "Invalid page token, decoded value=b''",
      );
    });

    it('refuses bad filters and max_results with MLflow messages', async () => {
      await expectMlflowError(
        names('metrics.rmse < 1 OR params.x = "y"'),
        'INVALID_PARAMETER_VALUE',
        "Invalid clause(s) in filter string: 'OR'",
      );
      await expectMlflowError(
        names("params.model > 'a'"),
        'INVALID_PARAMETER_VALUE',
        /^Invalid comparator '>' not one of /,
      );
      await expectMlflowError(
        names("metrics.rmse < 'a'"),
        'INVALID_PARAMETER_VALUE',
        "Expected numeric value type for metric. Found 'a'",
      );
      await expectMlflowError(
        store.searchRuns({ experimentIds: [exp], runViewType: 'ALL', maxResults: 50001 }),
        'INVALID_PARAMETER_VALUE',
        "Invalid value 50001 for parameter 'max_results' supplied. It must be at most 50000",
      );
    });
  });

  describe('hostile input', () => {
    describeHostileInput(harness);
  });
}
