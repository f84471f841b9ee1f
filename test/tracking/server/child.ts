/**
 * `mlship server` as a child process, for the tests that must kill or signal a real server: the
 * compiled CLI, dist/cli/main.js (`npm test` builds it first).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = join(ROOT, 'dist/cli/main.js');

/** The compiled CLI must exist; `npm test` runs `npm run build` before the tests. */
export function ensureBuilt(): void {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build (npm test does it first)`);
}

/** node + the compiled mlship CLI. */
export function mlshipCommand(): string[] {
  return [process.execPath, MAIN];
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** everything the process wrote to stderr so far */
  stderr(): string;
  /** resolves with the exit code (or signal name) */
  exited: Promise<number | string>;
}

/** Start `mlship server <args>` and wait until /health answers. */
export async function startServerProcess(
  args: string[],
  options: { cwd: string; port: number },
): Promise<ServerProcess> {
  const [node, script] = mlshipCommand();
  const child = spawn(node, [script, 'server', '--port', String(options.port), ...args], {
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, MLFLOW_LOGGING_LEVEL: 'warning' },
  });
  let err = '';
  child.stderr?.on('data', (c) => {
    err += c;
  });
  child.stdout?.resume();
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const url = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`mlship server exited before answering: ${err}`);
    }
    try {
      const r = await fetch(`${url}/health`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`mlship server did not answer /health within 20 s: ${err}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, url, stderr: () => err, exited };
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
