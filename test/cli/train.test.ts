/**
 * `mlship train` as a user runs it: the built CLI (dist/, made by `npm run build`, which
 * `npm test` runs first) in a child process. Bad input must end with exactly one line on stderr
 * naming file, line and column, exit code 2, and nothing written to --out.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'dist/cli/main.js');
const DATA = resolve(ROOT, '../shared/data/housing.csv');
const HEADER =
  'longitude,latitude,housing_median_age,total_rooms,total_bedrooms,population,households,median_income,median_house_value,ocean_proximity';
const ROW = '-122.23,37.88,41.0,880.0,129.0,322.0,126.0,8.3252,452600.0,NEAR BAY';

function mlship(args: string[], cwd = ROOT) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let work: string;
beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build (npm test does it first)`);
  work = await mkdtemp(join(tmpdir(), 'mlship-cli-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('mlship train: malformed input', () => {
  const cases: [string, string, RegExp, string][] = [
    [
      'ragged row',
      `${HEADER}\n${ROW}\n${ROW},extra\n`,
      /^mlship: .*ragged\.csv:3:11: expected 10 fields, found 11$/,
      'ragged',
    ],
    [
      'text in a numeric column',
      `${HEADER}\n${ROW}\n-122.22,37.86,21.0,lots,1106.0,2401.0,1138.0,8.3014,358500.0,NEAR BAY\n`,
      /^mlship: .*text\.csv:3:4 \(column "total_rooms"\): "lots" is not a number, and the schema says the column is numeric$/,
      'text',
    ],
    [
      'missing target column',
      `${HEADER.replace(',median_house_value', '')}\n${ROW.replace(',452600.0', '')}\n`,
      /^mlship: .*target\.csv:1.*"median_house_value"/,
      'target',
    ],
    ['empty file', '', /^mlship: .*empty\.csv:1.*empty/, 'empty'],
  ];
  for (const [name, content, expected, stem] of cases) {
    it(`${name}: one clear line, exit code 2, nothing written`, async () => {
      const file = join(work, `${stem}.csv`);
      await writeFile(file, content);
      const out = join(work, `out-${name.replace(/ /g, '-')}`);
      const r = mlship(['train', '--data', file, '--out', out]);
      expect(r.code).toBe(2);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr.trimEnd()).toMatch(expected);
      expect(r.stdout).toBe('');
      expect(existsSync(out)).toBe(false);
      // no temporary build folder left beside --out either
      expect((await readdir(work)).filter((f) => f.includes(`out-${name.replace(/ /g, '-')}`))).toEqual([]);
    });
  }

  it('a failed run leaves an existing --out exactly as it was', async () => {
    const out = join(work, 'kept');
    await rm(out, { recursive: true, force: true });
    const good = join(work, 'good.csv');
    const rows = Array.from({ length: 60 }, (_, i) => ROW.replace('880.0', String(800 + i * 7)));
    await writeFile(good, `${HEADER}\n${rows.join('\n')}\n`);
    expect(mlship(['train', '--data', good, '--out', out, '--model', 'linear']).code).toBe(0);
    const before = await readdir(join(out, 'model'));
    const bad = join(work, 'bad.csv');
    await writeFile(bad, `${HEADER}\n${ROW},x\n`);
    expect(mlship(['train', '--data', bad, '--out', out]).code).toBe(2);
    expect(await readdir(join(out, 'model'))).toEqual(before);
  });

  it('rejects an unknown model type and an unknown params key with exit code 2', async () => {
    const r = mlship(['train', '--model', 'svm', '--out', join(work, 'x')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      'mlship: --model must be one of hgb, random_forest, decision_tree, linear, ridge; got "svm"',
    );
    const cfg = join(work, 'params.yaml');
    await writeFile(cfg, 'model:\n  hgb:\n    max_dept: 3\n');
    const r2 = mlship(['train', '--config', cfg, '--out', join(work, 'x')]);
    expect(r2.code).toBe(2);
    expect(r2.stderr.trim()).toMatch(/^mlship: model\.hgb: unknown parameter "max_dept"/);
    const missing = mlship(['train', '--config', join(work, 'nope.yaml'), '--out', join(work, 'x')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toMatch(/params file not found/);
  });

  it('refuses data that does not match its .dvc file, naming both hashes', async () => {
    const dir = join(work, 'tracked');
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir);
    const csv = join(dir, 'data.csv');
    await writeFile(csv, `${HEADER}\n${ROW}\n`);
    // DVC 3 .dvc layout (shared/specs/dvc-formats.md §3) recording another file's md5
    await writeFile(
      `${csv}.dvc`,
      'outs:\n- md5: d1c47305887e2252bf1ccbd74ff159a6\n  size: 1423529\n  hash: md5\n  path: data.csv\n',
    );
    const out = join(work, 'tracked-out');
    const r = mlship(['train', '--data', csv, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(
      /does not match .*data\.csv\.dvc: its md5 is [0-9a-f]{32}, the \.dvc file records d1c47305887e2252bf1ccbd74ff159a6/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('--help documents the options', () => {
    const r = mlship(['train', '--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--config', '--data', '--out', '--model', '--json']) expect(r.stdout).toContain(flag);
  });
});

describe.skipIf(!existsSync(DATA))('mlship train on the flagship data', () => {
  it('--json prints the metrics object on stdout only', () => {
    const out = join(work, 'flagship');
    const r = mlship(['train', '--data', DATA, '--out', out, '--model', 'linear', '--json']);
    expect(r.code).toBe(0);
    const m = JSON.parse(r.stdout);
    expect(m.n_train).toBe(16512);
    expect(m.data_md5).toBe('d1c47305887e2252bf1ccbd74ff159a6');
    expect(r.stderr).toBe(''); // not a terminal: no progress bar
  });
});
