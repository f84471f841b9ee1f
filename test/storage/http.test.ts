/**
 * HttpStore against a real HTTP server started here on 127.0.0.1 (node:http serving a temp
 * folder), with routes that misbehave on purpose: redirects, auth, no HEAD, no Content-Length,
 * server errors, and servers that stall before or during a response.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidParameterError, NotFoundError } from '../../src/core/errors.js';
import { StorageError } from '../../src/storage/errors.js';
import { HttpStore } from '../../src/storage/http.js';
import { LocalStore } from '../../src/storage/local.js';
import { describeBlobStore, readAll } from './conformance.js';

let served: string;
let server: Server;
let base: string;
/** raw request targets, as the server received them */
const seen: string[] = [];
const hung: ServerResponse[] = [];

/** Serve a file of the temp folder; `segments` are still percent-encoded. */
async function serveFile(
  req: IncomingMessage,
  res: ServerResponse,
  segments: string[],
  opts: { length: boolean },
) {
  const names = segments.map((s) => decodeURIComponent(s));
  if (names.some((n) => n === '' || n === '.' || n === '..' || n.includes('/'))) {
    res.writeHead(400).end();
    return;
  }
  const path = join(served, ...names);
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) {
    res.writeHead(404).end('not found');
    return;
  }
  const headers: Record<string, string | number> = {
    'last-modified': info.mtime.toUTCString(),
    etag: `W/"${info.size}-${Math.floor(info.mtimeMs)}"`,
  };
  const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
  if (range && info.size > 0) {
    const start = Number(range[1]);
    const end = Math.min(Number(range[2]), info.size - 1);
    res.writeHead(206, {
      ...headers,
      'content-range': `bytes ${start}-${end}/${info.size}`,
      'content-length': end - start + 1,
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(path, { start, end }).pipe(res);
    return;
  }
  if (opts.length) headers['content-length'] = info.size;
  res.writeHead(200, headers);
  if (req.method === 'HEAD') res.end();
  else createReadStream(path).pipe(res);
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  seen.push(req.url ?? '');
  const [route, ...rest] = (req.url ?? '/').split('?')[0].slice(1).split('/');
  switch (route) {
    case 'files':
      return serveFile(req, res, rest, { length: true });
    case 'redirect':
      res.writeHead(302, { location: `/files/${rest.join('/')}` }).end();
      return;
    case 'basic':
      if (req.headers.authorization !== `Basic ${Buffer.from('alice:s3cr3t').toString('base64')}`) {
        res.writeHead(401, { 'www-authenticate': 'Basic' }).end();
        return;
      }
      return serveFile(req, res, rest, { length: true });
    case 'custom':
      if (req.headers['x-api-token'] !== 'tok-123') {
        res.writeHead(403).end();
        return;
      }
      return serveFile(req, res, rest, { length: true });
    case 'nohead':
      if (req.method === 'HEAD') {
        res.writeHead(405).end();
        return;
      }
      return serveFile(req, res, rest, { length: true });
    case 'nolength':
      return serveFile(req, res, rest, { length: false });
    case 'broken':
      res.writeHead(500).end('boom');
      return;
    case 'hang':
      hung.push(res); // never answers
      return;
    case 'stall':
      // Headers and a first chunk, then silence.
      res.writeHead(200, { 'content-length': 1000 });
      res.write(Buffer.alloc(10));
      hung.push(res);
      return;
    default:
      res.writeHead(404).end();
  }
}

beforeAll(async () => {
  served = await mkdtemp(join(tmpdir(), 'mlship-http-store-'));
  server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const res of hung) res.destroy();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await rm(served, { recursive: true, force: true });
});

let fixtureCount = 0;
describeBlobStore(
  'HttpStore',
  async () => {
    const sub = `t${++fixtureCount}`;
    return { store: new HttpStore(`${base}/files/${sub}`), seed: new LocalStore(join(served, sub)) };
  },
  { readOnly: true, report: (line) => console.log(line) },
);

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a failure');
}

