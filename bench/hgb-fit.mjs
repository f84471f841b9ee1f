#!/usr/bin/env node
// bench/hgb-fit: mlship's HistGradientBoostingRegressor.fit against scikit-learn's, on the same
// numbers, same machine, same run.
//
//   npx tsc -p tsconfig.build.json && node bench/hgb-fit.mjs
//   node bench/hgb-fit.mjs --scales 1,10,50 --repeats 3 --threads 2 [--dist DIR] [--no-sklearn]
//
// The data is the flagship training set (16,512 rows x 16 features, preprocessed by scikit-learn
// itself, see bench/hgb-fit.py) replicated 1x / 10x / 50x with small seeded noise, written once into
// a temp folder as raw float64. For each scale it alternates our fits (in this process, so worker
// threads started by the first fit are reused, as an OpenMP pool is in Python) with scikit-learn's
// (one python process per fit, timing the fit alone), A B A B ..., so that load from anything else
// on the machine hits both, and reports the median fit seconds and the ratio ours/sklearn.
// Needs: the build in dist/ and /usr/bin/python3 with scikit-learn 1.2.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const scales = opt('scales', '1,10,50').split(',').map(Number);
const repeats = Math.max(1, Number(opt('repeats', '3')));
const threads = Number(opt('threads', String(availableParallelism())));
const csv = resolve(root, opt('data', '../shared/data/housing.csv'));
const python = '/usr/bin/python3';
const helper = join(root, 'bench/hgb-fit.py');
const built = join(resolve(root, opt('dist', 'dist')), 'ml/hgb/index.js');
const withSklearn = !args.includes('--no-sklearn');

for (const [what, path] of [
  ['the flagship data', csv],
  ['the build (npx tsc -p tsconfig.build.json)', built],
  ['python3 with scikit-learn', python],
]) {
  if (!existsSync(path)) {
    console.error(`bench/hgb-fit: missing ${what}: ${path}`);
    process.exit(2);
  }
}

const { HistGradientBoostingRegressor } = await import(pathToFileURL(built).href);

const work = mkdtempSync(join(tmpdir(), 'mlship-bench-hgb-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
execFileSync(python, [helper, 'prepare', csv, work, scales.join(',')], { stdio: 'inherit' });

/** The .bin file as a column-major Matrix and a target vector. */
function load(stem) {
  const { rows, features } = JSON.parse(readFileSync(`${stem}.json`, 'utf8'));
  const buf = readFileSync(`${stem}.bin`);
  const flat = new Float64Array(buf.buffer, buf.byteOffset, buf.byteLength / 8);
  const width = features + 1;
  const data = new Float64Array(rows * features);
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < features; j++) data[j * rows + i] = flat[i * width + j];
    y[i] = flat[i * width + features];
  }
  return { X: { nRows: rows, nCols: features, data }, y };
}

function fitOnce(X, y) {
  const model = new HistGradientBoostingRegressor({
    maxDepth: 8,
    learningRate: 0.1,
    maxIter: 200,
    randomState: 42,
    nThreads: threads,
  });
  const t = performance.now();
  model.fit(X, y);
  return { seconds: (performance.now() - t) / 1000, nIter: model.nIter };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};

const table = [];
for (const k of scales) {
  const stem = join(work, `hgb-${k}x`);
  const { X, y } = load(stem);
  const ours = [];
  const theirs = [];
  let nIter = 0;
  let sk = { seconds: [Number.NaN], n_iter: '-', threads: '-' };
  for (let r = 0; r < repeats; r++) {
    const res = fitOnce(X, y);
    ours.push(res.seconds);
    nIter = res.nIter;
    if (withSklearn) {
      sk = JSON.parse(execFileSync(python, [helper, 'time', `${stem}.bin`, '1'], { encoding: 'utf8' }));
      theirs.push(sk.seconds[0]);
    }
  }
  if (theirs.length > 0) sk.seconds = theirs;
  const row = {
    scale: `${k}x`,
    rows: X.nRows,
    ours: median(ours),
    sklearn: median(sk.seconds),
    ratio: median(ours) / median(sk.seconds),
    n_iter: `${nIter} / ${sk.n_iter}`,
    threads: `${threads} / ${sk.threads}`,
    ours_runs: ours.map((s) => s.toFixed(3)).join(' '),
    sklearn_runs: sk.seconds.map((s) => s.toFixed(3)).join(' '),
  };
  table.push(row);
  console.error(
    `${row.scale}: ${row.rows} rows  ours ${row.ours.toFixed(3)} s [${row.ours_runs}]  sklearn ${row.sklearn.toFixed(3)} s [${row.sklearn_runs}]  ratio ${row.ratio.toFixed(2)}  n_iter ${row.n_iter}`,
  );
}

console.log(
  '| data | rows | mlship fit (s) | scikit-learn fit (s) | ratio | n_iter (ours / sklearn) | threads (ours / sklearn) |',
);
console.log('| --- | ---: | ---: | ---: | ---: | --- | --- |');
for (const r of table) {
  console.log(
    `| ${r.scale} | ${r.rows} | ${r.ours.toFixed(3)} | ${r.sklearn.toFixed(3)} | ${r.ratio.toFixed(2)} | ${r.n_iter} | ${r.threads} |`,
  );
}
