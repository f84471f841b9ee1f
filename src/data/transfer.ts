/**
 * push and fetch: moving objects between the cache and remotes, `jobs` at a time.
 *
 * - push uploads what the remote lacks, a directory's files before its `.dir` manifest, and the
 *   manifest only if all of them made it [dvc-data `hashfile/transfer.py` `_do_transfer`], since
 *   DVC takes a present `.dir` to mean its files are present;
 * - fetch downloads what the cache lacks; every object is md5-checked while it streams into a
 *   temporary file and is placed only if it matches its name (cache.ts), so a corrupt remote
 *   object is refused and nothing of it lands in the cache;
 * - an `import-url` output missing from the remote is fetched from its source URL instead,
 *   checked against the md5 recorded in its `.dvc` file (DVC itself goes back to the source only
 *   for outputs imported with --no-download);
 * - failures do not stop the other transfers; they are counted and reported in one line at the
 *   end, as DVC's "N files failed to upload/download".
 */
import { InvalidParameterError, MlshipError, NotFoundError } from '../core/errors.js';
import { createProgress } from '../core/progress.js';
import type { BlobStore } from '../storage/types.js';
import { objectKey } from './cache.js';
import { mapLimit, type Settled } from './pool.js';
import { type Remote, RemoteResolver } from './remote.js';
import type { Repo } from './repo.js';
import { openSource } from './source.js';
import type { TrackedOut } from './stages.js';
import { isDirOid, parseManifest, type TreeEntry } from './tree.js';

export interface TransferOptions {
  remote?: string;
  jobs?: number;
}

/** An object with the name DVC shows for it: the output, or output/relpath inside a directory. */
export interface NamedObject {
  oid: string;
  name: string;
}

export function describeError(e: unknown): string {
  if (e instanceof MlshipError) return e.message;
  return String((e as Error)?.message ?? e);
}

function plural(n: number, what: string): string {
  return `${n} file${n === 1 ? '' : 's'} ${what}`;
}

/**
 * One line for N failures: the count and the first reason. Exit code 2 when every failure is one
 * the user fixes (an object the remote lacks, a remote down or refusing them), 1 when any is a bug.
 */
export class TransferError extends MlshipError {
  constructor(
    readonly failed: number,
    verb: string,
    firstReason: string,
    usersToFix = false,
  ) {
    super(usersToFix ? 'UNAVAILABLE' : 'INTERNAL', `${plural(failed, `failed to ${verb}`)}: ${firstReason}`);
  }
}

/** Throw the TransferError for a batch of settled transfers, if any failed. */
function throwIfFailed(failures: { name: string; error: unknown }[], verb: string): void {
  if (failures.length === 0) return;
  const first = failures[0];
  const reason = describeError(first.error);
  throw new TransferError(
    failures.length,
    verb,
    reason.includes(first.name) ? reason : `${first.name}: ${reason}`,
    failures.every((f) => f.error instanceof MlshipError && f.error.exitCode === 2),
  );
}

async function downloadManifestBytes(store: BlobStore, oid: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await store.get(objectKey(oid))) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/**
 * The entries of a directory output: from the cache, else from `remote` (verified, then kept in
 * the cache as DVC does). null when neither has the manifest.
 */
export async function loadTree(repo: Repo, oid: string, remote: Remote | null): Promise<TreeEntry[] | null> {
  if (await repo.cache.has(oid)) return repo.cache.readTree(oid);
  if (!remote) return null;
  let bytes: Buffer;
  try {
    bytes = await downloadManifestBytes(remote.store, oid);
  } catch (e) {
    if (e instanceof NotFoundError) return null;
    throw e;
  }
  await repo.cache.addBytes(oid, bytes);
  return parseManifest(bytes, `${remote.store.url}/${objectKey(oid)}`);
}

/** Every object an output needs, the `.dir` manifest last. */
export function namedObjects(t: TrackedOut, tree: TreeEntry[] | null): NamedObject[] {
  const oid = t.out.md5!;
  if (!isDirOid(oid)) return [{ oid, name: t.display }];
  const seen = new Set<string>();
  const objs: NamedObject[] = [];
  for (const e of tree ?? []) {
    if (seen.has(e.md5)) continue;
    seen.add(e.md5);
    objs.push({ oid: e.md5, name: `${t.display}/${e.relpath}` });
  }
  objs.push({ oid, name: t.display });
  return objs;
}

function cachedOuts(outs: TrackedOut[]): TrackedOut[] {
  return outs.filter((t) => t.out.cache && t.out.md5 !== undefined);
}

export interface PushResult {
  pushed: number;
  /** objects neither in the cache nor on the remote */
  missing: string[];
}