describe('HttpStore specifics', () => {
  const seed = () => new LocalStore(join(served, 'x'));

  it('percent-encodes each key segment, so "%2e%2e" and "?" reach the server literally', async () => {
    const store = new HttpStore(`${base}/files/x/`);
    expect(store.url).toBe(`${base}/files/x`);
    expect(store.urlOf('%2e%2e/a b/q?#')).toBe(`${base}/files/x/%252e%252e/a%20b/q%3F%23`);
    await seed().put('%2e%2e/a b/q?#', Buffer.from('literal'));
    seen.length = 0;
    expect((await readAll(await store.get('%2e%2e/a b/q?#'))).toString()).toBe('literal');
    expect(seen).toEqual(['/files/x/%252e%252e/a%20b/q%3F%23']);
  });

  it('reports size, mtime and the ETag (unquoted) from HEAD', async () => {
    await seed().put('meta/blob', Buffer.from('12345'));
    const info = await new HttpStore(`${base}/files/x`).stat('meta/blob');
    expect(info).toMatchObject({ key: 'meta/blob', size: 5, etag: expect.stringMatching(/^W\/5-\d+$/) });
    expect(Math.abs((info?.mtimeMs ?? 0) - Date.now())).toBeLessThan(60_000);
  });

  it('follows redirects', async () => {
    await seed().put('r/blob', Buffer.from('moved'));
    const store = new HttpStore(`${base}/redirect/x`);
    expect((await readAll(await store.get('r/blob'))).toString()).toBe('moved');
    expect(await store.stat('r/blob')).toMatchObject({ size: 5 });
  });

  it('sends basic auth from options or from the URL, and never shows the password', async () => {
    await seed().put('secret/blob', Buffer.from('classified'));
    const viaOptions = new HttpStore(`${base}/basic/x`, { auth: 'basic', user: 'alice', password: 's3cr3t' });
    expect((await readAll(await viaOptions.get('secret/blob'))).toString()).toBe('classified');
    const viaUrl = new HttpStore(`http://alice:s3cr3t@127.0.0.1:${new URL(base).port}/basic/x`);
    expect(viaUrl.url).toBe(`${base}/basic/x`);
    expect((await readAll(await viaUrl.get('secret/blob'))).toString()).toBe('classified');

    const wrong = new HttpStore(`http://alice:nope-pw@127.0.0.1:${new URL(base).port}/basic/x`);
    const e = await failure(wrong.get('secret/blob'));
    expect(e).toBeInstanceOf(StorageError);
    expect(e.message).toBe(
      `GET ${base}/basic/x/secret/blob refused (HTTP 401 Unauthorized): check the remote's auth, user and password`,
    );
    expect(e.message).not.toContain('nope-pw');
    await expect(wrong.stat('secret/blob')).rejects.toThrow(/HEAD .* refused \(HTTP 401/);
  });

  it('sends a custom auth header (auth = custom)', async () => {
    await seed().put('c/blob', Buffer.from('ok'));
    const store = new HttpStore(`${base}/custom/x`, {
      auth: 'custom',
      custom_auth_header: 'X-API-Token',
      password: 'tok-123',
    });
    expect((await readAll(await store.get('c/blob'))).toString()).toBe('ok');
    expect(() => new HttpStore(base, { auth: 'custom', password: 'p' })).toThrow(/needs custom_auth_header/);
    expect(() => new HttpStore(base, { auth: 'digest', user: 'u' })).toThrow(
      /auth = digest is not supported/,
    );
  });

  it('finds the size without HEAD or without Content-Length, through a one-byte range request', async () => {
    await seed().put('sz/blob', Buffer.alloc(4321, 1));
    expect(await new HttpStore(`${base}/nohead/x`).stat('sz/blob')).toMatchObject({ size: 4321 });
    expect(await new HttpStore(`${base}/nolength/x`).stat('sz/blob')).toMatchObject({ size: 4321 });
    expect(await new HttpStore(`${base}/nohead/x`).stat('sz/missing')).toBeNull();
  });

  it('turns a non-2xx answer into one line with the status and URL', async () => {
    const store = new HttpStore(`${base}/broken`);
    const e = await failure(store.get('any/key'));
    expect(e).toBeInstanceOf(StorageError);
    expect(e.message).toBe(`GET ${base}/broken/any/key failed: HTTP 500 Internal Server Error`);
    await expect(store.stat('any/key')).rejects.toThrow(`HEAD ${base}/broken/any/key failed: HTTP 500`);
    const missing = await failure(new HttpStore(`${base}/files/x`).get('nope'));
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing.message).toBe(`${base}/files/x/nope not found (HTTP 404 Not Found)`);
  });

  it('fails fast and clearly when nothing listens', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const store = new HttpStore(`http://127.0.0.1:${port}/remote`);
    const start = Date.now();
    const e = await failure(store.get('k'));
    expect(e.message).toBe(`cannot GET http://127.0.0.1:${port}/remote/k: connection refused (ECONNREFUSED)`);
    await expect(store.exists('k')).rejects.toThrow(/cannot HEAD .*connection refused/);
    expect(Date.now() - start).toBeLessThan(5_000);
  });

  it('times out a server that never answers, and one that stalls mid-body', async () => {
    const hang = new HttpStore(`${base}/hang`, { connect_timeout: '0.2', read_timeout: '0.3' });
    const start = Date.now();
    const e = await failure(hang.get('k'));
    expect(e.message).toBe(`cannot GET ${base}/hang/k: timed out`);
    expect(Date.now() - start).toBeLessThan(3_000);

    const stall = new HttpStore(`${base}/stall`, { read_timeout: '0.3' });
    const body = await stall.get('k'); // headers arrive; the body then stops
    const mid = await failure(readAll(body));
    expect(mid).toBeInstanceOf(StorageError);
    expect(mid.message).toBe(`cannot GET ${base}/stall/k: timed out`);
  });

  it('does not count a slow consumer against the read timeout', async () => {
    await seed().put('slow/blob', Buffer.alloc(4 * 1024 * 1024, 5));
    const store = new HttpStore(`${base}/files/x`, { read_timeout: '0.2' });
    const body = await store.get('slow/blob');
    let total = 0;
    for await (const chunk of body) {
      total += chunk.length;
      // Stop reading for longer than the timeout once, with the pipe's buffers full.
      if (total === chunk.length) await new Promise((r) => setTimeout(r, 600));
    }
    expect(total).toBe(4 * 1024 * 1024);
  });

  it('refuses URLs that are not http(s)', () => {
    expect(() => new HttpStore('ftp://host/x')).toThrow(InvalidParameterError);
    expect(() => new HttpStore('not a url')).toThrow(/invalid HTTP store URL/);
  });
});
