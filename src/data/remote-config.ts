/**
 * `remote add | modify | remove | list | default`, writing the config as `dvc remote …` does
 * [dvc `dvc/commands/remote.py`]: names are lower-cased; `add` refuses an existing name without
 * --force; `remove` also clears `core.remote` where it named the removed remote; `list` prints
 * `name\turl` with `\t(default)` on the default one. `--local` edits `.dvc/config.local` (for
 * credentials, git-ignored by `init`).
 */
import { InvalidParameterError, NotFoundError } from '../core/errors.js';
import { type ConfigLevel, checkRemoteName, DvcConfig, editConfig, LEVELS, section } from './config.js';

export interface RemoteListEntry {
  name: string;
  url: string;
  default: boolean;
}

export async function remoteAdd(
  dvcDir: string,
  name: string,
  url: string,
  opts: { default?: boolean; force?: boolean; level?: ConfigLevel; cwd?: string } = {},
): Promise<void> {
  const n = checkRemoteName(name);
  if (url === '') throw new InvalidParameterError('remote URL must not be empty');
  await editConfig(
    dvcDir,
    opts.level ?? 'repo',
    (data) => {
      if (data.named.remote.has(n) && !opts.force) {
        throw new InvalidParameterError(`remote '${n}' already exists. Use \`-f|--force\` to overwrite it.`);
      }
      data.named.remote.set(n, new Map([['url', url]]));
      if (opts.default) section(data, 'core').set('remote', n);
    },
    opts.cwd,
  );
}

export async function remoteModify(
  dvcDir: string,
  name: string,
  option: string,
  value: string | undefined,
  opts: { unset?: boolean; level?: ConfigLevel; cwd?: string } = {},
): Promise<void> {
  const n = checkRemoteName(name);
  const key = option.toLowerCase();
  if (!opts.unset && value === undefined)
    throw new InvalidParameterError(`remote modify: a value for ${key} is required (or --unset)`);
  await editConfig(
    dvcDir,
    opts.level ?? 'repo',
    (data, merged) => {
      if (!merged.named.remote.has(n)) throw new NotFoundError(`remote '${n}' doesn't exist.`);
      let s = data.named.remote.get(n);
      if (!s) {
        s = new Map();
        data.named.remote.set(n, s);
      }
      if (opts.unset) s.delete(key);
      else s.set(key, value!);
    },
    opts.cwd,
  );
}

export async function remoteRemove(
  dvcDir: string,
  name: string,
  opts: { level?: ConfigLevel } = {},
): Promise<void> {
  const n = checkRemoteName(name);
  const level = opts.level ?? 'repo';
  const cfg = await DvcConfig.load(dvcDir);
  if (!cfg.merged.named.remote.has(n)) throw new NotFoundError(`remote '${n}' doesn't exist.`);
  // Like DVC, drop core.remote = name from this level and every level that overrides it; unlike
  // DVC, also drop the remote's section there (options kept in config.local), which would
  // otherwise be left without a url and fail validation on every later command.
  for (const l of [...LEVELS].reverse()) {
    await editConfig(dvcDir, l, (data) => {
      if (data.sections.get('core')?.get('remote') === n) data.sections.get('core')!.delete('remote');
      data.named.remote.delete(n);
    }).catch((e) => {
      // system/global files may be unwritable; only the repository's levels must succeed
      if (l === 'repo' || l === 'local') throw e;
    });
    if (l === level) break;
  }
}

export async function remoteDefault(
  dvcDir: string,
  name: string | undefined,
  opts: { unset?: boolean; level?: ConfigLevel } = {},
): Promise<string | undefined> {
  if (name === undefined && !opts.unset) {
    const cfg = await DvcConfig.load(dvcDir);
    if (cfg.defaultRemote === undefined) throw new NotFoundError('No default remote set');
    return cfg.defaultRemote;
  }
  await editConfig(dvcDir, opts.level ?? 'repo', (data, merged) => {
    if (opts.unset) {
      data.sections.get('core')?.delete('remote');
      return;
    }
    const n = checkRemoteName(name!);
    if (!merged.named.remote.has(n))
      throw new NotFoundError('default remote must be present in remote list.');
    section(data, 'core').set('remote', n);
  });
  return undefined;
}

export async function remoteList(dvcDir: string): Promise<RemoteListEntry[]> {
  const cfg = await DvcConfig.load(dvcDir);
  return cfg.remoteNames.map((name) => {
    const url = String(cfg.merged.named.remote.get(name)?.get('url') ?? '');
    return { name, url, default: name === cfg.defaultRemote };
  });
}

export function remoteListLines(entries: RemoteListEntry[]): string[] {
  return entries.map((e) => `${e.name}\t${e.url}${e.default ? '\t(default)' : ''}`);
}
