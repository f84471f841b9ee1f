/**
 * Issue 8 §5.3–5.9 against the built server (`mlship server` as a child process, over real sockets),
 * each doing what the issue says was tried:
 * - 5.3 deeply nested JSON (3,200 nested arrays and far more) is a 400, not "Maximum call stack";
 * - 5.4 per-endpoint body limits: a 40 MB log-inputs is refused 413 before it is buffered, with
 *   MLflow's JSON error naming the limit; a log-batch at MLflow's own entity limits still passes;
 * - 5.5 artifact names of 230–255 bytes are stored and served; longer names and over-long paths
 *   are 400 naming the limit (never 500);
 * - 5.6 no operation, listing included, follows a symlink out of the artifact root;
 * - 5.7 uploads cut off by kill -9 leave nothing in the artifact tree, are cleaned at start and
 *   never served; a user's own `.x.mlship-tmp-y` is an ordinary file;
 * - 5.8 the Host header is checked (MLflow 3's `--allowed-hosts`, security_utils.py);
 * - 5.9 a client that disconnects mid-upload is one info line, no error, no stack.
 * Plus §7's server logs: one line per request, one "listening", `--log-level`.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, freePort, type ServerProcess, startServerProcess } from './child.js';
import { type Reply, rawRequest } from './harness.js';

beforeAll(() => {
  ensureBuilt();
});

const API = '/api/2.0/mlflow';
const PROXY = '/api/2.0/mlflow-artifacts/artifacts';

/** Every file below `dir`, recursively, relative to it. */
async function filesBelow(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(join(entry.parentPath, entry.name).slice(dir.length + 1));
  }
  return out.sort();
}

function post(port: number, path: string, body: unknown, headers: Record<string, string> = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return rawRequest(port, 'POST', path, text, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
}

/**
 * Announce a `size`-byte body to `path` over a raw socket, send only its first 64 KiB, and wait for
 * the answer: a server that refuses on Content-Length answers before reading the body. (Sending all
 * of it would race the server's close: the client's writes after it get a reset that can discard
 * the answer before it is read.) Resolves with the status and the response body.
 */
function sendLarge(
  port: number,
  method: string,
  path: string,
  size: number,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let response = '';
    let done = false;
    const finish = () => {
      if (done) return;
      const match = /^HTTP\/1\.1 (\d+)/.exec(response);
      const split = response.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(response)?.[1];
      if (!match || split < 0 || length === undefined || response.length - split - 4 < Number(length)) return;
      done = true;
      socket.destroy();
      resolve({ status: Number(match[1]), text: response.slice(split + 4) });
    };
    socket.on('data', (chunk) => {
      response += chunk.toString('latin1');
      finish();
    });
    socket.on('error', () => {}); // the close below reports it
    socket.on('close', () => {
      if (!done) reject(new Error(`connection closed without a complete answer: ${response}`));
    });
    const head = [
      `${method} ${path} HTTP/1.1`,
      'Host: 127.0.0.1',
      `Content-Length: ${size}`,
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      '',
      '',
    ].join('\r\n');
    socket.write(head);
    socket.write(Buffer.alloc(Math.min(size, 64 * 1024), 'a'));
  });
}

