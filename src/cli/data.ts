/**
 * `mlship data …`: DVC's data commands with DVC's arguments, messages and `--json` output. The
 * actions are plain functions over an `Io` (stdout/stderr writers and a working directory) so they
 * can be run in-process; registerData wires them to commander through `action()`, which turns any
 * error into one `mlship: …` line and a non-zero exit.
 */
import type { Command } from 'commander';
import { InvalidParameterError, shellWord } from '../core/errors.js';
import type { ConfigLevel } from '../data/index.js';
import {
  add,
  changeLines,
  checkJobs,
  checkout,
  cloudStatus,
  collectOuts,
  EMPTY_PROJECT_MSG,
  fetch,
  formatStatus,
  importUrl,
  initRepo,
  inSyncMsg,
  localStatus,
  openRepo,
  orderCloudStatus,
  pull,
  push,
  remoteAdd,
  remoteDefault,
  remoteList,
  remoteListLines,
  remoteModify,
  remoteRemove,
  summary,
  UP_TO_DATE_MSG,
} from '../data/index.js';
import { action } from './run.js';

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  cwd: string;
}

export const processIo = (): Io => ({
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
  cwd: process.cwd(),
});

interface TransferFlags {
  remote?: string;
  jobs?: string;
  json?: boolean;
}

function jobsOf(flags: TransferFlags): number | undefined {
  if (flags.jobs === undefined) return undefined;
  if (!/^\d+$/.test(flags.jobs))
    throw new InvalidParameterError(`-j/--jobs must be a whole number ≥ 1, got "${flags.jobs}"`);
  return checkJobs(Number(flags.jobs));
}

function levelOf(flags: {
  local?: boolean;
  global?: boolean;
  system?: boolean;
  project?: boolean;
}): ConfigLevel {
  const chosen = (['local', 'global', 'system'] as const).filter((l) => flags[l]);
  if (chosen.length > 1) throw new InvalidParameterError(`choose one of --local, --global, --system`);
  return chosen[0] ?? 'repo';
}

/** The command line the user ran, with --force: what a refusal for unsaved files suggests. */
function forceCommand(command: 'checkout' | 'pull', targets: string[], remote?: string): string {
  const r = remote === undefined ? '' : ` -r ${shellWord(remote)}`;
  return `mlship data ${command} --force${r}${targets.map((t) => ` ${shellWord(t)}`).join('')}`;
}

const json = (io: Io, value: unknown) => io.out(JSON.stringify(value));
const lines = (io: Io, text: string) => {
  for (const l of text.split('\n')) io.out(l);
};

