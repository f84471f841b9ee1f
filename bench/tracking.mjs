#!/usr/bin/env node
// bench/tracking: the built tracking server (`mlship server`, a child process) on SQLite and on
// PostgreSQL, driven through mlship's tracking client:
//   - log-batch throughput: N concurrent clients (1, 4, 16), each logging to its own run batches of
//     1000 metric points one after another, as a training loop would; metric points per second of
//     wall time across all clients;
//   - metrics/get-history latency: one 100,000-step metric read whole, paged as MLflow's client
//     pages it (max_results 25,000 and next_page_token), repeated; p50 and p95.
//
//   npm run build && node bench/tracking.mjs
//   node bench/tracking.mjs --batches 20 --repeats 3 --reads 20 --stores sqlite,postgresql --workers 1
//
// Each server is warmed up first (JIT, connection pools, SQLite page cache): a throwaway round of
// log-batch calls and one history read. Throughput is the median of --repeats rounds.
//
// PostgreSQL: the server at --pg (default postgresql://postgres@127.0.0.1:5432/postgres) gets a
// scratch database mlship_bench_<random>, dropped at the end; a store that is not reachable is
// reported and skipped. There is no same-machine MLflow to compare with: MLflow is not packaged in
// Debian (apt-cache policy python3-mlflow finds nothing), so the table has mlship's numbers only.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { opt, root } from './lib.mjs';

const batchesPerClient = Number(opt('batches', '20'));
const concurrency = opt('clients', '1,4,16').split(',').map(Number);
const reads = Number(opt('reads', '20'));
const repeats = Number(opt('repeats', '3'));
const historySteps = Number(opt('steps', '100000'));
const stores = opt('stores', 'sqlite,postgresql').split(',');
const workers = opt('workers', '1');
const pgAdmin = opt('pg', 'postgresql://postgres@127.0.0.1:5432/postgres');
const BATCH = 1000;

const cli = join(root, 'dist/cli/main.js');
if (!existsSync(cli)) {
  console.error(`bench/tracking: missing the build: ${cli} (run npm run build)`);
  process.exit(2);
}
const { openTrackingClient, TrackingClient } = await import(join(root, 'dist/tracking/client.js'));

const work = mkdtempSync(join(tmpdir(), 'mlship-bench-tracking-'));
const children = new Set();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

function freePort() {
  return new Promise((done, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => done(port));
    });
  });
}

async function startServer(backendUri, name) {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      cli,
      'server',
      '--port',
      String(port),
      '--workers',
      workers,
      '--backend-store-uri',
      backendUri,
      '--artifacts-destination',
      join(work, `${name}-artifacts`),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, MLFLOW_LOGGING_LEVEL: 'warning' } },
  );
  children.add(child);
  let log = '';
  child.stderr.on('data', (c) => {
    log += c;
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mlship server exited: ${log}`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Error(`mlship server did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      children.delete(child);
    },
  };
}