describe('a server against hostile input (issue 8 §5.3–5.8)', () => {
  let cwd: string;
  let artifactsDir: string;
  let server: ServerProcess;
  let port: number;
  let runId: string;

  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'mlship-hostile-'));
    artifactsDir = join(cwd, 'artifacts');
    port = await freePort();
    server = await startServerProcess(
      ['--backend-store-uri', `sqlite:///${join(cwd, 'mlruns.db')}`, '--artifacts-destination', artifactsDir],
      { cwd, port },
    );
    const created = await post(port, `${API}/runs/create`, { experiment_id: '0' });
    runId = created.json.run.info.run_id;
  });
  afterAll(async () => {
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    await rm(cwd, { recursive: true, force: true });
  });

  describe('5.3 deeply nested JSON', () => {
    for (const depth of [3_200, 100_000]) {
      it(`answers 400, not 500, to ${depth} nested arrays in a field (experiments/create, log-batch, runs/search)`, async () => {
        const nested = `${'['.repeat(depth)}${']'.repeat(depth)}`;
        for (const [path, body] of [
          ['experiments/create', `{"name":"deep","tags":${nested}}`],
          ['runs/log-batch', `{"run_id":"${runId}","metrics":${nested}}`],
          ['runs/search', `{"experiment_ids":["0"],"unknown":{"a":${nested}}}`],
          ['experiments/create', nested],
        ] as const) {
          const r = await post(port, `${API}/${path}`, body);
          expect({ path, status: r.status }).toEqual({ path, status: 400 });
          expect(r.json.error_code).toMatch(/BAD_REQUEST|INVALID_PARAMETER_VALUE/);
          expect(r.json.message).not.toMatch(/call stack/);
        }
      });
    }

    it('names the depth limit, and still takes an ordinary nested request', async () => {
      const r = await post(
        port,
        `${API}/experiments/create`,
        `{"name":"deep","x":${'['.repeat(5000)}${']'.repeat(5000)}}`,
      );
      expect(r.status).toBe(400);
      expect(r.json.message).toMatch(/nest.*deep.*limit is 100/i);
      const ok = await post(port, `${API}/runs/log-batch`, {
        run_id: runId,
        metrics: [{ key: 'm', value: 1, timestamp: 1, step: 0 }],
        extra: { a: [[[[{ b: [1] }]]]] },
      });
      expect(ok.status).toBe(200);
    });
  });

  describe('5.4 body limits per endpoint', () => {
    it('refuses a 40 MB runs/log-inputs with 413 and MLflow JSON naming the limit, and keeps serving', async () => {
      const r = await sendLarge(port, 'POST', `${API}/runs/log-inputs`, 40 * 1024 * 1024, {
        'Content-Type': 'application/json',
      });
      expect(r.status).toBe(413);
      const body = JSON.parse(r.text);
      expect(body.error_code).toBe('INVALID_PARAMETER_VALUE');
      expect(body.message).toMatch(/runs\/log-inputs.*too large: the limit is \d+ bytes/);
      const limit = Number(/the limit is (\d+) bytes/.exec(body.message)![1]);
      // Sized from the dataset field limits (profile 16,777,215 + schema 1,048,575 + source 65,535
      // characters) with room for JSON escaping, and not more.
      expect(limit).toBeGreaterThan(16_777_215 + 1_048_575 + 65_535);
      expect(limit).toBeLessThan(40 * 1024 * 1024);
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
    });

    it('refuses small endpoints far below that (2 MB experiments/create)', async () => {
      const r = await sendLarge(port, 'POST', `${API}/experiments/create`, 2_000_000, {
        'Content-Type': 'application/json',
      });
      expect(r.status).toBe(413);
      expect(JSON.parse(r.text).message).toMatch(/experiments\/create.*the limit is \d+ bytes/);
    });

    it('takes a log-batch at MLflow entity limits (100 params of 6000 chars, 100 tags of 8000, 800 metrics)', async () => {
      // MLflow's server stores this (validation.py limits); it is 1.5 MB of JSON.
      const body = {
        run_id: runId,
        params: Array.from({ length: 100 }, (_, i) => ({ key: `p${i}`, value: 'v'.repeat(6000) })),
        tags: Array.from({ length: 100 }, (_, i) => ({ key: `t${i}`, value: 'w'.repeat(8000) })),
        metrics: Array.from({ length: 800 }, (_, i) => ({
          key: `m${'k'.repeat(200)}${i}`,
          value: i,
          timestamp: 1_700_000_000_000,
          step: i,
        })),
      };
      const r = await post(port, `${API}/runs/log-batch`, body);
      expect(JSON.stringify(body).length).toBeGreaterThan(1_000_000);
      expect(r.status).toBe(200);
    });
  });

  describe('5.5 long artifact names', () => {
    it('stores and serves names of 230 to 255 bytes (PUT, GET, list)', async () => {
      for (const length of [230, 240, 250, 255]) {
        const name = `${'n'.repeat(length - 4)}.txt`;
        const put = await rawRequest(port, 'PUT', `${PROXY}/long/${name}`, `len ${length}`);
        expect({ length, status: put.status, body: put.text }).toEqual({ length, status: 200, body: '{}' });
        const get = await rawRequest(port, 'GET', `${PROXY}/long/${name}`);
        expect(get.text).toBe(`len ${length}`);
      }
      // 127 two-byte characters are 254 bytes: the limit is in bytes, as the file system's.
      const wide = 'é'.repeat(127);
      const put = await rawRequest(port, 'PUT', `${PROXY}/long/${encodeURIComponent(wide)}`, 'wide');
      expect(put.status).toBe(200);
      const list = await rawRequest(port, 'GET', `${PROXY}?path=long`);
      expect(list.json.files).toHaveLength(5);
    });

    it('answers 400 naming the limit for a name over 255 bytes and a path over 4096', async () => {
      const tooLong = 'x'.repeat(256);
      const cases: Array<[string, string, RegExp]> = [
        ['PUT', `${PROXY}/long/${tooLong}`, /255 bytes/],
        ['GET', `${PROXY}/long/${tooLong}`, /255 bytes/],
        ['DELETE', `${PROXY}/long/${tooLong}`, /255 bytes/],
        ['PUT', `${PROXY}/long/${encodeURIComponent('é'.repeat(128))}`, /255 bytes/],
        ['GET', `${PROXY}?path=${`abc/`.repeat(1100)}`, /4096 bytes/],
        ['GET', `${API}/artifacts/list?run_id=${runId}&path=${`abc/`.repeat(1100)}`, /4096 bytes/],
        ['GET', `${API}/artifacts/list?run_id=${runId}&path=${tooLong}`, /255 bytes/],
        ['GET', `/get-artifact?run_id=${runId}&path=${tooLong}`, /255 bytes/],
      ];
      for (const [method, path, limit] of cases) {
        const r = await rawRequest(port, method, path, method === 'PUT' ? 'x' : undefined);
        expect({ method, path: path.slice(0, 60), status: r.status }).toEqual({
          method,
          path: path.slice(0, 60),
          status: 400,
        });
        expect(r.json.error_code).toBe('INVALID_PARAMETER_VALUE');
        expect(r.json.message).toMatch(limit);
      }
    });
  });

  describe('5.6 symlinks out of the artifact root', () => {
    let outside: string;
    beforeAll(async () => {
      outside = await mkdtemp(join(tmpdir(), 'mlship-outside-'));
      await writeFile(join(outside, 'secret.txt'), 'TOP SECRET');
      await mkdir(join(outside, 'sub'));
      await writeFile(join(outside, 'sub', 'inner.txt'), 'INNER');
      await mkdir(artifactsDir, { recursive: true });
      await symlink(outside, join(artifactsDir, 'planted'));
      await symlink('/etc', join(artifactsDir, 'etc'));
    });
    afterAll(async () => {
      await rm(outside, { recursive: true, force: true });
    });

    it('refuses to list, read, write or delete through the link, consistently (400)', async () => {
      const attempts: Array<[string, string, string | undefined]> = [
        ['GET', `${PROXY}?path=planted`, undefined],
        ['GET', `${PROXY}?path=planted/sub`, undefined],
        ['GET', `${PROXY}?path=etc`, undefined],
        ['GET', `${PROXY}/planted/secret.txt`, undefined],
        ['PUT', `${PROXY}/planted/new.txt`, 'planted'],
        ['DELETE', `${PROXY}/planted`, undefined],
        ['DELETE', `${PROXY}/planted/sub`, undefined],
        ['DELETE', `${PROXY}/planted/secret.txt`, undefined],
      ];
      const answers: Reply[] = [];
      for (const [method, path, body] of attempts) {
        const r = await rawRequest(port, method, path, body);
        answers.push(r);
        expect({ method, path, status: r.status }).toEqual({ method, path, status: 400 });
        // Nothing from outside: no name found there, no content, not even where the link leads.
        expect(r.text).not.toMatch(/passwd|inner\.txt|TOP SECRET/);
        expect(r.text).not.toContain(outside);
      }
      expect(answers.every((r) => /outside/.test(r.json.message))).toBe(true);
      expect((await filesBelow(outside)).sort()).toEqual(['secret.txt', 'sub/inner.txt']);
      expect(await readFile(join(outside, 'secret.txt'), 'utf8')).toBe('TOP SECRET');
      // The root's own listing does not descend into them either.
      const root = await rawRequest(port, 'GET', PROXY);
      expect(root.status).toBe(200);
      expect(JSON.stringify(root.json)).not.toMatch(/secret|passwd/);
    });
  });

  describe('5xx the fuzz test found in the server layer', () => {
    it('answers a rename of a deleted experiment 400 INVALID_STATE, not 500 (a 500 makes MLflow clients retry)', async () => {
      const id = (await post(port, `${API}/experiments/create`, { name: 'to-delete' })).json.experiment_id;
      expect((await post(port, `${API}/experiments/delete`, { experiment_id: id })).status).toBe(200);
      const r = await post(port, `${API}/experiments/update`, { experiment_id: id, new_name: 'renamed' });
      expect(r.status).toBe(400);
      expect(r.json).toEqual({
        error_code: 'INVALID_STATE',
        message: 'Cannot rename a non-active experiment.',
      });
    });

    it('refuses 50,000 experiment ids in runs/search with 400 naming the limit', async () => {
      const ids = Array.from({ length: 50_000 }, (_, i) => String(i));
      const r = await post(port, `${API}/runs/search`, { experiment_ids: ids });
      expect(r.status).toBe(400);
      expect(r.json.message).toMatch(/experiment_ids.*50000 items; at most 1000/);
      expect((await post(port, `${API}/runs/search`, { experiment_ids: ids.slice(0, 1000) })).status).toBe(
        200,
      );
    });

    it('answers a GET body over its limit 413, not as a client that went away', async () => {
      const body = JSON.stringify({ filler: 'x'.repeat(1_500_000) });
      const r = await rawRequest(port, 'GET', `${API}/experiments/search`, body, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      });
      expect(r.status).toBe(413);
    });
  });

  describe('5.8 Host header', () => {
    it('answers 403 to a foreign Host, as MLflow 3 does by default', async () => {
      for (const host of ['attacker.example', 'attacker.example:5000', 'evil.com.127.0.0.1.nip.io']) {
        const r = await rawRequest(port, 'GET', `${API}/experiments/get?experiment_id=0`, undefined, {
          host,
        });
        expect({ host, status: r.status }).toEqual({ host, status: 403 });
        // security_utils.INVALID_HOST_MSG
        expect(r.text).toMatch(/Invalid Host header - possible DNS rebinding attack detected/);
        const w = await post(port, `${API}/experiments/create`, { name: 'rebinding' }, { host });
        expect(w.status).toBe(403);
      }
      const list = await post(port, `${API}/experiments/search`, { max_results: 100 });
      expect(JSON.stringify(list.json)).not.toMatch(/rebinding/);
    });

    it('serves the local names and private addresses on any port, and /health to anyone', async () => {
      for (const host of [
        'localhost',
        'localhost:5000',
        '127.0.0.1',
        `127.0.0.1:${port}`,
        '[::1]:80',
        '10.1.2.3',
        '192.168.0.5:5000',
      ]) {
        const r = await rawRequest(port, 'GET', `${API}/experiments/get?experiment_id=0`, undefined, {
          host,
        });
        expect({ host, status: r.status }).toEqual({ host, status: 200 });
      }
      const h = await rawRequest(port, 'GET', '/health', undefined, { host: 'attacker.example' });
      expect(h.status).toBe(200);
    });
  });
});

