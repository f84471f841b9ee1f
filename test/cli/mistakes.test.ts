/**
 * Every mistake a user can make on the command line ends with exit code 2 and exactly one line on
 * stderr naming the file, port or value at fault (issue 8 §3); `internal error` (exit 1) is for
 * bugs only. One row per mistake: the command line, what the working folder holds first, and the
 * line expected. Each row runs the built CLI in a fresh folder.
 *
 * Not here because their stderr is more than one line by design: an unreachable tracking server
 * (each retry is said; test/cli/tracking-unreachable.test.ts).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEADER, mlship, oneLine, ROW, requireBuiltCli, writeSmallCsv } from './helpers.js';

interface Context {
  dir: string;
  /** a port something else is listening on */
  busyPort: number;
}

interface Mistake {
  what: string;
  args: string[] | ((ctx: Context) => string[]);
  setup?: (dir: string) => Promise<void>;
  env?: Record<string, string>;
  message: RegExp | ((ctx: Context) => RegExp);
}

const LINEAR = ['--model', 'linear'];
const run = (dir: string, ...args: string[]) => {
  const r = mlship(args, dir);
  if (r.code !== 0) throw new Error(`setup: mlship ${args.join(' ')} failed: ${r.stderr}`);
};
/** A DVC repository (no git) tracking data.csv. */
async function trackedRepo(dir: string) {
  run(dir, 'data', 'init', '--no-scm');
  run(dir, 'data', 'add', 'data.csv');
}

