/**
 * Path traversal through every route that takes an artifact path, over a real socket so paths reach
 * the server byte for byte (fetch and inject would normalise `..` away first). Each pattern in
 * HOSTILE_PATHS (test/tracking/artifacts/hostile-paths.ts lists them: `..`, absolute, `//host`,
 * `%2e%2e`, `%2f`, double and triple encoding, backslashes, NUL and control bytes, `#`, `;`, Windows
 * drives, UNC, `file:`) is tried on:
 *   PUT, GET, DELETE /api/2.0/mlflow-artifacts/artifacts/<path> (and the /ajax-api alias),
 *   GET /api/2.0/mlflow-artifacts/artifacts?path=<path>,
 *   GET /api/2.0/mlflow/artifacts/list?run_id=…&path=<path>,
 *   GET /get-artifact?run_id=…&path=<path>,
 * and must get MLflow's 400 INVALID_PARAMETER_VALUE "Invalid path" — against a local destination
 * with a canary file beside it, and against S3. Stored run roots that smuggle traversal (an
 * experiment's artifact_location) are refused too. Afterwards the canary is intact, nothing was
 * written outside the destination, and the server still answers.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Store } from '../../../src/storage/s3.js';
import { HOSTILE_PATHS } from '../artifacts/hostile-paths.js';
import { S3RVER_CREDENTIALS, type S3rver, startS3rver } from '../artifacts/s3rver.js';
import { client, portOf, rawRequest, type ServerFixture, startServer } from './harness.js';

const INVALID_PATH = { error_code: 'INVALID_PARAMETER_VALUE', message: 'Invalid path' };
const CANARY = 'TOP SECRET — must never be served, overwritten or deleted';

/** Every file below `dir`, recursively, as paths relative to it. */
async function filesBelow(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile())
      out.push(join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name));
  }
  return out.sort();
}

function attempts(runId: string): Array<[route: string, method: string, url: (wire: string) => string]> {
  return [
    ['proxy upload', 'PUT', (w) => `/api/2.0/mlflow-artifacts/artifacts/${w}`],
    ['proxy upload (ajax-api)', 'PUT', (w) => `/ajax-api/2.0/mlflow-artifacts/artifacts/${w}`],
    ['proxy download', 'GET', (w) => `/api/2.0/mlflow-artifacts/artifacts/${w}`],
    ['proxy delete', 'DELETE', (w) => `/api/2.0/mlflow-artifacts/artifacts/${w}`],
    ['proxy listing', 'GET', (w) => `/api/2.0/mlflow-artifacts/artifacts?path=${w}`],
    ['run artifacts/list', 'GET', (w) => `/api/2.0/mlflow/artifacts/list?run_id=${runId}&path=${w}`],
    ['get-artifact', 'GET', (w) => `/get-artifact?run_id=${runId}&path=${w}`],
  ];
}

function describeDestination(
  name: string,
  setup: () => Promise<ServerFixture>,
  afterEachDestination?: () => Promise<void>,
) {
  describe(`path safety with ${name}`, () => {
    let fx: ServerFixture;
    let port: number;
    let runId: string;

    beforeAll(async () => {
      fx = await setup();
      port = portOf(fx.app);
      const api = client(fx.app);
      runId = (await api.post('runs/create', {})).json.run.info.run_id;
      // A legitimate artifact, so a refused path cannot pass for "nothing there".
      const ok = await rawRequest(
        port,
        'PUT',
        `/api/2.0/mlflow-artifacts/artifacts/0/${runId}/artifacts/ok.txt`,
        'fine',
      );
      expect(ok.status).toBe(200);
    });
    afterAll(async () => {
      await afterEachDestination?.();
      await fx?.close();
    });

    it('serves the legitimate artifact on every route (the routes under test work)', async () => {
      expect(
        (await rawRequest(port, 'GET', `/api/2.0/mlflow-artifacts/artifacts/0/${runId}/artifacts/ok.txt`))
          .text,
      ).toBe('fine');
      expect((await rawRequest(port, 'GET', `/get-artifact?run_id=${runId}&path=ok.txt`)).text).toBe('fine');
      const listed = await rawRequest(port, 'GET', `/api/2.0/mlflow/artifacts/list?run_id=${runId}`);
      expect(listed.json.files).toEqual([{ path: 'ok.txt', is_dir: false, file_size: 4 }]);
    });

    for (const [pattern, wire] of HOSTILE_PATHS) {
      it(`refuses ${pattern} (${wire}) on every route`, async () => {
        for (const [route, method, url] of attempts(runId)) {
          const r = await rawRequest(port, method, url(wire), method === 'PUT' ? 'pwned' : undefined);
          expect({ route, status: r.status, body: r.json }).toEqual({
            route,
            status: 400,
            body: INVALID_PATH,
          });
        }
      });
    }

    it('still answers, and the legitimate artifact is untouched', async () => {
      expect((await rawRequest(port, 'GET', '/health')).text).toBe('OK');
      expect((await rawRequest(port, 'GET', `/get-artifact?run_id=${runId}&path=ok.txt`)).text).toBe('fine');
    });
  });
}

