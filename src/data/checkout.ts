/**
 * `checkout`: make the workspace match the `.dvc` files from the cache, and the messages DVC
 * prints for it [dvc `dvc/repo/checkout.py`, `dvc/commands/checkout.py` `log_changes`]:
 * `A\tpath`, `M\tpath`, `D\tpath` per output (directories end with '/'), counts per file.
 * Every plan is made (and every unsaved-file check done) before any output changes.
 *
 * As DVC, a workspace file is replaced or removed without --force only when its content is in the
 * cache (so nothing is lost). Otherwise the checkout is refused — one line naming the files, with
 * the two commands that work from there: the same command with --force to discard the changes, and
 * `mlship data add` to keep them.
 */
import { InvalidInputError, MlshipError, nameSome, shellWord } from '../core/errors.js';
import type { Repo } from './repo.js';
import { displayPath, type TrackedOut } from './stages.js';
import { inCache } from './status.js';
import { isDirOid } from './tree.js';
import { type CheckoutPlan, planCheckout, stateOid, workspaceState } from './workspace.js';

export interface CheckoutResult {
  added: string[];
  modified: string[];
  deleted: string[];
  stats: { modified: number; added: number; deleted: number };
}

/** DVC's CheckoutError, in one line, ending with what to do (`hint`). */
export class CheckoutError extends MlshipError {
  constructor(
    readonly failed: string[],
    readonly result: CheckoutResult,
    hint: string,
  ) {
    super('NOT_FOUND', `Checkout failed for following targets: ${nameSome(failed)}. ${hint}`);
  }
}

export interface CheckoutOptions {
  force?: boolean;
  /** Set by pull: the cache was just filled from the remote, so `pull` is no advice for what is missing. */
  fetched?: boolean;
  /** The command line that does the same with --force, suggested when unsaved files block it. */
  forceCommand?: string;
  /** The working directory paths are shown relative to (default process.cwd()). */
  cwd?: string;
}

export async function checkout(
  repo: Repo,
  outs: TrackedOut[],
  opts: CheckoutOptions = {},
): Promise<CheckoutResult> {
  const result: CheckoutResult = {
    added: [],
    modified: [],
    deleted: [],
    stats: { modified: 0, added: 0, deleted: 0 },
  };
  const failed: TrackedOut[] = [];
  const plans: { t: TrackedOut; plan: CheckoutPlan }[] = [];
  for (const t of outs) {
    const oid = t.out.md5;
    if (!t.out.cache || oid === undefined) continue;
    if (!(await inCache(repo, oid))) {
      failed.push(t);
      continue;
    }
    const tree = isDirOid(oid) ? await repo.cache.readTree(oid) : undefined;
    plans.push({
      t,
      plan: await planCheckout(repo, { abs: t.abs, oid, isexec: t.out.isexec ?? false, tree }, !!opts.force),
    });
  }
  const blocked = plans.filter((p) => p.plan.unsaved.length > 0);
  if (blocked.length > 0) {
    const files = blocked.flatMap((p) => p.plan.unsaved).map((abs) => displayPath(abs, opts.cwd));
    const keep = blocked.map((p) => shellWord(p.t.display)).join(' ');
    const force =
      opts.forceCommand ??
      `mlship data checkout --force ${blocked.map((p) => shellWord(p.t.stageName)).join(' ')}`;
    throw new InvalidInputError(
      `${nameSome(files)} ${files.length === 1 ? 'has' : 'have'} changes that are not in the cache: discard them with \`${force}\`, or keep them with \`mlship data add ${keep}\``,
    );
  }
  for (const { t, plan } of plans) {
    await plan.apply();
    if (plan.change === null) continue;
    const shown = isDirOid(t.out.md5!) ? `${t.display}/` : t.display;
    result[plan.change].push(shown);
    result.stats.added += plan.added;
    result.stats.modified += plan.modified;
    result.stats.deleted += plan.deleted;
  }
  // DVC lists directories first, then files, each alphabetically
  for (const list of [result.added, result.modified, result.deleted]) {
    list.sort((a, b) => Number(!a.endsWith('/')) - Number(!b.endsWith('/')) || (a < b ? -1 : a > b ? 1 : 0));
  }
  if (failed.length > 0) throw await checkoutError(repo, failed, result, opts);
  return result;
}

/**
 * The CheckoutError for outputs whose objects are not in the cache, with advice that works: after a
 * pull, the remote lacks them too; otherwise `pull` them — with --force when the workspace holds
 * content the cache does not, which a plain pull would refuse to overwrite.
 */
async function checkoutError(
  repo: Repo,
  failed: TrackedOut[],
  result: CheckoutResult,
  opts: CheckoutOptions,
): Promise<CheckoutError> {
  const shown = failed.map((t) => t.display);
  if (opts.fetched) {
    return new CheckoutError(
      shown,
      result,
      'The remote does not have them either: push them from where they were added (`mlship data push`).',
    );
  }
  const unsaved: string[] = [];
  for (const t of failed) {
    const oid = stateOid(await workspaceState(repo, t.abs));
    if (oid !== undefined && !(await inCache(repo, oid))) unsaved.push(shellWord(t.display));
  }
  const targets = failed.map((t) => shellWord(t.stageName)).join(' ');
  const hint =
    !opts.force && unsaved.length > 0
      ? `Is your cache up to date? (run \`mlship data pull --force ${targets}\`, which discards the changes to ${nameSome(unsaved)}, or keep them with \`mlship data add ${unsaved.join(' ')}\`)`
      : `Is your cache up to date? (run \`mlship data pull ${targets}\`)`;
  return new CheckoutError(shown, result, hint);
}

/** DVC's `log_changes` lines. */
export function changeLines(r: Pick<CheckoutResult, 'added' | 'modified' | 'deleted'>): string[] {
  return [
    ...r.modified.map((p) => `M\t${p}`),
    ...r.added.map((p) => `A\t${p}`),
    ...r.deleted.map((p) => `D\t${p}`),
  ];
}
