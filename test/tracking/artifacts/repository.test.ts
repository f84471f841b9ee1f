/**
 * The artifact proxy's operations over a destination (src/tracking/artifacts/repository.ts), run
 * against a local folder and against S3 (s3rver over the real protocol): MLflow's list_artifacts
 * shape (one level, folders without size, sorted), downloads, atomic streamed uploads with a size
 * limit, recursive deletes, and storage errors turned into MLflow errors.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStore } from '../../../src/storage/local.js';
import { S3Store } from '../../../src/storage/s3.js';
import { ArtifactRepository, PayloadTooLargeError } from '../../../src/tracking/artifacts/repository.js';
import { MlflowError } from '../../../src/tracking/errors.js';
import { S3RVER_CREDENTIALS, type S3rver, startS3rver } from './s3rver.js';

async function text(repo: ArtifactRepository, key: string): Promise<string> {
  const { stream } = await repo.open(key);
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks).toString();
}

async function put(repo: ArtifactRepository, key: string, body: string, maxBytes = 1 << 20): Promise<void> {
  await repo.upload(key, Readable.from([Buffer.from(body)]), { maxBytes });
}

async function caught(work: Promise<unknown>): Promise<unknown> {
  try {
    await work;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

function describeRepository(name: string, open: () => Promise<ArtifactRepository>, flatKeys: boolean) {
  describe(`ArtifactRepository on ${name}`, () => {
    let repo: ArtifactRepository;
    beforeAll(async () => {
      repo = await open();
    });

    it('round-trips an upload and reports its size', async () => {
      await put(repo, '1/run/artifacts/model/MLmodel', 'flavors: {}\n');
      // size(), not open(): a stream opened and never read keeps its file handle open until the
      // garbage collector closes it, with Node's "Closing file descriptor … on garbage collection"
      expect(await repo.size('1/run/artifacts/model/MLmodel')).toBe(12);
      expect(await text(repo, '1/run/artifacts/model/MLmodel')).toBe('flavors: {}\n');
    });

    it('lists one folder level as MLflow does: folders without size, files with size, sorted', async () => {
      await put(repo, 'L/b.txt', 'bb');
      await put(repo, 'L/a/deep/x.bin', 'xyz');
      await put(repo, 'L/a/y.bin', 'y');
      await put(repo, 'L/c', '');
      expect(await repo.list('L')).toEqual([
        { path: 'a', is_dir: true },
        { path: 'b.txt', is_dir: false, file_size: 2 },
        { path: 'c', is_dir: false, file_size: 0 },
      ]);
      expect(await repo.list('L/a')).toEqual([
        { path: 'deep', is_dir: true },
        { path: 'y.bin', is_dir: false, file_size: 1 },
      ]);
    });

    it('lists nothing for a missing folder or for a file', async () => {
      expect(await repo.list('no/such/folder')).toEqual([]);
      expect(await repo.list('L/b.txt')).toEqual([]);
    });

    it('answers a missing artifact with 404 RESOURCE_DOES_NOT_EXIST', async () => {
      const error = (await caught(repo.open('missing/file'))) as MlflowError;
      expect(error).toBeInstanceOf(MlflowError);
      expect(error.errorCode).toBe('RESOURCE_DOES_NOT_EXIST');
      expect(error.httpStatus).toBe(404);
    });

    it('replaces an artifact atomically; an aborted upload leaves the old one whole', async () => {
      await put(repo, 'atomic/f', 'old content');
      const body = new PassThrough();
      const uploading = repo.upload('atomic/f', body, { maxBytes: 1 << 20 });
      body.write(Buffer.from('new content, part 1 '));
      setTimeout(() => body.destroy(new Error('client went away')), 20);
      await expect(uploading).rejects.toThrow(/client went away/);
      expect(await text(repo, 'atomic/f')).toBe('old content');
      expect(await repo.list('atomic')).toEqual([{ path: 'f', is_dir: false, file_size: 11 }]);
    });

    it('refuses an upload over the limit (413) and keeps nothing of it', async () => {
      const big = randomBytes(64 * 1024);
      const announced = (await caught(
        repo.upload('limit/announced', Readable.from([big]), { maxBytes: 1000, size: big.length }),
      )) as MlflowError;
      expect(announced).toBeInstanceOf(PayloadTooLargeError);
      expect(announced.httpStatus).toBe(413);
      // No Content-Length (chunked): the limit is found while streaming.
      const streamed = (await caught(
        repo.upload('limit/streamed', Readable.from([big.subarray(0, 600), big.subarray(600)]), {
          maxBytes: 1000,
        }),
      )) as MlflowError;
      expect(streamed).toBeInstanceOf(PayloadTooLargeError);
      expect(await repo.list('limit')).toEqual([]);
    });

    it('deletes a file, a whole folder, and nothing without complaint', async () => {
      await put(repo, 'D/keep.txt', 'k');
      await put(repo, 'D/gone.txt', 'g');
      await put(repo, 'D/sub/one', '1');
      await put(repo, 'D/sub/deeper/two', '2');
      await repo.delete('D/gone.txt');
      await repo.delete('D/sub');
      await repo.delete('D/never-existed');
      expect(await repo.list('D')).toEqual([{ path: 'keep.txt', is_dir: false, file_size: 1 }]);
    });

    it('refuses to write below a file on a folder (400); S3 keys are flat and hold both', async () => {
      await put(repo, 'F/file', 'x');
      if (flatKeys) {
        await put(repo, 'F/file/child', 'y');
        expect(await text(repo, 'F/file/child')).toBe('y');
      } else {
        const error = (await caught(put(repo, 'F/file/child', 'y'))) as MlflowError;
        expect(error).toBeInstanceOf(MlflowError);
        expect(error.httpStatus).toBe(400);
      }
      expect(await text(repo, 'F/file')).toBe('x');
    });
  });
}

describe('local destination', () => {
  let root: string;
  let outside: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'mlship-artifacts-'));
    outside = await mkdtemp(join(tmpdir(), 'mlship-outside-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  describeRepository(
    'a local folder',
    async () => new ArtifactRepository(new LocalStore(join(root, 'dest'))),
    false,
  );

  it('does not follow a symlink out of the destination (realpath containment)', async () => {
    const dest = join(root, 'symlinked');
    await mkdir(dest, { recursive: true });
    await writeFile(join(outside, 'secret.txt'), 'top secret');
    await symlink(outside, join(dest, 'escape'));
    await symlink(join(outside, 'secret.txt'), join(dest, 'secret-link'));
    const repo = new ArtifactRepository(new LocalStore(dest));
    for (const key of ['escape/secret.txt', 'secret-link']) {
      const error = (await caught(repo.open(key))) as MlflowError;
      expect(error).toBeInstanceOf(MlflowError);
      expect(error.httpStatus).toBe(400);
    }
    const write = (await caught(put(repo, 'escape/planted.txt', 'x'))) as MlflowError;
    expect(write.httpStatus).toBe(400);
    expect(await readdir(outside)).toEqual(['secret.txt']);
  });
});

describe('S3 destination', () => {
  let s3: S3rver;
  const bucket = `mlship-art-${randomBytes(4).toString('hex')}`;
  const stores: S3Store[] = [];
  beforeAll(async () => {
    s3 = await startS3rver([bucket]);
  });
  afterAll(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await s3?.stop();
  });

  describeRepository(
    'S3 (s3rver)',
    async () => {
      const store = new S3Store(
        bucket,
        'mlartifacts',
        { endpointurl: s3.endpoint, ...S3RVER_CREDENTIALS },
        {},
      );
      stores.push(store);
      return new ArtifactRepository(store);
    },
    true,
  );
});