describe('local destination', () => {
  describeDestination('a local folder', () => startServer('sqlite', { listen: true }));
});

describe('canary checks on a local destination', () => {
  let fx: ServerFixture;
  let runId: string;
  beforeAll(async () => {
    fx = await startServer('sqlite', { listen: true });
    await writeFile(join(fx.tempDir, 'secret.txt'), CANARY);
    runId = (await client(fx.app).post('runs/create', {})).json.run.info.run_id;
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('never reads, writes or deletes outside the destination, whatever the pattern', async () => {
    const port = portOf(fx.app);
    const before = await filesBelow(fx.tempDir);
    for (const [, wire] of HOSTILE_PATHS) {
      for (const [, method, url] of attempts(runId)) {
        const r = await rawRequest(port, method, url(wire), method === 'PUT' ? 'pwned' : undefined);
        expect(r.text).not.toContain('TOP SECRET');
      }
      // The same patterns aimed at the canary's own name.
      for (const target of [`${wire}/secret.txt`, `../secret.txt`, `..%2fsecret.txt`, `%2e%2e/secret.txt`]) {
        const r = await rawRequest(port, 'GET', `/api/2.0/mlflow-artifacts/artifacts/${target}`);
        expect(r.status).toBe(400);
        expect(r.text).not.toContain('TOP SECRET');
      }
    }
    expect(await readFile(join(fx.tempDir, 'secret.txt'), 'utf8')).toBe(CANARY);
    // Nothing appeared anywhere in the scratch folder (the database's own files aside).
    const after = (await filesBelow(fx.tempDir)).filter((f) => !before.includes(f));
    expect(after).toEqual([]);
  });

  it('does not serve a run whose stored root smuggles traversal or lies outside the destination', async () => {
    const api = client(fx.app);
    const port = portOf(fx.app);
    for (const location of [
      'mlflow-artifacts:/../../..',
      'mlflow-artifacts:/%2e%2e/%2e%2e',
      fx.tempDir,
      `file://${fx.tempDir}`,
    ]) {
      const exp = await api.post('experiments/create', {
        name: `smuggle-${randomBytes(3).toString('hex')}`,
        artifact_location: location,
      });
      expect(exp.status).toBe(200);
      const run = (await api.post('runs/create', { experiment_id: exp.json.experiment_id })).json.run;
      const list = await rawRequest(port, 'GET', `/api/2.0/mlflow/artifacts/list?run_id=${run.info.run_id}`);
      expect(list.status).toBe(400);
      expect(list.json.error_code).toBe('INVALID_PARAMETER_VALUE');
      expect(list.json.message).toMatch(/does not proxy/);
      const get = await rawRequest(port, 'GET', `/get-artifact?run_id=${run.info.run_id}&path=secret.txt`);
      expect(get.status).toBe(400);
      expect(get.text).not.toContain('TOP SECRET');
    }
  });
});

describe('S3 destination', () => {
  let s3: S3rver;
  let store: S3Store;
  const bucket = `mlship-paths-${randomBytes(4).toString('hex')}`;
  describeDestination(
    'S3 (s3rver)',
    async () => {
      s3 = await startS3rver([bucket]);
      store = new S3Store(bucket, 'mlartifacts', { endpointurl: s3.endpoint, ...S3RVER_CREDENTIALS }, {});
      return startServer('sqlite', { listen: true, artifactStore: store });
    },
    async () => {
      // Only the legitimate artifact was ever written to the bucket.
      const keys: string[] = [];
      for await (const blob of store.list('')) keys.push(blob.key);
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatch(/^0\/[0-9a-f]{32}\/artifacts\/ok\.txt$/);
      await s3.stop();
    },
  );
});
