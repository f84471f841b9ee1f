#!/usr/bin/env node
// bench/search: runs/search with many AND clauses (issue 8 §5.1), through the built tracking
// store on SQLite and on PostgreSQL, against an experiment of --runs runs (default 1,000), each
// with 201 metrics, 20 params and 10 tags. Three filters per clause count (10, 50, 100, 200), all
// met by every run with m = 1 (half of them), so each clause is evaluated on every such run:
//   - "same": the filter, `metrics.m = 1 AND metrics.m = 1 AND …`;
//   - "mixed": N different clauses on 20 metrics, 20 params and 10 tags (≤ 50 keys);
//   - "keys": N clauses on N different metrics, one lookup each per run: the costly case.
// Each search asks for 100 runs; the figure is the median of --repeats searches, in ms.
//
//   npm run bench:search
//   node bench/search.mjs --runs 1000 --clauses 10,50,100,200 --repeats 3 --stores sqlite,postgresql
//   node bench/search.mjs --dist node_modules/.cache/mlship-dist-main   # another build (before/after)
//   node bench/search.mjs --timeout 120   # give up on one search after 120 s (PostgreSQL only)
//
// PostgreSQL: a scratch database mlship_bench_<random> on --pg (default
// postgresql://postgres@127.0.0.1:5432/postgres), dropped at the end. A search given up on (the
// build before the fix has no statement timeout; this bench sets one on its sessions through
// PGOPTIONS) prints "> N s". There is no MLflow to compare with on this machine (PyPI is not
// reachable and Debian has no python3-mlflow), so the figures are mlship's, before and after.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { median, opt, root } from './lib.mjs';

const nRuns = Number(opt('runs', '1000'));
const clauseCounts = opt('clauses', '10,50,100,200').split(',').map(Number);
const repeats = Number(opt('repeats', '3'));
const stores = opt('stores', 'sqlite,postgresql').split(',');
const pgAdmin = opt('pg', 'postgresql://postgres@127.0.0.1:5432/postgres');
const dist = resolve(opt('dist', join(root, 'dist')));
const timeoutS = Number(opt('timeout', '120'));
// Read by pg when it opens a connection; the build before the fix had no timeout of its own.
process.env.PGOPTIONS = `-c statement_timeout=${timeoutS * 1000}`;

const { openTrackingStore } = await import(join(dist, 'tracking/store/index.js'));
const pg = (await import('pg')).default;

function filters(n) {
  const same = Array(n).fill('metrics.m = 1').join(' AND ');
  const distinct = Array.from({ length: n }, (_, i) => {
    const k = i % 20;
    if (i === 0) return 'metrics.m = 1';
    if (i % 3 === 0) return `metrics.k${k} > ${-1 - i}`;
    if (i % 3 === 1) return `params.p${k} != 'no${i}'`;
    return `tags.t${k % 10} != 'no${i}'`;
  }).join(' AND ');
  const keys = ['metrics.m = 1', ...Array.from({ length: n - 1 }, (_, i) => `metrics.k${i} > -1`)].join(
    ' AND ',
  );
  return { same, distinct, keys };
}

async function populate(store) {
  const exp = await store.createExperiment(`bench-${randomBytes(4).toString('hex')}`);
  for (let i = 0; i < nRuns; i++) {
    const run = await store.createRun({
      experimentId: exp,
      userId: 'bench',
      startTime: 1_700_000_000_000 + i,
      tags: [],
    });
    await store.logBatch(
      run.info.run_id,
      [
        { key: 'm', value: i % 2, timestamp: 1, step: 0 },
        ...Array.from({ length: 200 }, (_, k) => ({ key: `k${k}`, value: i + k, timestamp: 1, step: 0 })),
      ],
      Array.from({ length: 20 }, (_, k) => ({ key: `p${k}`, value: `v${i % 10}` })),
      Array.from({ length: 10 }, (_, k) => ({ key: `t${k}`, value: `t${i % 5}` })),
    );
  }
  return exp;
}

async function time(store, exp, filter) {
  const ms = [];
  let found = 0;
  for (let r = 0; r < repeats; r++) {
    const t = performance.now();
    try {
      const page = await store.searchRuns({
        experimentIds: [exp],
        filter,
        runViewType: 'ACTIVE_ONLY',
        maxResults: 100,
      });
      found = page.runs.length;
    } catch (err) {
      if (/statement timeout/.test(String(err?.message))) return { text: `> ${timeoutS} s`, found: '-' };
      throw err;
    }
    ms.push(performance.now() - t);
  }
  return { text: median(ms).toFixed(1), found };
}

const work = mkdtempSync(join(tmpdir(), 'mlship-bench-search-'));
const rows = [];
try {
  for (const kind of stores) {
    let uri;
    let drop = async () => undefined;
    if (kind === 'sqlite') {
      uri = `sqlite:///${join(work, 'search.db')}`;
    } else {
      const name = `mlship_bench_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: pgAdmin });
      try {
        await admin.connect();
        await admin.query(`CREATE DATABASE ${name}`);
      } catch (err) {
        console.error(`bench/search: PostgreSQL at ${pgAdmin} not reachable (${err.message}); skipped`);
        continue;
      } finally {
        await admin.end().catch(() => undefined);
      }
      const url = new URL(pgAdmin);
      url.pathname = `/${name}`;
      uri = url.toString();
      drop = async () => {
        const a = new pg.Client({ connectionString: pgAdmin });
        await a.connect();
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await a.end();
      };
    }
    const store = await openTrackingStore(uri, { defaultArtifactRoot: 'mlflow-artifacts:' });
    try {
      const t = performance.now();
      const exp = await populate(store);
      console.error(`[${kind}] ${nRuns} runs logged in ${((performance.now() - t) / 1000).toFixed(1)} s`);
      for (const n of clauseCounts) {
        const { same, distinct, keys } = filters(n);
        const a = await time(store, exp, same);
        const b = await time(store, exp, distinct);
        const c = await time(store, exp, keys);
        rows.push([kind, n, a.text, b.text, c.text, `${a.found}/${b.found}/${c.found}`]);
        console.error(`[${kind}] ${n} clauses: same ${a.text} ms, mixed ${b.text} ms, keys ${c.text} ms`);
      }
    } finally {
      await store.close();
      await drop();
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

console.log(
  `\nbuild: ${dist}\nruns: ${nRuns} (201 metrics, 20 params, 10 tags each); median of ${repeats}\n`,
);
console.log('| store | clauses | same clause, ms | mixed (≤ 50 keys), ms | one key each, ms | runs found |');
console.log('|---|---:|---:|---:|---:|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
