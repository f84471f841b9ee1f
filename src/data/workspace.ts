/**
 * Outputs in the workspace: hashing them as DVC would record them, and checking them out from the
 * cache [dvc `dvc/repo/checkout.py`, dvc-data `index/checkout.py`]:
 * - a missing file is created, a different one replaced, extra files in a tracked directory
 *   deleted — but a file whose current content is not in the cache is never overwritten or
 *   deleted without --force (DVC: "Can't remove the following unsaved files without
 *   confirmation");
 * - every object needed is checked to be in the cache before anything in the workspace changes,
 *   so a failed checkout leaves the output as it was;
 * - each file is materialised under a temporary name beside it and renamed into place, with the
 *   cache's link types in order (`cache.type`, default reflink then copy) and a normal writable
 *   mode for copies (the cache's 0444 is not carried over, as DVC's copy does not).
 */
import { constants } from 'node:fs';
import { chmod, copyFile, link, lstat, mkdir, readdir, rename, rm, stat, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { InvalidInputError } from '../core/errors.js';
import { hashFile } from './hash.js';
import { DvcIgnore } from './ignore.js';
import { defaultHashJobs, mapLimitAll } from './pool.js';
import type { Repo } from './repo.js';
import { manifestBytes, type TreeEntry, treeOid, walkFiles } from './tree.js';

export interface FileState {
  relpath: string;
  abs: string;
  md5: string;
  size: number;
}

export type WorkspaceState =
  | { kind: 'missing' }
  | { kind: 'file'; md5: string; size: number; isexec: boolean }
  | { kind: 'dir'; oid: string; size: number; files: FileState[]; manifest: Buffer };

/** The repository-relative path of an absolute path inside it. */
export function relToRoot(repo: Repo, abs: string): string {
  return abs
    .slice(repo.root.length + 1)
    .split('\\')
    .join('/');
}

/** Hash an output as it is in the workspace (nothing is written). */
export async function workspaceState(repo: Repo, abs: string): Promise<WorkspaceState> {
  let st: Awaited<ReturnType<typeof stat>>;
  try {
    st = await stat(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'missing' };
    if (code === 'ENOTDIR') throw await notAFolder(repo, abs);
    throw e;
  }
  if (st.isFile()) {
    const h = await hashFile(abs);
    return { kind: 'file', ...h, isexec: (st.mode & 0o111) !== 0 };
  }
  if (!st.isDirectory()) throw new InvalidInputError(`output '${abs}' is not a file or directory`);
  const rel = relToRoot(repo, abs);
  const walked = await walkFiles(abs, rel, await DvcIgnore.load(repo.root, rel));
  const files = await mapLimitAll(walked, defaultHashJobs(), async (w) => ({
    ...w,
    ...(await hashFile(w.absPath)),
  }));
  const states = files.map((f) => ({ relpath: f.relpath, abs: f.absPath, md5: f.md5, size: f.size }));
  const manifest = manifestBytes(states);
  return {
    kind: 'dir',
    oid: treeOid(manifest),
    size: states.reduce((a, f) => a + f.size, 0),
    files: states,
    manifest,
  };
}

/** The error for an output whose path runs through a file: names the file in the way. */
async function notAFolder(repo: Repo, abs: string): Promise<InvalidInputError> {
  let dir = dirname(abs);
  while (dir.length > repo.root.length) {
    const st = await lstat(dir).catch(() => undefined);
    if (st !== undefined && !st.isDirectory()) break;
    dir = dirname(dir);
  }
  return new InvalidInputError(
    `${relToRoot(repo, abs)}: ${relToRoot(repo, dir)} is a file, not a folder; move it away, then run the command again`,
  );
}

/** Every regular file under `dir`, .dvcignore'd ones included: removing the folder removes them all. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

export function stateOid(s: WorkspaceState): string | undefined {
  return s.kind === 'file' ? s.md5 : s.kind === 'dir' ? s.oid : undefined;
}

const umask = process.umask();
function workspaceMode(isexec: boolean): number {
  return (isexec ? 0o777 : 0o666) & ~umask;
}

const tmpSibling = (path: string) =>
  `${path}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.mlship-tmp`;

/**
 * Link types that failed for a reason that will not change for this process (the filesystem
 * cannot reflink, the cache is on another device), so later files skip them, as DVC tests its
 * link types once instead of per file.
 */
const unsupportedLinks = new Set<string>();
const PERMANENT = new Set(['EOPNOTSUPP', 'ENOTSUP', 'EXDEV', 'EINVAL', 'ENOSYS', 'EPERM']);

/** Put the cache object at `src` at `dest`, trying the link types in order; atomic per file. */
export async function placeFromCache(
  src: string,
  dest: string,
  linkTypes: readonly string[],
  isexec = false,
): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  let lastError: unknown;
  const usable = linkTypes.filter((t) => !unsupportedLinks.has(t));
  for (const type of usable.length > 0 ? usable : linkTypes) {
    const tmp = tmpSibling(dest);
    try {
      switch (type) {
        case 'reflink':
          await copyFile(src, tmp, constants.COPYFILE_FICLONE_FORCE);
          await chmod(tmp, workspaceMode(isexec));
          break;
        case 'copy':
          await copyFile(src, tmp);
          await chmod(tmp, workspaceMode(isexec));
          break;
        case 'hardlink':
          await link(src, tmp);
          break;
        case 'symlink':
          await symlink(src, tmp);
          break;
        default:
          throw new InvalidInputError(`unknown cache link type "${type}"`);
      }
      await rename(tmp, dest);
      return;
    } catch (e) {
      await rm(tmp, { force: true });
      if (PERMANENT.has((e as NodeJS.ErrnoException).code ?? '')) unsupportedLinks.add(type);
      lastError = e;
    }
  }
  throw lastError;
}

