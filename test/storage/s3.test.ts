/**
 * S3Store over the real S3 protocol, against s3rver (an S3 implementation in Node) started here in
 * a child process on 127.0.0.1 with a random port and a temp folder. s3rver checks SigV4
 * signatures against its one built-in account (S3RVER / S3RVER), so wrong credentials are tested
 * for real.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidParameterError, NotFoundError } from '../../src/core/errors.js';
import { StorageError } from '../../src/storage/errors.js';
import { openStore } from '../../src/storage/index.js';
import { resolveS3Settings, S3Store, type S3StoreOptions } from '../../src/storage/s3.js';
import { describeBlobStore, MiB, readAll } from './conformance.js';

const KEY_ID = 'S3RVER';
const SECRET = 'S3RVER';
const bucket = `mlship-test-${randomBytes(4).toString('hex')}`;
const bareBucket = `mlship-test-${randomBytes(4).toString('hex')}`;
let child: ChildProcess;
let dir: string;
let endpoint: string;
const stores: S3Store[] = [];

function options(extra: S3StoreOptions = {}): S3StoreOptions {
  return {
    endpointurl: endpoint,
    access_key_id: KEY_ID,
    secret_access_key: SECRET,
    // S3's minimum part size, so the 64 MiB round trip takes 13 parts.
    partSizeBytes: 5 * MiB,
    ...extra,
  };
}

function open(bucketName: string, prefix: string, extra: S3StoreOptions = {}): S3Store {
  // An empty env: no AWS_* variable of the machine running the tests can leak in.
  const store = new S3Store(bucketName, prefix, options(extra), {});
  stores.push(store);
  return store;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mlship-s3rver-'));
  const script = fileURLToPath(new URL('./s3rver-child.mjs', import.meta.url));
  child = spawn(process.execPath, ['--openssl-legacy-provider', script, dir, `${bucket},${bareBucket}`], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`s3rver exited early with code ${code}`))),
  );
  const firstLine = new Promise<string>((resolve) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
  });
  const { port } = JSON.parse(await Promise.race([firstLine, exited])) as { port: number };
  endpoint = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  if (child && child.exitCode === null) {
    const gone = new Promise((r) => child.once('exit', r));
    child.stdin?.end(); // the child exits when its stdin closes
    await gone;
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The requests s3rver served since the last call, as "METHOD /path query-keys". */
async function servedRequests(): Promise<string[]> {
  return (await (await fetch(`${endpoint}/__requests`)).json()) as string[];
}

let fixtureCount = 0;
describeBlobStore(
  'S3Store (s3rver)',
  async () => {
    // A fresh prefix per test: each starts empty, and the store prefix is exercised throughout.
    const store = open(bucket, `run/t${++fixtureCount}`);
    return { store, seed: store };
  },
  {
    manyKeys: 1105,
    // Larger than the other suites' blob, so that the upload's own working set stays clearly below
    // the blob size: about 50-55 MiB live here, from 4 parts of 5 MiB in flight, each held about twice
    // while lib-storage cuts parts and the request is sent. Bounded by the queue, not the blob.
    largeBytes: 96 * MiB,
    largeMemoryLimit: 72 * MiB,
    report: (line) => console.log(line),
  },
);