export async function push(repo: Repo, outs: TrackedOut[], opts: TransferOptions = {}): Promise<PushResult> {
  const resolver = new RemoteResolver(repo.config, opts.remote, opts.jobs);
  const byRemote = new Map<Remote, TrackedOut[]>();
  for (const t of cachedOuts(outs)) {
    if (!t.out.push) continue;
    if (opts.remote && t.out.remote && t.out.remote !== opts.remote.toLowerCase()) continue;
    const r = resolver.get(t.out.remote);
    requireRemoteWritable(r);
    byRemote.set(r, [...(byRemote.get(r) ?? []), t]);
  }
  let pushed = 0;
  const missing: string[] = [];
  for (const [remote, group] of byRemote) {
    const files: NamedObject[] = [];
    const dirs: { dir: NamedObject; entries: NamedObject[] }[] = [];
    for (const t of group) {
      const oid = t.out.md5!;
      if (!isDirOid(oid)) {
        files.push({ oid, name: t.display });
        continue;
      }
      const tree = (await repo.cache.has(oid)) ? await repo.cache.readTree(oid) : null;
      if (tree === null) {
        if (!(await remote.store.exists(objectKey(oid)))) missing.push(t.display);
        continue;
      }
      const objs = namedObjects(t, tree);
      dirs.push({ dir: objs[objs.length - 1], entries: objs.slice(0, -1) });
      files.push(...objs.slice(0, -1));
    }
    const unique = [...new Map(files.map((o) => [o.oid, o])).values()];
    const progress = createProgress(`push → ${remote.name}`, unique.length + dirs.length);
    let done = 0;
    const failures: { name: string; error: unknown }[] = [];
    const onRemote = new Set<string>();
    const upload = async (o: NamedObject): Promise<void> => {
      const key = objectKey(o.oid);
      if (await remote.store.exists(key)) {
        onRemote.add(o.oid);
      } else if (!(await repo.cache.has(o.oid))) {
        missing.push(o.name);
      } else {
        await remote.store.put(key, repo.cache.read(o.oid), { size: await repo.cache.size(o.oid) });
        onRemote.add(o.oid);
        pushed++;
      }
      progress.update(++done, o.name);
    };
    const collect = (settled: Settled<void>[], objs: NamedObject[]) =>
      settled.forEach((s, i) => {
        if (!s.ok) failures.push({ name: objs[i].name, error: s.error });
      });
    collect(await mapLimit(unique, remote.jobs, upload), unique);
    const complete = dirs.filter((d) => d.entries.every((e) => onRemote.has(e.oid))).map((d) => d.dir);
    collect(await mapLimit(complete, remote.jobs, upload), complete);
    progress.finish(done);
    throwIfFailed(failures, 'upload');
  }
  return { pushed, missing };
}

export interface FetchResult {
  fetched: number;
}

/** Download one object into the cache from `store`, verified. */
async function download(
  repo: Repo,
  store: BlobStore,
  key: string,
  oid: string,
  source: string,
): Promise<void> {
  await repo.cache.addStream(oid, await store.get(key), source);
}

export async function fetch(
  repo: Repo,
  outs: TrackedOut[],
  opts: TransferOptions = {},
): Promise<FetchResult> {
  const resolver = new RemoteResolver(repo.config, opts.remote, opts.jobs);
  let fetched = 0;
  const failures: { name: string; error: unknown }[] = [];
  const work: { obj: NamedObject; remote: Remote | null; t: TrackedOut }[] = [];
  for (const t of cachedOuts(outs)) {
    if (opts.remote && t.out.remote && t.out.remote !== opts.remote.toLowerCase()) continue;
    // An import with no remote configured can still come from its source.
    const remote =
      t.isImport && resolver.nameFor(t.out.remote) === undefined ? null : resolver.get(t.out.remote);
    const oid = t.out.md5!;
    let tree: TreeEntry[] | null = null;
    if (isDirOid(oid)) {
      const hadManifest = await repo.cache.has(oid);
      try {
        tree = await loadTree(repo, oid, remote);
      } catch (e) {
        failures.push({ name: t.display, error: e });
        continue;
      }
      if (tree === null) {
        failures.push({
          name: t.display,
          error: new NotFoundError(`${t.display}: ${objectKey(oid)} is not on remote '${remote?.name}'`),
        });
        continue;
      }
      if (!hadManifest) fetched++;
    }
    for (const obj of namedObjects(t, tree)) {
      if (isDirOid(obj.oid)) continue;
      if (!(await repo.cache.has(obj.oid))) work.push({ obj, remote, t });
    }
  }
  const unique = [...new Map(work.map((w) => [w.obj.oid, w])).values()];
  const jobs = opts.jobs ?? Math.max(1, ...unique.map((w) => w.remote?.jobs ?? 1));
  const progress = createProgress('fetch', unique.length);
  let done = 0;
  const settled = await mapLimit(unique, jobs, async ({ obj, remote, t }) => {
    try {
      if (!remote) throw new NotFoundError('no remote configured');
      await download(
        repo,
        remote.store,
        objectKey(obj.oid),
        obj.oid,
        `remote '${remote.name}' (${remote.store.url})`,
      );
    } catch (e) {
      if (!(e instanceof NotFoundError) || !t.isImport || isDirOid(t.out.md5!)) throw e;
      // not on the remote: go back to where the data came from
      const src = openSource(t.dvc.deps[0].path, t.dvc.wdir);
      await download(repo, src.store, src.key, obj.oid, `source ${src.url}`);
    } finally {
      progress.update(++done, obj.name);
    }
  });
  progress.finish(done);
  settled.forEach((s, i) => {
    if (s.ok) fetched++;
    else failures.push({ name: unique[i].obj.name, error: s.error });
  });
  throwIfFailed(failures, 'download');
  return { fetched };
}

/** DVC's summary line: "1 file pushed", "2 files fetched and 1 file added", or null for nothing. */
export function summary(stats: [string, number][]): string | null {
  const parts = stats.filter(([, n]) => n > 0).map(([what, n]) => plural(n, what));
  if (parts.length === 0) return null;
  return parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

export function requireRemoteWritable(remote: Remote): void {
  if (remote.store.readOnly)
    throw new InvalidParameterError(`remote '${remote.name}' (${remote.store.url}) is read-only`);
}