/** What checking out one output will do, decided before anything changes. */
export interface CheckoutPlan {
  /** added: the output did not exist; modified: it existed and changes; null: already right */
  change: 'added' | 'modified' | null;
  /** file counts, DVC's checkout stats */
  added: number;
  modified: number;
  deleted: number;
  /** workspace files that would be lost (content not in the cache) */
  unsaved: string[];
  apply: () => Promise<void>;
}

export interface CheckoutTarget {
  abs: string;
  oid: string;
  isexec: boolean;
  /** entries of the `.dir` object, for directory outputs */
  tree?: TreeEntry[];
}

/**
 * Plan the checkout of one output whose objects are all in the cache. `force` allows losing
 * workspace content that is not in the cache.
 */
export async function planCheckout(
  repo: Repo,
  target: CheckoutTarget,
  force: boolean,
): Promise<CheckoutPlan> {
  const { cache } = repo;
  const types = repo.config.cacheTypes;
  const current = await workspaceState(repo, target.abs);
  const removable = async (oid: string | undefined) => force || (oid !== undefined && (await cache.has(oid)));
  const plan: CheckoutPlan = {
    change: null,
    added: 0,
    modified: 0,
    deleted: 0,
    unsaved: [],
    apply: async () => {},
  };

  if (target.tree === undefined) {
    if (current.kind === 'file' && current.md5 === target.oid) {
      if (current.isexec !== target.isexec)
        plan.apply = () => chmod(target.abs, workspaceMode(target.isexec));
      return plan;
    }
    if (current.kind === 'dir') {
      // a folder where the file goes: every file in it must be recoverable, not only those the
      // folder's hash covers (.dvcignore'd files would go too)
      for (const f of force ? [] : await filesUnder(target.abs)) {
        if (!(await cache.has((await hashFile(f)).md5))) plan.unsaved.push(f);
      }
    } else if (current.kind !== 'missing' && !(await removable(stateOid(current))))
      plan.unsaved.push(target.abs);
    plan.change = current.kind === 'missing' ? 'added' : 'modified';
    plan[plan.change] = 1;
    plan.apply = async () => {
      if (current.kind === 'dir') await rm(target.abs, { recursive: true, force: true });
      await placeFromCache(cache.path(target.oid), target.abs, types, target.isexec);
    };
    return plan;
  }

  const tree = target.tree;
  if (current.kind === 'dir' && current.oid === target.oid) return plan;
  if (current.kind === 'file' && !(await removable(current.md5))) plan.unsaved.push(target.abs);
  const existing = new Map(current.kind === 'dir' ? current.files.map((f) => [f.relpath, f]) : []);
  const toPlace: TreeEntry[] = [];
  for (const e of tree) {
    const have = existing.get(e.relpath);
    if (have?.md5 === e.md5) continue;
    if (have && !(await removable(have.md5))) plan.unsaved.push(have.abs);
    toPlace.push(e);
    if (have) plan.modified++;
    else plan.added++;
  }
  const wanted = new Set(tree.map((e) => e.relpath));
  const extra = current.kind === 'dir' ? current.files.filter((f) => !wanted.has(f.relpath)) : [];
  for (const f of extra) if (!(await removable(f.md5))) plan.unsaved.push(f.abs);
  // a folder where one of the output's files goes is removed whole, so every file in it must be
  // recoverable, .dvcignore'd ones included (the walk above does not see those)
  const foldersInTheWay: string[] = [];
  if (current.kind === 'dir') {
    for (const e of toPlace) {
      const abs = `${target.abs}/${e.relpath}`;
      if (!(await lstat(abs).catch(() => undefined))?.isDirectory()) continue;
      foldersInTheWay.push(abs);
      for (const f of force ? [] : await filesUnder(abs)) {
        if (!(await cache.has((await hashFile(f)).md5))) plan.unsaved.push(f);
      }
    }
  }
  plan.unsaved = [...new Set(plan.unsaved)];
  plan.deleted = extra.length;
  plan.change = current.kind === 'missing' ? 'added' : 'modified';
  plan.apply = async () => {
    if (current.kind === 'file') await rm(target.abs, { force: true });
    for (const f of extra) await rm(f.abs, { force: true });
    for (const d of foldersInTheWay) await rm(d, { recursive: true, force: true });
    await mapLimitAll(toPlace, 8, (e) =>
      placeFromCache(cache.path(e.md5), `${target.abs}/${e.relpath}`, types),
    );
    await mkdir(target.abs, { recursive: true });
  };
  return plan;
}

/** True if `p` exists (without following a final symlink). */
export async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}
