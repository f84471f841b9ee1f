/**
 * Running the built CLI (dist/cli/main.js, made by `npm run build`, which `npm test` runs first)
 * as a user runs it: a child process in a working directory of the test's choosing.
 */
import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');
export const CLI = join(ROOT, 'dist/cli/main.js');

export const HEADER =
  'longitude,latitude,housing_median_age,total_rooms,total_bedrooms,population,households,median_income,median_house_value,ocean_proximity';
export const ROW = '-122.23,37.88,41.0,880.0,129.0,322.0,126.0,8.3252,452600.0,NEAR BAY';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function requireBuiltCli(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build (npm test does it first)`);
}

/**
 * Run `mlship …args` to completion. MLFLOW_* from the test's own environment are not inherited. A
 * command still running after 30 s (a server that should have refused to start) is killed.
 */
export function mlship(args: string[], cwd = ROOT, env: Record<string, string> = {}): CliResult {
  const r: SpawnSyncReturns<string> = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...cleanEnv(), ...env },
    timeout: 30_000,
    killSignal: 'SIGKILL',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Run `mlship …args` without blocking; `onStderr` sees stderr as it arrives. The child is killed
 * after `timeoutMs` (default 50 s, inside vitest's 60 s test timeout), so a hung command never
 * outlives its test.
 */
export function mlshipAsync(
  args: string[],
  opts: {
    cwd?: string;
    env?: Record<string, string>;
    onStderr?: (text: string) => void;
    timeoutMs?: number;
  } = {},
): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: opts.cwd ?? ROOT,
      env: { ...cleanEnv(), ...opts.env },
      timeout: opts.timeoutMs ?? 50_000,
      killSignal: 'SIGKILL',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
      opts.onStderr?.(stderr);
    });
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('MLFLOW_')) env[k] = v;
  }
  return env;
}

/** A CSV in the flagship's columns with `rows` rows whose target varies (any model fits it). */
export async function writeSmallCsv(path: string, rows = 60): Promise<void> {
  const lines = Array.from({ length: rows }, (_, i) =>
    ROW.replace('880.0', String(800 + i * 7)).replace('452600.0', String(400000 + i * 1000)),
  );
  await writeFile(path, `${HEADER}\n${lines.join('\n')}\n`);
}

/** The stderr of a failed command, asserted to be exactly one line. */
export function oneLine(r: CliResult): string {
  const lines = r.stderr.replace(/\n$/, '').split('\n');
  if (lines.length !== 1) throw new Error(`expected one line on stderr, got ${lines.length}:\n${r.stderr}`);
  return lines[0];
}
