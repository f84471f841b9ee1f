/**
 * Run artifacts through the client: files and whole directories up and down through the server's
 * artifact proxy (mlflow-artifacts:/ roots), byte for byte, listed both through the artifact store
 * (as MlflowClient.list_artifacts) and through the server's `artifacts/list`; a run whose root is a
 * plain folder written directly (no proxy); retried uploads and downloads that leave nothing
 * half-written; and a `sqlite:///` tracking URI used in-process, as MLflow's client does.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openTrackingClient, type TrackingClient } from '../../../src/tracking/client.js';
import {
  type FlakyProxy,
  startFlakyProxy,
  startTrackingServer,
  type TrackingServerFixture,
  testEnv,
} from './fixtures.js';

let server: TrackingServerFixture;
let proxy: FlakyProxy;
let client: TrackingClient;
let work: string;
let src: string;
const big = randomBytes(6 * 1024 * 1024 + 123);

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

beforeAll(async () => {
  server = await startTrackingServer();
  proxy = await startFlakyProxy(server.port);
  client = await openTrackingClient(proxy.url, { env: testEnv(), wait: async () => undefined });
  work = await mkdtemp(join(tmpdir(), 'mlship-client-art-'));
  src = join(work, 'src');
  await mkdir(join(src, 'sub', 'deeper'), { recursive: true });
  await writeFile(join(src, 'MLmodel'), 'flavors: {}\n');
  await writeFile(join(src, 'model.json'), '{"a":1}\n');
  await writeFile(join(src, 'sub', 'notes.txt'), 'hello\n');
  await writeFile(join(src, 'sub', 'deeper', 'big.bin'), big);
  await writeFile(join(src, 'sub', 'deeper', 'empty.bin'), '');
});
afterAll(async () => {
  await client?.close();
  await proxy?.close();
  await server?.close();
  await rm(work, { recursive: true, force: true });
});
afterEach(() => {
  proxy.plan = () => 'pass';
  proxy.seen.length = 0;
});

async function newRun(name = 'artifacts') {
  const exp = await client.getOrCreateExperiment(name);
  return (await client.createRun({ experimentId: exp.experiment_id })).info;
}

async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const abs = join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name);
      out[abs.slice(dir.length + 1)] = md5(await readFile(abs));
    }
  }
  return out;
}

describe('through the artifact proxy (mlflow-artifacts:/ roots)', () => {
  it('a directory goes up under its artifact path and comes back identical', async () => {
    const run = await newRun();
    expect(run.artifact_uri).toMatch(/^mlflow-artifacts:\//);
    await client.logArtifacts(run.run_id, src, 'model');
    // stored by the server under <destination>/<experiment>/<run>/artifacts/model/…
    const stored = join(server.artifactDir, run.experiment_id, run.run_id, 'artifacts', 'model');
    expect(await tree(stored)).toEqual(await tree(src));

    const top = await client.listArtifacts(run.run_id);
    expect(top).toEqual([{ path: 'model', is_dir: true }]);
    const model = await client.listArtifacts(run.run_id, 'model');
    expect(model).toEqual([
      { path: 'model/MLmodel', is_dir: false, file_size: 12 },
      { path: 'model/model.json', is_dir: false, file_size: 8 },
      { path: 'model/sub', is_dir: true },
    ]);
    // the server's own artifacts/list endpoint gives the same view
    const listing = await client.api.listArtifacts(run.run_id, 'model');
    expect(listing?.rootUri).toBe(run.artifact_uri);
    expect(listing?.files).toEqual(model);

    const dst = join(work, 'down-dir');
    const local = await client.downloadArtifacts(run.run_id, 'model', dst);
    expect(local).toBe(join(dst, 'model'));
    expect(await tree(local)).toEqual(await tree(src));
  });

  it('single files: log-artifact, download of one file, upload streamed with its size', async () => {
    const run = await newRun();
    await client.logArtifact(run.run_id, join(src, 'sub', 'deeper', 'big.bin'));
    await client.logArtifact(run.run_id, join(src, 'sub', 'notes.txt'), 'docs/text');
    const put = proxy.seen.find((r) => r.method === 'PUT' && r.url.endsWith('/big.bin'));
    expect(put?.headers['content-length']).toBe(String(big.length));
    expect(put?.bodyBytes).toBe(big.length);
    const dst = join(work, 'down-file');
    const got = await client.downloadArtifacts(run.run_id, 'big.bin', dst);
    expect(md5(await readFile(got))).toBe(md5(big));
    const notes = await client.downloadArtifacts(run.run_id, 'docs/text/notes.txt', dst);
    expect(await readFile(notes, 'utf8')).toBe('hello\n');
  });

  it('an upload answered 503 is sent again in full', async () => {
    const run = await newRun();
    let failed = false;
    proxy.plan = (req) => {
      if (req.method === 'PUT' && !failed) {
        failed = true;
        return { status: 503, body: '' };
      }
      return 'pass';
    };
    await client.logArtifact(run.run_id, join(src, 'sub', 'deeper', 'big.bin'));
    const puts = proxy.seen.filter((r) => r.method === 'PUT');
    expect(puts.map((r) => r.bodyBytes)).toEqual([big.length, big.length]);
    const stored = join(server.artifactDir, run.experiment_id, run.run_id, 'artifacts', 'big.bin');
    expect(md5(await readFile(stored))).toBe(md5(big));
  });

  it('a download cut halfway is retried and leaves no partial file', async () => {
    const run = await newRun();
    await client.logArtifact(run.run_id, join(src, 'sub', 'deeper', 'big.bin'));
    let cut = false;
    proxy.plan = (req) => {
      if (req.method === 'GET' && req.url.endsWith('/big.bin') && !cut) {
        cut = true;
        return 'cut-body';
      }
      return 'pass';
    };
    const dst = join(work, 'down-cut');
    const got = await client.downloadArtifacts(run.run_id, 'big.bin', dst);
    expect(cut).toBe(true);
    expect(md5(await readFile(got))).toBe(md5(big));
    expect(await readdir(dst)).toEqual(['big.bin']);
  });

  it('hostile or malformed artifact paths are refused before any request', async () => {
    const run = await newRun();
    proxy.seen.length = 0;
    for (const bad of ['../x', '/abs', 'a/../b', 'a\\b', 'a//b']) {
      await expect(client.logArtifact(run.run_id, join(src, 'MLmodel'), bad)).rejects.toThrow(
        /invalid artifact path/,
      );
    }
    expect(proxy.seen.filter((r) => r.method === 'PUT')).toHaveLength(0);
  });

  it('downloading a missing artifact is a clear error and writes nothing', async () => {
    const run = await newRun();
    const dst = join(work, 'down-missing');
    const err = await client.downloadArtifacts(run.run_id, 'nope.txt', dst).catch((e) => e);
    expect(err.errorCode).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(existsSync(join(dst, 'nope.txt'))).toBe(false);
  });
});

describe('a run whose artifact root is a folder (written by the client, not the server)', () => {
  it('logs and downloads directly, the server never sees the bytes', async () => {
    const root = join(work, 'direct-root');
    const expId = await client.createExperiment('direct', { artifactLocation: root });
    const run = (await client.createRun({ experimentId: expId })).info;
    expect(run.artifact_uri).toBe(`${root}/${run.run_id}/artifacts`);
    proxy.seen.length = 0;
    await client.logArtifacts(run.run_id, src, 'model');
    expect(proxy.seen.some((r) => r.method === 'PUT')).toBe(false);
    expect(await tree(join(run.artifact_uri, 'model'))).toEqual(await tree(src));
    expect((await client.listArtifacts(run.run_id, 'model')).map((f) => f.path)).toEqual([
      'model/MLmodel',
      'model/model.json',
      'model/sub',
    ]);
    const dst = join(work, 'down-direct');
    expect(await tree(await client.downloadArtifacts(run.run_id, 'model', dst))).toEqual(await tree(src));
  });
});

describe("a sqlite:/// tracking URI: the store opened in-process, as MLflow's client does", () => {
  it('logs a run and its artifacts without any server', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mlship-inproc-'));
    try {
      const local = await openTrackingClient(`sqlite:///${join(dir, 'runs.db')}`, {
        artifactRoot: join(dir, 'mlruns'),
        env: {},
      });
      try {
        const exp = await local.getOrCreateExperiment('in-process');
        expect(exp.artifact_location).toBe(join(dir, 'mlruns', exp.experiment_id));
        const run = (await local.createRun({ experimentId: exp.experiment_id, runName: 'local' })).info;
        await local.logBatch(run.run_id, {
          metrics: [{ key: 'rmse', value: 1.5, timestamp: 1, step: 0 }],
          params: [{ key: 'k', value: 'v' }],
        });
        await local.logArtifacts(run.run_id, src, 'model');
        await local.setTerminated(run.run_id);
        expect(await tree(join(run.artifact_uri, 'model'))).toEqual(await tree(src));
        const got = await local.getRun(run.run_id);
        expect(got.info.status).toBe('FINISHED');
        expect(got.data.params).toEqual([{ key: 'k', value: 'v' }]);
        // listing with no server goes through the artifact store; the server endpoint is absent
        expect(await local.api.listArtifacts(run.run_id)).toBeNull();
        expect(await local.listArtifacts(run.run_id)).toEqual([{ path: 'model', is_dir: true }]);
      } finally {
        await local.close();
      }
      // the database is a regular tracking store: a server opened on it sees the same run
      const reopened = await openTrackingClient(`sqlite:///${join(dir, 'runs.db')}`, { env: {} });
      const runs = await reopened.searchRuns({
        experimentIds: [(await reopened.getExperimentByName('in-process'))!.experiment_id],
      });
      expect(runs.items.map((r) => r.info.run_name)).toEqual(['local']);
      await reopened.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a proxied artifact root cannot be reached without a server, and says so', async () => {
    const local = await openTrackingClient(`sqlite:///${server.dbPath}`, { env: {} });
    try {
      const exp = await local.getOrCreateExperiment('artifacts');
      expect(exp.artifact_location).toMatch(/^mlflow-artifacts:/);
      const run = (await local.createRun({ experimentId: exp.experiment_id })).info;
      await expect(local.logArtifact(run.run_id, join(src, 'MLmodel'))).rejects.toThrow(
        /served by a tracking server's artifact proxy; use an http:\/\/ tracking URI/,
      );
    } finally {
      await local.close();
    }
  });
});
