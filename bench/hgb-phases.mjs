#!/usr/bin/env node
// bench/hgb-phases: where one HistGradientBoostingRegressor fit spends its time, phase by phase, in
// a fresh process (cold: V8 compiles the code while it runs) and then again in the same process.
//
//   npx tsc -p tsconfig.build.json && node bench/hgb-phases.mjs [--scale 1] [--fits 2] [--threads N]
//
// The data is the flagship training set as bench/hgb-fit.py prepares it (16,512 rows x 16
// features, replicated --scale times with seeded noise), written once into a temp folder. The fit
// is timed from the outside only: the engine's and the grower's methods are wrapped with timers
// (their cost, ~0.1 us per call, is included), and the progress callback marks each iteration. It
// prints, per fit: the time until the first tree is done (validation split, binning and the first
// tree), then per phase the time spent in the first tree, in trees 2-20 and in the rest. The
// first tree and the next ones are where a cold fit differs from a warm one. (A second fit in the
// process is only partly warm: the histogram and row kernels are generated anew for every fit.)
// Needs: the build in dist/ and /usr/bin/python3 with scikit-learn 1.2 (to prepare the data).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { flagshipHgbParams, loadPrepared, opt, root } from './lib.mjs';

const scale = Number(opt('scale', '1'));
const fits = Math.max(1, Number(opt('fits', '2')));
const threads = Number(opt('threads', '0'));
const dist = resolve(root, opt('dist', 'dist'));
const csv = resolve(root, opt('data', '../shared/data/housing.csv'));
for (const path of [csv, join(dist, 'ml/hgb/index.js'), '/usr/bin/python3']) {
  if (!existsSync(path)) {
    console.error(`bench/hgb-phases: missing ${path}`);
    process.exit(2);
  }
}

const load = (rel) => import(pathToFileURL(join(dist, rel)).href);
const { HistGradientBoostingRegressor } = await load('ml/hgb/index.js');
const { Engine } = await load('ml/hgb/engine.js');
const { TreeGrower } = await load('ml/hgb/grower.js');

const work = mkdtempSync(join(tmpdir(), 'mlship-bench-phases-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
execFileSync('/usr/bin/python3', [join(root, 'bench/hgb-fit.py'), 'prepare', csv, work, String(scale)], {
  stdio: 'inherit',
});
const stem = join(work, `hgb-${scale}x`);
const { X, y } = loadPrepared(stem);

// Phase timers: each wrapped method adds its wall time to its phase.
const phases = new Map();
function wrap(proto, name) {
  const inner = proto[name];
  proto[name] = function (...a) {
    const t = performance.now();
    try {
      return inner.apply(this, a);
    } finally {
      const p = phases.get(name) ?? { ms: 0, calls: 0 };
      p.ms += performance.now() - t;
      p.calls++;
      phases.set(name, p);
    }
  };
}
for (const m of ['root', 'children', 'splitIndices', 'residuals', 'resetTree', 'applyTree', 'validate']) {
  wrap(Engine.prototype, m);
}
for (const m of ['grow', 'makePredictor', 'leafSegments']) wrap(TreeGrower.prototype, m);

const take = () => {
  const out = [...phases].map(([k, v]) => `${k} ${v.ms.toFixed(1)}/${v.calls}`).join('  ');
  phases.clear();
  return out;
};

for (let f = 1; f <= fits; f++) {
  phases.clear();
  const model = new HistGradientBoostingRegressor(flagshipHgbParams(threads));
  const lines = [];
  let iteration = 0;
  const t0 = performance.now();
  model.fit(X, y, {
    onIteration: () => {
      iteration++;
      if (iteration === 1)
        lines.push(`  first tree done at ${(performance.now() - t0).toFixed(1)} ms; tree 1: ${take()}`);
      if (iteration === 20) lines.push(`  trees 2-20: ${take()}`);
    },
  });
  const total = performance.now() - t0;
  lines.push(`  trees 21-${iteration}: ${take()}`);
  console.log(
    `fit ${f} (${f === 1 ? 'cold' : 'warm'}): ${total.toFixed(1)} ms, ${model.nIter} trees, ${model.nThreadsUsed} thread(s)  [ms/calls]`,
  );
  for (const l of lines) console.log(l);
}
