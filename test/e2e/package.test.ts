/**
 * mlship as a library, tested as a user gets it: `npm pack` of this repository (built dist/), the
 * tarball unpacked into a fresh project's node_modules/mlship, then `import … from 'mlship'` and
 * its subpaths resolved by Node through the package's own `exports`, and `tsc --noEmit` on a .ts
 * file of that project resolving the `types` conditions.
 *
 * Installation is what `npm install mlship-x.y.z.tgz` produces for mlship itself (the tarball's
 * files under node_modules/mlship), but its dependencies are linked from this repository's
 * node_modules instead of downloaded: the test must pass offline and in seconds. Only the
 * packed package.json's `dependencies` are linked, so code that needs a devDependency at run time
 * fails here as it would for a user.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

let work: string;
let project: string;
let packed: { files: string[]; manifest: Record<string, unknown> };

function run(
  cmd: string,
  args: string[],
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = execFile(
      cmd,
      args,
      { cwd, timeout: 120_000, maxBuffer: 16 << 20 },
      (_err, stdout, stderr) => done({ code: child.exitCode, stdout, stderr }),
    );
  });
}

async function node(file: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return run(process.execPath, [file], project);
}

/** The README's "Use as a library" example, so the documented code is the code that is run. */
async function readmeExample(): Promise<string> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const m = /## Use as a library[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme);
  if (!m) throw new Error('README.md has no "Use as a library" section with a ```ts example');
  return m[1];
}

/** A small CSV in the flagship's schema: a learnable target, a few missing bedrooms. */
function housingCsv(nRows: number): string {
  const ocean = ['<1H OCEAN', 'INLAND', 'NEAR BAY', 'NEAR OCEAN', 'ISLAND'];
  const lines = [
    'longitude,latitude,housing_median_age,total_rooms,total_bedrooms,population,households,median_income,median_house_value,ocean_proximity',
  ];
  for (let i = 0; i < nRows; i++) {
    const income = 1 + ((i * 7919) % 1000) / 100;
    const rooms = 500 + ((i * 104729) % 5000);
    const households = 100 + ((i * 31) % 700);
    const bedrooms = i % 17 === 0 ? '' : String(Math.round(rooms / 5));
    const value = 40000 * income + 30 * (rooms / households) + (i % 5) * 9000;
    lines.push(
      [
        -122 + (i % 50) / 10,
        37 + (i % 30) / 10,
        10 + (i % 40),
        rooms,
        bedrooms,
        households * 3,
        households,
        income.toFixed(4),
        value.toFixed(1),
        ocean[i % 5],
      ].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'mlship-pack-'));
  const tarballs = join(work, 'tarballs');
  await mkdir(tarballs);
  // `npm pack` runs the package's prepack script (the build) as a publish would.
  const pack = await run('npm', ['pack', '--silent', '--pack-destination', tarballs], ROOT);
  expect(pack.code, pack.stderr).toBe(0);
  const [tarball] = (await readdir(tarballs)).filter((f) => f.endsWith('.tgz'));
  expect(tarball).toBeDefined();
  const listing = await run('tar', ['-tzf', join(tarballs, tarball)], work);
  packed = {
    files: listing.stdout
      .split('\n')
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, '')),
    manifest: {},
  };

  project = join(work, 'consumer');
  const installed = join(project, 'node_modules/mlship');
  await mkdir(installed, { recursive: true });
  const untar = await run(
    'tar',
    ['-xzf', join(tarballs, tarball), '--strip-components=1', '-C', installed],
    work,
  );
  expect(untar.code, untar.stderr).toBe(0);
  packed.manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8'));
  const deps = Object.keys((packed.manifest.dependencies ?? {}) as Record<string, string>);
  // the user's own devDependency for type-checking against Node's API
  for (const name of [...deps, '@types/node']) {
    const link = join(project, 'node_modules', name);
    await mkdir(dirname(link), { recursive: true });
    await symlink(join(ROOT, 'node_modules', name), link, 'dir');
  }
  await writeFile(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { mlship: `file:${tarball}` } }, null, 2)}\n`,
  );
  await writeFile(join(project, 'housing.csv'), housingCsv(400));
}, 180_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('holds dist/ with declarations, and no tests, sources, source maps or build info', () => {
    const { files } = packed;
    expect(files).toContain('package.json');
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
    expect(files).toContain('dist/cli/main.js');
    expect(files).toContain('dist/tracking/store/migrations/001-tracking.js');
    expect(files.filter((f) => /^(test|src|bench)\//.test(f))).toEqual([]);
    expect(files.filter((f) => /tsbuildinfo|\.map$|\.test\./.test(f))).toEqual([]);
  });

  it("maps every entry point to its JavaScript and its declarations, and keeps the 'mlship' bin", () => {
    const exports = packed.manifest.exports as Record<string, { types: string; import: string }>;
    const entries = [
      '.',
      './core',
      './table',
      './ml',
      './storage',
      './data',
      './model',
      './tracking',
      './pipeline',
    ];
    for (const entry of entries) {
      const target = exports[entry];
      expect(target, entry).toBeDefined();
      expect(packed.files, entry).toContain(target.import.replace(/^\.\//, ''));
      expect(packed.files, entry).toContain(target.types.replace(/^\.\//, ''));
    }
    expect(packed.manifest.bin).toEqual({ mlship: 'dist/cli/main.js' });
  });

  it('runs the README example: train from params, load the package, predict a CSV', async () => {
    await writeFile(join(project, 'readme-example.mjs'), await readmeExample());
    const r = await node('readme-example.mjs');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [rmseLine, predictions] = r.stdout.trim().split('\n');
    expect(Number.isFinite(Number(rmseLine))).toBe(true);
    expect(predictions).toMatch(/^Float64Array\(3\) \[/);
  });

  it('trains, saves, verifies, loads and predicts through mlship, mlship/ml, mlship/table and mlship/model', async () => {
    await writeFile(
      join(project, 'roundtrip.mjs'),
      `
