/**
 * push / pull through an S3 remote over the real S3 protocol: s3rver in a child process (the
 * storage tests' test/storage/s3rver-child.mjs) on 127.0.0.1, a DVC remote `s3://bucket/store`
 * whose endpoint and credentials are set with `remote modify` (credentials in config.local, as
 * DVC advises). Covers the acceptance round trip of a file and a directory and a corrupt object.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataCommands } from '../../src/cli/data.js';
import { S3Store } from '../../src/storage/s3.js';
import { cleanTemps, cloneFiles, newRepo, snapshot, tempDir, testIo } from './helpers.js';

const bucket = `mlship-data-${randomBytes(4).toString('hex')}`;
let child: ChildProcess;
let endpoint: string;
let store: S3Store;

beforeAll(async () => {
  const dir = await tempDir('s3rver');
  const script = fileURLToPath(new URL('../storage/s3rver-child.mjs', import.meta.url));
  child = spawn(process.execPath, ['--openssl-legacy-provider', script, dir, bucket], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code}`))),
  );
  const line = new Promise<string>((resolve) =>
    createInterface({ input: child.stdout! }).once('line', resolve),
  );
  endpoint = `http://127.0.0.1:${(JSON.parse(await Promise.race([line, exited])) as { port: number }).port}`;
  store = new S3Store(
    bucket,
    '',
    { endpointurl: endpoint, access_key_id: 'S3RVER', secret_access_key: 'S3RVER' },
    {},
  );
});

afterAll(async () => {
  await store?.close();
  if (child && child.exitCode === null) {
    const gone = new Promise((r) => child.once('exit', r));
    child.stdin?.end();
    await gone;
  }
  await cleanTemps();
});

async function configureS3(root: string): Promise<void> {
  const io = testIo(root);
  await dataCommands.remoteAdd('s3', `s3://${bucket}/store`, { default: true }, io);
  await dataCommands.remoteModify('s3', 'endpointurl', endpoint, {}, io);
  await dataCommands.remoteModify('s3', 'access_key_id', 'S3RVER', { local: true }, io);
  await dataCommands.remoteModify('s3', 'secret_access_key', 'S3RVER', { local: true }, io);
}

async function keys(): Promise<string[]> {
  const out: string[] = [];
  for await (const b of store.list('store/')) out.push(b.key);
  return out.sort();
}

describe('S3 remote (s3rver)', () => {
  it('round-trips a file and a directory, and refuses a corrupt object', async () => {
    const root = await newRepo();
    await mkdir(join(root, 'data/dir/sub'), { recursive: true });
    await writeFile(join(root, 'data/file.csv'), 'a,b\n1,2\n');
    await writeFile(join(root, 'data/dir/x'), 'x');
    await writeFile(join(root, 'data/dir/sub/y'), 'y'.repeat(100_000));
    await dataCommands.add(['data/file.csv', 'data/dir'], {}, testIo(root));
    await configureS3(root);
    expect(readFileSync(join(root, '.dvc/config.local'), 'utf8')).toBe(
      '[\'remote "s3"\']\n    access_key_id = S3RVER\n    secret_access_key = S3RVER\n',
    );

    let io = testIo(root);
    await dataCommands.push([], {}, io);
    expect(io.lines).toEqual(['4 files pushed']);
    const dirOid = /md5: (\S+)/.exec(readFileSync(join(root, 'data/dir.dvc'), 'utf8'))![1];
    expect(await keys()).toContain(`store/files/md5/${dirOid.slice(0, 2)}/${dirOid.slice(2)}`);
    expect(await keys()).toHaveLength(4);
    io = testIo(root);
    await dataCommands.status([], { cloud: true }, io);
    expect(io.lines).toEqual(["Cache and remote 's3' are in sync."]);

    const clone = await newRepo();
    await cloneFiles(root, clone, ['.dvc/config', '.dvc/config.local', 'data/file.csv.dvc', 'data/dir.dvc']);
    io = testIo(clone);
    await dataCommands.pull([], {}, io);
    expect(io.lines).toEqual(['A\tdata/dir/', 'A\tdata/file.csv', '4 files fetched and 3 files added']);
    expect(readFileSync(join(clone, 'data/dir/sub/y'), 'utf8')).toBe('y'.repeat(100_000));
    expect(readFileSync(join(clone, 'data/file.csv'), 'utf8')).toBe('a,b\n1,2\n');

    // replace the file's object with other bytes: a fresh clone must refuse it
    const fileMd5 = /md5: (\S+)/.exec(readFileSync(join(root, 'data/file.csv.dvc'), 'utf8'))![1];
    await store.put(`store/files/md5/${fileMd5.slice(0, 2)}/${fileMd5.slice(2)}`, Buffer.from('evil\n'));
    const victim = await newRepo();
    await cloneFiles(root, victim, ['.dvc/config', '.dvc/config.local', 'data/file.csv.dvc']);
    const before = snapshot(victim);
    await expect(dataCommands.pull([], {}, testIo(victim))).rejects.toThrow(
      new RegExp(
        `^1 file failed to download: .*files/md5/${fileMd5.slice(0, 2)}/${fileMd5.slice(2)} is corrupt`,
      ),
    );
    expect(snapshot(victim)).toEqual(before);
    expect(existsSync(join(victim, 'data/file.csv'))).toBe(false);
  });
});
