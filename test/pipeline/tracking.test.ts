/**
 * Training with tracking against a real tracking server (SQLite, local artifacts): the run holds
 * the params, metrics, per-iteration histories, lineage tags, dataset input and model artifacts
 * that src/pipeline/tracking.ts promises; the model downloaded from the run loads and predicts
 * exactly as the local one; tracking changes neither model.json nor split.json; and a training
 * that fails after its run was created leaves the run FAILED, not RUNNING. On the flagship data
 * (when ../shared/data/housing.csv exists) the same, with the `.dvc` origin as data_uri.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../src/core/errors.js';
import { VERSION } from '../../src/core/version.js';
import { loadModel } from '../../src/model/package.js';
import { DEFAULT_PARAMS, loadParams, MODEL_TYPES, type PipelineParams } from '../../src/pipeline/params.js';
import {
  currentUser,
  DEFAULT_EXPERIMENT,
  datasetName,
  defaultRunName,
  gitCommit,
  pipelineParams,
  trainWithTracking,
} from '../../src/pipeline/tracking.js';
import { train } from '../../src/pipeline/train.js';
import { readCsv } from '../../src/table/index.js';
import { openTrackingClient, TrackingClient } from '../../src/tracking/client.js';
import type { Run } from '../../src/tracking/entities.js';
import { expectRelClose } from '../helpers/flagship.js';
import { startTrackingServer, type TrackingServerFixture, testEnv } from '../tracking/client/fixtures.js';

const ROOT = resolve(__dirname, '../..');
const FLAGSHIP = resolve(ROOT, '../shared/data/housing.csv');
/** scikit-learn 1.2.1 on the reference pipeline (test/fixtures/gen_reference_pipeline.py) */
const REFERENCE = JSON.parse(readFileSync(resolve(ROOT, 'test/fixtures/reference_pipeline.json'), 'utf8'))
  .impute_encode_ratios.hgb as { test: { rmse: number; r2: number } };
const OCEAN = ['<1H OCEAN', 'INLAND', 'NEAR BAY', 'NEAR OCEAN', 'ISLAND'];

let server: TrackingServerFixture;
let client: TrackingClient;
let work: string;
let csv: string;

