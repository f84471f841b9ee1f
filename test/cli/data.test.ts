/**
 * `mlship data` bad input through the real command line — commander parsing, the action()
 * wrapper and its one-line `mlship: …` reason and exit code — run in-process: process.exit and
 * stderr are intercepted, the working directory is a throwaway repository. Each case must fail
 * with exactly one line on stderr, a non-zero exit, and leave the repository exactly as it was.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { dataCommands, registerData } from '../../src/cli/data.js';
import { cleanTemps, newRepo, snapshot, tempDir, testIo } from '../data/helpers.js';

class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

let stdout: string[];
let stderr: string[];
const cwd = process.cwd();

beforeEach(() => {
  stdout = [];
  stderr = [];
  vi.spyOn(process, 'exit').mockImplementation(((code?: number) => {
    throw new Exit(code ?? 0);
  }) as never);
  vi.spyOn(process.stdout, 'write').mockImplementation(((s: string) => stdout.push(String(s)) > 0) as never);
  vi.spyOn(process.stderr, 'write').mockImplementation(((s: string) => stderr.push(String(s)) > 0) as never);
});
afterEach(() => {
  vi.restoreAllMocks();
  process.chdir(cwd);
});
afterAll(cleanTemps);

/** Run `mlship data …args` in `dir`; returns the exit code (0 if the action returned). */
async function mlship(dir: string, ...args: string[]): Promise<number> {
  stdout.length = 0;
  stderr.length = 0;
  const program = new Command().name('mlship').exitOverride((e) => {
    throw new Exit(e.exitCode === 0 ? 0 : 2);
  });
  program.configureOutput({
    writeErr: (s) => process.stderr.write(s),
    writeOut: (s) => process.stdout.write(s),
  });
  registerData(program);
  process.chdir(dir);
  try {
    await program.parseAsync(['node', 'mlship', 'data', ...args]);
    return 0;
  } catch (e) {
    if (e instanceof Exit) return e.code;
    throw e;
  }
}

async function repoWithFile(): Promise<string> {
  const root = await newRepo();
  await writeFile(join(root, 'file.txt'), 'hello\n');
  await dataCommands.add(['file.txt'], {}, testIo(root));
  return root;
}

/** Expect failure with one stderr line matching `reason`, and no change under `root`. */
async function expectRefused(root: string, args: string[], reason: RegExp, code = 2): Promise<void> {
  const before = snapshot(root);
  const exit = await mlship(root, ...args);
  const text = stderr.join('');
  expect(text.endsWith('\n')).toBe(true);
  expect(text.trimEnd().split('\n'), text).toHaveLength(1);
  expect(text.trimEnd()).toMatch(reason);
  expect(exit).toBe(code);
  expect(snapshot(root)).toEqual(before);
}

describe('mlship data: bad input fails with one line and changes nothing', () => {
  it('add of a missing path', async () => {
    const root = await newRepo();
    await expectRefused(root, ['add', 'nope.csv'], /^mlship: output 'nope\.csv' does not exist$/);
  });

  it('add of a path outside the repository', async () => {
    const root = await newRepo();
    const outside = await tempDir('outside');
    await writeFile(join(outside, 'x.csv'), 'a\n');
    await expectRefused(
      root,
      ['add', join(outside, 'x.csv')],
      /^mlship: '.*x\.csv' is outside the repository .*: only paths inside it can be tracked$/,
    );
  });

  it('a .dvc file that is not valid YAML (file:line:column)', async () => {
    const root = await repoWithFile();
    await writeFile(join(root, 'bad.dvc'), 'outs:\n- md5: [unclosed\n  path: bad\n');
    await expectRefused(root, ['status'], /^mlship: .*bad\.dvc:\d+:\d+: not valid YAML: .+$/);
  });

  it('a .dvc file without outs', async () => {
    const root = await repoWithFile();
    await writeFile(join(root, 'empty.dvc'), 'md5: 0a0000000000000000000000000000ff\n');
    await expectRefused(
      root,
      ['pull'],
      /^mlship: .*empty\.dvc:1: no "outs": a \.dvc file must list at least one output$/,
    );
  });

  it('a .dvc file with a key DVC does not allow', async () => {
    const root = await repoWithFile();
    await writeFile(join(root, 'cmd.dvc'), 'cmd: echo hi\nouts:\n- path: x\n');
    await expectRefused(root, ['status'], /^mlship: .*cmd\.dvc:1: top level: unknown key "cmd"$/);
  });

  it('an unknown remote name', async () => {
    const root = await repoWithFile();
    await expectRefused(
      root,
      ['push', '-r', 'nowhere'],
      /^mlship: remote 'nowhere' doesn't exist \(no remotes configured\)$/,
    );
  });

  it('push with no remote at all', async () => {
    const root = await repoWithFile();
    await expectRefused(root, ['push'], /^mlship: no remote given and no default remote set: use -r NAME or/);
  });

  it('an unreachable S3 endpoint', async () => {
    const root = await repoWithFile();
    await dataCommands.remoteAdd('s3', 's3://bucket/store', { default: true }, testIo(root));
    await dataCommands.remoteModify('s3', 'endpointurl', 'http://127.0.0.1:9', {}, testIo(root));
    await dataCommands.remoteModify('s3', 'access_key_id', 'k', { local: true }, testIo(root));
    await dataCommands.remoteModify('s3', 'secret_access_key', 's', { local: true }, testIo(root));
    // exit 2: the remote is the user's to fix, not a bug in mlship (issue 8 §3)
    await expectRefused(
      root,
      ['push'],
      /^mlship: 1 file failed to upload: .*127\.0\.0\.1:9.*(refused|ECONNREFUSED)/,
      2,
    );
    await expectRefused(root, ['status', '-c'], /^mlship: .*127\.0\.0\.1:9.*(refused|ECONNREFUSED)/, 2);
  });

  it('a bad -j value and an unknown option', async () => {
    const root = await repoWithFile();
    await expectRefused(
      root,
      ['push', '-j', 'many'],
      /^mlship: -j\/--jobs must be a whole number ≥ 1, got "many"$/,
    );
    await expectRefused(root, ['push', '--bogus'], /unknown option '--bogus'/);
  });

  it('outside any DVC repository', async () => {
    const dir = await tempDir('plain');
    await mkdir(join(dir, 'sub'));
    await expectRefused(
      dir,
      ['status'],
      /^mlship: not a DVC repository: no \.dvc\/ directory in .* or any parent \(run `mlship data init`\)$/,
    );
  });
});

describe('mlship data: output', () => {
  it('status --json prints one JSON document on stdout', async () => {
    const root = await repoWithFile();
    await writeFile(join(root, 'file.txt'), 'changed\n');
    expect(await mlship(root, 'status', '--json')).toBe(0);
    expect(JSON.parse(stdout.join(''))).toEqual({
      'file.txt.dvc': [{ 'changed outs': { 'file.txt': 'modified' } }],
    });
    expect(stderr.join('')).toBe('');
  });
});
