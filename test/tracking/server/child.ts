/**
 * `mlship server` as a child process, for the tests that must kill or signal a real server: the
 * compiled CLI (dist/cli/main.js once it registers the command; until then cli-entry.mjs, which
 * registers only it). dist/ is rebuilt first when a source it is compiled from is newer, so a test
 * never runs stale code.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts')) {
      const parent = (entry as unknown as { parentPath?: string; path: string }).parentPath ?? entry.path;
      newest = Math.max(newest, statSync(join(parent, entry.name)).mtimeMs);
    }
  }
  return newest;
}

/** Build dist/ when any source under the server's import tree is newer than its compiled CLI. */
export function ensureBuilt(): void {
  const compiled = join(ROOT, 'dist/cli/server.js');
  const sources = ['src/cli', 'src/tracking', 'src/storage', 'src/core'].map((d) =>
    newestSource(join(ROOT, d)),
  );
  if (existsSync(compiled) && statSync(compiled).mtimeMs >= Math.max(...sources)) return;
  try {
    execFileSync(
      process.execPath,
      [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
      {
        cwd: ROOT,
        stdio: 'pipe',
      },
    );
  } catch {
    // tsc still emits when files elsewhere in the tree have type errors; what matters is below.
  }
  if (!existsSync(compiled) || statSync(compiled).mtimeMs < Math.max(...sources)) {
    throw new Error(`npm run build did not produce an up-to-date ${relative(ROOT, compiled)}`);
  }
}

/** node + the script that runs `mlship` with the server command. */
export function mlshipCommand(): string[] {
  const main = join(ROOT, 'dist/cli/main.js');
  const wired = existsSync(main) && readFileSync(main, 'utf8').includes('registerServer');
  return [process.execPath, wired ? main : fileURLToPath(new URL('./cli-entry.mjs', import.meta.url))];
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