const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function logBatchThroughput(url, clients, batches = batchesPerClient) {
  // one client object (and keep-alive connection pool) per simulated training process
  const cs = await Promise.all(Array.from({ length: clients }, () => openTrackingClient(url)));
  const exp = await cs[0].getOrCreateExperiment(`bench-${clients}-${randomBytes(3).toString('hex')}`);
  const runs = await Promise.all(cs.map((c) => c.createRun({ experimentId: exp.experiment_id })));
  const t0 = performance.now();
  await Promise.all(
    cs.map(async (c, i) => {
      const runId = runs[i].info.run_id;
      for (let b = 0; b < batches; b++) {
        const metrics = Array.from({ length: BATCH }, (_, j) => ({
          key: 'loss',
          value: 1 / (b * BATCH + j + 1),
          timestamp: 1_700_000_000_000 + b,
          step: b * BATCH + j,
        }));
        await c.api.logBatch(runId, { metrics });
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  // every point must be there: a fast number that lost data would be worthless
  const check = await cs[0].getMetricHistory(runs[clients - 1].info.run_id, 'loss');
  if (check.length !== batches * BATCH)
    throw new Error(`expected ${batches * BATCH} points, found ${check.length}`);
  await Promise.all(cs.map((c) => c.close()));
  return (clients * batches * BATCH) / seconds;
}

async function historyLatency(url) {
  const client = await openTrackingClient(url);
  const exp = await client.getOrCreateExperiment(`bench-history-${randomBytes(3).toString('hex')}`);
  const run = await client.createRun({ experimentId: exp.experiment_id });
  const runId = run.info.run_id;
  for (let s = 0; s < historySteps; s += BATCH) {
    const metrics = Array.from({ length: Math.min(BATCH, historySteps - s) }, (_, j) => ({
      key: 'loss',
      value: Math.exp(-(s + j) / historySteps),
      timestamp: 1_700_000_000_000 + s + j,
      step: s + j,
    }));
    await client.api.logBatch(runId, { metrics });
  }
  const times = [];
  let pages = 0;
  // count the requests one read makes
  const api = client.api;
  const counting = Object.create(api);
  counting.getMetricHistory = (...a) => {
    pages++;
    return api.getMetricHistory(...a);
  };
  const reader = new TrackingClient(counting, client.http);
  await reader.getMetricHistory(runId, 'loss'); // warm-up
  pages = 0;
  for (let i = 0; i < reads; i++) {
    const t0 = performance.now();
    const points = await reader.getMetricHistory(runId, 'loss');
    times.push(performance.now() - t0);
    if (points.length !== historySteps)
      throw new Error(`expected ${historySteps} points, got ${points.length}`);
  }
  await client.close();
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95), pagesPerRead: pages / reads };
}

async function withPostgres(fn) {
  const pg = (await import('pg')).default;
  const admin = new pg.Client({ connectionString: pgAdmin, connectionTimeoutMillis: 3000 });
  await admin.connect();
  const name = `mlship_bench_${randomBytes(5).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  try {
    const url = new URL(pgAdmin);
    url.pathname = `/${name}`;
    return await fn(url.toString());
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

const rows = [];
for (const store of stores) {
  const run = async (backendUri) => {
    const server = await startServer(backendUri, store);
    try {
      const row = { store, throughput: {} };
      await logBatchThroughput(server.url, 4, 5); // warm-up, not measured
      for (const n of concurrency) {
        const rounds = [];
        for (let i = 0; i < repeats; i++) rounds.push(await logBatchThroughput(server.url, n));
        row.throughput[n] = rounds.sort((a, b) => a - b)[Math.floor(rounds.length / 2)];
      }
      row.history = await historyLatency(server.url);
      rows.push(row);
    } finally {
      await server.stop();
    }
  };
  try {
    if (store === 'sqlite') await run(`sqlite:///${join(work, 'bench.db')}`);
    else if (store === 'postgresql') await withPostgres(run);
    else throw new Error(`unknown store ${store}`);
  } catch (err) {
    console.error(`bench/tracking: ${store} skipped: ${err.message}`);
  }
}

const fmt = (x) => Math.round(x).toLocaleString('en-US');
const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `mlship tracking server, ${workers} worker(s); ${cpus().length} × ${cpu}; Node ${process.version}`,
);
console.log(
  `log-batch: ${batchesPerClient} batches of ${BATCH} points per client, median of ${repeats}; get-history: ${historySteps.toLocaleString('en-US')} steps, ${reads} reads`,
);
console.log('no same-machine MLflow reference: MLflow is not packaged in Debian (python3-mlflow)\n');
const head = [
  'store',
  ...concurrency.map((n) => `log-batch ${n} client${n > 1 ? 's' : ''} (points/s)`),
  'get-history p50 (ms)',
  'p95 (ms)',
  'requests/read',
];
const table = rows.map((r) => [
  r.store,
  ...concurrency.map((n) => fmt(r.throughput[n])),
  r.history.p50.toFixed(0),
  r.history.p95.toFixed(0),
  r.history.pagesPerRead.toFixed(0),
]);
const widths = head.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
console.log(line(head));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const t of table) console.log(line(t));