/** A port on 127.0.0.1 with nothing listening. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a failure');
}

describe('S3Store specifics', () => {
  it('puts objects under the store prefix, where DVC looks for them', async () => {
    const store = open(bucket, 'layout/dvcstore');
    await store.put('files/md5/d1/c47305887e2252bf1ccbd74ff159a6', Buffer.from('x'));
    const whole = open(bucket, '');
    const keys: string[] = [];
    for await (const info of whole.list('layout/')) keys.push(info.key);
    expect(keys).toEqual(['layout/dvcstore/files/md5/d1/c47305887e2252bf1ccbd74ff159a6']);
    expect(store.url).toBe(`s3://${bucket}/layout/dvcstore`);
  });

  it("reports the ETag (a single PUT's is the md5 of the bytes) from stat and list, unquoted", async () => {
    const store = open(bucket, 'etag');
    await store.put('blob', Buffer.from('hello'));
    const md5 = '5d41402abc4b2a76b9719d911017c592'; // md5("hello")
    expect(await store.stat('blob')).toMatchObject({ key: 'blob', size: 5, etag: md5 });
    const listed = [];
    for await (const info of store.list('')) listed.push(info);
    expect(listed).toEqual([expect.objectContaining({ key: 'blob', size: 5, etag: md5 })]);
  });

  it('treats the store prefix as a folder: s3://b/p never sees "pq/…"', async () => {
    await open(bucket, 'iso/pq').put('x', Buffer.from('1'));
    await open(bucket, 'iso/p').put('y', Buffer.from('2'));
    const keys: string[] = [];
    for await (const info of open(bucket, 'iso/p').list('')) keys.push(info.key);
    expect(keys).toEqual(['y']);
  });

  it('uses multipart for large bodies and a single PUT for small ones', async () => {
    const store = open(bareBucket, '');
    await servedRequests();
    await store.put('small', Buffer.alloc(1000));
    // One plain PUT (the SDK tags it with an x-id query parameter), no upload id, no parts.
    expect(await servedRequests()).toEqual([`PUT /${bareBucket}/small x-id`]);
    await store.put('big', Readable.from([Buffer.alloc(11 * MiB, 1)], { objectMode: false }));
    const big = await servedRequests();
    // Create, three 5 MiB parts (5 + 5 + 1), complete.
    expect(big.filter((r) => r === `POST /${bareBucket}/big uploads`)).toHaveLength(1);
    expect(big.filter((r) => r === `PUT /${bareBucket}/big partNumber&uploadId&x-id`)).toHaveLength(3);
    expect(big.filter((r) => r === `POST /${bareBucket}/big uploadId`)).toHaveLength(1);
    expect((await store.stat('big'))?.size).toBe(11 * MiB);
  });

  it('opens through openStore from an s3:// URL with DVC option names', async () => {
    const store = openStore(`s3://${bucket}/via-url`, {
      endpointurl: endpoint,
      access_key_id: KEY_ID,
      secret_access_key: SECRET,
      region: 'us-east-1',
      jobs: '4',
    });
    stores.push(store as S3Store);
    await store.put('k', Buffer.from('v'));
    expect((await readAll(await store.get('k'))).toString()).toBe('v');
    expect(() => openStore(`s3://${bucket}/x`, { sse: 'AES256' })).toThrow(InvalidParameterError);
    expect(() => openStore(`s3://${bucket}/x`, { sse: 'AES256' })).toThrow(
      /remote option sse is not supported/,
    );
    expect(() => openStore(`s3://${bucket}/x`, { allow_anonymous_login: 'true' })).toThrow(/only false/);
  });

  it('reports a missing bucket as NotFoundError naming bucket and endpoint, for every operation', async () => {
    const store = open('mlship-test-no-such-bucket', 'p');
    const ops: Array<[string, () => Promise<unknown>]> = [
      ['get', () => store.get('k')],
      ['stat', () => store.stat('k')],
      ['exists', () => store.exists('k')],
      ['put', () => store.put('k', Buffer.from('x'))],
      [
        'list',
        async () => {
          for await (const _ of store.list('')) break;
        },
      ],
      ['delete', () => store.delete('k')],
    ];
    for (const [op, run] of ops) {
      const e = await failure(run());
      expect(e, op).toBeInstanceOf(NotFoundError);
      expect(e.message, op).toBe(
        `S3 bucket "mlship-test-no-such-bucket" does not exist at S3 endpoint ${endpoint}`,
      );
    }
  });

  it('reports an unknown access key as access denied, without ever printing the secret', async () => {
    // s3rver checks the access key id but does not verify SigV4 signatures, so a wrong secret with
    // a known key id goes unnoticed there; the next test covers SignatureDoesNotMatch.
    const secret = 'very-secret-value-123';
    const store = open(bucket, 'creds', { access_key_id: 'NOT-A-KEY', secret_access_key: secret });
    for (const run of [() => store.get('k'), () => store.put('k', Buffer.from('x')), () => store.stat('k')]) {
      const e = await failure(run());
      expect(e).toBeInstanceOf(StorageError);
      expect(e.message).toMatch(
        /^access to s3:\/\/mlship-test-[0-9a-f]+\/creds\/k denied by S3 endpoint http:\/\/127\.0\.0\.1:\d+ \((InvalidAccessKeyId|HTTP 403)\): check the credentials \(credentials from: options\)$/,
      );
      expect(e.message).not.toContain(secret);
    }
  });

  it('reports SignatureDoesNotMatch (a wrong secret) as access denied', async () => {
    // A stand-in that answers every request as S3 does for a bad signature.
    const http = await import('node:http');
    const fake = http.createServer((req, res) => {
      req.resume();
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end(
        req.method === 'HEAD'
          ? undefined
          : '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message></Error>',
      );
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (fake.address() as AddressInfo).port;
      const secret = 'wrong-secret-456';
      const store = open(bucket, 'p', {
        endpointurl: `http://127.0.0.1:${port}`,
        access_key_id: KEY_ID,
        secret_access_key: secret,
      });
      const e = await failure(store.get('k'));
      expect(e.message).toBe(
        `access to s3://${bucket}/p/k denied by S3 endpoint http://127.0.0.1:${port} (SignatureDoesNotMatch): check the credentials (credentials from: options)`,
      );
      const head = await failure(store.stat('k'));
      expect(head.message).toMatch(/\(HTTP 403\): check the credentials/);
      expect(`${e.message}${head.message}`).not.toContain(secret);
    } finally {
      await new Promise((r) => fake.close(r));
    }
  });

  it('says so in one line when no credentials can be found anywhere', async () => {
    // Every source of the SDK's default chain is switched off, including the EC2/ECS metadata
    // services (which would otherwise be asked over the network).
    const saved = { ...process.env };
    for (const name of Object.keys(process.env)) {
      if (name.startsWith('AWS_')) delete process.env[name];
    }
    Object.assign(process.env, {
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
      AWS_CONFIG_FILE: join(dir, 'no-config'),
    });
    try {
      const store = new S3Store(bucket, 'p', { endpointurl: endpoint }, {});
      stores.push(store);
      expect(store.settings.credentialSource).toBe('default chain');
      const e = await failure(store.get('k'));
      expect(e).toBeInstanceOf(StorageError);
      expect(e.message).toBe(
        `no AWS credentials found for s3://${bucket}/p: set access_key_id and secret_access_key on the remote (in .dvc/config.local), AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile`,
      );
    } finally {
      for (const name of Object.keys(process.env)) {
        if (!(name in saved)) delete process.env[name];
      }
      Object.assign(process.env, saved);
    }
  });

  it('fails a download that stalls midway with one line instead of hanging', async () => {
    const http = await import('node:http');
    const held: import('node:http').ServerResponse[] = [];
    const fake = http.createServer((req, res) => {
      req.resume();
      // Headers of a 1000-byte object, ten bytes, then silence.
      res.writeHead(200, { 'content-length': 1000, 'content-type': 'application/octet-stream' });
      res.write(Buffer.alloc(10));
      held.push(res);
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (fake.address() as AddressInfo).port;
      const store = open(bucket, 'p', { endpointurl: `http://127.0.0.1:${port}`, read_timeout: '0.5' });
      const body = await store.get('k');
      const start = Date.now();
      const e = await failure(readAll(body));
      expect(e).toBeInstanceOf(StorageError);
      expect(e.message).toBe(
        `cannot reach S3 endpoint http://127.0.0.1:${port} to read s3://${bucket}/p/k: timed out`,
      );
      expect(Date.now() - start).toBeLessThan(5_000);
    } finally {
      for (const res of held) res.destroy();
      fake.closeAllConnections();
      await new Promise((r) => fake.close(r));
    }
  });

  it('fails within seconds, in one line, when nothing listens at the endpoint', async () => {
    const port = await closedPort();
    const store = open(bucket, 'p', { endpointurl: `http://127.0.0.1:${port}` });
    const start = Date.now();
    for (const run of [() => store.get('k'), () => store.stat('k'), () => store.put('k', Buffer.from('x'))]) {
      const e = await failure(run());
      expect(e).toBeInstanceOf(StorageError);
      expect(e.message).toMatch(
        new RegExp(
          `^cannot reach S3 endpoint http://127\\.0\\.0\\.1:${port} to (get|stat|put) s3://${bucket}/p/k: connection refused \\(ECONNREFUSED\\)$`,
        ),
      );
    }
    expect(Date.now() - start).toBeLessThan(10_000);
  });

  it('times out a server that accepts connections but never answers', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (silent.address() as AddressInfo).port;
      const store = open(bucket, 'p', {
        endpointurl: `http://127.0.0.1:${port}`,
        read_timeout: '0.5',
        maxAttempts: 2,
      });
      const start = Date.now();
      const e = await failure(store.stat('k'));
      expect(e).toBeInstanceOf(StorageError);
      expect(e.message).toMatch(/^cannot reach S3 endpoint http:\/\/127\.0\.0\.1:\d+ to stat .*: timed out$/);
      expect(Date.now() - start).toBeLessThan(8_000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});

describe('resolveS3Settings', () => {
  it('takes the endpoint from endpointurl, then MLFLOW_S3_ENDPOINT_URL, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL', () => {
    const env = {
      MLFLOW_S3_ENDPOINT_URL: 'http://mlflow:9000',
      AWS_ENDPOINT_URL_S3: 'http://s3-specific:9000',
      AWS_ENDPOINT_URL: 'http://generic:9000',
    };
    expect(resolveS3Settings({ endpointurl: 'http://opt:9000' }, env)).toMatchObject({
      endpoint: 'http://opt:9000',
      endpointSource: 'endpointurl',
    });
    expect(resolveS3Settings({}, env)).toMatchObject({ endpointSource: 'MLFLOW_S3_ENDPOINT_URL' });
    expect(resolveS3Settings({}, { ...env, MLFLOW_S3_ENDPOINT_URL: '' })).toMatchObject({
      endpointSource: 'AWS_ENDPOINT_URL_S3',
    });
    expect(resolveS3Settings({}, { AWS_ENDPOINT_URL: 'http://generic:9000' })).toMatchObject({
      endpoint: 'http://generic:9000',
    });
    expect(resolveS3Settings({}, {})).toMatchObject({ endpoint: undefined, endpointSource: 'aws' });
  });

  it('refuses an endpoint that is not an http(s) URL, without echoing credentials in it', () => {
    expect(() => resolveS3Settings({ endpointurl: 'minio:9000' }, {})).toThrow(
      /must be an http:\/\/ or https:\/\/ URL/,
    );
    expect(() => resolveS3Settings({ endpointurl: 'ftp://user:pw@host' }, {})).toThrow(/"ftp:\/\/host\/?"/);
  });

  it('takes the region from region, then AWS_REGION, AWS_DEFAULT_REGION, else us-east-1', () => {
    const env = { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-central-1' };
    expect(resolveS3Settings({ region: 'ap-south-1' }, env).region).toBe('ap-south-1');
    expect(resolveS3Settings({}, env).region).toBe('eu-west-1');
    expect(resolveS3Settings({}, { AWS_DEFAULT_REGION: 'eu-central-1' }).region).toBe('eu-central-1');
    expect(resolveS3Settings({}, {})).toMatchObject({ region: 'us-east-1', regionSource: 'default' });
  });

  it('takes credentials from options, then a profile, then AWS_* keys, then the SDK chain', () => {
    const env = {
      AWS_ACCESS_KEY_ID: 'ENVKEY',
      AWS_SECRET_ACCESS_KEY: 'envsecret',
      AWS_SESSION_TOKEN: 'envtoken',
    };
    const fromOptions = resolveS3Settings(
      { access_key_id: 'K', secret_access_key: 'S', session_token: 'T' },
      env,
    );
    expect(fromOptions).toMatchObject({
      credentialSource: 'options',
      credentials: { accessKeyId: 'K', secretAccessKey: 'S', sessionToken: 'T' },
    });
    // An explicit profile beats keys in the environment (botocore's rule, so DVC agrees).
    expect(resolveS3Settings({ profile: 'team' }, env)).toMatchObject({
      credentialSource: 'profile',
      profile: 'team',
      credentials: undefined,
    });
    expect(resolveS3Settings({}, env)).toMatchObject({
      credentialSource: 'environment',
      credentials: { accessKeyId: 'ENVKEY', secretAccessKey: 'envsecret', sessionToken: 'envtoken' },
    });
    // AWS_PROFILE set alongside keys: the SDK chain resolves it, preferring the profile.
    expect(resolveS3Settings({}, { ...env, AWS_PROFILE: 'p' })).toMatchObject({
      credentialSource: 'default chain',
      credentials: undefined,
    });
    expect(resolveS3Settings({}, {}).credentialSource).toBe('default chain');
  });

  it('refuses half a key pair and malformed timeouts', () => {
    expect(() => resolveS3Settings({ access_key_id: 'K' }, {})).toThrow(
      /access_key_id and secret_access_key must be set together \(only access_key_id is set\)/,
    );
    expect(() => resolveS3Settings({ connect_timeout: 'soon' }, {})).toThrow(
      /connect_timeout must be a positive number/,
    );
    expect(resolveS3Settings({ connect_timeout: '2.5', read_timeout: 10 }, {})).toMatchObject({
      connectTimeoutMs: 2500,
      readTimeoutMs: 10_000,
    });
  });

  it('keeps secrets out of the settings a store exposes', () => {
    const store = new S3Store('b', 'p', { access_key_id: 'K', secret_access_key: 'hidden-secret' }, {});
    stores.push(store);
    expect(JSON.stringify(store.settings)).not.toContain('hidden-secret');
    expect(store.settings.credentialSource).toBe('options');
  });
});
