/**
 * The local cache, DVC 3 layout: `<cache>/files/md5/<first 2 hex>/<other 30>[.dir]`
 * [dvc `dvc/cachemgr.py` `default_local_cache_dir` + prefix ("files", "md5"); dvc-objects
 * `ObjectDB.oid_to_path`].
 *
 * Every object is written to a temporary name in its final directory (DVC's own practice:
 * dvc-objects `put_file` uses `<name>.<uuid>.tmp`), made read-only (0444, as DVC's
 * `LocalHashFileDB.protect` does) and only then renamed into place, so a reader never sees a
 * partial object, an interrupted write leaves at most a temp file, and two processes filling the
 * cache at once each rename a complete copy of the same bytes. Like DVC, objects are not fsynced:
 * one fsync per file made adding many small files several times slower. Objects arriving from elsewhere are md5-checked before the rename; one whose bytes
 * do not match its name is refused and never placed.
 *
 * DVC trusts a 0444 object without re-hashing it and re-hashes a writable one, deleting it when
 * it is corrupt [dvc-data `LocalHashFileDB.check`]; `has` does the same.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, openSync, writeSync } from 'node:fs';
import { chmod, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { InvalidInputError } from '../core/errors.js';
import { copyAndHash, type FileHash, hashFile, md5Hex } from './hash.js';
import { DIR_SUFFIX, isDirOid, parseManifest, type TreeEntry } from './tree.js';

/** Where DVC 3 keeps md5 objects under a cache or remote root. */
export const OBJECT_PREFIX = 'files/md5';
/** DVC's CACHE_MODE. */
export const PROTECTED_MODE = 0o444;

const OID_RE = /^[0-9a-f]{32}(\.dir)?$/;

export function checkOid(oid: string, where: string): string {
  if (!OID_RE.test(oid)) throw new InvalidInputError(`${where}: "${oid}" is not an md5 object id`);
  return oid;
}

/** `files/md5/ab/cdef…` — the same key in the cache and on a remote. */
export function objectKey(oid: string): string {
  return `${OBJECT_PREFIX}/${oid.slice(0, 2)}/${oid.slice(2)}`;
}

/** The md5 an object's bytes must have: its name without ".dir". */
export function expectedMd5(oid: string): string {
  return isDirOid(oid) ? oid.slice(0, -DIR_SUFFIX.length) : oid;
}

/** An object whose bytes do not hash to its name. */
export class CorruptObjectError extends InvalidInputError {
  constructor(
    readonly oid: string,
    readonly actualMd5: string,
    source: string,
  ) {
    super(`${source}: object ${objectKey(oid)} is corrupt (its bytes have md5 ${actualMd5}): refused`);
  }
}

