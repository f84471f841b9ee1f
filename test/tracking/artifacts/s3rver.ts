/**
 * An S3 server for the tracking tests: the same s3rver child process test/storage/s3.test.ts uses
 * (test/storage/s3rver-child.mjs: 127.0.0.1, random port, temp folder, exits when our stdin
 * closes), so artifacts go over the real S3 protocol.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** s3rver's one built-in account. */
export const S3RVER_CREDENTIALS = { access_key_id: 'S3RVER', secret_access_key: 'S3RVER' };

export interface S3rver {
  endpoint: string;
  stop(): Promise<void>;
}

export async function startS3rver(buckets: string[]): Promise<S3rver> {
  const dir = await mkdtemp(join(tmpdir(), 'mlship-s3rver-'));
  const script = fileURLToPath(new URL('../../storage/s3rver-child.mjs', import.meta.url));
  // --openssl-legacy-provider: see s3rver-child.mjs (s3rver's paging tokens use DES).
  const child: ChildProcess = spawn(
    process.execPath,
    ['--openssl-legacy-provider', script, dir, buckets.join(',')],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`s3rver exited early with code ${code}`))),
  );
  const firstLine = new Promise<string>((resolve) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
  });
  const { port } = JSON.parse(await Promise.race([firstLine, exited])) as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) {
        const gone = new Promise((r) => child.once('exit', r));
        child.stdin?.end();
        await gone;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
