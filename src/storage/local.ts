/**
 * A blob store in a local folder: key "a/b/c" is the file <root>/a/b/c. This is the layout of a
 * DVC local remote and cache (files/md5/ab/cdef…) and of a local MLflow artifact root.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, type Dirent } from 'node:fs';
import { mkdir, open, readdir, realpath, rename, rm, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InvalidInputError, NotFoundError } from '../core/errors.js';
import { StorageError } from './errors.js';
import { checkKey, checkPrefix } from './keys.js';
import type { BlobInfo, BlobStore, PutOptions } from './types.js';

/**
 * Where puts are written before they are renamed into place: a folder at the root of the store, so
 * the rename stays on one filesystem (atomic), and outside the key namespace: no key can address
 * it (pathOf refuses its name as a first segment) and list() never shows it. Staging beside the
 * target, as `.name.tmp` files, made names near NAME_MAX fail (the temp name is longer than the
 * final one), and left torn uploads of a killed process in the tree, where the exact name served
 * them and user files of the same shape were hidden (issue 8 §5.5, §5.7).
 */
export const STAGING_DIR = '.mlship-staging';

/**
 * A staged file's name: `<pid>-<random>-<host>`, so that a store shared by several processes (or
 * hosts, on a network volume) can tell which staged files belong to a process that is gone.
 */
const HOST =
  hostname()
    .replace(/[^A-Za-z0-9.-]/g, '_')
    .slice(0, 64) || 'host';
const STAGED_NAME = /^(\d+)-[0-9a-f]{16}-(.+)$/;
/** A staged file left unmodified this long belongs to a dead upload, whoever wrote it. */
const STALE_MS = 24 * 3600 * 1000;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errnoCode(e) === 'EPERM';
  }
}

function errnoCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException).code;
}

export class LocalStore implements BlobStore {
  readonly url: string;
  readonly readOnly = false;
  /** absolute path of the store's root folder (it need not exist until the first put) */
  readonly root: string;
  private realRoot: string | undefined;

  constructor(rootDir: string) {
    this.root = resolve(rootDir);
    this.url = this.root;
  }

  /** Lexical path of a key: safe by construction once checkKey has passed (no '..', no '/x'). */
  private pathOf(key: string): string {
    const segments = checkKey(key).split('/');
    if (segments[0] === STAGING_DIR) {
      throw new InvalidInputError(
        `storage key ${JSON.stringify(key)} is in ${STAGING_DIR}/, where the local store ${this.root} stages uploads; refused`,
      );
    }
    return join(this.root, ...segments);
  }

  /** A fresh staging path for one put. */
  private async stagingPath(): Promise<string> {
    const dir = join(this.root, STAGING_DIR);
    await mkdir(dir, { recursive: true });
    // Like any folder of the store, it may not lead outside it (a link planted in its place).
    const real = await this.realInside(STAGING_DIR, dir);
    return join(real ?? dir, `${process.pid}-${randomBytes(8).toString('hex')}-${HOST}`);
  }

  /**
   * Remove what puts of dead processes left in the staging folder (a kill -9 mid-upload): files of
   * this host whose process is gone — or that carry this process's own pid, which only a previous
   * process (a restarted container is pid 1 again) can have left before this one started — and any
   * file untouched for a day. Files of live uploads stay. Meant for a server's start. Returns the
   * number removed.
   */
  async removeStaleStaging(): Promise<number> {
    const dir = join(this.root, STAGING_DIR);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (e) {
      if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return 0;
      throw this.fsError('list the staging folder', dir, e);
    }
    let removed = 0;
    for (const name of names) {
      const path = join(dir, name);
      const match = STAGED_NAME.exec(name);
      const pid = match ? Number(match[1]) : undefined;
      const deadHere =
        match !== null && match[2] === HOST && (pid === process.pid || !processAlive(pid as number));
      const info = await stat(path).catch(() => null);
      if (info === null) continue;
      if (deadHere || Date.now() - info.mtimeMs > STALE_MS) {
        await rm(path, { recursive: true, force: true });
        removed++;
      }
    }
    return removed;
  }

  /** The root with symlinks resolved, or undefined while the root does not exist yet. */
  private async resolvedRoot(): Promise<string | undefined> {
    if (this.realRoot === undefined) {
      try {
        this.realRoot = await realpath(this.root);
      } catch (e) {
        if (errnoCode(e) === 'ENOENT') return undefined;
        throw this.fsError('open the store root', this.root, e);
      }
    }
    return this.realRoot;
  }

  private isInside(realRoot: string, real: string): boolean {
    return real === realRoot || real.startsWith(realRoot.endsWith(sep) ? realRoot : realRoot + sep);
  }

