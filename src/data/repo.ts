/**
 * The DVC repository around a working directory: its root (the nearest ancestor holding `.dvc/`
 * [dvc `Repo.find_root`]), configuration and cache, and `init`, which lays out what `dvc init`
 * does [dvc `dvc/repo/init.py`, `dvc/ignore.py` `init`, `Repo._ignore`]:
 * - `.dvc/config`, empty (or `[core] no_scm = True` with --no-scm);
 * - `.dvc/.gitignore` with `/config.local`, `/tmp`, `/cache`;
 * - `.dvcignore` with DVC's three comment lines.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { InvalidInputError, InvalidParameterError, NotFoundError } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs.js';
import { LocalCache } from './cache.js';
import { DvcConfig, editConfig, section } from './config.js';
import { findGitRoot, ignoreInGit } from './gitignore.js';
import { DVCIGNORE } from './ignore.js';

export const DVC_DIR = '.dvc';

/** `dvc init`'s `.dvcignore` [dvc `dvc/ignore.py` `init`]. */
export const DVCIGNORE_TEMPLATE =
  '# Add patterns of files dvc should ignore, which could improve\n' +
  '# the performance. Learn more at\n' +
  '# https://dvc.org/doc/user-guide/dvcignore\n';

export interface Repo {
  /** absolute root directory */
  root: string;
  /** absolute `.dvc` directory */
  dvcDir: string;
  config: DvcConfig;
  cache: LocalCache;
  /** absolute root of the enclosing git work tree, if any */
  gitRoot: string | null;
  /** `core.no_scm = true`: never touch .gitignore files */
  noScm: boolean;
}

export function findRoot(from: string): string | null {
  let dir = resolve(from);
  for (;;) {
    const candidate = join(dir, DVC_DIR);
    if (existsSync(candidate) && statSync(candidate).isDirectory()) return dir;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

export async function openRepo(cwd: string = process.cwd()): Promise<Repo> {
  const root = findRoot(cwd);
  if (root === null) {
    throw new NotFoundError(
      `not a DVC repository: no ${DVC_DIR}/ directory in ${resolve(cwd)} or any parent (run \`mlship data init\`)`,
    );
  }
  return openRepoAt(root);
}

export async function openRepoAt(root: string): Promise<Repo> {
  const dvcDir = join(root, DVC_DIR);
  const config = await DvcConfig.load(dvcDir);
  const noScm = /^true$/i.test(String(config.merged.sections.get('core')?.get('no_scm') ?? ''));
  return {
    root,
    dvcDir,
    config,
    cache: new LocalCache(config.cacheDir),
    gitRoot: noScm ? null : findGitRoot(root),
    noScm,
  };
}

/**
 * A user-given path as an absolute path inside the repository; a clear error for a path outside
 * it (DVC tracks only paths in its project).
 */
export function repoPath(repo: Repo, path: string, cwd = process.cwd()): { abs: string; rel: string } {
  const abs = resolve(cwd, path);
  const rel = relative(repo.root, abs);
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) {
    throw new InvalidInputError(
      `'${path}' is outside the repository ${repo.root}: only paths inside it can be tracked`,
    );
  }
  return { abs, rel: rel.split(sep).join('/') };
}

export interface InitOptions {
  noScm?: boolean;
  force?: boolean;
}

/** `dvc init`: returns the files it wrote. */
export async function initRepo(dir: string, opts: InitOptions = {}): Promise<string[]> {
  const root = resolve(dir);
  const dvcDir = join(root, DVC_DIR);
  const gitRoot = findGitRoot(root);
  if (!opts.noScm && gitRoot === null) {
    throw new InvalidParameterError(
      `${root} is not tracked by any supported SCM tool (e.g. Git): run \`git init\` first, or use --no-scm`,
    );
  }
  if (existsSync(dvcDir)) {
    if (!opts.force)
      throw new InvalidParameterError(`'${DVC_DIR}' exists in ${root}: use --force to re-initialise`);
    await rm(dvcDir, { recursive: true, force: true });
  }
  await mkdir(dvcDir, { recursive: true });
  const written: string[] = [];
  await writeFileAtomic(join(dvcDir, 'config'), '');
  if (opts.noScm) {
    await editConfig(dvcDir, 'repo', (data) => {
      section(data, 'core').set('no_scm', 'True');
    });
  }
  written.push(join(dvcDir, 'config'));
  const dvcignore = join(root, DVCIGNORE);
  if (!existsSync(dvcignore)) await writeFileAtomic(dvcignore, DVCIGNORE_TEMPLATE);
  written.push(dvcignore);
  if (!opts.noScm) {
    for (const name of ['config.local', 'tmp', 'cache']) {
      const changed = await ignoreInGit(gitRoot, join(dvcDir, name));
      if (changed && !written.includes(changed)) written.push(changed);
    }
  }
  return written;
}
