/**
 * The data commands end to end, in-process, on real git repositories in temp folders with a real
 * local-folder remote (src/storage LocalStore): the issue's acceptance cases (add of the flagship
 * CSV, pull from ../shared/dvc-remote, push/pull round trips of a file and a directory, a corrupt
 * remote object refused), DVC's status/push/pull wording, import-url, remotes, and concurrent
 * pulls into one cache.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { chmod, cp, mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dataCommands } from '../../src/cli/data.js';
import { MlshipError } from '../../src/core/errors.js';
import { ensurePulled, openRepo, pull, verifyWorkspaceFile } from '../../src/data/index.js';
import {
  cleanTemps,
  cloneFiles,
  HOUSING_CSV,
  HOUSING_MD5,
  listFiles,
  md5Of,
  newRepo,
  ROOT,
  SHARED_REMOTE,
  snapshot,
  tempDir,
  testIo,
} from './helpers.js';

afterAll(cleanTemps);

const HOUSING_DVC =
  'outs:\n- md5: d1c47305887e2252bf1ccbd74ff159a6\n  size: 1423529\n  hash: md5\n  path: housing.csv\n';

async function repoWithData(): Promise<string> {
  const root = await newRepo();
  await mkdir(join(root, 'data/dir/sub'), { recursive: true });
  await writeFile(join(root, 'data/file.txt'), 'hello\n');
  await writeFile(join(root, 'data/dir/foo'), 'foo');
  await writeFile(join(root, 'data/dir/bar'), 'bar');
  await writeFile(join(root, 'data/dir/sub/baz'), 'baz');
  await dataCommands.add(['data/file.txt', 'data/dir'], {}, testIo(root));
  return root;
}

describe('init', () => {
  it('writes what `dvc init` writes (dvc/repo/init.py, dvc/ignore.py init, Repo._ignore)', async () => {
    const root = await newRepo();
    expect(readFileSync(join(root, '.dvc/config'), 'utf8')).toBe('');
    expect(readFileSync(join(root, '.dvc/.gitignore'), 'utf8')).toBe('/config.local\n/tmp\n/cache\n');
    expect(readFileSync(join(root, '.dvcignore'), 'utf8')).toBe(
      '# Add patterns of files dvc should ignore, which could improve\n# the performance. Learn more at\n# https://dvc.org/doc/user-guide/dvcignore\n',
    );
  });

  it('refuses outside git unless --no-scm, which records core.no_scm (tests/func/test_config.py:14)', async () => {
    const dir = await tempDir('noscm');
    await expect(dataCommands.init({}, testIo(dir))).rejects.toThrow(/not tracked by any supported SCM tool/);
    expect(existsSync(join(dir, '.dvc'))).toBe(false);
    await dataCommands.init({ scm: false }, testIo(dir));
    expect(readFileSync(join(dir, '.dvc/config'), 'utf8')).toBe('[core]\n    no_scm = True\n');
    expect(existsSync(join(dir, '.dvc/.gitignore'))).toBe(false);
  });
});

describe('add (acceptance: the flagship CSV)', () => {
  it('writes housing.csv.dvc, the cache object (read-only) and /housing.csv in .gitignore', async () => {
    const root = await newRepo();
    await mkdir(join(root, 'data/raw'), { recursive: true });
    await cp(HOUSING_CSV, join(root, 'data/raw/housing.csv'));
    const io = testIo(root);
    await dataCommands.add(['data/raw/housing.csv'], { json: true }, io);
    expect(JSON.parse(io.lines[0])[0]).toMatchObject({ md5: HOUSING_MD5, size: 1423529 });
    expect(readFileSync(join(root, 'data/raw/housing.csv.dvc'), 'utf8')).toBe(HOUSING_DVC);
    const obj = join(root, '.dvc/cache/files/md5/d1/c47305887e2252bf1ccbd74ff159a6');
    expect(md5Of(obj)).toBe(HOUSING_MD5);
    // dvc-data LocalHashFileDB.CACHE_MODE
    expect(statSync(obj).mode & 0o777).toBe(0o444);
    expect(readFileSync(join(root, 'data/raw/.gitignore'), 'utf8')).toBe('/housing.csv\n');
    expect(md5Of(join(root, 'data/raw/housing.csv'))).toBe(HOUSING_MD5);
    expect(listFiles(join(root, '.dvc/cache'))).toEqual(['files/md5/d1/c47305887e2252bf1ccbd74ff159a6']);
  });

  it('a directory: .dir manifest in the cache, nfiles and size, /dir in the parent .gitignore', async () => {
    const root = await repoWithData();
    const text = readFileSync(join(root, 'data/dir.dvc'), 'utf8');
    expect(text).toMatch(
      /^outs:\n- md5: [0-9a-f]{32}\.dir\n {2}size: 9\n {2}nfiles: 3\n {2}hash: md5\n {2}path: dir\n$/,
    );
    const oid = /md5: (\S+)/.exec(text)![1];
    const manifest = readFileSync(join(root, '.dvc/cache/files/md5', oid.slice(0, 2), oid.slice(2)), 'utf8');
    expect(manifest).toBe(
      '[{"md5": "37b51d194a7513e45b56f6524f2d51f2", "relpath": "bar"}, {"md5": "acbd18db4cc2f85cedef654fccc4a4d8", "relpath": "foo"}, {"md5": "73feffa4b7f6bb68e44cf984c85f6e88", "relpath": "sub/baz"}]',
    );
    expect(readFileSync(join(root, 'data/.gitignore'), 'utf8')).toBe('/file.txt\n/dir\n');
  });

  it('re-adding keeps other keys of the entry (dvc apply_diff) and does not duplicate .gitignore lines', async () => {
    const root = await repoWithData();
    await writeFile(
      join(root, 'data/file.txt.dvc'),
      'outs:\n- path: file.txt\n  desc: greeting\n  md5: 0a0000000000000000000000000000ff\n',
    );
    await writeFile(join(root, 'data/file.txt'), 'hello again\n');
    await dataCommands.add(['data/file.txt'], {}, testIo(root));
    expect(readFileSync(join(root, 'data/file.txt.dvc'), 'utf8')).toBe(
      `outs:\n- path: file.txt\n  desc: greeting\n  md5: ${md5Of(join(root, 'data/file.txt'))}\n  size: 12\n  hash: md5\n`,
    );
    expect(readFileSync(join(root, 'data/.gitignore'), 'utf8')).toBe('/file.txt\n/dir\n');
  });
});

describe('status (dvc/commands/status.py wording)', () => {
  it('up to date, then modified / deleted / not in cache, as text and JSON', async () => {
    const root = await repoWithData();
    let io = testIo(root);
    await dataCommands.status([], {}, io);
    expect(io.lines).toEqual(['Data and pipelines are up to date.']);

    await writeFile(join(root, 'data/dir/foo'), 'changed');
    await rm(join(root, 'data/file.txt'));
    io = testIo(root);
    await dataCommands.status([], {}, io);
    expect(io.lines).toEqual([
      'data/dir.dvc:',
      '\tchanged outs:',
      '\t\tmodified:           data/dir',
      'data/file.txt.dvc:',
      '\tchanged outs:',
      '\t\tdeleted:            data/file.txt',
    ]);
    io = testIo(root);
    await dataCommands.status([], { json: true }, io);
    expect(JSON.parse(io.lines[0])).toEqual({
      'data/dir.dvc': [{ 'changed outs': { 'data/dir': 'modified' } }],
      'data/file.txt.dvc': [{ 'changed outs': { 'data/file.txt': 'deleted' } }],
    });

    await rm(join(root, '.dvc/cache'), { recursive: true, force: true });
    io = testIo(root);
    await dataCommands.status(['data/file.txt.dvc'], {}, io);
    expect(io.lines).toEqual([
      'data/file.txt.dvc:',
      '\tchanged outs:',
      '\t\tnot in cache:       data/file.txt',
    ]);
  });

  it('an empty project says so', async () => {
    const io = testIo(await newRepo());
    await dataCommands.status([], {}, io);
    expect(io.lines).toEqual([
      'There are no data or pipelines tracked in this project yet.',
      'See <https://dvc.org/doc/start> to get started!',
    ]);
  });

  it('paths are shown relative to the working directory, as DVC does', async () => {
    const root = await repoWithData();
    await rm(join(root, 'data/file.txt'));
    const io = testIo(join(root, 'data'));
    await dataCommands.status([], {}, io);
    expect(io.lines).toEqual(['file.txt.dvc:', '\tchanged outs:', '\t\tdeleted:            file.txt']);
  });
});

describe('push / pull through a local-folder remote (acceptance: file and directory round trip)', () => {
  it('push uploads files before the .dir, pull restores both byte for byte in a fresh clone', async () => {
    const root = await repoWithData();
    const remoteDir = await tempDir('remote');
    await dataCommands.remoteAdd('store', remoteDir, { default: true }, testIo(root));

    let io = testIo(root);
    await dataCommands.status([], { cloud: true }, io);
    expect(io.lines).toContain('\tnew:                data/dir/sub/baz');
    expect(io.lines).toContain('\tnew:                data/file.txt');

    io = testIo(root);
    await dataCommands.push([], {}, io);
    expect(io.lines).toEqual(['5 files pushed']);
    const dirOid = /md5: (\S+)/.exec(readFileSync(join(root, 'data/dir.dvc'), 'utf8'))![1];
    expect(listFiles(remoteDir)).toEqual(
      [
        'files/md5/37/b51d194a7513e45b56f6524f2d51f2',
        'files/md5/73/feffa4b7f6bb68e44cf984c85f6e88',
        'files/md5/ac/bd18db4cc2f85cedef654fccc4a4d8',
        `files/md5/${dirOid.slice(0, 2)}/${dirOid.slice(2)}`,
        'files/md5/b1/946ac92492d2347c6235b4d2611184',
      ].sort(),
    );
    io = testIo(root);
    await dataCommands.push([], {}, io);
    expect(io.lines).toEqual(['Everything is up to date.']);
    io = testIo(root);
    await dataCommands.status([], { cloud: true }, io);
    expect(io.lines).toEqual(["Cache and remote 'store' are in sync."]);

    const clone = await newRepo();
    await cloneFiles(root, clone, ['.dvc/config', 'data/dir.dvc', 'data/file.txt.dvc']);
    io = testIo(clone);
    await dataCommands.pull([], {}, io);
    expect(io.lines).toEqual(['A\tdata/dir/', 'A\tdata/file.txt', '5 files fetched and 4 files added']);
    for (const f of ['data/file.txt', 'data/dir/foo', 'data/dir/bar', 'data/dir/sub/baz']) {
      expect(readFileSync(join(clone, f), 'utf8')).toBe(readFileSync(join(root, f), 'utf8'));
    }
    io = testIo(clone);
    await dataCommands.status([], {}, io);
    expect(io.lines).toEqual(['Data and pipelines are up to date.']);
    io = testIo(clone);
    await dataCommands.pull([], {}, io);
    expect(io.lines).toEqual(['Everything is up to date.']);
  });

  it('pull from ../shared/dvc-remote into a fresh clone, through the committed .dvc/config', async () => {
    // lay out <tmp>/main (a clone) beside <tmp>/shared, as CI does, so the committed relative url
    // ../../shared/dvc-remote resolves against .dvc/ exactly as DVC resolves it
    const base = await tempDir('clone');
    await symlink(join(ROOT, '../shared'), join(base, 'shared'));
    const clone = await newRepo(join(base, 'main'));
    await cloneFiles(ROOT, clone, ['.dvc/config', 'data/raw/housing.csv.dvc']);
    const before = snapshot(SHARED_REMOTE);
    const io = testIo(clone);
    await dataCommands.pull([], {}, io);
    expect(io.lines).toEqual(['A\tdata/raw/housing.csv', '1 file fetched and 1 file added']);
    expect(md5Of(join(clone, 'data/raw/housing.csv'))).toBe(HOUSING_MD5);
    expect(snapshot(SHARED_REMOTE)).toEqual(before);
  });

  it('a remote object whose bytes do not match its name is refused and nothing is placed', async () => {
    const root = await repoWithData();
    const remoteDir = await tempDir('remote');
    await dataCommands.remoteAdd('store', remoteDir, { default: true }, testIo(root));
    await dataCommands.push([], {}, testIo(root));
    const obj = join(remoteDir, 'files/md5/b1/946ac92492d2347c6235b4d2611184'); // "hello\n"
    await chmod(obj, 0o644);
    await writeFile(obj, 'tampered\n');

    const clone = await newRepo();
    await cloneFiles(root, clone, ['.dvc/config', 'data/file.txt.dvc']);
    const before = snapshot(clone);
    const err = await dataCommands.pull([], {}, testIo(clone)).catch((e) => e);
    expect(err).toBeInstanceOf(MlshipError);
    expect(err.message).toMatch(
      /^1 file failed to download: .*files\/md5\/b1\/946ac92492d2347c6235b4d2611184 is corrupt/,
    );
    expect(err.message).not.toContain('\n');
    expect(snapshot(clone)).toEqual(before);
    expect(existsSync(join(clone, 'data/file.txt'))).toBe(false);
  });

  it('checkout does not overwrite unsaved work without --force', async () => {
    const root = await repoWithData();
    await writeFile(join(root, 'data/file.txt'), 'my unsaved edit\n');
    const before = snapshot(root);
    await expect(dataCommands.checkout([], {}, testIo(root))).rejects.toThrow(
      // DVC refuses too ("unable to remove … without a confirmation. Use `-f` to force."); the
      // message names the commands that work from here
      /^data\/file\.txt has changes that are not in the cache: discard them with `mlship data checkout --force`, or keep them with `mlship data add data\/file\.txt`$/,
    );
    expect(snapshot(root)).toEqual(before);
    const io = testIo(root);
    await dataCommands.checkout([], { force: true }, io);
    expect(io.lines).toEqual(['M\tdata/file.txt']);
    expect(readFileSync(join(root, 'data/file.txt'), 'utf8')).toBe('hello\n');
  });

  it('concurrent pulls into one cache both succeed and leave no temp files', async () => {
    const root = await repoWithData();
    const remoteDir = await tempDir('remote');
    await dataCommands.remoteAdd('store', remoteDir, { default: true }, testIo(root));
    await dataCommands.push([], {}, testIo(root));
    const clone = await newRepo();
    await cloneFiles(root, clone, ['.dvc/config', 'data/dir.dvc', 'data/file.txt.dvc']);
    const [a, b] = await Promise.all([
      openRepo(clone).then((r) => pull(r, [], { cwd: clone })),
      openRepo(clone).then((r) => pull(r, [], { cwd: clone, jobs: 1 })),
    ]);
    expect(a.fetched + b.fetched).toBeGreaterThanOrEqual(5);
    expect(listFiles(join(clone, '.dvc/cache')).every((f) => !f.includes('.tmp'))).toBe(true);
    expect(readFileSync(join(clone, 'data/dir/sub/baz'), 'utf8')).toBe('baz');
    const io = testIo(clone);
    await dataCommands.status([], {}, io);
    expect(io.lines).toEqual(['Data and pipelines are up to date.']);
  });
});

describe('import-url', () => {
  it('records the source as DVC does (frozen, deps with md5, stage md5) and pulls from the source when the remote lacks it', async () => {
    const root = await newRepo();
    const srcDir = await tempDir('src');
    await writeFile(join(srcDir, 'foo'), 'foo');
    const io = testIo(root);
    await dataCommands.importUrl(join(srcDir, 'foo'), 'bar', {}, io);
    expect(readFileSync(join(root, 'bar.dvc'), 'utf8')).toBe(
      `md5: ${/md5: (\S+)/.exec(readFileSync(join(root, 'bar.dvc'), 'utf8'))![1]}\nfrozen: true\ndeps:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  size: 3\n  hash: md5\n  path: ${join(srcDir, 'foo')}\nouts:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  size: 3\n  hash: md5\n  path: bar\n`,
    );
    expect(readFileSync(join(root, 'bar'), 'utf8')).toBe('foo');
    expect(readFileSync(join(root, '.gitignore'), 'utf8')).toBe('/bar\n');
    let st = testIo(root);
    await dataCommands.status([], {}, st);
    expect(st.lines).toEqual(['Data and pipelines are up to date.']);

    // a clone with an empty remote gets the data from the source
    const clone = await newRepo();
    await cloneFiles(root, clone, ['bar.dvc']);
    await dataCommands.remoteAdd('empty', await tempDir('remote'), { default: true }, testIo(clone));
    st = testIo(clone);
    await dataCommands.pull([], {}, st);
    expect(st.lines).toEqual(['A\tbar', '1 file fetched and 1 file added']);
    expect(readFileSync(join(clone, 'bar'), 'utf8')).toBe('foo');

    // a source that changed since the import is refused (its md5 no longer matches)
    await writeFile(join(srcDir, 'foo'), 'not foo');
    const again = await newRepo();
    await cloneFiles(root, again, ['bar.dvc']);
    await expect(dataCommands.pull([], {}, testIo(again))).rejects.toThrow(
      /^1 file failed to download: .*source .* is corrupt/,
    );
    expect(existsSync(join(again, 'bar'))).toBe(false);
  });

  it('a hand-edited stage md5 shows as "changed checksum"', async () => {
    const root = await newRepo();
    const srcDir = await tempDir('src');
    await writeFile(join(srcDir, 'foo'), 'foo');
    await dataCommands.importUrl(join(srcDir, 'foo'), 'bar', {}, testIo(root));
    const p = join(root, 'bar.dvc');
    await writeFile(p, readFileSync(p, 'utf8').replace(/^md5: \S+/, 'md5: 0123456789abcdef0123456789abcdef'));
    const io = testIo(root);
    await dataCommands.status([], {}, io);
    expect(io.lines).toEqual(['bar.dvc:', '\tchanged checksum']);
  });

  it('over HTTP: downloads, verifies md5, and can be pulled again from the URL', async () => {
    const body = readFileSync(HOUSING_CSV);
    const server: Server = createServer((req, res) => {
      if (req.url !== '/datasets/housing/housing.csv') {
        res.statusCode = 404;
        res.end();
        return;
      }
      res.setHeader('content-length', body.length);
      res.end(req.method === 'HEAD' ? undefined : body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/datasets/housing/housing.csv`;
      const root = await newRepo();
      await mkdir(join(root, 'data/raw'), { recursive: true });
      await dataCommands.importUrl(url, 'data/raw/housing.csv', {}, testIo(root));
      expect(md5Of(join(root, 'data/raw/housing.csv'))).toBe(HOUSING_MD5);
      const text = readFileSync(join(root, 'data/raw/housing.csv.dvc'), 'utf8');
      expect(text).toContain(`deps:\n- size: 1423529\n  hash: md5\n  path: ${url}\n`);
      const clone = await newRepo();
      await cloneFiles(root, clone, ['data/raw/housing.csv.dvc']);
      expect(await ensurePulled(join(clone, 'data/raw/housing.csv.dvc'))).toMatchObject({
        fetched: 1,
        added: ['data/raw/housing.csv'],
      });
      expect(await verifyWorkspaceFile(join(clone, 'data/raw/housing.csv'))).toEqual({
        md5: HOUSING_MD5,
        size: 1423529,
      });
      expect(await ensurePulled(join(clone, 'data/raw/housing.csv.dvc'))).toBeNull();
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe('verifyWorkspaceFile (used by mlship train)', () => {
  it('returns the md5 when the file matches, null without a .dvc, and refuses a changed file', async () => {
    const root = await repoWithData();
    const file = join(root, 'data/file.txt');
    expect(await verifyWorkspaceFile(file)).toEqual({ md5: md5Of(file), size: 6 });
    expect(await verifyWorkspaceFile(join(root, 'data/dir/foo'))).toBeNull();
    await writeFile(file, 'changed\n');
    await expect(verifyWorkspaceFile(file)).rejects.toThrow(
      /file\.txt does not match .*file\.txt\.dvc: its md5 is [0-9a-f]{32}, the \.dvc file records b1946ac92492d2347c6235b4d2611184/,
    );
    await rm(file);
    await expect(verifyWorkspaceFile(file)).rejects.toThrow(
      /file\.txt is missing: fetch it with `mlship data pull/,
    );
  });
});

describe('remote add / modify / list / remove / default (dvc/commands/remote.py)', () => {
  it("writes DVC's INI, relative local urls against .dvc/ (tests/func/test_remote.py:35-41), secrets in config.local", async () => {
    const root = await newRepo();
    const io = testIo(root);
    await dataCommands.remoteAdd('MyLocal', '../path/to/dir', {}, io);
    await dataCommands.remoteAdd('s3', 's3://bucket/dvcstore', { default: true }, io);
    await dataCommands.remoteModify('s3', 'endpointurl', 'http://127.0.0.1:9000', {}, io);
    await dataCommands.remoteModify('s3', 'secret_access_key', 'xyz', { local: true }, io);
    expect(io.lines).toEqual(["Setting 's3' as a default remote."]);
    expect(readFileSync(join(root, '.dvc/config'), 'utf8')).toBe(
      '[core]\n    remote = s3\n[\'remote "mylocal"\']\n    url = ../../path/to/dir\n[\'remote "s3"\']\n    url = s3://bucket/dvcstore\n    endpointurl = http://127.0.0.1:9000\n',
    );
    expect(readFileSync(join(root, '.dvc/config.local'), 'utf8')).toBe(
      '[\'remote "s3"\']\n    secret_access_key = xyz\n',
    );
    const list = testIo(root);
    await dataCommands.remoteList({}, list);
    expect(list.lines).toEqual([
      `mylocal\t${join(root, '../path/to/dir')}`,
      's3\ts3://bucket/dvcstore\t(default)',
    ]);

    await expect(dataCommands.remoteAdd('s3', 's3://other', {}, io)).rejects.toThrow(
      "remote 's3' already exists. Use `-f|--force` to overwrite it.",
    );
    await expect(dataCommands.remoteModify('s3', 'no_such_option', 'x', {}, io)).rejects.toThrow(
      /remote "s3" has unknown option no_such_option/,
    );
    await dataCommands.remoteRemove('s3', {}, io);
    expect(readFileSync(join(root, '.dvc/config'), 'utf8')).toBe(
      '[\'remote "mylocal"\']\n    url = ../../path/to/dir\n',
    );
    const def = testIo(root);
    await expect(dataCommands.remoteDefault(undefined, {}, def)).rejects.toThrow('No default remote set');
  });
});

describe('the project itself', () => {
  it('has a DVC repo whose default remote is ../shared/dvc-remote', async () => {
    const repo = await openRepo(ROOT);
    const spec = repo.config.remote();
    expect(spec.url).toBe(SHARED_REMOTE);
    expect((await readdir(join(spec.url, 'files/md5/d1')))[0]).toBe('c47305887e2252bf1ccbd74ff159a6');
  });

  it('git ignores the flagship CSV (the root .gitignore), so add would write no other .gitignore', () => {
    const r = execFileSync('git', ['check-ignore', 'data/raw/housing.csv'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.trim()).toBe('data/raw/housing.csv');
  });
});