import { loadModel, readCsv, saveModel, verifyModel, MlshipError, ModelPackageError } from 'mlship';
import * as core from 'mlship/core';
import * as data from 'mlship/data';
import { FeaturePipeline, HistGradientBoostingRegressor, LinearRegression, trainTestSplit, rmse } from 'mlship/ml';
import * as model from 'mlship/model';
import * as pipeline from 'mlship/pipeline';
import * as storage from 'mlship/storage';
import { numericColumn } from 'mlship/table';
import * as tracking from 'mlship/tracking';
import { readFile, writeFile } from 'node:fs/promises';

const table = await readCsv('housing.csv');
const y = numericColumn(table, 'median_house_value').values;
const split = trainTestSplit(table.nRows, { testSize: 0.25, randomState: 0 });
const features = new FeaturePipeline({
  numeric: ['median_income', 'total_rooms', 'total_bedrooms', 'households'],
  categorical: ['ocean_proximity'],
  ratios: [],
  imputeStrategy: 'median',
  handleUnknown: 'ignore',
}).fit(table, split.train);
const yTrain = Float64Array.from(split.train, (r) => y[r]);
const out = {};
for (const [name, estimator] of [
  ['hgb', new HistGradientBoostingRegressor({ maxIter: 20, randomState: 0 })],
  ['linear', new LinearRegression()],
]) {
  estimator.fit(features.transform(table, split.train), yTrain);
  const before = estimator.predict(features.transform(table));
  await saveModel(name, { target: 'median_house_value', features, estimator, exampleRows: table, exampleIndices: split.train.subarray(0, 3) });
  const mlmodel = await verifyModel(name);
  const loaded = await loadModel(name);
  const after = loaded.predict(table);
  out[name] = {
    estimator: mlmodel.flavor.estimator,
    n: after.length,
    finite: after.every(Number.isFinite),
    same: Buffer.from(before.buffer).equals(Buffer.from(after.buffer)),
    testRmse: rmse(Float64Array.from(split.test, (r) => y[r]), Float64Array.from(split.test, (r) => after[r])),
  };
}
// a tampered package is refused, with the package's own error classes
const file = 'linear/model.json';
await writeFile(file, (await readFile(file, 'utf8')).replace('"LinearRegression"', '"LinearRegressioN"'));
try {
  await loadModel('linear');
  out.tampered = 'loaded';
} catch (e) {
  out.tampered = { modelPackage: e instanceof ModelPackageError, mlship: e instanceof MlshipError, sameClass: core.ModelPackageError === ModelPackageError, message: e.message };
}
out.entries = Object.fromEntries(Object.entries({ core, data, model, pipeline, storage, tracking }).map(([k, m]) => [k, Object.keys(m).length]));
out.named = [typeof data.add, typeof model.loadModel, typeof pipeline.train, typeof storage.openStore, typeof tracking.openTrackingClient];
console.log(JSON.stringify(out));
`,
    );
    const r = await node('roundtrip.mjs');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    for (const [name, estimator] of [
      ['hgb', 'HistGradientBoostingRegressor'],
      ['linear', 'LinearRegression'],
    ]) {
      expect(out[name]).toMatchObject({ estimator, n: 400, finite: true, same: true });
      expect(out[name].testRmse).toBeGreaterThan(0);
    }
    expect(out.tampered).toMatchObject({ modelPackage: true, mlship: true, sameClass: true });
    expect(out.tampered.message).toMatch(/checksum mismatch for model\.json/);
    for (const [entry, n] of Object.entries(out.entries)) expect(n, entry).toBeGreaterThan(0);
    expect(out.named).toEqual(['function', 'function', 'function', 'function', 'function']);
  });

  it('refuses deep imports that are not in exports (ERR_PACKAGE_PATH_NOT_EXPORTED)', async () => {
    await writeFile(
      join(project, 'deep.mjs'),
      `try { await import('mlship/dist/core/fs.js'); console.log('imported'); } catch (e) { console.log(e.code); }\n`,
    );
    const r = await node('deep.mjs');
    expect(r.stdout.trim()).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });

  it('type-checks a TypeScript user of the entry points against the shipped declarations', async () => {
    await writeFile(
      join(project, 'tsconfig.json'),
      `${JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          types: ['node'],
          skipLibCheck: true,
        },
        include: ['*.ts'],
      })}\n`,
    );
    await writeFile(join(project, 'readme-example.ts'), await readmeExample());
    await writeFile(
      join(project, 'typed.ts'),
      `
