/**
 * `mlship server` as a process: MLflow's flags and defaults (`mlflow server --help`: --host
 * 127.0.0.1, --port 5000, --backend-store-uri, --artifacts-destination ./mlartifacts, --workers),
 * their environment variables, one-line refusals of bad flags, structured logs on stderr, graceful
 * exit on SIGTERM, and several workers sharing the port.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, freePort, mlshipCommand, startServerProcess } from './child.js';

let cwd: string;
beforeAll(async () => {
  ensureBuilt();
  cwd = await mkdtemp(join(tmpdir(), 'mlship-cli-'));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

function mlship(args: string[], env: Record<string, string> = {}) {
  const [node, script] = mlshipCommand();
  return spawnSync(node, [script, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 20_000,
  });
}

describe('mlship server', () => {
  it("documents MLflow's flags with their defaults and environment variables", () => {
    const r = mlship(['server', '--help']);
    expect(r.status).toBe(0);
    for (const text of [
      '-h, --host <host>',
      '"127.0.0.1", env: MLFLOW_HOST',
      '-p, --port <port>',
      '"5000", env: MLFLOW_PORT',
      '--backend-store-uri <uri>',
      '"sqlite:///mlruns.db"',
      'MLFLOW_BACKEND_STORE_URI',
      '--artifacts-destination <uri>',
      '"./mlartifacts"',
      '-w, --workers <n>',
    ]) {
      expect(r.stdout.replace(/\s+/g, ' ')).toContain(text.replace(/\s+/g, ' '));
    }
  });

  it('refuses bad flags with one line and exit code 2, starting nothing', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--port', 'abc'], /^mlship: --port must be an integer from 0 to 65535; got "abc"$/],
      [['--port', '70000'], /--port must be an integer/],
      [['--workers', '0'], /^mlship: --workers must be an integer from 1 to 256; got "0"$/],
      [['--backend-store-uri', 'mysql://db/x'], /^mlship: Unsupported backend store URI scheme 'mysql'/],
      [['--artifacts-destination', 'gs://bucket/x'], /^mlship: unsupported store URL scheme "gs:"/],
    ];
    for (const [args, message] of cases) {
      const r = mlship(['server', '--port', '0', ...args], { MLFLOW_LOGGING_LEVEL: 'warning' });
      expect({ args, status: r.status }).toEqual({ args, status: 2 });
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
    }
    expect(existsSync(join(cwd, 'mlruns.db'))).toBe(false);
  });

  it('exits 0 on SIGTERM after the reader of its stderr has gone (`mlship server 2>&1 | head -1`)', async () => {
    // pino's asynchronous stderr flushed at exit by sonic-boom's flushSync, which retries a write
    // that failed with EPIPE every 100 ms forever: the server never exited and never logged why.
    const port = await freePort();
    const [node, script] = mlshipCommand();
    const child = spawn(node, [script, 'server', '--port', String(port)], {
      cwd,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = new Promise<number | string>((resolve) =>
      child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
    );
    try {
      // the first line (the listening line), then the reader goes away, as `head -1` does
      await new Promise<void>((resolve, reject) => {
        child.stderr.once('data', () => resolve());
        child.once('exit', () => reject(new Error('mlship server exited before logging')));
      });
      // nothing is logged in between: the first write to find the pipe gone is the shutdown's
      child.stderr.destroy();
      child.kill('SIGTERM');
      const outcome = await Promise.race([
        exited,
        new Promise((resolve) => setTimeout(() => resolve('still running 20 s after SIGTERM'), 20_000)),
      ]);
      expect(outcome).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('runs on its defaults in the working directory, logs JSON to stderr and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const server = await startServerProcess([], { cwd, port });
    const created = await fetch(`${server.url}/api/2.0/mlflow/experiments/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'defaults' }),
    });
    expect(created.status).toBe(200);
    const put = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/1/r/artifacts/a.txt`, {
      method: 'PUT',
      body: 'x',
    });
    expect(put.status).toBe(200);
    // --backend-store-uri sqlite:///mlruns.db and --artifacts-destination ./mlartifacts, both relative to cwd.
    expect(existsSync(join(cwd, 'mlruns.db'))).toBe(true);
    expect(existsSync(join(cwd, 'mlartifacts', '1', 'r', 'artifacts', 'a.txt'))).toBe(true);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    // pino JSON lines, filtered by MLFLOW_LOGGING_LEVEL=warning (startServerProcess sets it): every
    // line present parses and is at warn (40) or above.
    for (const line of server.stderr().trim().split('\n').filter(Boolean)) {
      expect(JSON.parse(line).level).toBeGreaterThanOrEqual(40);
    }
  });

  it("takes its flags from MLflow's environment variables", async () => {
    const port = await freePort();
    const dir = join(cwd, 'from-env');
    const [node, script] = mlshipCommand();
    const { spawn } = await import('node:child_process');
    const child = spawn(node, [script, 'server'], {
      cwd,
      stdio: 'ignore',
      env: {
        ...process.env,
        MLFLOW_PORT: String(port),
        MLFLOW_BACKEND_STORE_URI: `sqlite:///${join(dir, 'env.db')}`,
        MLFLOW_ARTIFACTS_DESTINATION: join(dir, 'artifacts'),
        MLFLOW_LOGGING_LEVEL: 'error',
      },
    });
    const exited = new Promise((r) => child.once('exit', (code) => r(code)));
    try {
      let ok = false;
      for (let i = 0; i < 200 && !ok; i++) {
        ok = await fetch(`http://127.0.0.1:${port}/health`).then(
          (r) => r.ok,
          () => false,
        );
        if (!ok) await new Promise((r) => setTimeout(r, 50));
      }
      expect(ok).toBe(true);
      await fetch(`http://127.0.0.1:${port}/api/2.0/mlflow-artifacts/artifacts/f.txt`, {
        method: 'PUT',
        body: 'y',
      });
      expect(existsSync(join(dir, 'env.db'))).toBe(true);
      expect(existsSync(join(dir, 'artifacts', 'f.txt'))).toBe(true);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('serves one port from several workers on one SQLite file and stops them all on SIGTERM', async () => {
    const port = await freePort();
    const db = join(cwd, 'workers.db');
    const server = await startServerProcess(['--workers', '3', '--backend-store-uri', `sqlite:///${db}`], {
      cwd,
      port,
    });
    // Concurrent writes from many connections land on different workers and all succeed.
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        fetch(`${server.url}/api/2.0/mlflow/experiments/create`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', connection: 'close' },
          body: JSON.stringify({ name: `w-${i}` }),
        }).then((r) => r.status),
      ),
    );
    expect(results.every((s) => s === 200)).toBe(true);
    const search = await fetch(`${server.url}/api/2.0/mlflow/experiments/search?max_results=100`);
    expect(((await search.json()) as { experiments: unknown[] }).experiments).toHaveLength(31);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    // No worker is left serving the port.
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
  });
});
