/**
 * `npm run build` rebuilds only what changed (issue 8: `npm start` and `npm test` recompiled
 * everything, 7 s, every time). Run on a scratch project with this repository's own build script
 * and tsconfig files, so the real dist/ is never touched while other tests use it: a second build
 * with nothing changed rewrites no file, an edited source is re-emitted, an output deleted by hand
 * comes back, and a deleted source's outputs leave dist/ (tsc never deletes them itself; they
 * would stay importable and be packed).
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..');
let dir: string;
let buildScript: string;

function build(): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    const child = execFile(
      'sh',
      ['-c', buildScript],
      {
        cwd: dir,
        timeout: 120_000,
        env: { ...process.env, PATH: `${join(ROOT, 'node_modules/.bin')}:${process.env.PATH}` },
      },
      (_err, stdout, stderr) => done({ code: child.exitCode, output: stdout + stderr }),
    );
  });
}

async function mtimes(files: string[]): Promise<number[]> {
  return Promise.all(files.map(async (f) => (await stat(join(dir, f))).mtimeMs));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mlship-build-'));
  buildScript = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')).scripts.build;
  for (const f of ['tsconfig.json', 'tsconfig.build.json', 'scripts/build.mjs']) {
    await mkdir(join(dir, f, '..'), { recursive: true });
    await copyFile(join(ROOT, f), join(dir, f));
  }
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  await mkdir(join(dir, 'src/core'), { recursive: true });
  await writeFile(join(dir, 'src/core/a.ts'), 'export const a: number = 1;\n');
  await writeFile(join(dir, 'src/b.ts'), "import { a } from './core/a.js';\nexport const b = a + 1;\n");
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('npm run build', () => {
  const outputs = ['dist/core/a.js', 'dist/core/a.d.ts', 'dist/b.js', 'dist/b.d.ts'];

  it('builds, then with nothing changed rewrites no file', async () => {
    const first = await build();
    expect(first.code, first.output).toBe(0);
    const before = await mtimes(outputs);
    // past the file system's timestamp granularity, so a rewrite would show
    await new Promise((r) => setTimeout(r, 50));
    const again = await build();
    expect(again.code, again.output).toBe(0);
    expect(await mtimes(outputs)).toEqual(before);
  });

  it('re-emits an edited source', async () => {
    await writeFile(join(dir, 'src/core/a.ts'), 'export const a: number = 41;\n');
    const r = await build();
    expect(r.code, r.output).toBe(0);
    expect(await readFile(join(dir, 'dist/core/a.js'), 'utf8')).toContain('41');
  });

  it('rebuilds an output deleted from dist/, which tsc -b alone would not notice', async () => {
    await unlink(join(dir, 'dist/core/a.js'));
    const r = await build();
    expect(r.code, r.output).toBe(0);
    expect(await readFile(join(dir, 'dist/core/a.js'), 'utf8')).toContain('41');
  });

  it("removes a deleted source's outputs from dist/", async () => {
    await unlink(join(dir, 'src/b.ts'));
    const r = await build();
    expect(r.code, r.output).toBe(0);
    for (const f of ['dist/b.js', 'dist/b.d.ts', 'dist/b.js.map']) {
      await expect(stat(join(dir, f)), f).rejects.toThrow(/ENOENT/);
    }
    expect((await stat(join(dir, 'dist/core/a.js'))).isFile()).toBe(true);
  });

  it('reports a type error and fails', async () => {
    await writeFile(join(dir, 'src/core/a.ts'), "export const a: number = 'x';\n");
    const r = await build();
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/TS2322/);
  });
});