/** The command actions, callable in-process. */
export const dataCommands = {
  async init(flags: { noScm?: boolean; force?: boolean; scm?: boolean }, io: Io): Promise<void> {
    // commander turns --no-scm into scm: false
    await initRepo(io.cwd, { noScm: flags.noScm ?? flags.scm === false, force: flags.force });
    io.out('Initialized DVC repository.');
  },

  async add(paths: string[], flags: { json?: boolean }, io: Io): Promise<void> {
    const repo = await openRepo(io.cwd);
    const results = [];
    for (const p of paths) results.push(await add(repo, p, io.cwd));
    if (flags.json) json(io, results);
    else
      for (const r of results)
        io.err(
          `Added ${r.dvcFile} (md5 ${r.md5}, ${r.size} bytes${r.nfiles !== undefined ? `, ${r.nfiles} files` : ''})`,
        );
  },

  async status(
    targets: string[],
    flags: TransferFlags & { cloud?: boolean; quiet?: boolean },
    io: Io,
  ): Promise<void> {
    const repo = await openRepo(io.cwd);
    if (flags.cloud || flags.remote) {
      const outs = await collectOuts(repo, targets, io.cwd);
      const st = orderCloudStatus(
        await cloudStatus(repo, outs, { remote: flags.remote, jobs: jobsOf(flags) }),
      );
      if (flags.json) return json(io, st);
      if (flags.quiet) {
        if (Object.keys(st).length > 0) process.exitCode = 1;
        return;
      }
      if (Object.keys(st).length > 0) {
        // `-c` indents by one tab; `-r` alone does not [dvc commands/status.py]
        for (const l of formatStatus(st, flags.cloud ? 1 : 0)) io.out(l);
      } else if (outs.length === 0) lines(io, EMPTY_PROJECT_MSG);
      else io.out(inSyncMsg(flags.remote ?? repo.config.defaultRemote));
      return;
    }
    const { status, stages } = await localStatus(repo, targets, io.cwd);
    if (flags.json) return json(io, status);
    if (flags.quiet) {
      if (Object.keys(status).length > 0) process.exitCode = 1;
      return;
    }
    if (Object.keys(status).length > 0) for (const l of formatStatus(status)) io.out(l);
    else lines(io, stages === 0 ? EMPTY_PROJECT_MSG : UP_TO_DATE_MSG);
  },

  async push(targets: string[], flags: TransferFlags, io: Io): Promise<void> {
    const repo = await openRepo(io.cwd);
    const r = await push(repo, await collectOuts(repo, targets, io.cwd), {
      remote: flags.remote,
      jobs: jobsOf(flags),
    });
    if (r.missing.length > 0) {
      io.err(
        `WARNING: Some of the cache files do not exist neither locally nor on remote. Missing cache files: ${r.missing.join(', ')}`,
      );
    }
    if (flags.json) return json(io, r);
    io.out(summary([['pushed', r.pushed]]) ?? 'Everything is up to date.');
  },

  async fetch(targets: string[], flags: TransferFlags, io: Io): Promise<void> {
    const repo = await openRepo(io.cwd);
    const r = await fetch(repo, await collectOuts(repo, targets, io.cwd), {
      remote: flags.remote,
      jobs: jobsOf(flags),
    });
    if (flags.json) return json(io, r);
    io.out(summary([['fetched', r.fetched]]) ?? 'Everything is up to date.');
  },

  async pull(targets: string[], flags: TransferFlags & { force?: boolean }, io: Io): Promise<void> {
    const repo = await openRepo(io.cwd);
    const r = await pull(repo, targets, {
      remote: flags.remote,
      jobs: jobsOf(flags),
      force: flags.force,
      cwd: io.cwd,
      forceCommand: forceCommand('pull', targets, flags.remote),
    });
    if (flags.json) return json(io, r);
    for (const l of changeLines(r)) io.out(l);
    io.out(
      summary([
        ['fetched', r.fetched],
        ['modified', r.stats.modified],
        ['added', r.stats.added],
        ['deleted', r.stats.deleted],
      ]) ?? 'Everything is up to date.',
    );
  },

  async checkout(
    targets: string[],
    flags: { force?: boolean; summary?: boolean; json?: boolean },
    io: Io,
  ): Promise<void> {
    const repo = await openRepo(io.cwd);
    const r = await checkout(repo, await collectOuts(repo, targets, io.cwd), {
      force: flags.force,
      cwd: io.cwd,
      forceCommand: forceCommand('checkout', targets),
    });
    if (flags.json) return json(io, r);
    if (flags.summary) {
      io.out(
        summary([
          ['modified', r.stats.modified],
          ['added', r.stats.added],
          ['deleted', r.stats.deleted],
        ]) ?? 'No changes.',
      );
    } else for (const l of changeLines(r)) io.out(l);
  },

  async importUrl(
    url: string,
    path: string | undefined,
    flags: { force?: boolean; json?: boolean },
    io: Io,
  ): Promise<void> {
    const repo = await openRepo(io.cwd);
    const r = await importUrl(repo, url, path, { force: flags.force, cwd: io.cwd });
    if (flags.json) return json(io, r);
    io.err(`Imported ${url} into ${r.dvcFile} (md5 ${r.md5}, ${r.size} bytes)`);
  },

  async remoteAdd(
    name: string,
    url: string,
    flags: { default?: boolean; force?: boolean; local?: boolean },
    io: Io,
  ): Promise<void> {
    const repo = await openRepo(io.cwd);
    if (flags.default) io.out(`Setting '${name.toLowerCase()}' as a default remote.`);
    await remoteAdd(repo.dvcDir, name, url, {
      default: flags.default,
      force: flags.force,
      level: levelOf(flags),
      cwd: io.cwd,
    });
  },

  async remoteModify(
    name: string,
    option: string,
    value: string | undefined,
    flags: { unset?: boolean; local?: boolean },
    io: Io,
  ): Promise<void> {
    const repo = await openRepo(io.cwd);
    await remoteModify(repo.dvcDir, name, option, value, {
      unset: flags.unset,
      level: levelOf(flags),
      cwd: io.cwd,
    });
  },

  async remoteRemove(name: string, flags: { local?: boolean }, io: Io): Promise<void> {
    const repo = await openRepo(io.cwd);
    await remoteRemove(repo.dvcDir, name, { level: levelOf(flags) });
  },

  async remoteDefault(
    name: string | undefined,
    flags: { unset?: boolean; local?: boolean },
    io: Io,
  ): Promise<void> {
    const repo = await openRepo(io.cwd);
    const current = await remoteDefault(repo.dvcDir, name, { unset: flags.unset, level: levelOf(flags) });
    if (current !== undefined) io.out(current);
  },

  async remoteList(flags: { json?: boolean }, io: Io): Promise<void> {
    const repo = await openRepo(io.cwd);
    const entries = await remoteList(repo.dvcDir);
    if (flags.json) return json(io, entries);
    for (const l of remoteListLines(entries)) io.out(l);
  },
};

const REMOTE_OPT = [
  '-r, --remote <name>',
  "remote to use (default: the output's own, else core.remote)",
] as const;
const JOBS_OPT = [
  '-j, --jobs <n>',
  "parallel transfers (default: the remote's jobs, else 4 × CPU count)",
] as const;