describe('--allowed-hosts (issue 8 §5.8)', () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'mlship-hosts-'));
  });
  afterAll(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  async function start(args: string[], env: Record<string, string> = {}) {
    const port = await freePort();
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      return {
        port,
        server: await startServerProcess(
          [
            '--backend-store-uri',
            `sqlite:///${join(cwd, `${port}.db`)}`,
            '--artifacts-destination',
            join(cwd, 'a'),
            ...args,
          ],
          { cwd, port },
        ),
      };
    } finally {
      process.env = saved;
    }
  }
  const status = async (port: number, host: string) =>
    (await rawRequest(port, 'GET', `${API}/experiments/get?experiment_id=0`, undefined, { host })).status;

  it('takes a comma-separated list with wildcards, and * for every host', async () => {
    const { port, server } = await start(['--allowed-hosts', 'mlflow.example.com, app-*.internal:5000']);
    try {
      expect(await status(port, 'mlflow.example.com')).toBe(200);
      expect(await status(port, 'MLflow.Example.com')).toBe(200);
      expect(await status(port, 'app-1.internal:5000')).toBe(200);
      expect(await status(port, 'app-1.internal:5001')).toBe(403);
      // The list replaces the default, as in MLflow.
      expect(await status(port, 'localhost:5000')).toBe(403);
      expect(await status(port, 'attacker.example')).toBe(403);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    const all = await start(['--allowed-hosts', '*']);
    try {
      expect(await status(all.port, 'attacker.example')).toBe(200);
    } finally {
      all.server.child.kill('SIGTERM');
      await all.server.exited;
    }
  });

  it('reads MLFLOW_SERVER_ALLOWED_HOSTS', async () => {
    const { port, server } = await start([], { MLFLOW_SERVER_ALLOWED_HOSTS: 'tracking.example' });
    try {
      expect(await status(port, 'tracking.example')).toBe(200);
      expect(await status(port, '127.0.0.1')).toBe(403);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  it('with --host 0.0.0.0 keeps serving local and private names and refuses others', async () => {
    const { port, server } = await start(['--host', '0.0.0.0']);
    try {
      expect(await status(port, `127.0.0.1:${port}`)).toBe(200);
      expect(await status(port, `localhost:${port}`)).toBe(200);
      expect(await status(port, `172.17.0.2:${port}`)).toBe(200);
      expect(await status(port, 'attacker.example')).toBe(403);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});

describe('uploads cut off by kill -9 (issue 8 §5.7)', () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'mlship-partial-'));
  });
  afterAll(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  it('leave nothing in the artifact tree, are cleaned at start, and a user .x.mlship-tmp-y is ordinary', async () => {
    const port = await freePort();
    const artifacts = join(cwd, 'artifacts');
    const args = [
      '--backend-store-uri',
      `sqlite:///${join(cwd, 'mlruns.db')}`,
      '--artifacts-destination',
      artifacts,
    ];
    let server = await startServerProcess(args, { cwd, port });
    expect((await rawRequest(port, 'PUT', `${PROXY}/d/keep.txt`, 'kept')).status).toBe(200);

    // An upload that is cut off: 1 MiB of a declared 64 MiB, then the server is killed.
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(
      `PUT ${PROXY}/d/big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${64 * 1024 * 1024}\r\n\r\n`,
    );
    socket.write(Buffer.alloc(1024 * 1024, 1));
    socket.on('error', () => {});
    // Wait until the partial upload is on disk somewhere under the destination.
    const deadline = Date.now() + 10_000;
    while ((await filesBelow(artifacts)).length < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const during = await filesBelow(artifacts);
    expect(during.length).toBe(2);
    const partial = during.find((f) => f !== 'd/keep.txt')!;
    server.child.kill('SIGKILL');
    await server.exited;
    socket.destroy();

    server = await startServerProcess(args, { cwd, port });
    try {
      // Cleaned at start: only the finished upload remains on disk.
      expect(await filesBelow(artifacts)).toEqual(['d/keep.txt']);
      // The partial is never served, by any name under which it lived.
      const served = await rawRequest(port, 'GET', `${PROXY}/${partial}`);
      expect(served.status).toBeGreaterThanOrEqual(400);
      expect(served.status).toBeLessThan(500);
      expect((await rawRequest(port, 'GET', `${PROXY}?path=d`)).json.files).toEqual([
        { path: 'keep.txt', is_dir: false, file_size: 4 },
      ]);

      // A user's own file with a temp-like name is an ordinary artifact: listed, served, deleted.
      const own = '.x.mlship-tmp-123-0123abcd';
      expect((await rawRequest(port, 'PUT', `${PROXY}/d/${own}`, 'mine')).status).toBe(200);
      const listed = (await rawRequest(port, 'GET', `${PROXY}?path=d`)).json.files.map(
        (f: { path: string }) => f.path,
      );
      expect(listed).toContain(own);
      expect((await rawRequest(port, 'GET', `${PROXY}/d/${own}`)).text).toBe('mine');
      expect((await rawRequest(port, 'DELETE', `${PROXY}/d`)).status).toBe(200);
      expect(await filesBelow(artifacts)).toEqual([]);
      // The staging area is not an artifact path.
      for (const path of ['.mlship-staging', '.mlship-staging/x']) {
        const r = await rawRequest(port, 'PUT', `${PROXY}/${path}`, 'x');
        expect({ path, status: r.status }).toEqual({ path, status: 400 });
      }
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});

describe('server logs (issue 8 §5.9 and §7)', () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'mlship-logs-'));
  });
  afterAll(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  const logLines = (server: ServerProcess) =>
    server
      .stderr()
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  it('one JSON line per request (method, url, status, duration), "listening" once, --log-level honoured', async () => {
    const port = await freePort();
    const db = `sqlite:///${join(cwd, 'a.db')}`;
    const server = await startServerProcess(['--backend-store-uri', db, '--log-level', 'info'], {
      cwd,
      port,
    });
    try {
      await rawRequest(port, 'GET', `${API}/experiments/get?experiment_id=0&mark=one`);
      await rawRequest(port, 'GET', `${API}/experiments/get?experiment_id=999&mark=two`);
      await new Promise((r) => setTimeout(r, 200));
      const lines = logLines(server);
      expect(lines.filter((l) => /listening/i.test(String(l.msg)))).toHaveLength(1);
      for (const [mark, status] of [
        ['one', 200],
        ['two', 404],
      ] as const) {
        const mine = lines.filter((l) => JSON.stringify(l).includes(`mark=${mark}`));
        expect(mine).toHaveLength(1);
        expect(mine[0]).toMatchObject({ level: 30, method: 'GET', status });
        expect(mine[0].url).toContain(`mark=${mark}`);
        expect(typeof mine[0].durationMs).toBe('number');
      }
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }

    const quiet = await startServerProcess(['--backend-store-uri', db, '--log-level', 'warning'], {
      cwd,
      port,
    });
    try {
      await rawRequest(port, 'GET', `${API}/experiments/get?experiment_id=0&mark=quiet`);
      await new Promise((r) => setTimeout(r, 200));
      expect(quiet.stderr()).not.toContain('mark=quiet');
    } finally {
      quiet.child.kill('SIGTERM');
      await quiet.exited;
    }
  });

  it('logs a client that disconnects mid-upload as one info line, no error and no stack', async () => {
    const port = await freePort();
    const server = await startServerProcess(
      [
        '--backend-store-uri',
        `sqlite:///${join(cwd, 'b.db')}`,
        '--artifacts-destination',
        join(cwd, 'art'),
        '--log-level',
        'info',
      ],
      { cwd, port },
    );
    try {
      const socket = connect(port, '127.0.0.1');
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.on('error', () => {});
      socket.write(
        `PUT ${PROXY}/cut/off.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10000000\r\n\r\n`,
      );
      socket.write(Buffer.alloc(256 * 1024, 1));
      await new Promise((r) => setTimeout(r, 300));
      socket.destroy();
      await new Promise((r) => setTimeout(r, 500));
      const lines = logLines(server);
      expect(lines.filter((l) => Number(l.level) >= 40)).toEqual([]);
      expect(server.stderr()).not.toMatch(/"stack"|\bat .*\.js:\d+/);
      const about = lines.filter((l) => JSON.stringify(l).includes('cut/off.bin'));
      expect(about).toHaveLength(1);
      expect(about[0].level).toBe(30);
      expect(String(about[0].msg)).toMatch(/client (closed|disconnected)/i);
      expect(await filesBelow(join(cwd, 'art'))).toEqual([]);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});
