#!/usr/bin/env node
// bench/train: mlship's flagship training against scikit-learn's, same data, same machine, same run.
// Both sides run params.yaml's pipeline: mlship reads it, and bench/sklearn_train.py is given its
// preprocessing.order (the flagship's is the reference's, impute_encode_ratios).
//
//   npm run bench:train                   # 1x, 10x, 50x, 3 repeats each
//   node bench/train.mjs --sizes 1,10 --repeats 5 --model hgb
//
// For each data size it alternates mlship and scikit-learn runs (A B A B …, so drift hits both),
// reads each run's fit seconds (the estimator's fit alone, timed inside each process) and test RMSE,
// and takes whole-process wall time and peak RSS from GNU time (/usr/bin/time -f). Larger data is
// the flagship CSV replicated with small seeded noise, generated into a temp folder.
// Needs: a build (npm run build), /usr/bin/python3 with scikit-learn (apt-get install python3-sklearn),
// /usr/bin/time (apt-get install time).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { median, opt, root } from './lib.mjs';

const sizes = opt('sizes', '1,10,50').split(',').map(Number);
const repeats = Number(opt('repeats', '3'));
const model = opt('model', 'hgb');
const source = resolve(root, opt('data', '../shared/data/housing.csv'));
const python = '/usr/bin/python3';

for (const [what, path] of [
  ['the flagship data', source],
  ['the build (run npm run build)', join(root, 'dist/cli/main.js')],
  ['python3 with scikit-learn', python],
  ['GNU time (apt-get install time)', '/usr/bin/time'],
]) {
  if (!existsSync(path)) {
    console.error(`bench/train: missing ${what}: ${path}`);
    process.exit(2);
  }
}

// the build's own reading of params.yaml, so both sides take the same order
const { loadParams } = await import(join(root, 'dist/pipeline/params.js'));
const order = (await loadParams(join(root, 'params.yaml'))).preprocessing.order;

const work = mkdtempSync(join(tmpdir(), 'mlship-bench-train-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

/** Mersenne-free, seeded noise: a 32-bit xorshift is enough to make replicated rows distinct. */
function makeRng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/** The flagship CSV replicated `times` times; copies after the first get ±0.5% noise on numbers. */
function enlarge(times) {
  if (times === 1) return source;
  const out = join(work, `housing-x${times}.csv`);
  const lines = readFileSync(source, 'utf8').trimEnd().split('\n');
  const header = lines[0];
  const rng = makeRng(12345 + times);
  const chunks = [header];
  for (let r = 0; r < times; r++) {
    for (let i = 1; i < lines.length; i++) {
      if (r === 0) {
        chunks.push(lines[i]);
        continue;
      }
      const fields = lines[i].split(',');
      for (let j = 0; j < fields.length; j++) {
        const f = fields[j];
        if (f === '' || Number.isNaN(Number(f))) continue;
        const x = Number(f) * (1 + (rng() - 0.5) * 0.01);
        fields[j] = j === 8 ? x.toFixed(0) : String(Math.round(x * 1e4) / 1e4);
      }
      chunks.push(fields.join(','));
    }
  }
  writeFileSync(out, `${chunks.join('\n')}\n`);
  return out;
}

/** Run a command under GNU time; returns its stdout, wall seconds and peak RSS in MiB. */
function timed(cmd, cmdArgs) {
  const timeFile = join(work, 'time.txt');
  const stdout = execFileSync('/usr/bin/time', ['-f', '%e %M', '-o', timeFile, cmd, ...cmdArgs], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 << 20,
  });
  const [wall, kb] = readFileSync(timeFile, 'utf8').trim().split(/\s+/).map(Number);
  return { stdout, wall, rssMiB: kb / 1024 };
}

function runMlship(csv) {
  const out = join(work, 'out');
  const r = timed(process.execPath, [
    'dist/cli/main.js',
    'train',
    '--data',
    csv,
    '--out',
    out,
    '--model',
    model,
    '--json',
  ]);
  const m = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  return { fit: m.fit_seconds, rmse: m.test.rmse, nIter: m.n_iter, wall: r.wall, rss: r.rssMiB };
}

function runSklearn(csv) {
  const r = timed(python, ['bench/sklearn_train.py', csv, '--model', model, '--preprocessing', order]);
  const m = JSON.parse(r.stdout.trim().split('\n').pop());
  return { fit: m.fit_seconds, rmse: m.test.rmse, nIter: m.n_iter, wall: r.wall, rss: r.rssMiB };
}

const rows = [];
for (const times of sizes) {
  const csv = enlarge(times);
  const ours = [];
  const theirs = [];
  process.stderr.write(`x${times}: `);
  for (let i = 0; i < repeats; i++) {
    ours.push(runMlship(csv));
    theirs.push(runSklearn(csv));
    process.stderr.write('.');
  }
  process.stderr.write('\n');
  const pick = (runs, k) => median(runs.map((r) => r[k]));
  rows.push({
    size: `${times}x`,
    rows: 20640 * times,
    mlshipFit: pick(ours, 'fit'),
    sklearnFit: pick(theirs, 'fit'),
    fitRatio: median(ours.map((r, i) => r.fit / theirs[i].fit)),
    mlshipWall: pick(ours, 'wall'),
    sklearnWall: pick(theirs, 'wall'),
    mlshipRmse: ours[0].rmse,
    sklearnRmse: theirs[0].rmse,
    mlshipIter: ours[0].nIter,
    sklearnIter: theirs[0].nIter,
    mlshipRss: Math.max(...ours.map((r) => r.rss)),
    sklearnRss: Math.max(...theirs.map((r) => r.rss)),
  });
}

const sk = JSON.parse(
  execFileSync(python, ['-c', 'import sklearn,json;print(json.dumps(sklearn.__version__))']),
);
console.log(
  `model ${model}; median of ${repeats} runs each, alternating; scikit-learn ${sk}; node ${process.version}`,
);
const f2 = (x) => x.toFixed(2);
const f3 = (x) => x.toFixed(3);
const header = [
  'data',
  'rows',
  'mlship fit s',
  'sklearn fit s',
  'ratio',
  'mlship wall s',
  'sklearn wall s',
  'mlship RMSE',
  'sklearn RMSE',
  'iters (ml/sk)',
  'peak RSS MiB (ml/sk)',
];
const table = rows.map((r) => [
  r.size,
  String(r.rows),
  f3(r.mlshipFit),
  f3(r.sklearnFit),
  f2(r.fitRatio),
  f2(r.mlshipWall),
  f2(r.sklearnWall),
  r.mlshipRmse.toFixed(1),
  r.sklearnRmse.toFixed(1),
  `${r.mlshipIter}/${r.sklearnIter}`,
  `${r.mlshipRss.toFixed(0)}/${r.sklearnRss.toFixed(0)}`,
]);
const widths = header.map((h, j) => Math.max(h.length, ...table.map((row) => row[j].length)));
const line = (cells) => `| ${cells.map((c, j) => c.padStart(widths[j])).join(' | ')} |`;
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const row of table) console.log(line(row));
console.log('ratio = mlship fit / scikit-learn fit, pair by pair, median; below 1 means mlship is faster.');