  /**
   * Resolve symlinks in `path` and refuse it when it lands outside the root: keys are checked
   * lexically, but a symlink planted inside the folder could still point anywhere. Returns
   * undefined when the path (or the root) does not exist.
   */
  private async realInside(key: string, path: string): Promise<string | undefined> {
    const realRoot = await this.resolvedRoot();
    if (realRoot === undefined) return undefined;
    let real: string;
    try {
      real = await realpath(path);
    } catch (e) {
      if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return undefined;
      throw this.fsError(`resolve ${JSON.stringify(key)}`, path, e);
    }
    if (!this.isInside(realRoot, real)) {
      throw new InvalidInputError(
        // The target is not named: it would tell a client what lies outside the store.
        `storage key ${JSON.stringify(key)} in ${this.root} resolves through a symlink to a place outside the store; refused`,
      );
    }
    return real;
  }

  /** realInside for the deepest part of `path` that exists (the root at least, once it exists). */
  private async existingAncestorInside(key: string, path: string): Promise<void> {
    let current = path;
    while (current.length > this.root.length) {
      if ((await this.realInside(key, current)) !== undefined) return;
      current = dirname(current);
    }
  }

  private fsError(what: string, path: string, e: unknown): StorageError | InvalidInputError {
    const code = errnoCode(e);
    if (code === 'ENAMETOOLONG') {
      // The key's own length was checked by the caller's rules, if it has any; what is left is the
      // file system's limit on the full path (the root's length counts too).
      return new InvalidInputError(
        `cannot ${what} in local store ${this.root}: the path is too long for the file system (a name is at most 255 bytes, a whole path at most 4096)`,
      );
    }
    return new StorageError(
      `cannot ${what} in local store ${this.root} (${path}): ${code ?? (e as Error).message}`,
      {
        cause: e,
      },
    );
  }

