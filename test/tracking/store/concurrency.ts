/**
 * Concurrency and crash tests shared by both stores:
 * - the acceptance: 16 clients logging 5,000 points each through log-batch (batches of
 *   1000) at once — afterwards every point is there, in order per step, none duplicated, and the
 *   latest value is the true maximum of (step, timestamp, value) despite the contended upsert;
 * - two processes opening a new database at once migrate it once;
 * - kill -9 in the middle of logging loses no acknowledged batch and leaves no half batch.
 * SQLite clients are separate processes (separate connections); PostgreSQL clients are either
 * processes or the 16 connections of one store's pool.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TrackingStore } from '../../../src/tracking/store/index.js';
import { type Harness, open } from './harness.js';
import { type BuiltEntry, buildEntry } from './worker-build.js';

export const CLIENTS = 16;
export const POINTS = 5000;
export const BATCH = 1000;
const T0 = 1_700_000_000_000;

interface Client {
  child: ChildProcess;
  lines: string[];
  /** Resolves with the first line starting with `prefix` (or rejects on "error …"/exit). */
  waitFor(prefix: string): Promise<string>;
  exited: Promise<number | null>;
}

function startClient(script: string, task: object): Client {
  const child = spawn(process.execPath, [script, JSON.stringify(task)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  const waiters: { prefix: string; resolve: (l: string) => void; reject: (e: Error) => void }[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const w of [...waiters]) {
      if (line.startsWith(w.prefix)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      } else if (line.startsWith('error')) {
        waiters.splice(waiters.indexOf(w), 1);
        w.reject(new Error(`client failed: ${line}`));
      }
    }
  });
  void exited.then((code) => {
    for (const w of waiters.splice(0))
      w.reject(new Error(`client exited (${code}) before "${w.prefix}": ${lines.join(' | ')}`));
  });
  return {
    child,
    lines,
    exited,
    waitFor: (prefix) =>
      new Promise((resolve, reject) => {
        const found = lines.find((l) => l.startsWith(prefix));
        if (found) resolve(found);
        else waiters.push({ prefix, resolve, reject });
      }),
  };
}

/** Start clients, wait until all are ready, then release them together. */
async function startTogether(script: string, tasks: object[]): Promise<Client[]> {
  const clients = tasks.map((t) => startClient(script, t));
  await Promise.all(clients.map((c) => c.waitFor('ready')));
  for (const c of clients) c.child.stdin!.write('go\n');
  return clients;
}

/** The points client `c` logs at step `s`: distinct per (client, step). */
function value(step: number, client: number): number {
  return step * 100 + client;
}

export function pointsOf(
  client: number,
  key: string,
): { key: string; value: number; timestamp: number; step: number }[] {
  return Array.from({ length: POINTS }, (_, step) => ({
    key,
    value: value(step, client),
    timestamp: T0 + step,
    step,
  }));
}

/** Every point of every client present once, steps in order, and the right latest value. */
export async function verifyConcurrentHistory(
  store: TrackingStore,
  runId: string,
  key: string,
): Promise<void> {
  const history = (await store.getMetricHistory(runId, key)).metrics;
  expect(history).toHaveLength(CLIENTS * POINTS);
  const seen = new Set<number>();
  let previousStep = -1;
  const lastStepOf = new Array<number>(CLIENTS).fill(-1);
  for (const m of history) {
    const client = m.value % 100;
    expect(m.value, 'a point was logged twice').not.toSatisfy((v: number) => seen.has(v));
    seen.add(m.value);
    expect(Math.floor(m.value / 100)).toBe(m.step);
    expect(m.timestamp).toBe(T0 + m.step);
    // History is ordered by (timestamp, step): steps never go back, and each client's points
    // appear in the order it logged them.
    expect(m.step).toBeGreaterThanOrEqual(previousStep);
    expect(m.step).toBe(lastStepOf[client]! + 1);
    lastStepOf[client] = m.step;
    previousStep = m.step;
  }
  expect(lastStepOf).toEqual(new Array(CLIENTS).fill(POINTS - 1));
  const latest = (await store.getRun(runId)).data.metrics.find((m) => m.key === key);
  expect(latest).toEqual({
    key,
    value: value(POINTS - 1, CLIENTS - 1),
    timestamp: T0 + POINTS - 1,
    step: POINTS - 1,
  });
}

