/**
 * Writes that never leave a half-written file or folder behind: content goes to a temporary name
 * in the same directory (same filesystem, so rename is atomic) and is renamed into place only once
 * it is complete.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

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

/**
 * Build a directory and publish it at `path` only if `build` succeeds. `build` receives a fresh
 * temporary directory next to `path`. If `path` already exists it is replaced (moved aside, then
 * removed after the new one is in place). On failure nothing at `path` changes.
 */
export async function publishDirectory<T>(path: string, build: (tmpDir: string) => Promise<T>): Promise<T> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempSibling(path, 'build');
  await mkdir(tmp);
  let result: T;
  try {
    result = await build(tmp);
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
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      await rm(tmp, { recursive: true, force: true });
      throw e;
    }
  }
  await rename(tmp, path);
  if (moved) await rm(old, { recursive: true, force: true });
  return result;
}
