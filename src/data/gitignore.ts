/**
 * Keeping tracked data out of git, as scmrepo does for DVC [scmrepo `src/scmrepo/git/__init__.py`
 * `_get_gitignore`, `ignore`, `_add_entry_to_gitignore`]: the `.gitignore` in the path's parent
 * directory gets `/<name>`, with gitignore's special characters `\ [ ] ! * # ?` backslash-escaped
 * [pathspec `GitWildMatchPattern.escape`], appended after a newline if the file lacks a final
 * one, never twice; and nothing is written when git already ignores the path.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../core/fs.js';

export const GITIGNORE = '.gitignore';

export function findGitRoot(from: string): string | null {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, '.git'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** The `.gitignore` line for `absPath` (relative to its parent directory, leading '/'). */
export function gitignoreEntry(absPath: string): string {
  return `/${basename(absPath)}`.replace(/[\\[\]!*#?]/g, (c) => `\\${c}`);
}

/** `git check-ignore`: does git already ignore this path? false outside a work tree or without git. */
export function isGitIgnored(gitRoot: string | null, absPath: string): boolean {
  if (gitRoot === null) return false;
  const r = spawnSync('git', ['check-ignore', '-q', absPath], { cwd: gitRoot, stdio: 'ignore' });
  return r.status === 0;
}

/** Is the path (or anything under it) already committed to or staged in git? */
export function isGitTracked(gitRoot: string | null, absPath: string): boolean {
  if (gitRoot === null) return false;
  const r = spawnSync('git', ['ls-files', '--error-unmatch', '--', absPath], {
    cwd: gitRoot,
    stdio: 'ignore',
  });
  return r.status === 0;
}

/**
 * Add `absPath` to the `.gitignore` beside it unless git ignores it already. Returns the
 * `.gitignore` path when it was written.
 */
export async function ignoreInGit(gitRoot: string | null, absPath: string): Promise<string | null> {
  if (isGitIgnored(gitRoot, absPath)) return null;
  const gitignore = join(dirname(absPath), GITIGNORE);
  const entry = gitignoreEntry(absPath);
  let text = '';
  try {
    text = await readFile(gitignore, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const prefix = text === '' || text.endsWith('\n') ? '' : '\n';
  const newEntry = `${prefix}${entry}\n`;
  // scmrepo compares against the file's lines including their newline
  const lines = new Set(text.split(/(?<=\n)/));
  if (lines.has(newEntry)) return null;
  await writeFileAtomic(gitignore, text + newEntry);
  return gitignore;
}