/**
 * `modes`: how the 16 clients run — 'processes' (one process and connection each) and/or
 * 'one store' (16 concurrent calls on one store: its pool on PostgreSQL, its queued connection
 * on SQLite, as in a server process).
 */
export function describeConcurrency(harness: Harness, modes: ('processes' | 'one store')[]): void {
  let built: BuiltEntry;
  beforeAll(async () => {
    built = await buildEntry(new URL('./client-process.ts', import.meta.url).pathname);
  });
  afterAll(async () => {
    await built?.cleanup();
  });

  it.each(modes)(
    '16 concurrent clients × 5,000 points through log-batch (batches of 1000), as %s: every point once, in order',
    async (mode) => {
      const uri = await harness.newDatabase();
      const store = await open(uri);
      try {
        const exp = await store.createExperiment('concurrency');
        const runId = (await store.createRun({ experimentId: exp, userId: 'load', startTime: T0, tags: [] }))
          .info.run_id;
        const started = performance.now();
        if (mode === 'one store') {
          await Promise.all(
            Array.from({ length: CLIENTS }, async (_, c) => {
              const points = pointsOf(c, 'loss');
              for (let i = 0; i < POINTS; i += BATCH)
                await store.logBatch(runId, points.slice(i, i + BATCH), [], []);
            }),
          );
        } else {
          const tasks = Array.from({ length: CLIENTS }, (_, client) => ({
            mode: 'log',
            uri,
            runId,
            key: 'loss',
            client,
            points: POINTS,
            batch: BATCH,
            t0: T0,
          }));
          const clients = await startTogether(built.file, tasks);
          await Promise.all(clients.map((c) => c.waitFor('done')));
          expect(await Promise.all(clients.map((c) => c.exited))).toEqual(new Array(CLIENTS).fill(0));
        }
        const ms = performance.now() - started;
        // Reported in the test output (and the work report): 80,000 points through 80 batches.
        console.log(
          `[${harness.dialect}, ${mode}] ${CLIENTS}×${POINTS} points via log-batch: ${ms.toFixed(0)} ms, ` +
            `${Math.round((CLIENTS * POINTS) / (ms / 1000))} points/s`,
        );
        await verifyConcurrentHistory(store, runId, 'loss');
      } finally {
        await store.close();
      }
    },
    120_000,
  );

  it('migrates a new database once when 8 processes open it at the same moment', async () => {
    const uri = await harness.newDatabase();
    const clients = await startTogether(
      built.file,
      Array.from({ length: 8 }, () => ({ mode: 'open', uri })),
    );
    await Promise.all(clients.map((c) => c.waitFor('opened')));
    expect(await Promise.all(clients.map((c) => c.exited))).toEqual(new Array(8).fill(0));
    const store = await open(uri);
    try {
      const all = await store.searchExperiments({ viewType: 'ALL', maxResults: 10 });
      expect(all.experiments.map((e) => e.name)).toEqual(['Default']);
      expect(await harness.query(uri, 'SELECT version FROM schema_version')).toEqual([{ version: 1 }]);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('loses no acknowledged batch and leaves no half batch when a logging process is killed -9', async () => {
    const uri = await harness.newDatabase();
    const store = await open(uri);
    try {
      const exp = await store.createExperiment('crash');
      const runId = (await store.createRun({ experimentId: exp, userId: 'crash', startTime: T0, tags: [] }))
        .info.run_id;
      const [client] = await startTogether(built.file, [
        { mode: 'log', uri, runId, key: 'm', client: 7, points: 1_000_000, batch: 500, t0: T0 },
      ]);
      // Kill it mid-stream, between or during commits, after a few acknowledged batches.
      await client!.waitFor('ack 5');
      client!.child.kill('SIGKILL');
      await client!.exited;
      const acked = client!.lines.filter((l) => l.startsWith('ack')).length;
      const reopened = await open(uri);
      try {
        const history = (await reopened.getMetricHistory(runId, 'm')).metrics;
        // All-or-nothing batches: a multiple of 500 points, at least every acknowledged one, and
        // at most the one batch in flight beyond them.
        expect(history.length % 500).toBe(0);
        expect(history.length).toBeGreaterThanOrEqual(acked * 500);
        expect(history.length).toBeLessThanOrEqual((acked + 1) * 500);
        expect(history.map((m) => m.step)).toEqual(Array.from({ length: history.length }, (_, i) => i));
      } finally {
        await reopened.close();
      }
    } finally {
      await store.close();
    }
  }, 60_000);
}
