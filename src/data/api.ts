/**
 * What the rest of mlship uses from data/: pulling tracked data (fetch + checkout, as `dvc pull`)
 * and checking that a data file is the one its `.dvc` file records before training on it.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InvalidInputError, NotFoundError, shellWord } from '../core/errors.js';
import { type CheckoutResult, checkout } from './checkout.js';
import { DVC_FILE_SUFFIX, readDvcFile } from './dvcfile.js';
import { type FileHash, hashFile } from './hash.js';
import { findRoot, openRepo, openRepoAt, type Repo } from './repo.js';
import { collectOuts } from './stages.js';
import { inCache } from './status.js';
import { type FetchResult, fetch, type TransferOptions } from './transfer.js';
import { stateOid, workspaceState } from './workspace.js';

export interface PullResult extends CheckoutResult {
  fetched: number;
}

/** `dvc pull`: fetch what the cache lacks, then check out; checkout is not tried if fetch failed. */
export async function pull(
  repo: Repo,
  targets: string[] = [],
  opts: TransferOptions & { force?: boolean; cwd?: string; forceCommand?: string } = {},
): Promise<PullResult> {
  const outs = await collectOuts(repo, targets, opts.cwd);
  const fetched: FetchResult = await fetch(repo, outs, opts);
  const result = await checkout(repo, outs, { ...opts, fetched: true });
  return { ...result, fetched: fetched.fetched };
}

/**
 * The md5 and size of a data file that has a `.dvc` file beside it (`<dataPath>.dvc`), after
 * checking that the file is exactly what the `.dvc` file records; null when there is no `.dvc`
 * file. A mismatch is an InvalidInputError naming both hashes.
 */
export async function verifyWorkspaceFile(dataPath: string): Promise<FileHash | null> {
  const dvcPath = dataPath + DVC_FILE_SUFFIX;
  if (!existsSync(dvcPath)) return null;
  const dvc = await readDvcFile(dvcPath);
  const abs = resolve(dataPath);
  const out = dvc.outs.find((o) => resolve(dvc.wdir, o.path) === abs);
  if (!out) throw new InvalidInputError(`${dvcPath} does not list ${dataPath} among its outputs`);
  if (out.md5 === undefined) throw new InvalidInputError(`${dvcPath} records no md5 for ${dataPath}`);
  if (!existsSync(abs))
    throw new NotFoundError(`${dataPath} is missing: fetch it with \`mlship data pull ${dvcPath}\``);
  const h = await hashFile(abs);
  if (h.md5 !== out.md5) {
    // The restore suggested must work: plain checkout refuses to overwrite content the cache does
    // not hold (this file's, here), so it takes --force; and pull, when the recorded version is not
    // in the cache either.
    const root = findRoot(dirname(abs));
    const cached = root !== null && (await inCache(await openRepoAt(root), out.md5));
    const restore = `mlship data ${cached ? 'checkout' : 'pull'} --force ${shellWord(dvcPath)}`;
    throw new InvalidInputError(
      `${dataPath} does not match ${dvcPath}: its md5 is ${h.md5}, the .dvc file records ${out.md5} (discard the change and restore it with \`${restore}\`, or record the change with \`mlship data add ${shellWord(dataPath)}\`)`,
    );
  }
  return h;
}

/**
 * Make the outputs of a `.dvc` file present and up to date, pulling them when they are missing or
 * differ (used by `mlship quickstart` for the flagship data). Returns the pull's result, or null
 * when nothing had to be done.
 */
export async function ensurePulled(
  dvcFilePath: string,
  opts: TransferOptions = {},
): Promise<PullResult | null> {
  const dvc = await readDvcFile(dvcFilePath);
  const repo = await openRepo(dirname(resolve(dvcFilePath)));
  let upToDate = true;
  for (const o of dvc.outs) {
    const ws = await workspaceState(repo, resolve(dvc.wdir, o.path));
    if (stateOid(ws) !== o.md5) upToDate = false;
  }
  if (upToDate) return null;
  return pull(repo, [resolve(dvcFilePath)], { ...opts, cwd: repo.root });
}