function tmpName(dir: string, base: string): string {
  return join(dir, `.${base}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

export class LocalCache {
  constructor(readonly dir: string) {}

  path(oid: string): string {
    return join(this.dir, objectKey(oid));
  }

  /**
   * Is a sound copy of `oid` here? Protected objects are trusted, as DVC does; a writable one is
   * re-hashed and deleted if corrupt.
   */
  async has(oid: string): Promise<boolean> {
    const p = this.path(oid);
    let st: Awaited<ReturnType<typeof stat>>;
    try {
      st = await stat(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
    if (!st.isFile()) return false;
    if ((st.mode & 0o777) === PROTECTED_MODE) return true;
    const { md5 } = await hashFile(p);
    if (md5 !== expectedMd5(oid)) {
      await rm(p, { force: true });
      return false;
    }
    await chmod(p, PROTECTED_MODE).catch(() => {});
    return true;
  }

  /** Move a finished temp file into place as `oid` (protected first, then renamed). */
  private async publish(tmp: string, oid: string): Promise<void> {
    try {
      await chmod(tmp, PROTECTED_MODE);
      await rename(tmp, this.path(oid));
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }

  /** Object directories known to exist (DVC's ObjectDB keeps the same set, `_dirs`). */
  private readonly madeDirs = new Set<string>();

  private async objectDir(oid: string): Promise<string> {
    const d = join(this.dir, OBJECT_PREFIX, oid.slice(0, 2));
    if (!this.madeDirs.has(d)) {
      await mkdir(d, { recursive: true });
      this.madeDirs.add(d);
    }
    return d;
  }

  /**
   * Copy a workspace file into the cache, hashing it as it is copied. Returns its hash; the
   * object is only written when absent.
   */
  async addFile(src: string): Promise<FileHash> {
    const stagingDir = join(this.dir, OBJECT_PREFIX);
    await mkdir(stagingDir, { recursive: true });
    const tmp = tmpName(stagingDir, 'add');
    let h: FileHash;
    try {
      h = await copyAndHash(src, tmp);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    if (await this.has(h.md5)) {
      await rm(tmp, { force: true });
      return h;
    }
    await this.objectDir(h.md5);
    await this.publish(tmp, h.md5);
    return h;
  }

  /** Store bytes (a `.dir` manifest) under `oid`, which must match them. */
  async addBytes(oid: string, bytes: Uint8Array): Promise<void> {
    const md5 = md5Hex(bytes);
    if (md5 !== expectedMd5(oid)) throw new CorruptObjectError(oid, md5, 'manifest');
    if (await this.has(oid)) return;
    const tmp = tmpName(await this.objectDir(oid), oid.slice(2));
    const fh = await open(tmp, 'wx', 0o666);
    try {
      await fh.writeFile(bytes);
    } catch (e) {
      await fh.close();
      await rm(tmp, { force: true });
      throw e;
    }
    await fh.close();
    await this.publish(tmp, oid);
  }

  /**
   * Stream `body` into a new temp file in `dir`, hashing it; the temp file is removed on failure.
   * File writes are synchronous (each is a page-cache copy of one chunk): an async write per
   * 64 KiB chunk made downloads of many small objects several times slower.
   */
  private async streamToTemp(
    dir: string,
    body: Readable,
    onBytes?: (n: number) => void,
  ): Promise<{ tmp: string } & FileHash> {
    const tmp = tmpName(dir, 'download');
    const h = createHash('md5');
    let size = 0;
    const fd = openSync(tmp, 'wx', 0o666);
    try {
      for await (const chunk of body) {
        const buf = chunk as Buffer;
        h.update(buf);
        let off = 0;
        while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
        size += buf.length;
        onBytes?.(buf.length);
      }
    } catch (e) {
      body.destroy();
      closeSync(fd);
      await rm(tmp, { force: true });
      throw e;
    }
    closeSync(fd);
    return { tmp, md5: h.digest('hex'), size };
  }

  /**
   * Store an object arriving as a stream (a download): written to a temp name while hashed, and
   * placed only if its md5 matches `oid`; otherwise deleted and CorruptObjectError thrown.
   */
  async addStream(oid: string, body: Readable, source: string, onBytes?: (n: number) => void): Promise<void> {
    const { tmp, md5 } = await this.streamToTemp(await this.objectDir(oid), body, onBytes);
    if (md5 !== expectedMd5(oid)) {
      await rm(tmp, { force: true });
      throw new CorruptObjectError(oid, md5, source);
    }
    await this.publish(tmp, oid);
  }

  /** Store a file object whose hash is not known in advance (a first download); returns it. */
  async addStreamAnyHash(body: Readable): Promise<FileHash> {
    const staging = join(this.dir, OBJECT_PREFIX);
    await mkdir(staging, { recursive: true });
    const { tmp, md5, size } = await this.streamToTemp(staging, body);
    await this.objectDir(md5);
    await this.publish(tmp, md5);
    return { md5, size };
  }

  read(oid: string): Readable {
    return createReadStream(this.path(oid));
  }

  async size(oid: string): Promise<number> {
    return (await stat(this.path(oid))).size;
  }

  /** The entries of a `.dir` object held in this cache. */
  async readTree(oid: string): Promise<TreeEntry[]> {
    return parseManifest(await readFile(this.path(oid)), this.path(oid));
  }
}