export function registerData(program: Command): void {
  const data = program
    .command('data')
    .description('DVC-compatible data versioning: .dvc files, cache and remotes that `dvc` reads too');

  data
    .command('init')
    .description('create .dvc/ (config, .gitignore) and .dvcignore, as `dvc init`')
    .option('--no-scm', 'not in a git repository: record core.no_scm and write no .gitignore files')
    .option('-f, --force', 're-create .dvc/ if it exists')
    .action(action(async (flags) => dataCommands.init(flags, processIo())));

  data
    .command('add')
    .description('track a file or directory: hash it, cache it, write PATH.dvc and git-ignore PATH')
    .argument('<paths...>', 'files or directories inside the repository')
    .option('--json', 'print the results as JSON')
    .action(action(async (paths: string[], flags) => dataCommands.add(paths, flags, processIo())));

  data
    .command('status')
    .description('workspace vs .dvc files; with -c, cache vs remote')
    .argument('[targets...]', '.dvc files or tracked paths (default: all)')
    .option('-c, --cloud', 'compare the cache with the remote')
    .option(...REMOTE_OPT)
    .option(...JOBS_OPT)
    .option('-q, --quiet', 'print nothing; exit 1 if anything changed')
    .option('--json', 'print the status as JSON')
    .action(action(async (targets: string[], flags) => dataCommands.status(targets, flags, processIo())));

  for (const [name, desc] of [
    ['push', 'upload cached data that the remote lacks'],
    ['fetch', 'download data the cache lacks (md5-checked), without touching the workspace'],
  ] as const) {
    data
      .command(name)
      .description(desc)
      .argument('[targets...]', '.dvc files or tracked paths (default: all)')
      .option(...REMOTE_OPT)
      .option(...JOBS_OPT)
      .option('--json', 'print the counts as JSON')
      .action(action(async (targets: string[], flags) => dataCommands[name](targets, flags, processIo())));
  }

  data
    .command('pull')
    .description('fetch, then check out')
    .argument('[targets...]', '.dvc files or tracked paths (default: all)')
    .option(...REMOTE_OPT)
    .option(...JOBS_OPT)
    .option('-f, --force', 'overwrite workspace files whose content is not in the cache')
    .option('--json', 'print the result as JSON')
    .action(action(async (targets: string[], flags) => dataCommands.pull(targets, flags, processIo())));

  data
    .command('checkout')
    .description('make the workspace match the .dvc files, from the cache')
    .argument('[targets...]', '.dvc files or tracked paths (default: all)')
    .option('-f, --force', 'overwrite workspace files whose content is not in the cache')
    .option('--summary', 'print counts instead of one line per output')
    .option('--json', 'print the result as JSON')
    .action(action(async (targets: string[], flags) => dataCommands.checkout(targets, flags, processIo())));

  data
    .command('import-url')
    .description('download URL (http(s)://, s3://, or a path) and track it with its origin recorded')
    .argument('<url>', 'where the data comes from')
    .argument('[path]', "where to put it (default: the URL's file name)")
    .option('-f, --force', 'overwrite PATH if it exists')
    .option('--json', 'print the result as JSON')
    .action(
      action(async (url: string, path: string | undefined, flags) =>
        dataCommands.importUrl(url, path, flags, processIo()),
      ),
    );

  const remote = data
    .command('remote')
    .description('configure remotes in .dvc/config (or .dvc/config.local)');
  const levelOpts = (c: Command) =>
    c
      .option('--local', 'use .dvc/config.local (git-ignored: put credentials there)')
      .option('--global', 'use the per-user DVC config')
      .option('--system', 'use the system-wide DVC config');
  levelOpts(
    remote
      .command('add')
      .description('add a remote')
      .argument('<name>')
      .argument('<url>', 's3://bucket/prefix, https://…, or a local path')
      .option('-d, --default', 'make it the default remote')
      .option('-f, --force', 'replace an existing remote of that name'),
  ).action(
    action(async (name: string, url: string, flags) => dataCommands.remoteAdd(name, url, flags, processIo())),
  );
  levelOpts(
    remote
      .command('modify')
      .description('set (or --unset) an option of a remote, e.g. endpointurl, region, access_key_id')
      .argument('<name>')
      .argument('<option>')
      .argument('[value]')
      .option('-u, --unset', 'remove the option'),
  ).action(
    action(async (name: string, option: string, value: string | undefined, flags) =>
      dataCommands.remoteModify(name, option, value, flags, processIo()),
    ),
  );
  levelOpts(remote.command('remove').description('remove a remote').argument('<name>')).action(
    action(async (name: string, flags) => dataCommands.remoteRemove(name, flags, processIo())),
  );
  levelOpts(
    remote
      .command('default')
      .description('print, set or --unset the default remote')
      .argument('[name]')
      .option('-u, --unset', 'clear the default remote'),
  ).action(
    action(async (name: string | undefined, flags) => dataCommands.remoteDefault(name, flags, processIo())),
  );
  remote
    .command('list')
    .description('list remotes: name, url, and (default)')
    .option('--json', 'print the remotes as JSON')
    .action(action(async (flags) => dataCommands.remoteList(flags, processIo())));
}