import { type LoadedModel, loadModel, MlshipError, type PipelineParams, readCsv, type Table, type TrainResult, train } from 'mlship';
import type { BlobStore } from 'mlship/storage';
import { type Matrix, type Regressor, HistGradientBoostingRegressor, fromColumns } from 'mlship/ml';
import type { MLmodel } from 'mlship/model';
import type { TrackingClient } from 'mlship/tracking';
import type { DvcFile } from 'mlship/data';
import type { ErrorCode } from 'mlship/core';
import { numericColumn } from 'mlship/table';
import { createEstimator } from 'mlship/pipeline';
// @ts-expect-error not in the package's exports
import { publishDirectory } from 'mlship/dist/core/fs.js';

export async function use(params: PipelineParams): Promise<Float64Array> {
  const result: TrainResult = await train({ params, outDir: 'out' });
  const model: LoadedModel = await loadModel(result.modelDir);
  const table: Table = await readCsv('housing.csv');
  const X: Matrix = fromColumns([numericColumn(table, 'median_income').values]);
  const hgb: Regressor = new HistGradientBoostingRegressor({ maxIter: 5 }).fit(X, numericColumn(table, 'median_house_value').values);
  const mlmodel: MLmodel = model.mlmodel;
  const code: ErrorCode = new MlshipError('INTERNAL', mlmodel.flavor.estimator).code;
  const uses: [BlobStore?, TrackingClient?, DvcFile?, unknown?, unknown?] = [undefined, undefined, undefined, createEstimator, publishDirectory];
  void uses;
  void code;
  // @ts-expect-error predict takes a Table, not a Matrix
  model.predict(X);
  return hgb.predict(X);
}
`,
    );
    const r = await run(process.execPath, [TSC, '-p', 'tsconfig.json'], project);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});
