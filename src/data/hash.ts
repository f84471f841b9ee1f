/**
 * MD5 of bytes as DVC 3 computes it (`hash: md5`): the plain digest of the raw bytes, no
 * line-ending normalisation (that was DVC 2's `md5-dos2unix`). Files are read in 1 MiB chunks
 * into one reused buffer, so hashing allocates nothing per chunk and never holds a file whole.
 *
 * The reads are synchronous on purpose. MD5 runs on this thread anyway, so async reads overlap
 * nothing, and each async open/read/close is a thread-pool round trip: for a 16 KiB file those
 * cost five times the hashing itself (measured: 4,000 such files in 1.1 s async, 0.2 s sync).
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, writeSync } from 'node:fs';

/** DVC's own chunk size for hashing (dvc-data `hash.py`: 2**20). */
export const CHUNK_SIZE = 1 << 20;

export interface FileHash {
  /** 32 lower-case hex digits */
  md5: string;
  /** bytes */
  size: number;
}

export function md5Hex(data: string | Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}

// One buffer for every read: hashing never runs concurrently with itself on one thread.
const buffer = Buffer.allocUnsafe(CHUNK_SIZE);

/** Feed every chunk of a file to `onChunk` (the buffer is reused: copy it to keep it). */
function forEachChunk(path: string, onChunk: (chunk: Buffer) => void): number {
  const fd = openSync(path, 'r');
  let size = 0;
  try {
    for (;;) {
      const n = readSync(fd, buffer, 0, CHUNK_SIZE, null);
      if (n === 0) break;
      size += n;
      onChunk(buffer.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return size;
}

export async function hashFile(path: string): Promise<FileHash> {
  const h = createHash('md5');
  const size = forEachChunk(path, (chunk) => {
    h.update(chunk);
  });
  return { md5: h.digest('hex'), size };
}

/**
 * Copy `src` to `dest` (which must not exist) and hash the bytes as they are copied, in one read
 * pass: the hash then describes exactly the bytes written, even if `src` changes while we read it.
 * No fsync, as DVC does none for cache objects: the caller renames the finished file into place,
 * which is what keeps an interrupted copy from ever being seen.
 */
export async function copyAndHash(src: string, dest: string, mode = 0o666): Promise<FileHash> {
  const h = createHash('md5');
  const out = openSync(dest, 'wx', mode);
  try {
    const size = forEachChunk(src, (chunk) => {
      h.update(chunk);
      let off = 0;
      while (off < chunk.length) off += writeSync(out, chunk, off, chunk.length - off);
    });
    return { md5: h.digest('hex'), size };
  } finally {
    closeSync(out);
  }
}
