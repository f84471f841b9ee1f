/**
 * `mlship train --tracking-uri` to a server that is not there fails in seconds (issue 8 §4): it
 * used to print nothing for 249 s — MLflow's full retry policy (7 retries, backoff 0, 4, 8, …,
 * 120 s; mlflow/utils/request_utils.py) — before failing. Now a short, bounded check of the server
 * comes before any work, each retry is said on stderr, and the failure is the usual one line naming
 * the URI, exit 2. The full policy still applies to the calls of the run itself
 * (test/tracking/client/http.test.ts).
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServerFixture, startServer } from '../tracking/server/harness.js';
import { mlshipAsync, requireBuiltCli, writeSmallCsv } from './helpers.js';

let work: string;
beforeAll(async () => {
  requireBuiltCli();
  work = await mkdtemp(join(tmpdir(), 'mlship-unreachable-'));
  await writeSmallCsv(join(work, 'data.csv'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** A port nothing listens on: bound, read, released. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  await new Promise((ok) => server.close(ok));
  return port;
}

async function listenOn(port: number): Promise<ServerFixture> {
  const server = await startServer('sqlite');
  await server.app.listen({ host: '127.0.0.1', port });
  return server;
}

const train = (uri: string, out: string, onStderr?: (s: string) => void) =>
  mlshipAsync(['train', '--data', 'data.csv', '--out', out, '--model', 'linear', '--tracking-uri', uri], {
    cwd: work,
    onStderr,
  });

const RETRY = /^mlship: tracking server .+ failed \((.+)\); attempt (\d) of 4, next in (\d+(?:\.\d+)?) s$/;

describe('an unreachable tracking server', () => {
  it('a refused connection: 3 bounded retries said on stderr, then one line naming the URI, exit 2, nothing trained', async () => {
    const uri = `http://127.0.0.1:${await freePort()}`;
    const r = await train(uri, 'out-refused');
    expect(r.code).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    const retries = lines.slice(0, -1).map((l) => RETRY.exec(l));
    expect(retries.map((m) => m?.[2])).toEqual(['1', '2', '3']);
    for (const m of retries) expect(m?.[1]).toMatch(/ECONNREFUSED/);
    expect(retries.map((m) => Number(m?.[3]))).toEqual([0, 1, 2]);
    expect(lines.at(-1)).toMatch(
      new RegExp(
        `^mlship: cannot reach the tracking server at ${uri.replace(/\./g, '\\.')}: .*ECONNREFUSED.*is the server running`,
      ),
    );
    expect(r.stdout).toBe('');
    expect((await readdir(work)).filter((f) => f.startsWith('out-refused'))).toEqual([]);
  });

  it('an unknown host (RFC 6761 .invalid, so no lookup leaves the machine) fails the same way', async () => {
    const uri = 'http://mlship-nowhere.invalid:5000';
    const r = await train(uri, 'out-unknown');
    expect(r.code).toBe(2);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    for (const l of lines.slice(0, 3)) expect(l).toMatch(RETRY);
    expect(lines[0]).toMatch(/ENOTFOUND|EAI_AGAIN/);
    expect(lines[3]).toMatch(
      /^mlship: cannot reach the tracking server at http:\/\/mlship-nowhere\.invalid:5000: /,
    );
  });

  it('a server that comes up during the check is then used for the run', async () => {
    const port = await freePort();
    let started: Promise<ServerFixture> | undefined;
    const r = await train(`http://127.0.0.1:${port}`, 'out-late', (stderr) => {
      // start listening once the first retry has been announced: the run must wait for it
      if (started === undefined && /attempt 1 of 4/.test(stderr)) started = listenOn(port);
    });
    expect(started).toBeDefined();
    const server = await started!;
    try {
      expect(r.stderr).toMatch(/attempt 1 of 4/);
      expect(r.code).toBe(0);
      const runId = /logging run ([0-9a-f]{32})/.exec(r.stderr)?.[1];
      expect(runId).toBeDefined();
      expect((await server.store.getRun(runId!)).info.status).toBe('FINISHED');
    } finally {
      await server.close();
    }
  });
});
