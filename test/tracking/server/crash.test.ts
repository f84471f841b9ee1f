/**
 * Crash safety acceptance (issue 4): `mlship server` in a child process takes heavy logging from
 * several clients at once and is killed with SIGKILL in the middle of it. Restarted on the same
 * SQLite file (and the same PostgreSQL database), the store must open, every write that was
 * acknowledged (a 2xx received) must be there, and no log-batch may be half-written: each batch
 * carries 50 metric points, one param and one tag that are all present or all absent.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, freePort, type ServerProcess, startServerProcess } from './child.js';
import { createDatabase, type Database, dialects } from './harness.js';

const DIALECTS = await dialects();
const CLIENTS = 8;
const RUNS = 4;
const POINTS_PER_BATCH = 50;
/** How long the clients log before the kill. */
const LOAD_MS = 1500;

beforeAll(() => {
  ensureBuilt();
});

interface Client {
  runId: string;
  /** metric key, param and tag prefix of this client */
  name: string;
  acknowledged: number[];
}

function batch(client: Client, n: number) {
  const first = n * POINTS_PER_BATCH;
  return {
    run_id: client.runId,
    metrics: Array.from({ length: POINTS_PER_BATCH }, (_, i) => ({
      key: client.name,
      value: first + i,
      timestamp: 1_700_000_000_000 + first + i,
      step: first + i,
    })),
    params: [{ key: `${client.name}.p${n}`, value: String(n) }],
    tags: [{ key: `${client.name}.t${n}`, value: String(n) }],
  };
}

/** Log batches 0, 1, 2… until a request fails (the server died); records each acknowledged one. */
async function logUntilDead(url: string, client: Client): Promise<void> {
  for (let n = 0; ; n++) {
    try {
      const r = await fetch(`${url}/api/2.0/mlflow/runs/log-batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(batch(client, n)),
      });
      await r.arrayBuffer();
      if (r.status !== 200) return;
      client.acknowledged.push(n);
    } catch {
      return;
    }
  }
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies are probed by the assertions
async function json(url: string, path: string, init?: RequestInit): Promise<any> {
  const r = await fetch(`${url}${path}`, init);
  expect(r.status).toBe(200);
  return r.json();
}

describe.each(DIALECTS)('kill -9 during heavy logging on %s', (dialect) => {
  let db: Database;
  let cwd: string;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    db = await createDatabase(dialect);
    cwd = await mkdtemp(join(tmpdir(), 'mlship-crash-'));
  });
  afterAll(async () => {
    if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
    await db?.drop();
    await rm(cwd, { recursive: true, force: true });
  });

  it('keeps every acknowledged write and no half-written batch', async () => {
    const port = await freePort();
    const args = ['--backend-store-uri', db.uri, '--artifacts-destination', join(cwd, 'artifacts')];
    server = await startServerProcess(args, { cwd, port });
    const url = server.url;

    const runIds: string[] = [];
    for (let i = 0; i < RUNS; i++) {
      runIds.push(
        (
          await json(url, '/api/2.0/mlflow/runs/create', {
            method: 'POST',
            body: '{}',
            headers: { 'content-type': 'application/json' },
          })
        ).run.info.run_id,
      );
    }
    const clients: Client[] = Array.from({ length: CLIENTS }, (_, i) => ({
      runId: runIds[i % RUNS],
      name: `c${i}`,
      acknowledged: [],
    }));
    const logging = Promise.all(clients.map((c) => logUntilDead(url, c)));
    await new Promise((r) => setTimeout(r, LOAD_MS));
    server.child.kill('SIGKILL');
    expect(await server.exited).toBe('SIGKILL');
    await logging;
    const acknowledged = clients.reduce((sum, c) => sum + c.acknowledged.length, 0);
    // The kill must have landed mid-load, with real work acknowledged before it.
    expect(acknowledged).toBeGreaterThan(CLIENTS * 2);

    // Restart on the same database: the store opens (migrations and all).
    server = await startServerProcess(args, { cwd, port });
    for (const client of clients) {
      const history = await json(
        server.url,
        `/api/2.0/mlflow/metrics/get-history?run_id=${client.runId}&metric_key=${client.name}`,
      );
      const points: Array<{ step: number; value: number }> = history.metrics ?? [];
      const perBatch = new Map<number, number>();
      for (const p of points) {
        expect(p.value).toBe(p.step);
        const n = Math.floor(p.step / POINTS_PER_BATCH);
        perBatch.set(n, (perBatch.get(n) ?? 0) + 1);
      }
      const run = (await json(server.url, `/api/2.0/mlflow/runs/get?run_id=${client.runId}`)).run;
      const params = new Set<number>(
        (run.data.params ?? [])
          .filter((p: { key: string }) => p.key.startsWith(`${client.name}.p`))
          .map((p: { value: string }) => Number(p.value)),
      );
      const tags = new Set<number>(
        (run.data.tags ?? [])
          .filter((t: { key: string }) => t.key.startsWith(`${client.name}.t`))
          .map((t: { value: string }) => Number(t.value)),
      );
      // All or nothing: a batch with any point has all of them, its param and its tag.
      for (const [n, count] of perBatch)
        expect({ client: client.name, n, count }).toEqual({
          client: client.name,
          n,
          count: POINTS_PER_BATCH,
        });
      expect([...params].sort((a, b) => a - b)).toEqual([...perBatch.keys()].sort((a, b) => a - b));
      expect([...tags].sort((a, b) => a - b)).toEqual([...params].sort((a, b) => a - b));
      // Every acknowledged batch survived (at most the one in flight at the kill may be there too).
      for (const n of client.acknowledged)
        expect({ client: client.name, n, kept: params.has(n) }).toEqual({
          client: client.name,
          n,
          kept: true,
        });
      expect(params.size - client.acknowledged.length).toBeLessThanOrEqual(1);
    }

    // The restarted server takes writes again.
    const after = await fetch(`${server.url}/api/2.0/mlflow/runs/log-batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(batch(clients[0], 1_000_000)),
    });
    expect(after.status).toBe(200);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });
});
