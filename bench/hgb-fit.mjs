#!/usr/bin/env node
// bench/hgb-fit: mlship's HistGradientBoostingRegressor.fit against scikit-learn's, on the same
// numbers, same machine, same run.
//
//   npx tsc -p tsconfig.build.json && node bench/hgb-fit.mjs
//   node bench/hgb-fit.mjs --scales 1,10,50 --repeats 3 [--threads N] [--dist DIR] [--no-sklearn]
//
// The data is the flagship training set (16,512 rows x 16 features, preprocessed by scikit-learn
// itself, see bench/hgb-fit.py) replicated 1x / 10x / 50x with small seeded noise, written once into
// a temp folder as raw float64. Per scale and repeat, A B A B ... so that load from anything else on
// the machine hits both sides alike:
// - "cold": one fit in a fresh node process (as `mlship train` runs it: worker threads start and
//   V8 compiles everything during the fit), timing the fit alone (not node's start, the imports or
//   the data loading);
// - scikit-learn: one fit in a fresh python process, timing the fit alone, likewise;
// - "warm": a fit in this process after a first, discarded one (threads started, code compiled),
//   as when one process fits several models.
// It reports the medians and the ratios ours / scikit-learn. Threads: ours as chosen by the
// estimator (nThreads automatic) unless --threads is given; scikit-learn's OpenMP default.
// Needs: the build in dist/ and /usr/bin/python3 with scikit-learn 1.2.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { args, flagshipHgbParams, loadPrepared, median, opt, root } from './lib.mjs';

const scales = opt('scales', '1,10,50').split(',').map(Number);
const repeats = Math.max(1, Number(opt('repeats', '3')));
const threads = Number(opt('threads', '0')); // 0: automatic
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

function fitOnce(X, y) {
  const model = new HistGradientBoostingRegressor(flagshipHgbParams(threads));
  const t = performance.now();
  model.fit(X, y);
  return { seconds: (performance.now() - t) / 1000, nIter: model.nIter, threads: model.nThreadsUsed };
}

// Child mode (a cold fit): load, fit once, print the result as JSON.
const child = opt('child', null);
if (child !== null) {
  const { X, y } = loadPrepared(child);
  console.log(JSON.stringify(fitOnce(X, y)));
  process.exit(0);
}

const work = mkdtempSync(join(tmpdir(), 'mlship-bench-hgb-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
execFileSync(python, [helper, 'prepare', csv, work, scales.join(',')], { stdio: 'inherit' });

const coldFit = (stem) =>
  JSON.parse(
    execFileSync(
      process.execPath,
      [
        fileURLToPath(import.meta.url),
        '--child',
        stem,
        '--dist',
        dirname(dirname(dirname(built))),
        '--threads',
        String(threads),
      ],
      { encoding: 'utf8' },
    ),
  );

const runs = (xs) => xs.map((s) => s.toFixed(3)).join(' ');

const table = [];
for (const k of scales) {
  const stem = join(work, `hgb-${k}x`);
  const { X, y } = loadPrepared(stem);
  const cold = [];
  const warm = [];
  const theirs = [];
  let ours = null;
  let sk = { n_iter: '-', threads: '-' };
  fitOnce(X, y); // warms this process up for the "warm" fits
  for (let r = 0; r < repeats; r++) {
    ours = coldFit(stem);
    cold.push(ours.seconds);
    if (withSklearn) {
      sk = JSON.parse(execFileSync(python, [helper, 'time', `${stem}.bin`, '1'], { encoding: 'utf8' }));
      theirs.push(sk.seconds[0]);
    }
    warm.push(fitOnce(X, y).seconds);
  }
  const ref = theirs.length > 0 ? median(theirs) : Number.NaN;
  const row = {
    scale: `${k}x`,
    rows: X.nRows,
    cold: median(cold),
    warm: median(warm),
    sklearn: ref,
    n_iter: `${ours.nIter} / ${sk.n_iter}`,
    threads: `${ours.threads} / ${sk.threads}`,
  };
  table.push(row);
  console.error(
    `${row.scale}: ${row.rows} rows  ours cold ${row.cold.toFixed(3)} s [${runs(cold)}]  warm ${row.warm.toFixed(3)} s [${runs(warm)}]  sklearn ${ref.toFixed(3)} s [${runs(theirs)}]  n_iter ${row.n_iter}  threads ${row.threads}`,
  );
}

console.log(
  '| data | rows | mlship fit, cold (s) | mlship fit, warm (s) | scikit-learn fit (s) | ratio cold | ratio warm | n_iter (ours / sklearn) | threads (ours / sklearn) |',
);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |');
for (const r of table) {
  console.log(
    `| ${r.scale} | ${r.rows} | ${r.cold.toFixed(3)} | ${r.warm.toFixed(3)} | ${r.sklearn.toFixed(3)} | ${(r.cold / r.sklearn).toFixed(2)} | ${(r.warm / r.sklearn).toFixed(2)} | ${r.n_iter} | ${r.threads} |`,
  );
}
