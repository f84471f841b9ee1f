/**
 * MD5 of bytes as DVC 3 computes it (`hash: md5`): the plain digest of the raw bytes, no
 * line-ending normalisation (that was DVC 2's `md5-dos2unix`). Files are read in 1 MiB chunks
 * into one reused buffer, so hashing allocates nothing per chunk and never holds a file whole.
 */
import { createHash, type Hash } from 'node:crypto';
import { open } from 'node:fs/promises';

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

/** Feed every chunk of a file to `onChunk` (the buffer is reused: copy it if you keep it). */
async function forEachChunk(path: string, onChunk: (chunk: Buffer) => void | Promise<void>): Promise<number> {
  const fh = await open(path, 'r');
  const buf = Buffer.allocUnsafe(CHUNK_SIZE);
  let size = 0;
  try {
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK_SIZE, null);
      if (bytesRead === 0) break;
      size += bytesRead;
      await onChunk(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
  return size;
}

export async function hashFile(path: string): Promise<FileHash> {
  const h = createHash('md5');
  const size = await forEachChunk(path, (chunk) => {
    h.update(chunk);
  });
  return { md5: h.digest('hex'), size };
}

/**
 * Copy `src` to `dest` (which must not exist) and hash the bytes as they are copied, in one read
 * pass: the hash is then guaranteed to describe exactly the bytes written, even if `src` changes
 * while we read it.
 */
export async function copyAndHash(src: string, dest: string, mode = 0o666): Promise<FileHash> {
  const h: Hash = createHash('md5');
  const out = await open(dest, 'wx', mode);
  try {
    const size = await forEachChunk(src, async (chunk) => {
      h.update(chunk);
      let off = 0;
      while (off < chunk.length) off += (await out.write(chunk, off, chunk.length - off)).bytesWritten;
    });
    await out.sync();
    return { md5: h.digest('hex'), size };
  } finally {
    await out.close();
  }
}
