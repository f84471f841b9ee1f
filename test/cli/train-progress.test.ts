/**
 * `mlship train --model random_forest` shows the trees' progress on a terminal (issue 8: 35 s with
 * no output), and nothing of it when stderr is not a terminal (logs, pipes, CI stay clean). The
 * terminal is a real pseudo-terminal from util-linux `script`, so the CLI's own isTTY check runs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'dist/cli/main.js');
const DATA = resolve(ROOT, '../shared/data/housing.csv');
const hasScript = spawnSync('script', ['--version']).status === 0;

let work: string;
const args = () => ['train', '--config', join(work, 'params.yaml'), '--data', join(work, 'small.csv')];

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build (npm test does it first)`);
  work = await mkdtemp(join(tmpdir(), 'mlship-progress-'));
  const lines = readFileSync(DATA, 'utf8').split('\n').slice(0, 601);
  await writeFile(join(work, 'small.csv'), `${lines.join('\n')}\n`);
  await writeFile(
    join(work, 'params.yaml'),
    'model:\n  type: random_forest\n  random_forest: { n_estimators: 12, random_state: 42 }\n',
  );
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('mlship train --model random_forest: progress', () => {
  it.skipIf(!hasScript && !process.env.CI)('counts the trees on a terminal', () => {
    const command = [process.execPath, CLI, ...args(), '--out', join(work, 'tty')]
      .map((a) => `'${a.replace(/'/g, `'\\''`)}'`)
      .join(' ');
    // script copies everything the pseudo-terminal shows (stdout and stderr) to its own stdout
    const r = spawnSync('script', ['-qefc', command, '/dev/null'], { cwd: work, encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/trees .* 12\/12/);
    expect(r.stdout).toMatch(/test +RMSE/);
  });

  it('shows no progress when stderr is not a terminal', () => {
    const r = spawnSync(process.execPath, [CLI, ...args(), '--out', join(work, 'pipe')], {
      cwd: work,
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/model +random_forest/);
  });
});
