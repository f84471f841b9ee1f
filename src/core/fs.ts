/**
 * Writes that never leave a half-written file or folder behind, and never destroy what a user owns:
 * - content goes to a temporary name in the same directory (same filesystem, so rename is atomic)
 *   and is renamed into place only once it is complete;
 * - a destination folder is replaced only when it is absent, empty, or exactly what an earlier
 *   mlship command wrote there, as recorded by the manifest (`.mlship-out.json`) mlship writes last
 *   into every folder it publishes. Anything else — a folder holding other files, a regular file, a
 *   symbolic link, the current folder or one of its ancestors, a folder holding the command's own
 *   input — is refused with one line naming what is in the way, and nothing is deleted.
 */
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { lstat, mkdir, open, readdir, readFile, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { InvalidInputError, InvalidParameterError, NotFoundError, nameSome } from './errors.js';

function tempSibling(path: string, tag: string): string {
  return join(dirname(path), `.${basename(path)}.${tag}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

export type FileContent =
  | string
  | Uint8Array
  | Iterable<string | Uint8Array>
  | AsyncIterable<string | Uint8Array>;

/**
 * Write a file atomically: the content (whole, or chunk by chunk from an iterable, so large
 * output is never held in memory at once) goes to a temp file that is fsynced, then renamed over
 * `path`. On any failure the temp file is removed and `path` is untouched.
 */
export async function writeFileAtomic(path: string, content: FileContent): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempSibling(path, 'tmp');
  const fh = await open(tmp, 'wx');
  try {
    try {
      if (typeof content === 'string' || content instanceof Uint8Array) {
        await fh.writeFile(content);
      } else {
        for await (const chunk of content) await fh.writeFile(chunk);
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

// --- input files -----------------------------------------------------------------------------------

/**
 * Check that `path` is a readable regular file before any work starts, so that a typo fails with
 * one line naming it (`what` says which input it is: "data", "--config") rather than with an
 * internal ENOENT/EISDIR from deep inside a reader.
 */
export async function requireFile(path: string, what: string): Promise<void> {
  let st: Stats;
  try {
    st = await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NotFoundError(`${what} ${path}: no such file`);
    if (code === 'ENOTDIR') throw new NotFoundError(`${what} ${path}: a part of the path is not a folder`);
    if (code === 'EACCES') throw new InvalidInputError(`${what} ${path}: permission denied`);
    if (code === 'ELOOP') throw new InvalidInputError(`${what} ${path}: too many levels of symbolic links`);
    throw e;
  }
  if (st.isDirectory()) throw new InvalidInputError(`${what} ${path}: is a folder, not a file`);
  if (!st.isFile()) throw new InvalidInputError(`${what} ${path}: is not a regular file`);
}

// --- destinations mlship may replace ----------------------------------------------------------------

/** The file in a published folder that lists what mlship wrote there. */
export const OUTPUT_MANIFEST = '.mlship-out.json';

interface OutputManifest {
  /** always "mlship": tells this file from a user's file of the same name */
  written_by: 'mlship';
  /** '/'-separated paths relative to the folder, folders ending with '/', manifest excluded */
  entries: string[];
}

export interface DestinationRules {
  /** How the user named the destination, for messages: "--out", "--output". */
  label?: string;
  /** Files the command reads: a destination holding any of them is refused. */
  inputs?: readonly string[];
  /** The working directory (default process.cwd()): it and its ancestors are never replaced. */
  cwd?: string;
  /**
   * Recognises the command's own output from a version of mlship that wrote no manifest, by
   * content that could only be its own (checksums it wrote); without it such a folder is refused.
   */
  recognise?: (dir: string) => Promise<boolean>;
}

/** The folder's entries, '/'-separated and relative to it, folders ending with '/' (links not followed). */
async function walkEntries(
  dir: string,
  prefix = '',
): Promise<{ path: string; kind: 'file' | 'dir' | 'other' }[]> {
  const out: { path: string; kind: 'file' | 'dir' | 'other' }[] = [];
  const entries = await readdir(join(dir, prefix), { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const rel = prefix === '' ? e.name : `${prefix}/${e.name}`;
    if (e.isDirectory()) {
      out.push({ path: `${rel}/`, kind: 'dir' });
      out.push(...(await walkEntries(dir, rel)));
    } else out.push({ path: rel, kind: e.isFile() ? 'file' : 'other' });
  }
  return out;
}

async function readManifest(dir: string): Promise<OutputManifest | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, OUTPUT_MANIFEST), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const m = JSON.parse(text) as Partial<OutputManifest>;
    if (
      m.written_by === 'mlship' &&
      Array.isArray(m.entries) &&
      m.entries.every((e) => typeof e === 'string')
    ) {
      return m as OutputManifest;
    }
  } catch {
    // not ours: a user's file that happens to have the name
  }
  return undefined;
}

/** Record everything in `dir` as written by mlship; written last, atomically. */
export async function writeOutputManifest(dir: string): Promise<void> {
  const entries = (await walkEntries(dir)).map((e) => e.path).filter((p) => p !== OUTPUT_MANIFEST);
  const manifest: OutputManifest = { written_by: 'mlship', entries };
  await writeFileAtomic(join(dir, OUTPUT_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
}

async function realOrResolved(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    return resolve(path);
  }
}

const within = (inner: string, outer: string) =>
  inner === outer || inner.startsWith(outer.endsWith(sep) ? outer : outer + sep);

/**
 * Refuse (InvalidParameterError, exit 2, one line naming what is in the way) unless the folder at
 * `path` may be replaced: it does not exist, is empty, or holds only what an earlier mlship
 * command recorded in its manifest. Nothing is created or changed.
 */
export async function checkDestination(given: string, rules: DestinationRules = {}): Promise<void> {
  const label = rules.label ? `${rules.label} ${given}` : given;
  // absolute and without a trailing slash, which would make lstat follow a final symbolic link
  const path = resolve(given);
  const refuse = (why: string, advice = 'choose another folder') =>
    new InvalidParameterError(`${label}: ${why}; nothing was changed — ${advice}`);
  let st: Stats;
  try {
    st = await lstat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR') throw refuse('a part of the path is a file, not a folder');
    throw e;
  }
  if (st.isSymbolicLink()) throw refuse('is a symbolic link, which mlship does not replace');
  if (!st.isDirectory()) throw refuse('is an existing file, not a folder mlship wrote');

  const real = await realpath(path);
  const cwd = await realOrResolved(rules.cwd ?? process.cwd());
  if (within(cwd, real)) {
    throw refuse(real === cwd ? 'is the current folder' : `holds the current folder ${cwd}`);
  }
  for (const input of rules.inputs ?? []) {
    const r = await realOrResolved(input);
    if (within(r, real)) throw refuse(`holds the input ${input}`, 'write the output somewhere else');
  }

  const manifest = await readManifest(path);
  if (manifest === undefined) {
    const top = (await readdir(path)).sort();
    if (top.length === 0) return;
    if (rules.recognise !== undefined && (await rules.recognise(path))) return;
    throw refuse(
      `holds files mlship did not write (${nameSome(top)})`,
      'move them away, or choose another folder',
    );
  }
  const ours = new Set(manifest.entries);
  const foreign = (await walkEntries(path))
    .filter((e) => e.path !== OUTPUT_MANIFEST && !(e.kind !== 'other' && ours.has(e.path)))
    .map((e) => e.path);
  // Name the outermost foreign entries: a foreign folder stands for everything inside it.
  const outermost = foreign.filter(
    (p) => !foreign.some((q) => q !== p && q.endsWith('/') && p.startsWith(q)),
  );
  if (outermost.length > 0) {
    throw refuse(
      `holds files an earlier mlship run did not write (${nameSome(outermost)})`,
      'move them away, or choose another folder',
    );
  }
}

/**
 * Build a directory and publish it at `path` only if `build` succeeds. `build` receives a fresh
 * temporary directory next to `path`; a manifest of what it wrote is added last. An existing
 * `path` is replaced only if checkDestination allows it, checked before the build and again just
 * before the swap (a user may have put a file there meanwhile); it is moved aside, the new folder
 * renamed in, and only then is the old one removed. On failure nothing at `path` changes.
 */
export async function publishDirectory<T>(
  given: string,
  rules: DestinationRules,
  build: (tmpDir: string) => Promise<T>,
): Promise<T> {
  await checkDestination(given, rules);
  const path = resolve(given);
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempSibling(path, 'build');
  await mkdir(tmp);
  let result: T;
  try {
    result = await build(tmp);
    await writeOutputManifest(tmp);
    await checkDestination(given, rules);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  const old = tempSibling(path, 'old');
  let moved = false;
  try {
    await rename(path, old);
    moved = true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') {
      await rm(tmp, { recursive: true, force: true });
      // a mount point, or a folder another process holds as its working directory on some systems
      if (code === 'EBUSY' || code === 'EXDEV' || code === 'EPERM') {
        const label = rules.label ? `${rules.label} ${given}` : given;
        throw new InvalidParameterError(
          `${label}: cannot be replaced (${code}); nothing was changed — choose another folder`,
        );
      }
      throw e;
    }
  }
  try {
    await rename(tmp, path);
  } catch (e) {
    // put the previous output back rather than leave nothing at `path`
    if (moved) await rename(old, path).catch(() => undefined);
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
  if (moved) await rm(old, { recursive: true, force: true });
  return result;
}
