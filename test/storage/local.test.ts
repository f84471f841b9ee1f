import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/core/errors.js';
import { LocalStore, STAGING_DIR } from '../../src/storage/local.js';
import { describeBlobStore, readAll } from './conformance.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'mlship-local-store-'));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describeBlobStore(
  'LocalStore',
  async () => {
    // The root does not exist yet: the first put must create it.
    const store = new LocalStore(join(await tempDir(), 'root'));
    return { store, seed: store };
  },
  { report: (line) => console.log(line) },
);

describe('LocalStore specifics', () => {
  it('lays keys out as files under the root (the DVC remote/cache layout)', async () => {
    const root = await tempDir();
    const store = new LocalStore(root);
    await store.put('files/md5/d1/c47305887e2252bf1ccbd74ff159a6', Buffer.from('x'));
    expect(await readdir(join(root, 'files/md5/d1'))).toEqual(['c47305887e2252bf1ccbd74ff159a6']);
  });

  it('stages puts outside the key space: nothing left after a failed put, and temp-like names are ordinary blobs', async () => {
    const root = await tempDir();
    const store = new LocalStore(root);
    await store.put('d/keep', Buffer.from('1'));
    async function* failing() {
      yield Buffer.from('partial');
      throw new Error('boom');
    }
    await expect(store.put('d/new', Readable.from(failing(), { objectMode: false }))).rejects.toThrow('boom');
    expect(await readdir(join(root, 'd'))).toEqual(['keep']);
    expect(await readdir(join(root, STAGING_DIR))).toEqual([]);
    // A name shaped like the temp files of earlier versions is a blob like any other, as is a dot-file…
    await store.put('d/.new.mlship-tmp-123-0123abcd', Buffer.from('mine'));
    await writeFile(join(root, 'd', '.env'), 'x');
    // …while a staged file (of a put in flight, or of a killed process) is never listed.
    await writeFile(join(root, STAGING_DIR, `999999-0123456789abcdef-elsewhere`), 'half');
    const keys: string[] = [];
    for await (const info of store.list('')) keys.push(info.key);
    expect(keys.sort()).toEqual(['d/.env', 'd/.new.mlship-tmp-123-0123abcd', 'd/keep']);
    // No key reaches the staging folder.
    for (const op of [
      () => store.get(`${STAGING_DIR}/999999-0123456789abcdef-elsewhere`),
      () => store.put(`${STAGING_DIR}/x`, Buffer.from('x')),
      () => store.delete(STAGING_DIR),
      async () => {
        for await (const _ of store.list(`${STAGING_DIR}/`));
      },
    ]) {
      await expect(op()).rejects.toBeInstanceOf(InvalidInputError);
    }
  });

  it('removes staged files of dead processes at removeStaleStaging, and keeps those of live ones', async () => {
    const root = await tempDir();
    const store = new LocalStore(root);
    await store.put('a', Buffer.from('1'));
    const host = hostname()
      .replace(/[^A-Za-z0-9.-]/g, '_')
      .slice(0, 64);
    // A pid that cannot be running (above pid_max), one that is (this process's parent), and this
    // process's own (left by an earlier process with the same pid, as a restarted container's pid 1).
    const dead = `4194999-00000000000000aa-${host}`;
    const live = `${process.ppid}-00000000000000bb-${host}`;
    const own = `${process.pid}-00000000000000cc-${host}`;
    const otherHost = `4194999-00000000000000dd-another-host`;
    for (const name of [dead, live, own, otherHost]) await writeFile(join(root, STAGING_DIR, name), 'x');
    expect(await store.removeStaleStaging()).toBe(2);
    expect((await readdir(join(root, STAGING_DIR))).sort()).toEqual([live, otherHost].sort());
    expect(await readFile(join(root, 'a'), 'utf8')).toBe('1');
  });

  it('refuses symlinks that lead outside the root, for reads, writes, deletes and listings', async () => {
    const outside = await tempDir();
    await writeFile(join(outside, 'secret'), 'top secret');
    await mkdir(join(outside, 'dir'));
    const root = await tempDir();
    await symlink(join(outside, 'secret'), join(root, 'link'));
    await symlink(join(outside, 'dir'), join(root, 'linkdir'));
    const store = new LocalStore(root);
    for (const op of [
      () => store.get('link'),
      () => store.stat('link'),
      () => store.put('linkdir/planted', Buffer.from('x')),
      () => store.put('linkdir/new/planted', Buffer.from('x')),
      () => store.delete('linkdir/secret'),
      async () => {
        for await (const _ of store.list('linkdir/'));
      },
    ]) {
      const e = await op().then(
        () => null,
        (err: Error) => err,
      );
      expect(e).toBeInstanceOf(InvalidInputError);
      expect(e?.message).toMatch(/outside the store; refused/);
    }
    // A staging folder planted as a link to outside is refused too.
    const other = await tempDir();
    await symlink(outside, join(other, STAGING_DIR));
    await expect(new LocalStore(other).put('x', Buffer.from('x'))).rejects.toThrow(
      /outside the store; refused/,
    );
    // Nothing was created outside, not even the folder of a refused put.
    expect(await readdir(join(outside, 'dir'))).toEqual([]);
    // Listing the root skips what get would refuse.
    const keys: string[] = [];
    for await (const info of store.list('')) keys.push(info.key);
    expect(keys).toEqual([]);
  });

  it('follows symlinks that stay inside the root', async () => {
    const root = await tempDir();
    const store = new LocalStore(root);
    await store.put('real/file', Buffer.from('inside'));
    await symlink(join(root, 'real/file'), join(root, 'alias'));
    expect((await readAll(await store.get('alias'))).toString()).toBe('inside');
    expect(await store.stat('alias')).toMatchObject({ size: 6 });
  });

  it('explains a key that collides with a folder or passes through a file', async () => {
    const root = await tempDir();
    const store = new LocalStore(root);
    await store.put('a/b', Buffer.from('x'));
    await expect(store.put('a', Buffer.from('y'))).rejects.toThrow(/a folder already has that name/);
    await expect(store.put('a/b/c', Buffer.from('y'))).rejects.toThrow(/a parent of it is a file/);
    await expect(store.get('a')).rejects.toThrow(/is a directory, not a blob/);
    await expect(store.delete('a')).rejects.toThrow(/it is a folder/);
    expect(await store.stat('a')).toBeNull();
  });

  it('treats a root that does not exist as an empty store', async () => {
    const store = new LocalStore(join(await tempDir(), 'nope'));
    expect(await store.stat('x')).toBeNull();
    await expect(store.get('x')).rejects.toThrow(/not found in local store/);
    const keys: string[] = [];
    for await (const info of store.list('')) keys.push(info.key);
    expect(keys).toEqual([]);
    await store.delete('x');
  });
});
