/**
 * `add PATH`: hash a file or directory, copy it into the cache, write `PATH.dvc` beside it and
 * git-ignore the data, as `dvc add` does [dvc `dvc/repo/add.py`; file format in dvcfile.ts].
 * Every check runs before anything is written, so bad input changes nothing.
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { InvalidInputError, NotFoundError } from '../core/errors.js';
import {
  applyDiff,
  DVC_FILE_SUFFIX,
  type DvcFile,
  orderStage,
  outEntry,
  parseDvcFile,
  writeDvcFile,
} from './dvcfile.js';
import { ignoreInGit, isGitIgnored, isGitTracked } from './gitignore.js';
import { DvcIgnore } from './ignore.js';
import { defaultHashJobs, mapLimitAll } from './pool.js';
import { type Repo, repoPath } from './repo.js';
import { collectStages, displayPath } from './stages.js';
import { manifestBytes, treeOid, walkFiles } from './tree.js';
import type { YamlValue } from './yaml-writer.js';

export interface AddResult {
  /** absolute path of the `.dvc` file written */
  dvcFile: string;
  md5: string;
  size: number;
  nfiles?: number;
  /** the `.gitignore` that was changed, if any */
  gitignore: string | null;
}

type Dict = { [key: string]: YamlValue };

/** Output keys `dvc add` keeps from an existing entry, in `Output.dumpd` order after path. */
const KEPT_OUT_KEYS = ['desc', 'type', 'labels', 'meta', 'cache', 'remote', 'push'];

async function checkNotTrackedElsewhere(
  repo: Repo,
  abs: string,
  dvcFile: string,
  shown: string,
): Promise<void> {
  for (const s of await collectStages(repo)) {
    if (s.file === dvcFile) continue;
    for (const o of s.outs) {
      const other = resolve(s.wdir, o.path);
      const stage = displayPath(s.file);
      if (other === abs) throw new InvalidInputError(`output '${shown}' is already specified in ${stage}`);
      if (abs.startsWith(`${other}/`) || other.startsWith(`${abs}/`)) {
        throw new InvalidInputError(`'${shown}' overlaps with output '${displayPath(other)}' of ${stage}`);
      }
    }
  }
}

export async function add(repo: Repo, path: string, cwd = process.cwd()): Promise<AddResult> {
  const { abs, rel } = repoPath(repo, path, cwd);
  if (abs.endsWith(DVC_FILE_SUFFIX)) throw new InvalidInputError(`DVC file '${path}' cannot be an output.`);
  const st = await stat(abs).catch(() => null);
  if (!st) throw new NotFoundError(`output '${path}' does not exist`);
  if (!st.isFile() && !st.isDirectory())
    throw new InvalidInputError(`output '${path}' is not a file or directory`);
  if ((await DvcIgnore.load(repo.root, rel)).ignores(rel, st.isDirectory())) {
    throw new InvalidInputError(`path '${path}' is ignored by .dvcignore`);
  }
  if (isGitTracked(repo.gitRoot, abs)) {
    throw new InvalidInputError(
      `output '${path}' is already tracked by SCM (e.g. Git): run \`git rm -r --cached '${path}'\` first`,
    );
  }
  const dvcFile = abs + DVC_FILE_SUFFIX;
  if (isGitIgnored(repo.gitRoot, dvcFile)) {
    throw new InvalidInputError(`bad DVC file name '${rel}${DVC_FILE_SUFFIX}' is git-ignored.`);
  }
  let previous: DvcFile | null = null;
  if (existsSync(dvcFile)) {
    previous = parseDvcFile(await readFile(dvcFile, 'utf8'), dvcFile);
    if (previous.deps.length > 0) {
      throw new InvalidInputError(
        `${displayPath(dvcFile, cwd)} is an import: re-import it instead of adding '${path}'`,
      );
    }
  }
  await checkNotTrackedElsewhere(repo, abs, dvcFile, path);

  let entry: Dict;
  let result: Omit<AddResult, 'gitignore' | 'dvcFile'>;
  if (st.isFile()) {
    const h = await repo.cache.addFile(abs);
    result = h;
    entry = outEntry({ ...h, isexec: (st.mode & 0o111) !== 0, path: basename(abs) });
  } else {
    const walked = await walkFiles(abs, rel, await DvcIgnore.load(repo.root, rel));
    const files = await mapLimitAll(walked, defaultHashJobs(), async (w) => ({
      relpath: w.relpath,
      ...(await repo.cache.addFile(w.absPath)),
    }));
    const manifest = manifestBytes(files);
    const oid = treeOid(manifest);
    await repo.cache.addBytes(oid, manifest);
    const size = files.reduce((a, f) => a + f.size, 0);
    result = { md5: oid, size, nfiles: files.length };
    entry = outEntry({ md5: oid, size, nfiles: files.length, path: basename(abs) });
  }

  let doc: Dict = { outs: [entry] };
  if (previous) {
    const oldOut = (previous.raw.outs as Dict[]).find((o) => o.path === basename(abs)) ?? {};
    for (const k of KEPT_OUT_KEYS) if (oldOut[k] !== undefined) entry[k] = oldOut[k];
    doc = orderStage({ desc: previous.raw.desc, meta: previous.raw.meta, outs: [entry] } as Dict);
    doc = applyDiff(doc, previous.raw) as Dict;
  }
  await writeDvcFile(dvcFile, doc);
  const gitignore = repo.noScm ? null : await ignoreInGit(repo.gitRoot, abs);
  return { dvcFile, ...result, gitignore };
}
