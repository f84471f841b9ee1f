/**
 * Removes from dist/ what no source in src/ produces any more. `tsc -b` rebuilds only what
 * changed, but never deletes the outputs of a deleted or renamed source: left alone they would
 * still be importable, and `npm pack` would ship them. Runs after every build (`npm run build`).
 */
import { existsSync, readdirSync, rmdirSync, unlinkSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const dist = join(root, 'dist');
const src = join(root, 'src');
// what tsc emits for src/x.ts: dist/x.js, x.js.map, x.d.ts (and x.d.ts.map with declarationMap)
const OUTPUT = /\.(?:js|js\.map|d\.ts|d\.ts\.map)$/;

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
      console.error(`prune-dist: removed ${relative(root, path)} (its source is gone)`);
    } else {
      kept++;
    }
  }
  return kept === 0;
}

if (existsSync(dist)) prune(dist);
