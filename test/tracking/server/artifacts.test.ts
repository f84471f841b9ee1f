/**
 * The artifact proxy through HTTP (mlflow_artifacts.proto; handlers._download_artifact,
 * _upload_artifact, _list_artifacts_mlflow_artifacts, _delete_artifact_mlflow_artifacts), a run's
 * artifacts/list (handlers.list_artifacts_impl with a proxied root) and /get-artifact
 * (handlers.get_artifact_handler), against a local folder and S3 (s3rver). Uploads and downloads
 * stream: a large upload is checked not to sit in the server's memory.
 */
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Store } from '../../../src/storage/s3.js';
import { measurePeak } from '../../storage/conformance.js';
import { S3RVER_CREDENTIALS, type S3rver, startS3rver } from '../artifacts/s3rver.js';
import { client, portOf, rawRequest, type ServerFixture, startServer } from './harness.js';

const MiB = 1024 * 1024;

/** PUT `total` random bytes in `chunk`-sized writes with chunked encoding; resolves with status, body and md5. */
function streamUpload(port: number, path: string, total: number, chunk = MiB) {
  return new Promise<{ status: number; body: string; md5: string }>((resolve, reject) => {
    const md5 = createHash('md5');
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: 'PUT',
        path,
        headers: { 'transfer-encoding': 'chunked' },
        agent: false,
      },
      (res) => {
        let body = '';
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, md5: md5.digest('hex') }));
      },
    );
    req.on('error', reject);
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        const piece = randomBytes(Math.min(chunk, total - sent));
        md5.update(piece);
        sent += piece.length;
        if (!req.write(piece)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

/** GET a path and hash it while it streams. */
function streamDownload(port: number, path: string) {
  return new Promise<{ status: number; size: number; md5: string; headers: Record<string, unknown> }>(
    (resolve, reject) => {
      httpRequest({ host: '127.0.0.1', port, method: 'GET', path, agent: false }, (res) => {
        const md5 = createHash('md5');
        let size = 0;
        res.on('data', (c: Buffer) => {
          md5.update(c);
          size += c.length;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, size, md5: md5.digest('hex'), headers: res.headers }),
        );
        res.on('error', reject);
      })
        .on('error', reject)
        .end();
    },
  );
}

