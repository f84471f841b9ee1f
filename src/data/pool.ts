/**
 * Bounded parallelism for transfers and hashing: at most `limit` tasks in flight. Every task runs
 * to completion even when another fails (so no transfer is abandoned half-way with its temp file
 * still open); the results come back in input order with each failure kept next to its item.
 */
import os from 'node:os';

export type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<Settled<R>[]> {
  const results = new Array<Settled<R>>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = { ok: true, value: await fn(items[i], i) };
      } catch (error) {
        results[i] = { ok: false, error };
      }
    }
  };
  const n = Math.max(1, Math.min(limit, items.length));
  await Promise.all(Array.from({ length: n }, worker));
  return results;
}

/** Like mapLimit, but rethrows the first failure after every task has finished. */
export async function mapLimitAll<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const settled = await mapLimit(items, limit, fn);
  const failed = settled.find((s) => !s.ok);
  if (failed && !failed.ok) throw failed.error;
  return settled.map((s) => (s as { ok: true; value: R }).value);
}

/**
 * DVC's default number of parallel transfers: `4 * cpu_count()` [dvc-objects
 * `fs/base.py` `_JOBS`; `dvc push --help`: "The default value is 4 * cpu_count()"].
 */
export function defaultJobs(): number {
  return 4 * os.cpus().length;
}

/** Parallel hashing jobs, DVC's `max(1, min(4, cpu_count() // 2))` [dvc-objects `HASH_JOBS`]. */
export function defaultHashJobs(): number {
  return Math.max(1, Math.min(4, Math.floor(os.cpus().length / 2)));
}
