/**
 * The behaviour every BlobStore promises (src/storage/types.ts), as one suite that each backend's
 * test file runs against its own fixture: local folder, S3 over the real protocol (s3rver), and
 * the read subset for HTTP.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { InvalidInputError, InvalidParameterError, NotFoundError } from '../../src/core/errors.js';
import type { BlobInfo, BlobStore } from '../../src/storage/types.js';

/** Hostile or malformed keys, with the rule each must be refused under. */
export const HOSTILE_KEYS: Array<[string, RegExp]> = [
  ['', /non-empty/],
  ['..', /'\.\.' segments/],
  ['../etc/passwd', /'\.\.' segments/],
  ['a/../b', /'\.\.' segments/],
  ['a/..', /'\.\.' segments/],
  ['.', /'\.' segments/],
  ['a/./b', /'\.' segments/],
  ['/abs', /no leading '\/'/],
  ['/etc/passwd', /no leading '\/'/],
  ['a\\b', /backslashes/],
  ['..\\..\\windows', /backslashes/],
  ['a\0b', /NUL/],
  ['a//b', /empty path segments/],
  ['a/', /empty path segments/],
  ['//host/share', /no leading '\/'/],
];

export interface StoreFixture {
  /** the store under test */
  store: BlobStore;
  /** a writable store over the same blobs: `store` itself unless it is read-only */
  seed: BlobStore;
}

export interface ConformanceOptions {
  /** bytes of the large streamed round trip; default 64 MiB */
  largeBytes?: number;
  /** ceiling on live external memory growth while the large blob moves; default largeBytes / 2 */
  largeMemoryLimit?: number;
  /** keys for the listing test; more than 1000 exercises S3 paging */
  manyKeys?: number;
  /** where measured numbers go (for the report); default nowhere */
  report?: (line: string) => void;
  /** the store refuses writes and listing (HTTP): those tests check the refusal instead */
  readOnly?: boolean;
}

export const MiB = 1024 * 1024;

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

async function readText(store: BlobStore, key: string): Promise<string> {
  return (await readAll(await store.get(key))).toString('utf8');
}

async function keysOf(store: BlobStore, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const info of store.list(prefix)) out.push(info.key);
  return out.sort();
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection, got success');
}

/** Chunk i of a deterministic pattern: its index in the first 4 bytes, then a byte that varies with i. */
function patternChunk(i: number, size: number): Buffer {
  const chunk = Buffer.alloc(size, (i * 37 + 11) & 0xff);
  chunk.writeUInt32BE(i, 0);
  return chunk;
}

/** md5 of the pattern stream, computed the same way without a store in between. */
function patternMd5(total: number, chunkSize: number): string {
  const h = createHash('md5');
  for (let i = 0, done = 0; done < total; i++, done += chunkSize) {
    h.update(patternChunk(i, Math.min(chunkSize, total - done)));
  }
  return h.digest('hex');
}

/**
 * A garbage collector we can call, so memory is measured as what is live rather than what V8 has
 * not got round to collecting (external Buffers are collected lazily, up to tens of MiB late).
 */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** Peak growth of live external memory (where Buffers live) and RSS while `work` runs. */
export async function measurePeak<T>(
  work: (sample: () => void) => Promise<T>,
): Promise<{ result: T; peakExternal: number; peakRss: number }> {
  const gc = collector();
  gc();
  const base = process.memoryUsage();
  let peakExternal = 0;
  let peakRss = 0;
  const sample = () => {
    let m = process.memoryUsage();
    // A reading above the peak so far may be garbage V8 has yet to free: collect, then read again,
    // so the peak is live memory. (Collecting at every sample would make the test crawl.)
    if (m.arrayBuffers - base.arrayBuffers > peakExternal) {
      gc();
      m = process.memoryUsage();
    }
    peakExternal = Math.max(peakExternal, m.arrayBuffers - base.arrayBuffers);
    peakRss = Math.max(peakRss, m.rss - base.rss);
  };
  const timer = setInterval(sample, 20);
  try {
    const result = await work(sample);
    return { result, peakExternal, peakRss };
  } finally {
    clearInterval(timer);
  }
}

