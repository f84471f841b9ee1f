/**
 * `status` and `status -c`, with DVC's states, JSON shape and wording [dvc
 * `dvc/commands/status.py`, `dvc/repo/status.py`, `dvc/stage/__init__.py` `status`,
 * `dvc/output.py` `status`]:
 * - local: per `.dvc` file (named as a path relative to the working directory) a list of
 *   `{"changed outs": {path: state}}`, `{"changed deps": …}` and `"changed checksum"`; an output
 *   is `not in cache` (its recorded objects are missing; checked first), `deleted`, `modified`
 *   (md5 differs) or `new` (no md5 recorded). Frozen stages' dependencies are not checked.
 * - cloud: `{name: state}` for every object the outputs use, the output or `output/relpath`:
 *   `new` (in the cache only), `deleted` (on the remote only), `missing` (in neither).
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { objectKey } from './cache.js';
import { stageMd5 } from './dvcfile.js';
import { hashFile } from './hash.js';
import { mapLimitAll } from './pool.js';
import { RemoteResolver } from './remote.js';
import type { Repo } from './repo.js';
import { collectStages, displayPath, type TrackedOut } from './stages.js';
import { loadTree, namedObjects, type TransferOptions } from './transfer.js';
import { isDirOid } from './tree.js';
import { stateOid, workspaceState } from './workspace.js';

export type StageStatus = (string | { [group: string]: { [path: string]: string } })[];
export type LocalStatus = { [stage: string]: StageStatus };
export type CloudStatus = { [name: string]: 'new' | 'deleted' | 'missing' };

export const UP_TO_DATE_MSG = 'Data and pipelines are up to date.';
export const EMPTY_PROJECT_MSG =
  'There are no data or pipelines tracked in this project yet.\nSee <https://dvc.org/doc/start> to get started!';
export const inSyncMsg = (remote: string | undefined) => `Cache and remote '${remote}' are in sync.`;

/** Are all objects of a recorded output in the cache? (DVC's `changed_cache`, negated.) */
export async function inCache(repo: Repo, oid: string): Promise<boolean> {
  if (!(await repo.cache.has(oid))) return false;
  if (!isDirOid(oid)) return true;
  const tree = await repo.cache.readTree(oid);
  for (const e of tree) if (!(await repo.cache.has(e.md5))) return false;
  return true;
}

async function outState(repo: Repo, t: TrackedOut): Promise<string | null> {
  const { out } = t;
  if (out.md5 !== undefined && out.cache && !(await inCache(repo, out.md5))) return 'not in cache';
  const ws = await workspaceState(repo, t.abs);
  if (ws.kind === 'missing') return 'deleted';
  if (out.md5 !== undefined && stateOid(ws) !== out.md5) return 'modified';
  if (out.md5 === undefined) return 'new';
  return null;
}

export async function localStatus(
  repo: Repo,
  targets: string[] = [],
  cwd = process.cwd(),
): Promise<{ status: LocalStatus; stages: number }> {
  const stages = await collectStages(repo, targets, cwd);
  const status: LocalStatus = {};
  for (const s of stages) {
    const entries: StageStatus = [];
    if (!s.frozen) {
      const deps: { [p: string]: string } = {};
      for (const d of s.deps) {
        // only local sources can be checked here; DVC asks remote filesystems for their etag
        if (/^\w+:\/\//.test(d.path)) continue;
        const abs = resolve(s.wdir, d.path);
        const st = await stat(abs).catch(() => null);
        const shown = displayPath(abs, cwd);
        if (!st) deps[shown] = 'deleted';
        else if (st.isFile() && d.md5 !== undefined && (await hashFile(abs)).md5 !== d.md5)
          deps[shown] = 'modified';
      }
      if (Object.keys(deps).length > 0) entries.push({ 'changed deps': deps });
    }
    const outs: { [p: string]: string } = {};
    for (const out of s.outs) {
      const abs = resolve(s.wdir, out.path);
      const t: TrackedOut = {
        dvc: s,
        out,
        abs,
        display: displayPath(abs, cwd),
        stageName: displayPath(s.file, cwd),
        isImport: s.deps.length > 0,
      };
      const state = await outState(repo, t);
      if (state) outs[t.display] = state;
    }
    if (Object.keys(outs).length > 0) entries.push({ 'changed outs': outs });
    if (s.md5 !== undefined && stageMd5(s.raw) !== s.md5) entries.push('changed checksum');
    if (entries.length > 0) status[displayPath(s.file, cwd)] = entries;
  }
  return { status, stages: stages.length };
}

/**
 * Cache vs remote. Outputs that name their own remote are compared with it (DVC skips them here,
 * which hides their state; mlship reports it).
 */
export async function cloudStatus(
  repo: Repo,
  outs: TrackedOut[],
  opts: TransferOptions = {},
): Promise<CloudStatus> {
  const resolver = new RemoteResolver(repo.config, opts.remote, opts.jobs);
  const result: CloudStatus = {};
  for (const t of outs) {
    if (!t.out.cache || t.out.md5 === undefined || !t.out.push) continue;
    if (opts.remote && t.out.remote && t.out.remote !== opts.remote.toLowerCase()) continue;
    const remote = resolver.get(t.out.remote);
    const tree = isDirOid(t.out.md5) ? await loadTree(repo, t.out.md5, remote) : null;
    const objs = namedObjects(t, tree);
    const states = await mapLimitAll(objs, remote.jobs, async (o) => {
      const [local, onRemote] = await Promise.all([
        repo.cache.has(o.oid),
        remote.store.exists(objectKey(o.oid)),
      ]);
      return local && !onRemote
        ? 'new'
        : !local && onRemote
          ? 'deleted'
          : !local && !onRemote
            ? 'missing'
            : null;
    });
    objs.forEach((o, i) => {
      const st = states[i];
      if (st) result[o.name] = st;
    });
  }
  return result;
}

const STATUS_LEN = 20;

/** DVC's `CmdDataStatus._show`: nested keys end with ':', states padded to 20 columns, tab indents. */
export function formatStatus(status: unknown, indent = 0): string[] {
  const ind = '\t'.repeat(indent);
  if (typeof status === 'string') return [`${ind}${status}`];
  if (Array.isArray(status)) return status.flatMap((s) => formatStatus(s, indent));
  const lines: string[] = [];
  for (const [key, value] of Object.entries(status as object)) {
    if (typeof value === 'string') lines.push(`${ind}${`${value}:`.padEnd(STATUS_LEN)}${key}`);
    else if (value && (!Array.isArray(value) || value.length > 0) && Object.keys(value).length > 0) {
      lines.push(`${ind}${key}:`);
      lines.push(...formatStatus(value, indent + 1));
    }
  }
  return lines;
}

/** The cloud status sorted as DVC prints it: deleted, new, missing; by name within each. */
export function orderCloudStatus(st: CloudStatus): CloudStatus {
  const order = ['deleted', 'new', 'missing'];
  const out: CloudStatus = {};
  for (const state of order) {
    for (const name of Object.keys(st)
      .filter((n) => st[n] === state)
      .sort())
      out[name] = st[name];
  }
  return out;
}