/** A small housing-like CSV (same columns as the flagship), deterministic. */
function smallCsv(rows: number): string {
  let seed = 7;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const lines = [
    'longitude,latitude,housing_median_age,total_rooms,total_bedrooms,population,households,median_income,median_house_value,ocean_proximity',
  ];
  for (let i = 0; i < rows; i++) {
    const income = 1 + rand() * 9;
    const rooms = 500 + Math.floor(rand() * 3000);
    const bedrooms = i % 37 === 0 ? '' : String(Math.floor(rooms / (4 + rand() * 2)));
    const households = 100 + Math.floor(rand() * 600);
    const value = Math.round(40000 * income + 20000 * rand() + (i % 5) * 5000);
    lines.push(
      [
        (-124 + rand() * 10).toFixed(2),
        (32 + rand() * 10).toFixed(2),
        Math.floor(1 + rand() * 50),
        rooms,
        bedrooms,
        Math.floor(households * (2 + rand())),
        households,
        income.toFixed(4),
        value,
        OCEAN[i % OCEAN.length],
      ].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

const SMALL_PARAMS: PipelineParams = {
  ...DEFAULT_PARAMS,
  model: {
    type: 'hgb',
    params: {
      ...DEFAULT_PARAMS.model.params,
      // early stopping on, so there is a validation loss to log even on a small file
      hgb: {
        max_depth: 3,
        learning_rate: 0.3,
        max_iter: 12,
        random_state: 0,
        early_stopping: true,
        n_iter_no_change: 50,
      },
    },
  },
};

const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex');
const tagsOf = (run: Run) => Object.fromEntries(run.data.tags.map((t) => [t.key, t.value]));
const paramsOf = (run: Run) => Object.fromEntries(run.data.params.map((p) => [p.key, p.value]));
const metricsOf = (run: Run) => Object.fromEntries(run.data.metrics.map((m) => [m.key, m.value]));

beforeAll(async () => {
  server = await startTrackingServer();
  client = await openTrackingClient(server.url, { env: testEnv(), wait: async () => undefined });
  work = await mkdtemp(join(tmpdir(), 'mlship-train-tracking-'));
  csv = join(work, 'small.csv');
  await writeFile(csv, smallCsv(400));
});
afterAll(async () => {
  await client?.close();
  await server?.close();
  await rm(work, { recursive: true, force: true });
});

describe('a tracked training run on a small CSV', () => {
  let result: Awaited<ReturnType<typeof trainWithTracking>>;
  let run: Run;
  const created: string[] = [];

  beforeAll(async () => {
    result = await trainWithTracking(
      { params: SMALL_PARAMS, dataPath: csv, outDir: join(work, 'tracked') },
      { client, runName: 'small-hgb', onRunCreated: (r) => created.push(r.runId) },
    );
    run = await client.getRun(result.run.runId);
  });

  it('is one FINISHED run in california_housing_price, created before training', async () => {
    expect(created).toEqual([result.run.runId]);
    const exp = await client.getExperimentByName(DEFAULT_EXPERIMENT);
    expect(run.info.experiment_id).toBe(exp?.experiment_id);
    expect(run.info).toMatchObject({ status: 'FINISHED', run_name: 'small-hgb', lifecycle_stage: 'active' });
    expect(run.info.end_time).toBeGreaterThanOrEqual(run.info.start_time);
    expect(result.run.artifactUri).toBe(run.info.artifact_uri);
  });

  it('holds every pipeline parameter, and the estimator defaults, as Python str() values', () => {
    const p = paramsOf(run);
    expect(p).toMatchObject({
      'data.path': csv,
      'data.target': 'median_house_value',
      'split.test_size': '0.2',
      'split.random_state': '42',
      'features.numeric':
        "['longitude', 'latitude', 'housing_median_age', 'total_rooms', 'total_bedrooms', 'population', 'households', 'median_income']",
      'features.categorical': "['ocean_proximity']",
      'features.ratios.rooms_per_household': "['total_rooms', 'households']",
      'preprocessing.order': 'impute_encode_ratios',
      'preprocessing.impute_columns': "['total_bedrooms']",
      'preprocessing.impute_strategy': 'median',
      'preprocessing.handle_unknown': 'ignore',
      'model.type': 'hgb',
      'model.hgb.max_depth': '3',
      'model.hgb.learning_rate': '0.3',
      'model.hgb.early_stopping': 'True',
      // not in params.yaml: scikit-learn's defaults, as the fitted model records them
      'model.hgb.max_leaf_nodes': '31',
      'model.hgb.min_samples_leaf': '20',
      'model.hgb.max_bins': '255',
      'model.hgb.tol': '1e-07',
    });
    // only the chosen model's section
    expect(Object.keys(p).some((k) => k.startsWith('model.random_forest.'))).toBe(false);
  });

  it('holds the train/test scores, fit time and iteration count', () => {
    const m = metricsOf(run);
    const r = result.metrics;
    expect(m).toEqual({
      train_rmse: r.train.rmse,
      train_mae: r.train.mae,
      train_r2: r.train.r2,
      test_rmse: r.test.rmse,
      test_mae: r.test.mae,
      test_r2: r.test.r2,
      fit_seconds: r.fit_seconds,
      n_iter: r.n_iter,
      training_loss: result.history.at(-1)!.trainLoss,
      validation_loss: result.history.at(-1)!.validationLoss,
    });
  });

  it('holds training_loss and validation_loss per iteration, steps 1..n_iter, in time order', async () => {
    const n = result.metrics.n_iter!;
    expect(n).toBeGreaterThan(1);
    const train = await client.getMetricHistory(run.info.run_id, 'training_loss');
    const val = await client.getMetricHistory(run.info.run_id, 'validation_loss');
    const steps = Array.from({ length: n }, (_, i) => i + 1);
    expect(train.map((m) => m.step)).toEqual(steps);
    expect(val.map((m) => m.step)).toEqual(steps);
    expect(train.map((m) => m.value)).toEqual(result.history.map((h) => h.trainLoss));
    expect(val.map((m) => m.value)).toEqual(result.history.map((h) => h.validationLoss));
    for (let i = 1; i < n; i++) expect(train[i].timestamp).toBeGreaterThanOrEqual(train[i - 1].timestamp);
    expect(train[0].timestamp).toBeGreaterThanOrEqual(run.info.start_time);
  });

  it('holds the lineage tags', async () => {
    const t = tagsOf(run);
    const data = await readFile(csv);
    expect(t).toMatchObject({
      'mlflow.runName': 'small-hgb',
      'mlflow.user': currentUser(),
      'mlflow.source.type': 'LOCAL',
      'mlflow.source.name': 'mlship train',
      mlship_version: VERSION,
      data_uri: csv,
      data_dvc_md5: md5(data),
    });
    expect(run.info.user_id).toBe(currentUser());
    const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
    if (head.status === 0) expect(t['mlflow.source.git.commit']).toBe(head.stdout.trim());
    const logged = JSON.parse(t['mlflow.log-model.history']);
    expect(logged).toEqual([
      expect.objectContaining({
        run_id: run.info.run_id,
        artifact_path: 'model',
        flavors: expect.any(Object),
      }),
    ]);
  });

  it('holds the dataset input in MLflow PandasDataset form, context training', async () => {
    expect(run.inputs.dataset_inputs).toHaveLength(1);
    const { tags, dataset } = run.inputs.dataset_inputs[0];
    expect(tags).toEqual([{ key: 'mlflow.data.context', value: 'training' }]);
    expect(dataset).toMatchObject({
      name: 'small',
      digest: md5(await readFile(csv)),
      source_type: 'local',
      source: `{"uri": "${csv}"}`,
      profile: '{"num_rows": 400, "num_elements": 4000}',
    });
    const schema = JSON.parse(dataset.schema!);
    expect(schema.mlflow_colspec).toHaveLength(10);
    expect(schema.mlflow_colspec[0]).toEqual({ type: 'double', name: 'longitude', required: true });
    expect(schema.mlflow_colspec[9]).toEqual({ type: 'string', name: 'ocean_proximity', required: true });
    // Python's json.dumps separators, as MLflow writes it
    expect(dataset.schema).toMatch(
      /^\{"mlflow_colspec": \[\{"type": "double", "name": "longitude", "required": true\}, /,
    );
  });

  it('holds the model package under model/, plus metrics.json and split.json', async () => {
    expect((await client.listArtifacts(run.info.run_id)).map((f) => f.path)).toEqual([
      'metrics.json',
      'model',
      'split.json',
    ]);
    expect((await client.listArtifacts(run.info.run_id, 'model')).map((f) => f.path)).toEqual([
      'model/MLmodel',
      'model/SHA256SUMS',
      'model/input_example.json',
      'model/model.json',
    ]);
  });

  it('the downloaded model names its run, loads, and predicts exactly as the local one', async () => {
    const dir = await client.downloadArtifacts(run.info.run_id, 'model', join(work, 'downloaded'));
    const remote = await loadModel(dir);
    const local = await loadModel(result.modelDir);
    expect(remote.mlmodel.runId).toBe(run.info.run_id);
    expect(remote.mlmodel.artifactPath).toBe('model');
    const table = await readCsv(csv);
    expect(Array.from(remote.predict(table))).toEqual(Array.from(local.predict(table)));
    for (const f of ['MLmodel', 'model.json', 'SHA256SUMS']) {
      expect(await readFile(join(dir, f))).toEqual(await readFile(join(result.modelDir, f)));
    }
  });

  it('tracking changes neither model.json nor split.json', async () => {
    const plain = await train({ params: SMALL_PARAMS, dataPath: csv, outDir: join(work, 'untracked') });
    for (const f of ['model/model.json', 'split.json', 'metrics.json']) {
      const a = await readFile(join(result.outDir, f), 'utf8');
      const b = await readFile(join(plain.outDir, f), 'utf8');
      if (f === 'metrics.json') {
        // fit_seconds is a measurement; everything else is identical
        expect({ ...JSON.parse(a), fit_seconds: 0 }).toEqual({ ...JSON.parse(b), fit_seconds: 0 });
      } else expect(md5(a)).toBe(md5(b));
    }
    const untrackedMLmodel = await readFile(join(plain.outDir, 'model', 'MLmodel'), 'utf8');
    expect(untrackedMLmodel).not.toContain('run_id');
  });

  it('--experiment: another experiment is created on demand', async () => {
    const other = await trainWithTracking(
      { params: SMALL_PARAMS, dataPath: csv, outDir: join(work, 'other'), modelType: 'linear' },
      { client, experimentName: 'housing-linear' },
    );
    expect(other.run.experimentName).toBe('housing-linear');
    const r = await client.getRun(other.run.runId);
    expect(r.info.experiment_id).toBe((await client.getExperimentByName('housing-linear'))?.experiment_id);
    expect(paramsOf(r)['model.type']).toBe('linear');
    // a model without iterations logs no loss history and no n_iter
    expect(Object.keys(metricsOf(r)).sort()).toEqual(
      ['fit_seconds', 'test_mae', 'test_r2', 'test_rmse', 'train_mae', 'train_r2', 'train_rmse'].sort(),
    );
  });
});

describe('failures after the run was created', () => {
  async function runsOf(experiment: string): Promise<Run[]> {
    const exp = await client.getExperimentByName(experiment);
    return exp ? (await client.searchRuns({ experimentIds: [exp.experiment_id] })).items : [];
  }

  it('a bad estimator parameter: the training error is thrown and the run is FAILED with an end time', async () => {
    const bad: PipelineParams = {
      ...SMALL_PARAMS,
      model: {
        ...SMALL_PARAMS.model,
        params: { ...SMALL_PARAMS.model.params, hgb: { max_depth: 3, bogus: 1 } },
      },
    };
    const out = join(work, 'failed');
    const err = await trainWithTracking(
      { params: bad, dataPath: csv, outDir: out },
      { client, experimentName: 'fails' },
    ).catch((e) => e);
    expect(err).toBeInstanceOf(InvalidParameterError);
    expect(err.message).toMatch(/unknown parameter "bogus"/);
    const [run] = await runsOf('fails');
    expect(run.info.status).toBe('FAILED');
    expect(run.info.end_time).toBeGreaterThanOrEqual(run.info.start_time);
    // what was known before training is there to debug with
    expect(paramsOf(run)['model.hgb.bogus']).toBe('1');
    expect(existsSync(out)).toBe(false);
  });

  it('a logging failure after training also ends the run FAILED and is what the caller sees', async () => {
    class BrokenUploads extends TrackingClient {
      override async logArtifacts(): Promise<void> {
        throw new Error('disk on fire');
      }
    }
    const broken = new BrokenUploads(client.api, client.http);
    await expect(
      trainWithTracking(
        { params: SMALL_PARAMS, dataPath: csv, outDir: join(work, 'upload-fails') },
        { client: broken, experimentName: 'upload-fails' },
      ),
    ).rejects.toThrow('disk on fire');
    const [run] = await runsOf('upload-fails');
    expect(run.info.status).toBe('FAILED');
  });

  it('if even marking FAILED fails, that is a warning and the training error still wins', async () => {
    class Unreachable extends TrackingClient {
      override async setTerminated(): Promise<never> {
        throw new Error('server went away');
      }
    }
    const flaky = new Unreachable(client.api, client.http);
    const warnings: string[] = [];
    const bad: PipelineParams = { ...SMALL_PARAMS, data: { ...SMALL_PARAMS.data, target: 'no_such_column' } };
    const err = await trainWithTracking(
      { params: bad, dataPath: csv, outDir: join(work, 'warned') },
      { client: flaky, experimentName: 'warned', onWarning: (w) => warnings.push(w) },
    ).catch((e) => e);
    expect(err.message).toMatch(/no_such_column/);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/could not be marked FAILED on .*: server went away/);
  });
});

describe('a tracked run given no name', () => {
  it('is named after its estimator, as the reference names its run (hist_gradient_boosting)', async () => {
    for (const [modelType, name] of [
      ['hgb', 'hist_gradient_boosting'],
      ['linear', 'linear_regression'],
    ] as const) {
      const r = await trainWithTracking(
        { params: SMALL_PARAMS, dataPath: csv, outDir: join(work, `unnamed-${modelType}`), modelType },
        { client },
      );
      const got = await client.getRun(r.run.runId);
      expect(got.info.run_name).toBe(name);
      expect(tagsOf(got)['mlflow.runName']).toBe(name);
    }
  });
});

describe('helpers', () => {
  it('pipelineParams reflects --data and --model overrides', () => {
    const p = Object.fromEntries(
      pipelineParams(DEFAULT_PARAMS, 'x.csv', 'ridge').map((q) => [q.key, q.value]),
    );
    expect(p['data.path']).toBe('x.csv');
    // the flagship's dataset name belongs to its own file: another file goes by its stem
    expect(p['data.name']).toBe('x');
    expect(
      pipelineParams(DEFAULT_PARAMS, DEFAULT_PARAMS.data.path, 'hgb').find((q) => q.key === 'data.name')
        ?.value,
    ).toBe('california_housing_raw');
    expect(p['model.type']).toBe('ridge');
    expect(p['model.ridge.alpha']).toBe('1');
    expect(Object.keys(p).some((k) => k.startsWith('model.hgb.'))).toBe(false);
  });

  it("names runs as scikit-learn's estimators in snake_case (the reference's hist_gradient_boosting)", () => {
    expect(MODEL_TYPES.map(defaultRunName)).toEqual([
      'hist_gradient_boosting',
      'random_forest',
      'decision_tree',
      'linear_regression',
      'ridge',
    ]);
  });

  it("names the dataset data.name for params.yaml's own file, else by the file's stem", () => {
    expect(datasetName(DEFAULT_PARAMS, 'data/raw/housing.csv')).toBe('california_housing_raw');
    expect(datasetName(DEFAULT_PARAMS, resolve('data/raw/housing.csv'))).toBe('california_housing_raw');
    expect(datasetName(DEFAULT_PARAMS, 'data/other/housing.csv')).toBe('housing');
    const noName = { ...DEFAULT_PARAMS, data: { path: 'a/b/sales.2024.csv', target: 'y' } };
    expect(datasetName(noName, noName.data.path)).toBe('sales.2024');
  });

  it('gitCommit reads HEAD through loose refs, packed refs, detached heads and gitdir files', async () => {
    const sha = 'a'.repeat(40);
    const other = 'b'.repeat(40);
    const repo = join(work, 'git-loose');
    await mkdir(join(repo, '.git', 'refs', 'heads'), { recursive: true });
    await mkdir(join(repo, 'sub', 'dir'), { recursive: true });
    await writeFile(join(repo, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    await writeFile(join(repo, '.git', 'refs', 'heads', 'main'), `${sha}\n`);
    expect(await gitCommit(join(repo, 'sub', 'dir'))).toBe(sha);

    const packed = join(work, 'git-packed');
    await mkdir(join(packed, '.git'), { recursive: true });
    await writeFile(join(packed, '.git', 'HEAD'), 'ref: refs/heads/dev\n');
    await writeFile(
      join(packed, '.git', 'packed-refs'),
      `# pack-refs with: peeled fully-peeled sorted\n${other} refs/heads/dev\n${sha} refs/heads/main\n`,
    );
    expect(await gitCommit(packed)).toBe(other);

    const detached = join(work, 'git-detached');
    await mkdir(join(detached, '.git'), { recursive: true });
    await writeFile(join(detached, '.git', 'HEAD'), `${other}\n`);
    expect(await gitCommit(detached)).toBe(other);

    // a linked worktree: .git is a file pointing at <common>/worktrees/<name>, refs in the common dir
    const wt = join(work, 'git-worktree');
    const wtGit = join(repo, '.git', 'worktrees', 'wt');
    await mkdir(wtGit, { recursive: true });
    await mkdir(wt, { recursive: true });
    await writeFile(join(wt, '.git'), `gitdir: ${wtGit}\n`);
    await writeFile(join(wtGit, 'HEAD'), 'ref: refs/heads/main\n');
    await writeFile(join(wtGit, 'commondir'), '../..\n');
    expect(await gitCommit(wt)).toBe(sha);

    const unborn = join(work, 'git-unborn');
    await mkdir(join(unborn, '.git'), { recursive: true });
    await writeFile(join(unborn, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    expect(await gitCommit(unborn)).toBeUndefined();
    expect(await gitCommit('/')).toBeUndefined();
  });
});

describe.skipIf(!existsSync(FLAGSHIP))('the flagship, tracked (../shared/data/housing.csv)', () => {
  it('logs the full history, the DVC md5 and the .dvc origin, and the model predicts as trained', async () => {
    // the data as the project tracks it: data/raw/housing.csv beside its committed .dvc file
    const dataDir = join(work, 'flagship', 'data', 'raw');
    await mkdir(dataDir, { recursive: true });
    await copyFile(FLAGSHIP, join(dataDir, 'housing.csv'));
    await copyFile(join(ROOT, 'data/raw/housing.csv.dvc'), join(dataDir, 'housing.csv.dvc'));
    const dataPath = join(dataDir, 'housing.csv');
    // the committed params.yaml, its data.path being this copy, and no run name: the reference's names
    const params = await loadParams(join(ROOT, 'params.yaml'));
    const result = await trainWithTracking(
      {
        params: { ...params, data: { ...params.data, path: dataPath } },
        outDir: join(work, 'flagship', 'out'),
      },
      { client },
    );
    const run = await client.getRun(result.run.runId);
    expect(run.info.status).toBe('FINISHED');
    expect(run.info.run_name).toBe('hist_gradient_boosting');
    const t = tagsOf(run);
    expect(t.data_dvc_md5).toBe('d1c47305887e2252bf1ccbd74ff159a6');
    expect(t.data_uri).toBe(
      'https://raw.githubusercontent.com/ageron/handson-ml2/master/datasets/housing/housing.csv',
    );
    expect(run.inputs.dataset_inputs[0].dataset).toMatchObject({
      name: 'california_housing_raw',
      digest: 'd1c47305887e2252bf1ccbd74ff159a6',
      profile: '{"num_rows": 20640, "num_elements": 206400}',
    });
    const n = result.metrics.n_iter!;
    expect(n).toBeGreaterThan(10);
    const val = await client.getMetricHistory(run.info.run_id, 'validation_loss');
    expect(val.map((m) => m.step)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(metricsOf(run).test_rmse).toBe(result.metrics.test.rmse);
    expect(metricsOf(run).test_rmse).toBeLessThanOrEqual(46_000);
    expectRelClose(metricsOf(run).test_rmse, REFERENCE.test.rmse, 'logged test RMSE');
    expectRelClose(metricsOf(run).test_r2, REFERENCE.test.r2, 'logged test R²');
    expect(paramsOf(run)).toMatchObject({
      'model.hgb.max_iter': '200',
      'model.hgb.validation_fraction': '0.1',
    });

    const dir = await client.downloadArtifacts(run.info.run_id, 'model', join(work, 'flagship', 'down'));
    const model = await loadModel(dir);
    const table = await readCsv(dataPath);
    const split = JSON.parse(await readFile(join(result.outDir, 'split.json'), 'utf8')) as { test: number[] };
    const y = (table.columns.find((c) => c.name === 'median_house_value') as { values: Float64Array }).values;
    const pred = model.predict(table);
    let se = 0;
    for (const i of split.test) se += (pred[i] - y[i]) ** 2;
    expect(Math.sqrt(se / split.test.length)).toBeCloseTo(result.metrics.test.rmse, 6);
  });
});