function describeProxy(name: string, setup: () => Promise<ServerFixture>, teardown?: () => Promise<void>) {
  describe(`artifact proxy on ${name}`, () => {
    let fx: ServerFixture;
    let port: number;
    let api: ReturnType<typeof client>;
    const base = '/api/2.0/mlflow-artifacts/artifacts';

    beforeAll(async () => {
      fx = await setup();
      port = portOf(fx.app);
      api = client(fx.app);
    });
    afterAll(async () => {
      await fx?.close();
      await teardown?.();
    });

    it('uploads (PUT → {}) and downloads as an attachment with its type and nosniff', async () => {
      const content = 'flavors:\n  python_function: {}\n';
      const put = await rawRequest(port, 'PUT', `${base}/p/model/MLmodel`, content);
      expect(put.status).toBe(200);
      expect(put.json).toEqual({});
      const get = await rawRequest(port, 'GET', `${base}/p/model/MLmodel`);
      expect(get.status).toBe(200);
      expect(get.text).toBe(content);
      // handlers._response_with_file_attachment_headers
      expect(get.headers['content-type']).toBe('text/plain');
      expect(get.headers['content-disposition']).toBe('attachment; filename=MLmodel');
      expect(get.headers['x-content-type-options']).toBe('nosniff');
      expect(get.headers['content-length']).toBe(String(Buffer.byteLength(content)));
    });

    it("stores uploads byte for byte whatever their Content-Type (MLflow's client sends the file's type)", async () => {
      // Larger than the API's 1 MB JSON body limit, and JSON: it must be neither parsed nor limited.
      const json = JSON.stringify({
        rows: Array.from({ length: 60_000 }, (_, i) => ({ i, name: `row ${i}` })),
      });
      expect(json.length).toBeGreaterThan(1_000_000);
      const put = await rawRequest(port, 'PUT', `${base}/typed/data.json`, json, {
        'content-type': 'application/json',
      });
      expect(put.status).toBe(200);
      const get = await rawRequest(port, 'GET', `${base}/typed/data.json`);
      expect(get.text).toBe(json);
      const yaml = await rawRequest(port, 'PUT', `${base}/typed/MLmodel`, 'not: [json', {
        'content-type': 'text/plain',
      });
      expect(yaml.status).toBe(200);
      expect((await rawRequest(port, 'GET', `${base}/typed/MLmodel`)).text).toBe('not: [json');
    });

    it('answers HEAD with the headers and size only', async () => {
      await rawRequest(port, 'PUT', `${base}/head/file.txt`, 'twelve bytes');
      const head = await rawRequest(port, 'HEAD', `${base}/head/file.txt`);
      expect(head.status).toBe(200);
      expect(head.text).toBe('');
      expect(head.headers['content-length']).toBe('12');
      expect(head.headers['content-disposition']).toBe('attachment; filename=file.txt');
      expect((await rawRequest(port, 'HEAD', `${base}/head/missing.txt`)).status).toBe(404);
    });

    it('guesses MIME types as mime_type_utils._guess_mime_type does', async () => {
      const cases: Array<[string, string]> = [
        ['plot.png', 'image/png'],
        ['report.html', 'text/html'],
        ['metrics.json', 'text/plain'],
        ['weights.bin', 'application/octet-stream'],
        ['model.weird-extension', 'application/octet-stream'],
      ];
      for (const [file, type] of cases) {
        await rawRequest(port, 'PUT', `${base}/mime/${file}`, 'x');
        const get = await rawRequest(port, 'GET', `${base}/mime/${file}`);
        expect({ file, type: get.headers['content-type'] }).toEqual({ file, type });
      }
      // Names that would break a raw header are quoted and RFC 5987-encoded.
      await rawRequest(port, 'PUT', `${base}/mime/caf%C3%A9%20%22menu%22.txt`, 'x');
      const odd = await rawRequest(port, 'GET', `${base}/mime/caf%C3%A9%20%22menu%22.txt`);
      expect(odd.status).toBe(200);
      expect(odd.headers['content-disposition']).toBe(
        `attachment; filename="caf_ _menu_.txt"; filename*=UTF-8''caf%C3%A9%20%22menu%22.txt`,
      );
    });

    it('answers a missing artifact with 404 JSON (MLflow: an unhandled 500)', async () => {
      const r = await rawRequest(port, 'GET', `${base}/no/such/file`);
      expect(r.status).toBe(404);
      expect(r.json.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
      // A plain JSON error, not an attachment.
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['content-disposition']).toBeUndefined();
    });

    it('lists a folder with basenames; {} for a missing one (ListArtifacts.Response)', async () => {
      await rawRequest(port, 'PUT', `${base}/L/a.txt`, 'aa');
      await rawRequest(port, 'PUT', `${base}/L/sub/b.txt`, 'b');
      const r = await api.get(`${base}`, { path: 'L' });
      expect(r.json).toEqual({
        files: [
          { path: 'a.txt', is_dir: false, file_size: 2 },
          { path: 'sub', is_dir: true },
        ],
      });
      expect((await api.get(`${base}`, { path: 'L/sub' })).json).toEqual({
        files: [{ path: 'b.txt', is_dir: false, file_size: 1 }],
      });
      expect((await api.get(`${base}`, { path: 'nothing/here' })).json).toEqual({});
    });

    it('deletes a file and a folder (DELETE → {}), and a missing path quietly', async () => {
      await rawRequest(port, 'PUT', `${base}/D/keep`, 'k');
      await rawRequest(port, 'PUT', `${base}/D/x/one`, '1');
      await rawRequest(port, 'PUT', `${base}/D/x/two/three`, '3');
      expect((await rawRequest(port, 'DELETE', `${base}/D/x`)).json).toEqual({});
      expect((await rawRequest(port, 'DELETE', `${base}/D/keep`)).json).toEqual({});
      expect((await rawRequest(port, 'DELETE', `${base}/D/never`)).json).toEqual({});
      expect((await api.get(`${base}`, { path: 'D' })).json).toEqual({});
    });

    it('streams a 128 MiB upload and download without holding it in memory', async () => {
      const total = 128 * MiB;
      // Live external memory (where Buffers live), sampled with forced collections (as the storage
      // conformance suite measures it): client and server share this process and both stream, so
      // the peak stays bounded by their buffers, not the blob (measured: ~12 MiB local, ~53 MiB
      // on S3, whose upload keeps 4 parts of 5 MiB in flight plus the SDK's copies).
      const { peakExternal } = await measurePeak(async () => {
        const up = await streamUpload(port, `${base}/big/blob.bin`, total);
        expect(up.status).toBe(200);
        const down = await streamDownload(port, `${base}/big/blob.bin`);
        expect(down.status).toBe(200);
        expect(down.size).toBe(total);
        expect(down.md5).toBe(up.md5);
        expect(down.headers['content-length']).toBe(String(total));
      });
      expect(peakExternal).toBeLessThan(total / 2);
    });

    it('refuses an upload over the configured maximum with 413 JSON and stores nothing', async () => {
      const small = await startServer('sqlite', {
        listen: true,
        artifactStore: fx.artifactStore,
        maxArtifactBytes: 1000,
      });
      try {
        const smallPort = portOf(small.app);
        const announced = await rawRequest(smallPort, 'PUT', `${base}/limit/a`, Buffer.alloc(5000));
        expect(announced.status).toBe(413);
        expect(announced.json.error_code).toBe('INVALID_PARAMETER_VALUE');
        const chunked = await streamUpload(smallPort, `${base}/limit/b`, 64 * 1024, 512);
        expect(chunked.status).toBe(413);
        expect(JSON.parse(chunked.body).message).toMatch(/too large: the limit is 1000 bytes/);
        expect((await rawRequest(smallPort, 'GET', '/health')).text).toBe('OK');
      } finally {
        // Closing would close the shared destination too; only the app and its database go.
        await small.app.server.close();
      }
      expect((await api.get(`${base}`, { path: 'limit' })).json).toEqual({});
    });

    it("maps a run's mlflow-artifacts root to the proxy: artifacts/list and get-artifact", async () => {
      const run = (await api.post('runs/create', {})).json.run;
      const root = `0/${run.info.run_id}/artifacts`;
      await rawRequest(port, 'PUT', `${base}/${root}/model/MLmodel`, 'm');
      await rawRequest(port, 'PUT', `${base}/${root}/model/model.json`, '{}');
      await rawRequest(port, 'PUT', `${base}/${root}/metrics.csv`, 'a,b');
      const top = await api.get('artifacts/list', { run_id: run.info.run_id });
      // root_uri is the run's artifact URI; paths are relative to it (service.proto FileInfo).
      expect(top.json).toEqual({
        root_uri: run.info.artifact_uri,
        files: [
          { path: 'metrics.csv', is_dir: false, file_size: 3 },
          { path: 'model', is_dir: true },
        ],
      });
      const nested = await api.get('artifacts/list', { run_id: run.info.run_id, path: 'model' });
      expect(nested.json.files).toEqual([
        { path: 'model/MLmodel', is_dir: false, file_size: 1 },
        { path: 'model/model.json', is_dir: false, file_size: 2 },
      ]);
      expect((await api.get('artifacts/list', { run_id: run.info.run_id, path: 'nothing' })).json).toEqual({
        root_uri: run.info.artifact_uri,
      });
      const file = await rawRequest(
        port,
        'GET',
        `/get-artifact?run_id=${run.info.run_id}&path=model/model.json`,
      );
      expect(file.text).toBe('{}');
      expect(file.headers['content-disposition']).toBe('attachment; filename=model.json');
      expect(file.headers['x-content-type-options']).toBe('nosniff');
      expect((await api.get('artifacts/list', {})).json.message).toMatch(
        /Missing value for required parameter 'run_id'/,
      );
      expect((await api.get('artifacts/list', { run_id: 'f'.repeat(32) })).status).toBe(404);
      const noPath = await rawRequest(port, 'GET', `/get-artifact?run_id=${run.info.run_id}`);
      expect(noPath.status).toBe(400);
      expect(noPath.json.message).toMatch(/'path'/);
    });

    it('answers multipart-upload endpoints with 501 NOT_IMPLEMENTED (the client then uses one PUT)', async () => {
      const r = await api.post('/api/2.0/mlflow-artifacts/mpu/create/some/file.bin', {
        path: 'file.bin',
        num_parts: 2,
      });
      expect(r.status).toBe(501);
      expect(r.json).toEqual({
        error_code: 'NOT_IMPLEMENTED',
        message: 'Multipart upload is not supported for the current artifact repository',
      });
    });
  });
}

describeProxy('a local folder', () => startServer('sqlite', { listen: true }));

let s3: S3rver | undefined;
describeProxy(
  'S3 (s3rver)',
  async () => {
    const bucket = `mlship-proxy-${randomBytes(4).toString('hex')}`;
    s3 = await startS3rver([bucket]);
    // S3's minimum part size, as the storage tests use: 4 parts in flight bound the upload's memory.
    const store = new S3Store(
      bucket,
      'artifacts',
      { endpointurl: s3.endpoint, ...S3RVER_CREDENTIALS, partSizeBytes: 5 * MiB },
      {},
    );
    return startServer('sqlite', { listen: true, artifactStore: store });
  },
  async () => {
    await s3?.stop();
  },
);
