/**
 * What `npm start` (mlship quickstart) and `mlship train` print for the committed params.yaml on the
 * flagship data: the reference's published figures, test RMSE 45,531.6 and R² 0.8418 (scikit-learn
 * 1.2.1 on the reference's pipelines/train.py; test/fixtures/gen_reference_pipeline.py). Runs the
 * built CLI (npm run build) from the repository root, as a user would.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLAGSHIP_CSV, HAVE_FLAGSHIP } from '../helpers/flagship.js';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'dist/cli/main.js');
const DATA = FLAGSHIP_CSV;

let work: string;
beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build (npm test does it first)`);
  work = await mkdtemp(join(tmpdir(), 'mlship-cli-figures-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe.skipIf(!HAVE_FLAGSHIP)('mlship train with the committed params.yaml', () => {
  it("prints the reference's figures: test RMSE 45,531.6, R² 0.8418, 190 iterations", () => {
    const r = spawnSync(process.execPath, [CLI, 'train', '--data', DATA, '--out', join(work, 'out')], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^model {6}hgb \(190 iterations\), fit in /);
    expect(lines).toContain('train      RMSE 35,390.5  MAE 24,163.1  R² 0.9063');
    expect(lines).toContain('test       RMSE 45,531.6  MAE 30,166.9  R² 0.8418');
  });
});
