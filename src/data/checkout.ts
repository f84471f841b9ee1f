/**
 * `checkout`: make the workspace match the `.dvc` files from the cache, and the messages DVC
 * prints for it [dvc `dvc/repo/checkout.py`, `dvc/commands/checkout.py` `log_changes`]:
 * `A\tpath`, `M\tpath`, `D\tpath` per output (directories end with '/'), counts per file.
 * Every plan is made (and every unsaved-file check done) before any output changes.
 */
import { InvalidInputError, MlshipError } from '../core/errors.js';
import type { Repo } from './repo.js';
import type { TrackedOut } from './stages.js';
import { inCache } from './status.js';
import { isDirOid } from './tree.js';
import { type CheckoutPlan, planCheckout } from './workspace.js';

export interface CheckoutResult {
  added: string[];
  modified: string[];
  deleted: string[];
  stats: { modified: number; added: number; deleted: number };
}

/** DVC's CheckoutError, in one line. */
export class CheckoutError extends MlshipError {
  constructor(
    readonly failed: string[],
    readonly result: CheckoutResult,
  ) {
    super(
      'NOT_FOUND',
      `Checkout failed for following targets: ${failed.join(', ')}. Is your cache up to date? (run \`mlship data pull\`)`,
    );
  }
}

export async function checkout(
  repo: Repo,
  outs: TrackedOut[],
  opts: { force?: boolean } = {},
): Promise<CheckoutResult> {
  const result: CheckoutResult = {
    added: [],
    modified: [],
    deleted: [],
    stats: { modified: 0, added: 0, deleted: 0 },
  };
  const failed: string[] = [];
  const plans: { t: TrackedOut; plan: CheckoutPlan }[] = [];
  for (const t of outs) {
    const oid = t.out.md5;
    if (!t.out.cache || oid === undefined) continue;
    if (!(await inCache(repo, oid))) {
      failed.push(t.display);
      continue;
    }
    const tree = isDirOid(oid) ? await repo.cache.readTree(oid) : undefined;
    plans.push({
      t,
      plan: await planCheckout(repo, { abs: t.abs, oid, isexec: t.out.isexec ?? false, tree }, !!opts.force),
    });
  }
  const unsaved = plans.flatMap((p) => p.plan.unsaved);
  if (unsaved.length > 0) {
    throw new InvalidInputError(
      `Can't remove the following unsaved files without confirmation (use --force to force): ${unsaved.join(', ')}`,
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
  if (failed.length > 0) throw new CheckoutError(failed, result);
  return result;
}

/** DVC's `log_changes` lines. */
export function changeLines(r: Pick<CheckoutResult, 'added' | 'modified' | 'deleted'>): string[] {
  return [
    ...r.modified.map((p) => `M\t${p}`),
    ...r.added.map((p) => `A\t${p}`),
    ...r.deleted.map((p) => `D\t${p}`),
  ];
}
