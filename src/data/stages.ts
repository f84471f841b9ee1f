/**
 * Which `.dvc` files and outputs a command acts on. With no targets: every `.dvc` file in the
 * repository (DVC collects them from the whole tree, minus `.dvcignore`d paths; mlship also skips
 * `node_modules`, where a JS project never keeps its data files). A target is a `.dvc` file or a
 * tracked output path (a file or directory with `<path>.dvc` beside it, or listed in any `.dvc`).
 */
import type { Dirent } from 'node:fs';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { InvalidInputError, NotFoundError } from '../core/errors.js';
import { DVC_FILE_SUFFIX, type DvcFile, type DvcOut, readDvcFile } from './dvcfile.js';
import { DvcIgnore } from './ignore.js';
import { type Repo, repoPath } from './repo.js';

export interface TrackedOut {
  dvc: DvcFile;
  out: DvcOut;
  /** absolute path of the output */
  abs: string;
  /** how DVC prints it: relative to the working directory */
  display: string;
  /** the `.dvc` file's path relative to the working directory (DVC's stage "addressing") */
  stageName: string;
  /** an import-url output: its dependency is the source URL */
  isImport: boolean;
}

const SKIP_DIRS = new Set(['.git', '.dvc', '.hg', 'node_modules']);

export function displayPath(abs: string, cwd = process.cwd()): string {
  return relative(cwd, abs).split(sep).join('/') || '.';
}

async function findDvcFiles(repo: Repo): Promise<string[]> {
  const ignore = await DvcIgnore.load(repo.root, '');
  const found: string[] = [];
  const visit = async (dir: string, rel: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (SKIP_DIRS.has(e.name) || ignore.ignores(childRel, true)) continue;
        await visit(join(dir, e.name), childRel);
      } else if (e.isFile() && e.name.endsWith(DVC_FILE_SUFFIX) && !ignore.ignores(childRel, false)) {
        found.push(join(dir, e.name));
      }
    }
  };
  await visit(repo.root, '');
  return found.sort();
}

function outsOf(dvc: DvcFile, cwd: string): TrackedOut[] {
  return dvc.outs.map((out) => {
    if (out.md5 !== undefined && out.hash !== 'md5') {
      // DVC 2 entries hash text with CRLF normalised and live at another cache path
      throw new InvalidInputError(
        `${displayPath(dvc.file, cwd)}: output '${out.path}' is a DVC 2 entry (no "hash: md5"); mlship reads DVC 3 entries only: convert it with \`dvc cache migrate --dvc-files\``,
      );
    }
    const abs = resolve(dvc.wdir, out.path);
    return {
      dvc,
      out,
      abs,
      display: displayPath(abs, cwd),
      stageName: displayPath(dvc.file, cwd),
      isImport: dvc.deps.length > 0,
    };
  });
}

/** The `.dvc` files named by `targets` (or all of them), parsed. */
export async function collectStages(
  repo: Repo,
  targets: string[] = [],
  cwd = process.cwd(),
): Promise<DvcFile[]> {
  if (targets.length === 0) {
    const files = await findDvcFiles(repo);
    const stages: DvcFile[] = [];
    for (const f of files) stages.push(await readDvcFile(f));
    return stages;
  }
  const stages: DvcFile[] = [];
  let all: DvcFile[] | null = null;
  for (const t of targets) {
    const { abs } = repoPath(repo, t, cwd);
    if (abs.endsWith(DVC_FILE_SUFFIX) && existsSync(abs)) {
      stages.push(await readDvcFile(abs));
      continue;
    }
    if (existsSync(abs + DVC_FILE_SUFFIX)) {
      stages.push(await readDvcFile(abs + DVC_FILE_SUFFIX));
      continue;
    }
    all ??= await collectStages(repo, [], cwd);
    const owner = all.find((s) => s.outs.some((o) => resolve(s.wdir, o.path) === abs));
    if (!owner)
      throw new NotFoundError(
        `'${t}' is not tracked: there is no ${t}${DVC_FILE_SUFFIX} and no .dvc file lists it as an output`,
      );
    stages.push(owner);
  }
  return stages;
}

export async function collectOuts(
  repo: Repo,
  targets: string[] = [],
  cwd = process.cwd(),
): Promise<TrackedOut[]> {
  const stages = await collectStages(repo, targets, cwd);
  const seen = new Set<string>();
  const outs: TrackedOut[] = [];
  for (const s of stages) {
    if (seen.has(s.file)) continue;
    seen.add(s.file);
    outs.push(...outsOf(s, cwd));
  }
  return outs;
}
