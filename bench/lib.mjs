// Shared by the bench scripts: the repository root, `--name value` options, the median, and the
// HGB benches' data files and model parameters.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const args = process.argv.slice(2);

/** The value after `--name` on the command line, or `dflt`. */
export function opt(name, dflt) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/**
 * A matrix written by `bench/hgb-fit.py prepare` (STEM.bin: rows of [features..., y] as float64,
 * STEM.json: its shape) as a column-major Matrix and a target vector.
 */
export function loadPrepared(stem) {
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

/** The flagship HistGradientBoostingRegressor's parameters; threads 0 leaves the choice to the fit. */
export function flagshipHgbParams(threads) {
  return {
    maxDepth: 8,
    learningRate: 0.1,
    maxIter: 200,
    randomState: 42,
    ...(threads > 0 ? { nThreads: threads } : {}),
  };
}