const MISTAKES: Record<string, Mistake[]> = {
  train: [
    {
      what: 'a data file that does not exist',
      args: ['train', '--data', 'nope.csv'],
      message: /^mlship: data nope\.csv: no such file$/,
    },
    {
      what: "the README's own example, before other.csv exists",
      args: ['train', '--data', 'other.csv', '--out', 'runs/1', '--json'],
      message: /^mlship: data other\.csv: no such file$/,
    },
    {
      what: 'a folder as --data',
      args: ['train', '--data', 'folder'],
      setup: (d) => mkdir(join(d, 'folder')),
      message: /^mlship: data folder: is a folder, not a file$/,
    },
    {
      what: 'a CSV holding only a header',
      args: ['train', '--data', 'header.csv', ...LINEAR],
      setup: (d) => writeFile(join(d, 'header.csv'), `${HEADER}\n`),
      message: /^mlship: header\.csv:2: no data rows, only a header$/,
    },
    {
      what: 'a CSV too small to split',
      args: ['train', '--data', 'one.csv', ...LINEAR],
      setup: (d) => writeFile(join(d, 'one.csv'), `${HEADER}\n${ROW}\n`),
      message: /^mlship: one\.csv:1: 1 data rows: With n_samples=1, test_size=0\.2 .*train set will be empty/,
    },
    {
      what: '--out .',
      args: ['train', '--data', 'data.csv', '--out', '.'],
      message: /^mlship: output folder \.: is the current folder;/,
    },
    {
      what: '--out a regular file',
      args: ['train', '--data', 'data.csv', '--out', 'notes.txt'],
      setup: (d) => writeFile(join(d, 'notes.txt'), 'mine'),
      message: /^mlship: output folder notes\.txt: is an existing file/,
    },
    {
      what: '--out a folder of other files',
      args: ['train', '--data', 'data.csv', '--out', 'results'],
      setup: async (d) => {
        await mkdir(join(d, 'results'));
        await writeFile(join(d, 'results', 'paper.tex'), 'mine');
      },
      message: /^mlship: output folder results: holds files mlship did not write \(paper\.tex\)/,
    },
    {
      what: 'a --config file that does not exist',
      args: ['train', '--config', 'nope.yaml'],
      message: /^mlship: params file not found: nope\.yaml$/,
    },
    {
      what: 'a folder as --config',
      args: ['train', '--config', 'cfg'],
      setup: (d) => mkdir(join(d, 'cfg')),
      message: /^mlship: --config cfg: is a folder, not a file$/,
    },
    {
      what: 'malformed YAML',
      args: ['train', '--config', 'bad.yaml'],
      setup: (d) => writeFile(join(d, 'bad.yaml'), 'model: [\n'),
      message: /^mlship: bad\.yaml: not valid YAML/,
    },
    {
      what: 'an unknown parameter in params.yaml',
      args: ['train', '--config', 'p.yaml'],
      setup: (d) => writeFile(join(d, 'p.yaml'), 'model:\n  hgb:\n    max_dept: 3\n'),
      message: /^mlship: model\.hgb: unknown parameter "max_dept"/,
    },
    {
      what: 'an unknown model type',
      args: ['train', '--model', 'svm'],
      message: /^mlship: --model must be one of .*; got "svm"$/,
    },
    {
      what: 'a tracking URI of an unsupported scheme',
      args: ['train', '--data', 'data.csv', '--tracking-uri', 'ftp://host/x'],
      message: /^mlship: unsupported tracking URI scheme "ftp:"/,
    },
    {
      what: "a folder as tracking URI (MLflow's file store)",
      args: ['train', '--data', 'data.csv', '--tracking-uri', 'file:///tmp/mlruns'],
      message: /^mlship: tracking URI "file:\/\/\/tmp\/mlruns" names a local folder/,
    },
    {
      what: 'a tracking URI that is not a URL',
      args: ['train', '--data', 'data.csv', '--tracking-uri', 'http://[bad'],
      message: /^mlship: invalid tracking URI "http:\/\/\[bad": not a valid URL$/,
    },
    {
      what: 'a tracking server on a port fetch blocks',
      args: ['train', '--data', 'data.csv', '--tracking-uri', 'http://127.0.0.1:6000'],
      message:
        /^mlship: cannot reach the tracking server at http:\/\/127\.0\.0\.1:6000: its port is one the Fetch standard blocks/,
    },
    {
      what: 'an empty --experiment (MLflow: Invalid experiment name)',
      args: (c) => [
        'train',
        '--data',
        'data.csv',
        ...LINEAR,
        '--tracking-uri',
        `sqlite:///${c.dir}/t.db`,
        '--experiment',
        '',
      ],
      message: /^mlship: Invalid experiment name: ''$/,
    },
    {
      what: 'a non-numeric MLFLOW_HTTP_REQUEST_MAX_RETRIES',
      args: ['train', '--data', 'data.csv', '--tracking-uri', 'http://127.0.0.1:5000'],
      env: { MLFLOW_HTTP_REQUEST_MAX_RETRIES: 'many' },
      message: /^mlship: MLFLOW_HTTP_REQUEST_MAX_RETRIES="many" is not an integer$/,
    },
    {
      what: 'data that differs from its .dvc file',
      args: ['train', '--data', 'data.csv', ...LINEAR],
      setup: async (d) => {
        await trackedRepo(d);
        await writeFile(join(d, 'data.csv'), `${ROW}\n`, { flag: 'a' });
      },
      message:
        /^mlship: data\.csv does not match data\.csv\.dvc: its md5 is [0-9a-f]{32}, the \.dvc file records [0-9a-f]{32} \(/,
    },
    {
      what: 'a misspelt option',
      args: ['train', '--dat', 'data.csv'],
      message: /^mlship: unknown option '--dat' \(Did you mean --data\?\) \(see mlship train --help\)$/,
    },
    {
      what: 'a misspelt command',
      args: ['trian'],
      message: /^mlship: unknown command 'trian' \(Did you mean train\?\) \(see mlship --help\)$/,
    },
    {
      what: 'tracked data that is missing',
      args: ['train', '--data', 'data.csv', ...LINEAR],
      setup: async (d) => {
        await trackedRepo(d);
        await rm(join(d, 'data.csv'));
      },
      message: /^mlship: data\.csv is missing: fetch it with `mlship data pull data\.csv\.dvc`$/,
    },
    {
      what: 'an unknown option',
      args: ['train', '--bogus'],
      message: /^mlship: unknown option '--bogus' \(see mlship train --help\)$/,
    },
  ],
  quickstart: [
    {
      what: 'run outside a checkout (no params.yaml, no data)',
      args: ['quickstart'],
      message: /^mlship: data data\/raw\/housing\.csv: no such file$/,
    },
    {
      what: './out holding files of its own',
      args: ['quickstart'],
      setup: async (d) => {
        await mkdir(join(d, 'data', 'raw'), { recursive: true });
        await writeSmallCsv(join(d, 'data', 'raw', 'housing.csv'));
        await mkdir(join(d, 'out'));
        await writeFile(join(d, 'out', 'notes.txt'), 'mine');
      },
      message: /^mlship: output folder out: holds files mlship did not write \(notes\.txt\)/,
    },
  ],
  server: [
    {
      what: 'a non-numeric --port',
      args: ['server', '--port', 'abc'],
      message: /^mlship: --port must be an integer from 0 to 65535; got "abc"$/,
    },
    {
      what: 'a --port out of range',
      args: ['server', '--port', '70000'],
      message: /^mlship: --port must be an integer from 0 to 65535; got "70000"$/,
    },
    {
      what: '--workers 0',
      args: ['server', '--workers', '0'],
      message: /^mlship: --workers must be an integer from 1 to 256; got "0"$/,
    },
    {
      what: 'a port already in use',
      args: (c) => ['server', '--port', String(c.busyPort)],
      message: (c) =>
        new RegExp(`^mlship: --port ${c.busyPort}: 127\\.0\\.0\\.1:${c.busyPort} is already in use`),
    },
    {
      what: 'a port already in use, with --workers 2',
      args: (c) => ['server', '--port', String(c.busyPort), '--workers', '2'],
      message: (c) =>
        new RegExp(`^mlship: --port ${c.busyPort}: 127\\.0\\.0\\.1:${c.busyPort} is already in use`),
    },
    {
      what: 'a --host that does not resolve',
      args: ['server', '--host', 'nowhere.invalid', '--port', '0'],
      message: /^mlship: --host nowhere\.invalid: /,
    },
    {
      what: 'a backend store URI of an unsupported scheme',
      args: ['server', '--backend-store-uri', 'mysql://x/y'],
      message: /^mlship: Unsupported backend store URI scheme 'mysql'/,
    },
    {
      what: 'an artifacts destination of an unsupported scheme',
      args: ['server', '--artifacts-destination', 'ftp://x/y'],
      message: /^mlship: unsupported store URL scheme "ftp:"/,
    },
  ],
  data: [
    {
      what: 'a data command outside a repository',
      args: ['data', 'status'],
      message: /^mlship: not a DVC repository: no \.dvc\/ directory in .* \(run `mlship data init`\)$/,
    },
    {
      what: 'checkout of a target with no .dvc file',
      args: ['data', 'checkout', 'nope.dvc'],
      setup: trackedRepo,
      message: /^mlship: 'nope\.dvc' is not tracked/,
    },
    {
      what: 'add of a file that does not exist',
      args: ['data', 'add', 'nope.csv'],
      setup: trackedRepo,
      message: /^mlship: output 'nope\.csv' does not exist$/,
    },
    {
      what: 'push with no remote',
      args: ['data', 'push'],
      setup: trackedRepo,
      message:
        /^mlship: no remote given and no default remote set: use -r NAME or `mlship data remote add -d NAME URL`$/,
    },
    {
      what: 'pull of data the remote does not have',
      args: ['data', 'pull'],
      setup: async (d) => {
        await trackedRepo(d);
        await mkdir(join(d, 'empty-remote'));
        run(d, 'data', 'remote', 'add', '-d', 'r', 'empty-remote');
        await rm(join(d, '.dvc', 'cache'), { recursive: true });
        await rm(join(d, 'data.csv'));
      },
      message: /^mlship: 1 file failed to download: data\.csv: .*not found in local store .*empty-remote$/,
    },
    {
      what: 'a non-numeric --jobs',
      args: ['data', 'push', '-j', 'abc'],
      setup: trackedRepo,
      message: /^mlship: -j\/--jobs must be a whole number ≥ 1, got "abc"$/,
    },
    {
      what: 'a remote of an unsupported scheme',
      args: ['data', 'remote', 'add', 'r', 'ftp://x'],
      setup: trackedRepo,
      message: /^mlship: .*config: remote "r": Unsupported URL type ftp:\/\/$/,
    },
    {
      what: 'a missing argument',
      args: ['data', 'remote', 'add'],
      message: /^mlship: missing required argument 'name' \(see mlship data remote add --help\)$/,
    },
    {
      what: 'checkout over a modified tracked file',
      args: ['data', 'checkout', 'data.csv.dvc'],
      setup: async (d) => {
        await trackedRepo(d);
        await writeFile(join(d, 'data.csv'), 'my edits\n');
      },
      message:
        /^mlship: data\.csv has changes that are not in the cache: discard them with `mlship data checkout --force data\.csv\.dvc`, or keep them with `mlship data add data\.csv`$/,
    },
    {
      what: 'checkout where a folder of the path is a file',
      args: ['data', 'checkout'],
      setup: async (d) => {
        await mkdir(join(d, 'sub'));
        await writeSmallCsv(join(d, 'sub', 'x.csv'));
        run(d, 'data', 'init', '--no-scm');
        run(d, 'data', 'add', 'sub/x.csv');
        // the same output recorded by a .dvc file outside sub/ (a DVC path may hold folders)
        const dvc = await readFile(join(d, 'sub', 'x.csv.dvc'), 'utf8');
        await writeFile(join(d, 'x.dvc'), dvc.replace('path: x.csv', 'path: sub/x.csv'));
        await rm(join(d, 'sub'), { recursive: true });
        await writeFile(join(d, 'sub'), 'a file where the folder was');
      },
      message: /^mlship: sub\/x\.csv: sub is a file, not a folder/,
    },
  ],
};

let work: string;
let busy: Server;
let busyPort: number;
let n = 0;
beforeAll(async () => {
  requireBuiltCli();
  work = await mkdtemp(join(tmpdir(), 'mlship-mistakes-'));
  busy = createServer();
  await new Promise<void>((ok) => busy.listen(0, '127.0.0.1', ok));
  busyPort = (busy.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise((ok) => busy.close(ok));
  await rm(work, { recursive: true, force: true });
});

for (const [command, mistakes] of Object.entries(MISTAKES)) {
  describe(`mlship ${command}: every mistake is one line and exit code 2`, () => {
    for (const m of mistakes) {
      it(m.what, async () => {
        const dir = join(work, `case-${n++}`);
        await mkdir(dir);
        await writeSmallCsv(join(dir, 'data.csv'));
        await m.setup?.(dir);
        const ctx: Context = { dir, busyPort };
        const args = typeof m.args === 'function' ? m.args(ctx) : m.args;
        const r = mlship(args, dir, m.env);
        expect(r.stderr).not.toMatch(/internal error/);
        expect(r.code, r.stderr).toBe(2);
        expect(oneLine(r)).toMatch(typeof m.message === 'function' ? m.message(ctx) : m.message);
      });
    }
  });
}

/** The `mlship …` commands a message suggests, as argument lists. */
function suggested(line: string): string[][] {
  return [...line.matchAll(/`mlship ([^`]+)`/g)].map((m) => m[1].split(' '));
}

describe('a command a message suggests is one that works', () => {
  async function modifiedTrackedData(opts: { cached: boolean }): Promise<string> {
    const dir = join(work, `suggest-${n++}`);
    await mkdir(dir);
    await writeSmallCsv(join(dir, 'data.csv'));
    await trackedRepo(dir);
    if (!opts.cached) {
      run(dir, 'data', 'remote', 'add', '-d', 'store', join(dir, '..', `${dir.split('/').pop()}-remote`));
      run(dir, 'data', 'push');
      await rm(join(dir, '.dvc', 'cache'), { recursive: true });
    }
    await writeFile(join(dir, 'data.csv'), `${ROW}\n`, { flag: 'a' });
    return dir;
  }

  for (const cached of [true, false]) {
    it(`train on data that differs from its .dvc file (recorded version ${cached ? 'in' : 'not in'} the cache): the restore it suggests works`, async () => {
      const dir = await modifiedTrackedData({ cached });
      const r = mlship(['train', '--data', 'data.csv', ...LINEAR], dir);
      expect(r.code).toBe(2);
      const [restore, record] = suggested(oneLine(r));
      expect(restore).toEqual(['data', cached ? 'checkout' : 'pull', '--force', 'data.csv.dvc']);
      expect(record).toEqual(['data', 'add', 'data.csv']);
      // plain checkout is what used to be suggested: it refuses, and itself suggests what works
      const plain = mlship(['data', 'checkout', 'data.csv.dvc'], dir);
      expect(plain.code).toBe(2);
      expect(suggested(oneLine(plain))[0]).toEqual([
        'data',
        cached ? 'checkout' : 'pull',
        '--force',
        'data.csv.dvc',
      ]);
      const restored = mlship(restore, dir);
      expect(restored.code, restored.stderr).toBe(0);
      expect(mlship(['train', '--data', 'data.csv', ...LINEAR], dir).code).toBe(0);
    });
  }

  it('train on tracked data that is missing: the pull it suggests works', async () => {
    const dir = await modifiedTrackedData({ cached: false });
    await rm(join(dir, 'data.csv'));
    const r = mlship(['train', '--data', 'data.csv', ...LINEAR], dir);
    expect(r.code).toBe(2);
    const [pull] = suggested(oneLine(r));
    expect(pull).toEqual(['data', 'pull', 'data.csv.dvc']);
    expect(mlship(pull, dir).code).toBe(0);
    expect(mlship(['train', '--data', 'data.csv', ...LINEAR], dir).code).toBe(0);
  });

  it('train on changed data: recording the change, as suggested, works too', async () => {
    const dir = await modifiedTrackedData({ cached: true });
    const [, record] = suggested(oneLine(mlship(['train', '--data', 'data.csv', ...LINEAR], dir)));
    expect(mlship(record, dir).code).toBe(0);
    expect(mlship(['train', '--data', 'data.csv', ...LINEAR], dir).code).toBe(0);
  });

  it('checkout refused over unsaved changes: both suggested commands work', async () => {
    const dir = await modifiedTrackedData({ cached: true });
    const r = mlship(['data', 'checkout'], dir);
    expect(r.code).toBe(2);
    const [force, keep] = suggested(oneLine(r));
    expect(force).toEqual(['data', 'checkout', '--force']);
    expect(keep).toEqual(['data', 'add', 'data.csv']);
    const kept = mlship(keep, dir);
    expect(kept.code, kept.stderr).toBe(0);
    expect(mlship(['data', 'status'], dir).stdout).toMatch(/up to date/);
    await writeFile(join(dir, 'data.csv'), 'scratch\n');
    expect(mlship(force, dir).code).toBe(0);
    expect(await readFile(join(dir, 'data.csv'), 'utf8')).toMatch(new RegExp(`^${HEADER}\\n`));
  });

  it('pull refused over unsaved changes suggests pull --force with the same remote, which works', async () => {
    const dir = await modifiedTrackedData({ cached: false });
    const r = mlship(['data', 'pull', '-r', 'store', 'data.csv.dvc'], dir);
    expect(r.code).toBe(2);
    const [force] = suggested(oneLine(r));
    expect(force).toEqual(['data', 'pull', '--force', '-r', 'store', 'data.csv.dvc']);
    const pulled = mlship(force, dir);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(mlship(['train', '--data', 'data.csv', ...LINEAR], dir).code).toBe(0);
  });

  it("a folder where a file of a tracked folder goes, holding a .dvcignore'd file: refused, kept; with --force, replaced", async () => {
    const dir = join(work, `suggest-${n++}`);
    await mkdir(join(dir, 'd'), { recursive: true });
    await writeFile(join(dir, 'd', 'x'), 'x\n');
    await writeFile(join(dir, 'd', 'y'), 'y\n');
    run(dir, 'data', 'init', '--no-scm');
    run(dir, 'data', 'add', 'd');
    await rm(join(dir, 'd', 'x'));
    await mkdir(join(dir, 'd', 'x'));
    await writeFile(join(dir, 'd', 'x', 'notes.txt'), 'mine');
    await writeFile(join(dir, '.dvcignore'), 'notes.txt\n', { flag: 'a' });
    const r = mlship(['data', 'checkout'], dir);
    expect(r.code, r.stderr).toBe(2);
    expect(oneLine(r)).toMatch(
      /^mlship: d\/x\/notes\.txt has changes that are not in the cache: discard them with `mlship data checkout --force`/,
    );
    expect(await readFile(join(dir, 'd', 'x', 'notes.txt'), 'utf8')).toBe('mine');
    const forced = mlship(suggested(oneLine(r))[0], dir);
    expect(forced.code, forced.stderr).toBe(0);
    expect(await readFile(join(dir, 'd', 'x'), 'utf8')).toBe('x\n');
  });

  it("a folder where a tracked file goes, holding a .dvcignore'd file, is not removed without --force", async () => {
    const dir = join(work, `suggest-${n++}`);
    await mkdir(dir);
    await writeSmallCsv(join(dir, 'data.csv'));
    await trackedRepo(dir);
    await rm(join(dir, 'data.csv'));
    await mkdir(join(dir, 'data.csv'));
    await writeFile(join(dir, 'data.csv', 'notes.txt'), 'mine');
    await writeFile(join(dir, '.dvcignore'), 'notes.txt\n', { flag: 'a' });
    const r = mlship(['data', 'checkout'], dir);
    expect(r.code).toBe(2);
    expect(oneLine(r)).toMatch(/^mlship: data\.csv\/notes\.txt has changes that are not in the cache/);
    expect(await readFile(join(dir, 'data.csv', 'notes.txt'), 'utf8')).toBe('mine');
  });
});
