/**
 * Test helpers for data/: throwaway git repositories, an in-memory Io for the command functions,
 * and a snapshot of a directory tree to prove that a failed command changed nothing.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { dataCommands, type Io } from '../../src/cli/data.js';

export const ROOT = resolve(__dirname, '../..');
export const SHARED = resolve(ROOT, '../shared');
export const HOUSING_CSV = join(SHARED, 'data/housing.csv');
export const SHARED_REMOTE = join(SHARED, 'dvc-remote');
export const HOUSING_MD5 = 'd1c47305887e2252bf1ccbd74ff159a6';

export interface TestIo extends Io {
  lines: string[];
  errors: string[];
}

export function testIo(cwd: string): TestIo {
  const lines: string[] = [];
  const errors: string[] = [];
  return { cwd, lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}

const temps: string[] = [];

export async function tempDir(tag = 'data'): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), `mlship-${tag}-`));
  temps.push(d);
  return d;
}

/** Remove every temp dir (cache objects are read-only files, which rm handles). */
export async function cleanTemps(): Promise<void> {
  await Promise.all(temps.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** A new git work tree with `mlship data init` run in it. */
export async function newRepo(dir?: string): Promise<string> {
  const root = dir ?? (await tempDir('repo'));
  await mkdir(root, { recursive: true });
  execFileSync('git', ['init', '-q'], { cwd: root });
  await dataCommands.init({}, testIo(root));
  return root;
}

/** Copy `files` (relative paths) from one repo to another, as a git clone would bring them. */
export async function cloneFiles(from: string, to: string, files: string[]): Promise<void> {
  for (const f of files) {
    await mkdir(dirname(join(to, f)), { recursive: true });
    await cp(join(from, f), join(to, f));
  }
}

export function md5Of(path: string): string {
  return createHash('md5').update(readFileSync(path)).digest('hex');
}

/** path → size:mode:md5 for every file under `dir` (not .git; directories left out), to compare before/after. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    if (!existsSync(d)) return;
    for (const name of readdirSync(d)) {
      if (name === '.git') continue;
      const p = join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p, r);
      else out[r] = `${st.size}:${(st.mode & 0o777).toString(8)}:${md5Of(p)}`;
    }
  };
  walk(dir, '');
  return out;
}

/** Every file under `dir`, relative, sorted. */
export function listFiles(dir: string): string[] {
  return Object.keys(snapshot(dir)).sort();
}
