/**
 * Directory outputs: the `.dir` manifest and the walk that produces it.
 *
 * The manifest is Python's `json.dumps(entries, sort_keys=True)` of `[{"md5": …, "relpath": …}]`
 * sorted by relpath, UTF-8, no trailing newline [dvc-data `hashfile/tree.py` `Tree.as_list`,
 * `Tree.as_bytes`]; the directory's hash is the md5 of those bytes plus ".dir" [`Tree.digest`].
 * Only regular files are listed (empty directories vanish), ignored paths are skipped, and a
 * `.dvcignore` inside the directory is an error [dvc-data `hashfile/build.py` `_build_tree`].
 */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidInputError } from '../core/errors.js';
import { compareCodePoints, pyJsonDumps } from '../core/python.js';
import { md5Hex } from './hash.js';
import { DVCIGNORE, type DvcIgnore } from './ignore.js';

export interface TreeEntry {
  /** '/'-separated path inside the directory */
  relpath: string;
  md5: string;
}

export const DIR_SUFFIX = '.dir';

export function isDirOid(oid: string): boolean {
  return oid.endsWith(DIR_SUFFIX);
}

/** The manifest bytes exactly as DVC writes them. */
export function manifestBytes(entries: readonly TreeEntry[]): Buffer {
  const sorted = [...entries].sort((a, b) => compareCodePoints(a.relpath, b.relpath));
  return Buffer.from(
    pyJsonDumps(
      sorted.map((e) => ({ md5: e.md5, relpath: e.relpath })),
      { sortKeys: true },
    ),
    'utf8',
  );
}

/** The directory hash ("<md5>.dir") of a manifest. */
export function treeOid(manifest: Uint8Array): string {
  return `${md5Hex(manifest)}${DIR_SUFFIX}`;
}

const MD5_RE = /^[0-9a-f]{32}$/;

/**
 * Parse a `.dir` object. Entries carrying extra keys (cloud-versioned outputs) are accepted; their
 * md5 and relpath are what checkout needs.
 */
export function parseManifest(bytes: Uint8Array, where: string): TreeEntry[] {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new InvalidInputError(`${where}: directory manifest is not valid JSON`);
  }
  if (!Array.isArray(raw)) throw new InvalidInputError(`${where}: directory manifest is not a JSON list`);
  return raw.map((e, i) => {
    const entry = e as { md5?: unknown; relpath?: unknown };
    if (typeof entry?.relpath !== 'string' || typeof entry.md5 !== 'string' || !MD5_RE.test(entry.md5)) {
      throw new InvalidInputError(`${where}: manifest entry ${i} lacks a relpath or an md5`);
    }
    const parts = entry.relpath.split('/');
    // a manifest comes from a remote we may not trust: its paths must stay inside the directory
    if (parts.some((p) => p === '' || p === '.' || p === '..') || entry.relpath.includes('\\')) {
      throw new InvalidInputError(`${where}: manifest entry ${i} has an unsafe path "${entry.relpath}"`);
    }
    return { relpath: entry.relpath, md5: entry.md5 };
  });
}

export interface WalkedFile {
  relpath: string;
  absPath: string;
}

/**
 * Every regular file under `dirAbs` that DVC would track, as '/'-separated paths relative to it.
 * `repoRel` is `dirAbs` relative to the repository root, for the ignore rules. Symbolic links to
 * files count as files; links to directories are not followed (os.walk's default, which DVC uses).
 */
export async function walkFiles(dirAbs: string, repoRel: string, ignore: DvcIgnore): Promise<WalkedFile[]> {
  const out: WalkedFile[] = [];
  const visit = async (abs: string, rel: string): Promise<void> => {
    const entries: Dirent[] = await readdir(abs, { withFileTypes: true });
    if (entries.some((e) => e.name === DVCIGNORE)) {
      throw new InvalidInputError(`${DVCIGNORE} file should not be in collected dir path: '${abs}'`);
    }
    const subdirs: [string, string][] = [];
    for (const e of entries) {
      const childAbs = join(abs, e.name);
      const childRel = rel === '' ? e.name : `${rel}/${e.name}`;
      const repoPath = `${repoRel}/${childRel}`;
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        const st = await stat(childAbs).catch(() => null);
        if (!st) throw new InvalidInputError(`${childAbs}: broken symbolic link in a tracked directory`);
        isFile = st.isFile();
        isDir = false;
      }
      if (ignore.ignores(repoPath, isDir)) continue;
      if (isDir) subdirs.push([childAbs, childRel]);
      else if (isFile) out.push({ relpath: childRel, absPath: childAbs });
    }
    for (const [a, r] of subdirs) await visit(a, r);
  };
  await visit(dirAbs, '');
  return out;
}
