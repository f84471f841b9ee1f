#!/usr/bin/env node
// bench/data: mlship data add + push + pull of a directory of mixed-size files against a local
// remote, timed, and mlship's md5 throughput against md5sum's on the same files in the same run.
//
//   npm run build && node bench/data.mjs              # 1 GiB
//   node bench/data.mjs --size 256 --jobs 8           # size in MiB
//
// The data (random bytes in a seeded mix of sizes: many small files, some medium, a few large) is
// generated into a temp folder, with the repository, its cache and the remote beside it, and removed at the end.
// Both hashers read files that are already in the page cache (just written), so the comparison is
// of hashing speed, not of the disk. Needs a build (dist/) and md5sum (coreutils).
import { execFileSync, spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { opt, root } from './lib.mjs';

const MiB = 1024 * 1024;
const totalBytes = Number(opt('size', '1024')) * MiB;
const jobs = opt('jobs', undefined);

const dist = join(root, 'dist/data/index.js');
if (!existsSync(dist)) {
  console.error(`bench/data: missing the build: ${dist} (run npm run build)`);
  process.exit(2);
}
const data = await import(dist);
const { dataCommands } = await import(join(root, 'dist/cli/data.js'));

// A deterministic file-size mix: ~15% of the bytes in small files (4-64 KiB), ~35% in medium
// (256 KiB-4 MiB), ~50% in large (32-64 MiB) — many files and few big ones, as datasets are.
function* sizes(total, seed) {
  let s = seed >>> 0;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const budget = { small: total * 0.15, medium: total * 0.35, large: total * 0.5 };
  const ranges = { small: [4 * 1024, 64 * 1024], medium: [256 * 1024, 4 * MiB], large: [32 * MiB, 64 * MiB] };
  for (const kind of ['small', 'medium', 'large']) {
    let left = budget[kind];
    const [lo, hi] = ranges[kind];
    while (left > lo) {
      const n = Math.min(Math.floor(lo + rand() * (hi - lo)), Math.floor(left));
      left -= n;
      yield [kind, n];
    }
  }
}

const work = mkdtempSync(join(tmpdir(), 'mlship-bench-data-'));
const quiet = { out: () => {}, err: () => {} };
const results = [];
const time = async (what, bytes, fn) => {
  const t0 = process.hrtime.bigint();
  const r = await fn();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  results.push({ what, s, mbps: bytes / MiB / s });
  return r;
};

try {
  const repo = join(work, 'repo');
  const dataDir = join(repo, 'data/bench');
  const remote = join(work, 'remote');
  mkdirSync(dataDir, { recursive: true });
  execFileSync('git', ['init', '-q'], { cwd: repo });
  await dataCommands.init({}, { ...quiet, cwd: repo });
  await dataCommands.remoteAdd('local', remote, { default: true }, { ...quiet, cwd: repo });

  const files = [];
  let written = 0;
  let i = 0;
  for (const [kind, n] of sizes(totalBytes, 42)) {
    const dir = join(dataDir, kind, String(i % 16).padStart(2, '0'));
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `f${String(i++).padStart(5, '0')}.bin`);
    // random bytes: no two files share content, so every file is its own cache object
    writeFileSync(path, randomFillSync(Buffer.allocUnsafe(n)));
    files.push(path);
    written += n;
  }
  const counts = { files: files.length, bytes: written };
  console.error(`bench/data: ${counts.files} files, ${(written / MiB).toFixed(0)} MiB in ${dataDir}`);

  // md5 throughput, both warm, alternated twice (A B A B) so drift hits both
  const hashAll = async () => {
    for (const f of files) await data.hashFile(f);
  };
  const md5sumAll = () => {
    // xargs batches the file list; md5sum's output is discarded
    const r = spawnSync('sh', ['-c', `find "${dataDir}" -type f -print0 | xargs -0 md5sum > /dev/null`]);
    if (r.status !== 0) throw new Error(`md5sum failed: ${r.stderr}`);
  };
  for (let round = 1; round <= 2; round++) {
    await time(`md5: mlship hashFile (round ${round})`, written, hashAll);
    await time(`md5: md5sum (round ${round})`, written, md5sumAll);
  }

  const io = { ...quiet, cwd: repo };
  const flags = jobs ? { jobs } : {};
  await time('add  (hash + copy into cache)', written, () => dataCommands.add(['data/bench'], {}, io));
  await time('push (cache → local remote)', written, () => dataCommands.push([], flags, io));
  rmSync(join(repo, '.dvc/cache'), { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
  await time('pull (remote → cache → workspace, md5-checked)', written, () =>
    dataCommands.pull([], flags, io),
  );
  const st = { lines: [] };
  await dataCommands.status([], {}, { ...io, out: (l) => st.lines.push(l) });
  if (st.lines[0] !== 'Data and pipelines are up to date.')
    throw new Error(`after pull: ${st.lines.join(' | ')}`);

  const ours = results.filter((r) => r.what.startsWith('md5: mlship')).map((r) => r.mbps);
  const theirs = results.filter((r) => r.what.startsWith('md5: md5sum')).map((r) => r.mbps);
  const best = (a) => Math.max(...a);
  console.log(
    `\nbench/data — ${counts.files} files, ${(written / MiB).toFixed(0)} MiB, jobs ${jobs ?? data.defaultJobs()}`,
  );
  console.log(`${'step'.padEnd(52)}${'seconds'.padStart(9)}${'MiB/s'.padStart(9)}`);
  for (const r of results)
    console.log(`${r.what.padEnd(52)}${r.s.toFixed(2).padStart(9)}${r.mbps.toFixed(0).padStart(9)}`);
  console.log(`md5 throughput, mlship / md5sum (best of 2): ${(best(ours) / best(theirs)).toFixed(2)}x`);
} finally {
  // cache objects are read-only files; rm -rf handles them
  rmSync(work, { recursive: true, force: true });
}