  async get(key: string): Promise<Readable> {
    const path = this.pathOf(key);
    const real = await this.realInside(key, path);
    if (real === undefined)
      throw new NotFoundError(`${JSON.stringify(key)} not found in local store ${this.root}`);
    // Open the resolved path, not the lexical one, so a symlink swapped in after the check above
    // cannot redirect the read.
    let fh: Awaited<ReturnType<typeof open>>;
    try {
      fh = await open(real, 'r');
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') {
        throw new NotFoundError(`${JSON.stringify(key)} not found in local store ${this.root}`);
      }
      throw this.fsError(`read ${JSON.stringify(key)}`, path, e);
    }
    const info = await fh.stat().catch(async (e) => {
      await fh.close();
      throw this.fsError(`read ${JSON.stringify(key)}`, path, e);
    });
    if (!info.isFile()) {
      await fh.close();
      throw new NotFoundError(
        `${JSON.stringify(key)} in local store ${this.root} is a directory, not a blob`,
      );
    }
    return fh.createReadStream();
  }

  async put(key: string, body: Readable | Uint8Array, options: PutOptions = {}): Promise<void> {
    const target = this.pathOf(key);
    const dir = dirname(target);
    // Before creating anything: mkdir follows a symlinked parent, and would make folders outside
    // the root even though the write itself is refused after.
    await this.existingAncestorInside(key, dir);
    try {
      await mkdir(dir, { recursive: true });
    } catch (e) {
      if (errnoCode(e) === 'ENOTDIR' || errnoCode(e) === 'EEXIST') {
        throw new InvalidInputError(
          `cannot put ${JSON.stringify(key)} in local store ${this.root}: a parent of it is a file, not a folder`,
        );
      }
      throw this.fsError(`create the folder for ${JSON.stringify(key)}`, dir, e);
    }
    // The parent folder may be (or pass through) a symlink; writing through one that leaves the
    // root would let a key address a file outside the store.
    await this.realInside(key, dir);

    const tmp = await this.stagingPath().catch((e) => {
      if (e instanceof InvalidInputError) throw e;
      throw this.fsError('create the staging folder', join(this.root, STAGING_DIR), e);
    });
    try {
      // Data reaches the disk (fsync) before the rename publishes it: a crash then leaves the old
      // blob or the whole new one, never a torn file under the final name (a torn staged file is
      // removed at the next server start). 'wx': a staged name is never shared, even with a put of
      // the same key running in another process.
      if (body instanceof Uint8Array) {
        const fh = await open(tmp, 'wx');
        try {
          await fh.writeFile(body);
          await fh.sync();
        } finally {
          await fh.close();
        }
      } else {
        // flush: the stream fsyncs before it closes, and pipeline() settles only after the close.
        await pipeline(body, createWriteStream(tmp, { flags: 'wx', flush: true }));
      }
      if (options.size !== undefined) {
        const written = (await stat(tmp)).size;
        if (written !== options.size) {
          throw new InvalidInputError(
            `put ${JSON.stringify(key)} to local store ${this.root}: expected ${options.size} bytes, the body had ${written}`,
          );
        }
      }
      await rename(tmp, target);
    } catch (e) {
      await rm(tmp, { force: true });
      if (errnoCode(e) === 'EISDIR' || errnoCode(e) === 'ENOTEMPTY') {
        throw new InvalidInputError(
          `cannot put ${JSON.stringify(key)} in local store ${this.root}: a folder already has that name`,
        );
      }
      // Errors of the caller's body stream pass through unchanged; only our own file operations
      // (which name our paths) are rephrased.
      const path = (e as NodeJS.ErrnoException).path;
      const dest = (e as NodeJS.ErrnoException & { dest?: string }).dest;
      if (path === tmp || path === target || dest === target)
        throw this.fsError(`write ${JSON.stringify(key)}`, target, e);
      throw e;
    }
  }

  async stat(key: string): Promise<BlobInfo | null> {
    const path = this.pathOf(key);
    const real = await this.realInside(key, path);
    if (real === undefined) return null;
    try {
      const info = await stat(real);
      return info.isFile() ? { key, size: info.size, mtimeMs: info.mtimeMs } : null;
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return null;
      throw this.fsError(`stat ${JSON.stringify(key)}`, path, e);
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== null;
  }

  async *list(prefix: string): AsyncIterable<BlobInfo> {
    checkPrefix(prefix);
    const realRoot = await this.resolvedRoot();
    if (realRoot === undefined) return;
    // "a/b/c" lists folder a/b, keeping names that start with "c"; "a/b/" keeps every name in a/b.
    const slash = prefix.lastIndexOf('/');
    const dirKey = slash >= 0 ? prefix.slice(0, slash) : '';
    const namePrefix = prefix.slice(slash + 1);
    // The folder listed may be, or pass through, a symlink: it is listed only when it resolves
    // inside the root, as get() and put() refuse the same path otherwise (issue 8 §5.6: a planted
    // link listed /etc). Reading the resolved path also means a link swapped in afterwards cannot
    // redirect the listing.
    const dir = dirKey === '' ? realRoot : await this.realInside(dirKey, this.pathOf(dirKey));
    if (dir === undefined) return;
    yield* this.walk(realRoot, dirKey, namePrefix, dir);
  }

  /** The blobs in `dir` (the real path of folder `dirKey`) and, recursively, in its real sub-folders. */
  private async *walk(
    realRoot: string,
    dirKey: string,
    namePrefix: string,
    dir: string,
  ): AsyncGenerator<BlobInfo> {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return;
      throw this.fsError('list', dir, e);
    }
    // Sorted so listings are deterministic across filesystems (the interface promises no order,
    // but reproducible output is cheaper to debug).
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const name = entry.name;
      if (!name.startsWith(namePrefix) || (dirKey === '' && name === STAGING_DIR)) continue;
      const key = dirKey === '' ? name : `${dirKey}/${name}`;
      // A name that is not a valid key (a backslash in it, say) could never be read back through
      // this interface, so it is not listed either.
      try {
        checkKey(key);
      } catch {
        continue;
      }
      const path = join(dir, name);
      if (entry.isDirectory()) {
        yield* this.walk(realRoot, key, '', path);
      } else if (entry.isFile()) {
        const info = await stat(path).catch(() => null); // deleted while listing: skip it
        if (info) yield { key, size: info.size, mtimeMs: info.mtimeMs };
      } else if (entry.isSymbolicLink()) {
        // Symlinked files inside the root are listed (get() serves them); links leading outside
        // are skipped, as get() refuses them. Symlinked folders are not descended, which rules out
        // cycles.
        const real = await realpath(path).catch(() => null);
        if (real === null || !this.isInside(realRoot, real)) continue;
        const info = await stat(real).catch(() => null);
        if (info?.isFile()) yield { key, size: info.size, mtimeMs: info.mtimeMs };
      }
    }
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    // Check the parent, not the key itself: unlink removes a symlink rather than its target, but
    // a symlinked parent folder would make the unlink land outside the root.
    if ((await this.realInside(key, dirname(path))) === undefined) return;
    try {
      await unlink(path);
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return;
      if (errnoCode(e) === 'EISDIR' || errnoCode(e) === 'EPERM') {
        throw new InvalidInputError(
          `cannot delete ${JSON.stringify(key)} from local store ${this.root}: it is a folder, not a blob`,
        );
      }
      throw this.fsError(`delete ${JSON.stringify(key)}`, path, e);
    }
    // Empty parent folders are left in place: removing them would race with a concurrent put that
    // has just created one and is about to write into it.
  }
}
