/**
 * The import direction of DESIGN.md's layout, enforced: a folder of src/ may import from folders
 * listed before it, never after. One deliberate change from DESIGN.md's list: tracking/ comes
 * before pipeline/, because the training pipeline logs its runs through the tracking client and
 * tracking needs nothing from the pipeline (see src/tracking/index.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ORDER = [
  'core',
  'table',
  'ml',
  'storage',
  'data',
  'model',
  'tracking',
  'pipeline',
  'serving',
  'ui',
  'cli',
];
const SRC = resolve(__dirname, '../src');

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(p);
    else if (entry.name.endsWith('.ts')) yield p;
  }
}

describe('layout', () => {
  it('every top-level folder of src/ is in the layout', () => {
    const folders = readdirSync(SRC, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(folders.filter((f) => !ORDER.includes(f))).toEqual([]);
  });

  it('imports point only to folders earlier in the layout', () => {
    const violations: string[] = [];
    for (const file of sources(SRC)) {
      const from = relative(SRC, file).split('/')[0];
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)) {
        const target = relative(SRC, resolve(file, '..', m[1])).split('/')[0];
        // src/index.ts, the package's main entry, may import every folder but cli/: the command
        // line is an application of the library API, not part of it.
        if (from === 'index.ts') {
          if (target === 'cli') violations.push(`index.ts imports ${m[1]}`);
          continue;
        }
        if (target === from || target.startsWith('..')) continue;
        if (ORDER.indexOf(target) > ORDER.indexOf(from))
          violations.push(`${relative(SRC, file)} imports ${m[1]}`);
      }
    }
    expect(violations).toEqual([]);
  });
});
