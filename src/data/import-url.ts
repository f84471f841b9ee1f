/**
 * `import-url URL [PATH]`: download a file from a URL (http(s)://, s3://) or a local path into the
 * cache and the workspace, and write `PATH.dvc` as `dvc import-url` does [dvc
 * `dvc/repo/imp_url.py`; format: spec §9, DVC `tests/func/test_import_url.py`]:
 *
 *   md5: <stage checksum>
 *   frozen: true
 *   deps:
 *   - <md5|etag|checksum>: <the source's own checksum>
 *     size: <bytes>
 *     hash: md5
 *     path: <URL>
 *   outs:
 *   - md5: <md5 of the bytes>
 *     size: <bytes>
 *     hash: md5
 *     path: <name>
 *
 * `frozen: true` keeps `status` from querying the source; `pull` takes the data from the remote
 * when it has it and otherwise from the URL, checking the md5 either way (transfer.ts).
 */
import { existsSync } from 'node:fs';
import { basename, relative, resolve, sep } from 'node:path';
import { InvalidInputError, NotFoundError } from '../core/errors.js';
import { urlScheme } from './config.js';
import { DVC_FILE_SUFFIX, orderStage, outEntry, stageMd5, writeDvcFile } from './dvcfile.js';
import { ignoreInGit } from './gitignore.js';
import { type Repo, repoPath } from './repo.js';
import { checksumKey, etagOf, openSource } from './source.js';
import { placeFromCache } from './workspace.js';
import type { YamlValue } from './yaml-writer.js';

export interface ImportResult {
  dvcFile: string;
  md5: string;
  size: number;
  gitignore: string | null;
}

type Dict = { [key: string]: YamlValue };

/** The dependency path DVC records: a URL as given; a local file inside the repo relative to the stage dir. */
function depPath(repo: Repo, url: string, wdir: string, cwd: string): string {
  if (urlScheme(url) !== '') return url;
  const abs = resolve(cwd, url);
  const inRepo = !relative(repo.root, abs).startsWith('..');
  return inRepo ? relative(wdir, abs).split(sep).join('/') : abs;
}

/** Name of the output when none is given: the URL's last path segment, decoded. */
function defaultOut(url: string): string {
  const last =
    url
      .replace(/[?#].*$/, '')
      .replace(/\/+$/, '')
      .split('/')
      .pop() ?? '';
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

export async function importUrl(
  repo: Repo,
  url: string,
  out?: string,
  opts: { force?: boolean; cwd?: string } = {},
): Promise<ImportResult> {
  const cwd = opts.cwd ?? process.cwd();
  const outArg = out ?? defaultOut(url);
  if (outArg === '')
    throw new InvalidInputError(`import-url: cannot tell a file name from ${JSON.stringify(url)}: give PATH`);
  const { abs } = repoPath(repo, outArg, cwd);
  if (existsSync(abs) && !opts.force) {
    throw new InvalidInputError(
      `The file '${outArg}' already exists locally: re-run with --force to overwrite it`,
    );
  }
  const wdir = resolve(abs, '..');
  const recorded = depPath(repo, url, wdir, cwd);
  const src = openSource(urlScheme(url) === '' ? resolve(cwd, url) : url, wdir);
  const info = await src.store.stat(src.key);
  if (!info) throw new NotFoundError(`dependency '${url}' does not exist`);

  const h = await repo.cache.addStreamAnyHash(await src.store.get(src.key));
  await placeFromCache(repo.cache.path(h.md5), abs, repo.config.cacheTypes);

  const dep: Dict = {};
  const key = checksumKey(src.scheme);
  const sourceChecksum = key === 'md5' ? h.md5 : etagOf(info);
  if (sourceChecksum !== undefined) dep[key] = sourceChecksum;
  dep.size = h.size;
  dep.hash = 'md5';
  dep.path = recorded;
  const stage: Dict = { frozen: true, deps: [dep], outs: [outEntry({ ...h, path: basename(abs) })] };
  stage.md5 = stageMd5(stage);
  const dvcFile = abs + DVC_FILE_SUFFIX;
  await writeDvcFile(dvcFile, orderStage(stage));
  const gitignore = repo.noScm ? null : await ignoreInGit(repo.gitRoot, abs);
  return { dvcFile, md5: h.md5, size: h.size, gitignore };
}
