/**
 * A tracking-store client in its own process (compiled by worker-build.ts), for tests that need
 * real concurrency (separate processes, separate connections) or a process to kill -9.
 *
 * argv[2] is a JSON task. The process prints "ready", waits for "go" on stdin (so all clients
 * start together), then:
 * - open: opens the store (migrating it), prints "opened", closes;
 * - log: logs `points` points of metric `key` to `runId` in batches of `batch`, value
 *   step*100+client at timestamp t0+step, printing "ack <n>" after batch n commits and
 *   "done <ms>" at the end.
 * Errors are printed as "error <message>" with exit code 1.
 */
import { createInterface } from 'node:readline';
import { openTrackingStore } from '../../../src/tracking/store/index.js';

interface Task {
  mode: 'open' | 'log';
  uri: string;
  runId?: string;
  key?: string;
  client?: number;
  points?: number;
  batch?: number;
  t0?: number;
}

const task = JSON.parse(process.argv[2]!) as Task;
const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  say('ready');
  await new Promise<void>((resolve) => {
    const rl = createInterface({ input: process.stdin });
    rl.on('line', (line) => {
      if (line.trim() === 'go') {
        rl.close();
        resolve();
      }
    });
  });
  const store = await openTrackingStore(task.uri, { defaultArtifactRoot: 'mlflow-artifacts:/' });
  try {
    if (task.mode === 'open') {
      say('opened');
      return;
    }
    const { runId, key, client, points, batch, t0 } = task as Required<Task>;
    const started = performance.now();
    for (let n = 0, step = 0; step < points; n++) {
      const metrics = [];
      for (const end = Math.min(points, step + batch); step < end; step++) {
        metrics.push({ key, value: step * 100 + client, timestamp: t0 + step, step });
      }
      await store.logBatch(runId, metrics, [], []);
      say(`ack ${n}`);
    }
    say(`done ${(performance.now() - started).toFixed(0)}`);
  } finally {
    await store.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    say(`error ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
