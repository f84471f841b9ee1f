/**
 * The whole flow as a user runs it, with the built CLI (dist/, from `npm run build`, which
 * `npm test` runs first): `mlship server` as a child process on a free port, then `mlship train
 * --tracking-uri http://127.0.0.1:<port>` in another; the run is then read back through the REST
 * API with plain fetch, as curl or MLflow's own client would. Also: MLFLOW_TRACKING_URI instead
 * of the flag, a failing training that leaves its run FAILED, and an unreachable server that
 * fails fast, before any training, with one line on stderr.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'dist/cli/main.js');
const OCEAN = ['<1H OCEAN', 'INLAND', 'NEAR BAY', 'NEAR OCEAN'];

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies as a REST client sees them, read field by field
type Json = any;

let work: string;
let server: ChildProcess | undefined;
let serverLog = '';
let base: string;

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolvePort(port));
    });
  });
}

function mlship(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      [CLI, ...args],
      // a clean tracking environment: only what the test sets
      {
        cwd: work,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
        timeout: 120_000,
      },
      (_err, stdout, stderr) => done({ code: child.exitCode, stdout, stderr }),
    );
  });
}

async function api(path: string, body?: unknown): Promise<Json> {
  const res = await fetch(`${base}/api/2.0/mlflow/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function waitForHealth(url: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const res = await fetch(`${url}/health`);
      if (res.status === 200 && (await res.text()) === 'OK') return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`mlship server did not come up: ${serverLog}`);
    if (server?.exitCode !== null) throw new Error(`mlship server exited: ${serverLog}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function smallCsv(rows: number): string {
  const lines = [
    'longitude,latitude,housing_median_age,total_rooms,total_bedrooms,population,households,median_income,median_house_value,ocean_proximity',
  ];
  for (let i = 0; i < rows; i++) {
    const income = 1 + ((i * 37) % 90) / 10;
    const rooms = 800 + ((i * 53) % 2000);
    lines.push(
      [
        (-122 + (i % 17) / 10).toFixed(2),
        (37 + (i % 13) / 10).toFixed(2),
        1 + (i % 50),
        rooms,
        Math.floor(rooms / 5),
        300 + ((i * 31) % 900),
        100 + ((i * 7) % 300),
        income.toFixed(4),
        Math.round(45000 * income + ((i * 101) % 20000)),
        OCEAN[i % OCEAN.length],
      ].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build (npm test does it first)`);
  work = await mkdtemp(join(tmpdir(), 'mlship-e2e-'));
  await writeFile(join(work, 'houses.csv'), smallCsv(300));
  await writeFile(
    join(work, 'params.yaml'),
    'data:\n  path: houses.csv\nmodel:\n  type: hgb\n  hgb:\n    max_depth: 4\n    max_iter: 15\n    random_state: 1\n    early_stopping: true\n',
  );
  await writeFile(
    join(work, 'bad.yaml'),
    'data:\n  path: houses.csv\nmodel:\n  hgb:\n    max_depth: 4\n    bogus: 1\n',
  );
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(
    process.execPath,
    [
      CLI,
      'server',
      '--port',
      String(port),
      '--backend-store-uri',
      `sqlite:///${join(work, 'mlruns.db')}`,
      '--artifacts-destination',
      join(work, 'mlartifacts'),
    ],
    { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  server.stderr?.on('data', (c: Buffer) => {
    serverLog += c.toString();
  });
  await waitForHealth(base, 20_000);
});

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server!.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
  await rm(work, { recursive: true, force: true });
});

describe('mlship server + mlship train --tracking-uri', () => {
  let runId: string;

  it('trains, logs the run, and prints its id', async () => {
    const r = await mlship(['train', '--tracking-uri', base, '--run-name', 'e2e', '--out', 'out', '--json']);
    expect(r.stderr).toMatch(
      /^mlship: logging run [0-9a-f]{32} to experiment "california_housing_price" at http/,
    );
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      experiment_name: 'california_housing_price',
      tracking_uri: base,
      model_type: 'hgb',
    });
    runId = out.run_id;
    expect(runId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('the run is visible through the REST API: FINISHED, with params, metrics, history and tags', async () => {
    const { experiment } = await api('experiments/get-by-name?experiment_name=california_housing_price');
    const { runs } = await api('runs/search', { experiment_ids: [experiment.experiment_id] });
    expect(runs.map((r: Json) => r.info.run_id)).toEqual([runId]);
    const { run } = await api(`runs/get?run_id=${runId}`);
    expect(run.info).toMatchObject({
      status: 'FINISHED',
      run_name: 'e2e',
      experiment_id: experiment.experiment_id,
    });
    const params = Object.fromEntries(run.data.params.map((p: Json) => [p.key, p.value]));
    expect(params).toMatchObject({
      'data.path': 'houses.csv',
      'model.type': 'hgb',
      'model.hgb.max_depth': '4',
    });
    const metrics = Object.fromEntries(run.data.metrics.map((m: Json) => [m.key, m.value]));
    for (const k of ['train_rmse', 'test_rmse', 'test_r2', 'fit_seconds', 'n_iter'])
      expect(typeof metrics[k]).toBe('number');
    const tags = Object.fromEntries(run.data.tags.map((t: Json) => [t.key, t.value]));
    expect(tags).toMatchObject({
      'mlflow.source.type': 'LOCAL',
      'mlflow.runName': 'e2e',
      data_uri: 'houses.csv',
    });
    expect(tags.data_dvc_md5).toMatch(/^[0-9a-f]{32}$/);
    const history = await api(`metrics/get-history?run_id=${runId}&metric_key=training_loss`);
    expect(history.metrics.map((m: Json) => m.step)).toEqual(
      Array.from({ length: metrics.n_iter }, (_, i) => i + 1),
    );
    expect(run.inputs.dataset_inputs[0].dataset).toMatchObject({ name: 'houses', source_type: 'local' });
  });

  it('the model package is in the run, downloadable through the artifact proxy', async () => {
    const listing = await api(`artifacts/list?run_id=${runId}&path=model`);
    expect(listing.files.map((f: Json) => f.path)).toEqual([
      'model/MLmodel',
      'model/SHA256SUMS',
      'model/input_example.json',
      'model/model.json',
    ]);
    const { run } = await api(`runs/get?run_id=${runId}`);
    const proxyPath = run.info.artifact_uri.replace(/^mlflow-artifacts:\//, '');
    const res = await fetch(`${base}/api/2.0/mlflow-artifacts/artifacts/${proxyPath}/model/MLmodel`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain(`run_id: ${runId}`);
    expect(text).toContain('artifact_path: model');
  });

  it('MLFLOW_TRACKING_URI works instead of the flag; --experiment picks the experiment', async () => {
    const r = await mlship(['train', '--experiment', 'e2e-env', '--out', 'out-env', '--json'], {
      MLFLOW_TRACKING_URI: base,
    });
    expect(r.code).toBe(0);
    const { experiment } = await api('experiments/get-by-name?experiment_name=e2e-env');
    const { runs } = await api('runs/search', { experiment_ids: [experiment.experiment_id] });
    expect(runs.map((x: Json) => x.info.run_id)).toEqual([JSON.parse(r.stdout).run_id]);
  });

  it('a training that fails leaves its run FAILED, and the command reports the training error', async () => {
    const r = await mlship(
      ['train', '--config', 'bad.yaml', '--experiment', 'e2e-fail', '--out', 'out-bad'],
      {
        MLFLOW_TRACKING_URI: base,
      },
    );
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines[lines.length - 1]).toMatch(/^mlship: model\.hgb: unknown parameter "bogus"/);
    expect(existsSync(join(work, 'out-bad'))).toBe(false);
    const { experiment } = await api('experiments/get-by-name?experiment_name=e2e-fail');
    const { runs } = await api('runs/search', { experiment_ids: [experiment.experiment_id] });
    expect(runs).toHaveLength(1);
    expect(runs[0].info.status).toBe('FAILED');
    expect(runs[0].info.end_time).toBeGreaterThanOrEqual(runs[0].info.start_time);
  });

  it('an unreachable server fails before training, with one line naming the URI', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const r = await mlship(['train', '--tracking-uri', closed, '--out', 'out-unreachable'], {
      MLFLOW_HTTP_REQUEST_MAX_RETRIES: '1',
      MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0',
    });
    // exit 2: the URI is the user's to fix (issue 8 §4); the preflight makes as many retries as
    // MLFLOW_HTTP_REQUEST_MAX_RETRIES allows, up to its own 3, and says each one
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^mlship: tracking server .* failed \(.*ECONNREFUSED.*\); attempt 1 of 2, next in 0 s$/,
    );
    expect(lines[1]).toContain(`mlship: cannot reach the tracking server at ${closed}`);
    expect(existsSync(join(work, 'out-unreachable'))).toBe(false);
  });

  it('a file-store tracking URI is refused with what to use instead', async () => {
    const r = await mlship(['train', '--tracking-uri', './mlruns', '--out', 'out-file']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^mlship: tracking URI "\.\/mlruns" names a local folder \(MLflow's file store\)/,
    );
  });
});