/** The whole suite, against fresh fixtures from `open` (each test gets its own, empty). */
export function describeBlobStore(
  name: string,
  open: () => Promise<StoreFixture>,
  options: ConformanceOptions = {},
): void {
  const largeBytes = options.largeBytes ?? 64 * MiB;
  const report = options.report ?? (() => {});

  describe(`${name}: BlobStore conformance`, () => {
    it('round-trips small blobs from bytes and from streams, including an empty one', async () => {
      const { store, seed } = await open();
      await seed.put('a.txt', new TextEncoder().encode('hello'));
      await seed.put('dir/sub/b.bin', Readable.from([Buffer.from('wor'), Buffer.from('ld')]));
      await seed.put('empty', new Uint8Array(0));
      expect(await readText(store, 'a.txt')).toBe('hello');
      expect(await readText(store, 'dir/sub/b.bin')).toBe('world');
      expect((await readAll(await store.get('empty'))).length).toBe(0);
      expect(await store.stat('empty')).toMatchObject({ key: 'empty', size: 0 });
    });

    it('round-trips keys with spaces, non-ASCII, "%", "+", "#", "?" literally', async () => {
      const { store, seed } = await open();
      const keys = ['sp ace/ü.txt', '%2e%2e/x', 'a+b/c%20d', 'hash#/q?x=1', 'quote\'and"dq'];
      for (const [i, key] of keys.entries()) await seed.put(key, Buffer.from(`v${i}`));
      for (const [i, key] of keys.entries()) {
        expect(await readText(store, key)).toBe(`v${i}`);
        expect(await store.stat(key)).toMatchObject({ key, size: 2 });
      }
      // "%2e%2e" stayed a literal name: nothing was written one level up.
      expect(await store.exists('x')).toBe(false);
    });

    it('stat and exists report size and mtime, or null/false when absent', async () => {
      const { store, seed } = await open();
      const before = Date.now();
      await seed.put('k/v', Buffer.alloc(1234, 7));
      const info = (await store.stat('k/v')) as BlobInfo;
      expect(info).toMatchObject({ key: 'k/v', size: 1234 });
      if (info.mtimeMs !== undefined) {
        // Within a minute of the put (HTTP dates and S3 have one-second resolution).
        expect(Math.abs(info.mtimeMs - before)).toBeLessThan(60_000);
      }
      expect(await store.exists('k/v')).toBe(true);
      expect(await store.stat('k/missing')).toBeNull();
      expect(await store.exists('k/missing')).toBe(false);
      expect(await store.stat('nothing/here/at/all')).toBeNull();
      // A folder-like prefix of a blob is not itself a blob.
      expect(await store.stat('k')).toBeNull();
    });

    it('get of a missing key fails with NotFoundError naming the key', async () => {
      const { store } = await open();
      const e = await rejection(store.get('files/md5/00/missing'));
      expect(e).toBeInstanceOf(NotFoundError);
      expect(e.message).toMatch(/files\/md5\/00\/missing/);
      expect(e.message).not.toContain('\n');
    });

    it.each(HOSTILE_KEYS)('refuses the hostile key %j in every operation', async (key, rule) => {
      const { store } = await open();
      const ops: Array<[string, () => Promise<unknown>]> = [
        ['get', () => store.get(key)],
        ['stat', () => store.stat(key)],
        ['exists', () => store.exists(key)],
      ];
      if (!store.readOnly) {
        ops.push(['put', () => store.put(key, Buffer.from('x'))], ['delete', () => store.delete(key)]);
      }
      for (const [op, run] of ops) {
        const e = await rejection(run());
        expect(e, op).toBeInstanceOf(InvalidInputError);
        expect(e.message, op).toMatch(rule);
      }
    });

    it('handles a large blob as a stream both ways, without holding it in memory', async () => {
      const { store, seed } = await open();
      const chunkSize = MiB;
      let pulled = 0;
      const { peakExternal: putPeak, peakRss: putRss } = await measurePeak(async (sample) => {
        async function* body() {
          for (let i = 0, done = 0; done < largeBytes; i++, done += chunkSize) {
            const chunk = patternChunk(i, Math.min(chunkSize, largeBytes - done));
            pulled += chunk.length;
            sample();
            yield chunk;
          }
        }
        await seed.put('large/blob', Readable.from(body(), { objectMode: false }), { size: largeBytes });
      });
      expect(pulled).toBe(largeBytes);
      expect((await store.stat('large/blob'))?.size).toBe(largeBytes);

      const { result, peakExternal: getPeak } = await measurePeak(async (sample) => {
        const h = createHash('md5');
        let size = 0;
        let biggest = 0;
        for await (const chunk of await store.get('large/blob')) {
          size += chunk.length;
          biggest = Math.max(biggest, chunk.length);
          h.update(chunk);
          sample();
        }
        return { size, biggest, md5: h.digest('hex') };
      });
      expect(result.size).toBe(largeBytes);
      expect(result.md5).toBe(patternMd5(largeBytes, chunkSize));
      // Delivered in pieces, never as one buffer of the whole blob.
      expect(result.biggest).toBeLessThanOrEqual(8 * MiB);
      const limit = options.largeMemoryLimit ?? largeBytes / 2;
      report(
        `${name}: ${largeBytes / MiB} MiB blob: peak live external memory put +${(putPeak / MiB).toFixed(1)} MiB ` +
          `(rss +${(putRss / MiB).toFixed(1)} MiB), get +${(getPeak / MiB).toFixed(1)} MiB; largest get chunk ${(result.biggest / 1024).toFixed(0)} KiB`,
      );
      expect(putPeak).toBeLessThan(limit);
      expect(getPeak).toBeLessThan(limit);
    });

    it.skipIf(options.readOnly)(
      `lists ${options.manyKeys ?? 1005} keys, all of them exactly once`,
      async () => {
        const { store, seed } = await open();
        const n = options.manyKeys ?? 1005;
        const expected: string[] = [];
        for (let i = 0; i < n; i++) expected.push(`many/${String(i).padStart(5, '0')}`);
        // A few at a time: quick on every backend without flooding a server.
        for (let i = 0; i < n; i += 32) {
          await Promise.all(expected.slice(i, i + 32).map((k) => seed.put(k, Buffer.from(k))));
        }
        const listed = await keysOf(store, 'many/');
        expect(listed.length).toBe(n);
        expect(listed).toEqual(expected);
      },
    );

    it.skipIf(options.readOnly)(
      'lists by prefix, including prefixes that end mid-name, with sizes',
      async () => {
        const { store, seed } = await open();
        const blobs: Record<string, string> = {
          'a/b/1': 'x',
          'a/b/2': 'yy',
          'a/c': 'zzz',
          ab: '4444',
          b: '55555',
          '.dotfile': '6',
        };
        for (const [k, v] of Object.entries(blobs)) await seed.put(k, Buffer.from(v));
        const all: BlobInfo[] = [];
        for await (const info of store.list('')) all.push(info);
        expect(all.map((i) => i.key).sort()).toEqual(Object.keys(blobs).sort());
        for (const info of all) expect(info.size).toBe(blobs[info.key].length);
        expect(await keysOf(store, 'a/')).toEqual(['a/b/1', 'a/b/2', 'a/c']);
        expect(await keysOf(store, 'a')).toEqual(['a/b/1', 'a/b/2', 'a/c', 'ab']);
        expect(await keysOf(store, 'a/b')).toEqual(['a/b/1', 'a/b/2']);
        expect(await keysOf(store, 'a/b/')).toEqual(['a/b/1', 'a/b/2']);
        expect(await keysOf(store, 'a/b/1')).toEqual(['a/b/1']);
        expect(await keysOf(store, 'zz')).toEqual([]);
        expect(await keysOf(store, 'a/zz/')).toEqual([]);
        await expect(keysOf(store, '../')).rejects.toThrow(InvalidInputError);
      },
    );

    if (options.readOnly) {
      it('refuses put, delete and list with a clear error', async () => {
        const { store } = await open();
        expect(store.readOnly).toBe(true);
        for (const op of [() => store.put('x', Buffer.from('1')), () => store.delete('x')]) {
          const e = await rejection(op());
          expect(e).toBeInstanceOf(InvalidParameterError);
          expect(e.message).toMatch(/read-only/);
        }
        const e = await rejection(keysOf(store, ''));
        expect(e).toBeInstanceOf(InvalidParameterError);
        expect(e.message).toMatch(/cannot list/);
      });
    } else {
      it('overwrites, deletes, and treats deleting an absent key as done', async () => {
        const { store } = await open();
        expect(store.readOnly).toBe(false);
        await store.put('k', Buffer.from('first version'));
        await store.put('k', Buffer.from('second'));
        expect(await readText(store, 'k')).toBe('second');
        expect((await store.stat('k'))?.size).toBe(6);
        await store.put('d/x', Buffer.from('1'));
        await store.delete('d/x');
        expect(await store.exists('d/x')).toBe(false);
        await expect(store.get('d/x')).rejects.toThrow(NotFoundError);
        expect(await keysOf(store, '')).toEqual(['k']);
        await store.delete('d/x');
        await store.delete('never/existed');
      });

      it('an overwrite in progress is invisible: readers see the whole old blob until it completes', async () => {
        const { store } = await open();
        const old = Buffer.alloc(3 * MiB, 1);
        await store.put('atomic', old);
        // 12 MiB over two pauses: more than one S3 part, so S3 takes the multipart path.
        let release!: () => void;
        const gate = new Promise<void>((r) => (release = r));
        let firstPulled!: () => void;
        const started = new Promise<void>((r) => (firstPulled = r));
        async function* slow() {
          yield Buffer.alloc(6 * MiB, 2);
          firstPulled();
          await gate;
          yield Buffer.alloc(6 * MiB, 3);
        }
        const putting = store.put('atomic', Readable.from(slow(), { objectMode: false }));
        await started;
        await new Promise((r) => setTimeout(r, 50));
        const during = await readAll(await store.get('atomic'));
        expect(during.equals(old)).toBe(true);
        expect((await store.stat('atomic'))?.size).toBe(old.length);
        release();
        await putting;
        const after = await readAll(await store.get('atomic'));
        expect(after.length).toBe(12 * MiB);
        expect(after[0]).toBe(2);
        expect(after[after.length - 1]).toBe(3);
      });

      it('an interrupted put leaves the old blob (or nothing) and no partial file, and reports the cause', async () => {
        const { store } = await open();
        await store.put('keep', Buffer.from('old content'));
        for (const key of ['keep', 'fresh']) {
          async function* failing() {
            yield Buffer.alloc(6 * MiB, 9);
            throw new Error('source disk vanished');
          }
          const e = await rejection(store.put(key, Readable.from(failing(), { objectMode: false })));
          expect(e.message).toContain('source disk vanished');
        }
        expect(await readText(store, 'keep')).toBe('old content');
        expect(await store.exists('fresh')).toBe(false);
        expect(await keysOf(store, '')).toEqual(['keep']);
      });

      it('refuses a body whose length differs from the announced size, and stores nothing', async () => {
        const { store } = await open();
        const short = await rejection(
          store.put('sized', Readable.from([Buffer.from('12345')]), { size: 10 }),
        );
        expect(short).toBeInstanceOf(InvalidInputError);
        expect(short.message).toMatch(/expected 10 bytes, the body had 5/);
        const bytes = await rejection(store.put('sized', Buffer.from('123'), { size: 4 }));
        expect(bytes).toBeInstanceOf(InvalidInputError);
        expect(await store.exists('sized')).toBe(false);
        await store.put('sized', Readable.from([Buffer.from('12345')]), { size: 5 });
        expect(await readText(store, 'sized')).toBe('12345');
      });
    }
  });
}
