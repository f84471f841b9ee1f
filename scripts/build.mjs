/**
 * `npm run build`: an incremental `tsc -b` (state in dist/.tsbuildinfo), so a build with nothing
 * changed compiles nothing, and two repairs `tsc -b` does not make on its own:
 * - it trusts its build info, not dist/: an output deleted by hand would stay missing. When a
 *   source's .js or .d.ts is absent, the build info is dropped and everything is rebuilt.
 * - it never deletes the outputs of a deleted or renamed source: left alone they would still be
 *   importable and `npm pack` would ship them. They are removed after the build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmdirSync, rmSync, unlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const dist = join(root, 'dist');
const src = join(root, 'src');
const buildInfo = join(dist, '.tsbuildinfo');
// what tsc emits for src/x.ts: dist/x.js, x.js.map, x.d.ts (and x.d.ts.map with declarationMap)
const OUTPUT = /\.(?:js|js\.map|d\.ts|d\.ts\.map)$/;

function* sources(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) yield relative(src, path);
  }
}

/** Prunes `dir`; returns true when it is left empty. */
function prune(dir) {
  let kept = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (prune(path)) rmdirSync(path);
      else kept++;
      continue;
    }
    const rel = relative(dist, path);
    if (OUTPUT.test(rel) && !existsSync(join(src, rel.replace(OUTPUT, '.ts')))) {
      unlinkSync(path);
      console.error(`build: removed ${relative(root, path)} (its source is gone)`);
    } else {
      kept++;
    }
  }
  return kept === 0;
}

if (existsSync(buildInfo)) {
  for (const file of sources(src)) {
    const base = join(dist, file.replace(/\.ts$/, ''));
    if (!existsSync(`${base}.js`) || !existsSync(`${base}.d.ts`)) {
      console.error(`build: ${relative(root, base)}.js or .d.ts is missing; rebuilding everything`);
      rmSync(buildInfo);
      break;
    }
  }
}
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const result = spawnSync(process.execPath, [tsc, '-b', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});
if (result.status !== 0) process.exit(result.status ?? 1);
if (existsSync(dist)) prune(dist);
