/**
 * Compile a TypeScript entry and the project files it imports to plain ESM JavaScript, so a
 * worker thread or child process (which Node 20 cannot feed TypeScript) can run the real store
 * code. The output lives under node_modules/.cache so `better-sqlite3` and `pg` resolve from the
 * project's node_modules; each call gets a fresh folder, removed by `cleanup`.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export interface BuiltEntry {
  /** Absolute path of the compiled entry (.js). */
  file: string;
  cleanup(): Promise<void>;
}

const RELATIVE_IMPORT = /(?:from\s+|import\s*\(\s*)['"](\.{1,2}\/[^'"]+)\.js['"]/g;

export async function buildEntry(entry: string): Promise<BuiltEntry> {
  const out = join(ROOT, 'node_modules', '.cache', 'mlship-test-build', randomBytes(6).toString('hex'));
  await mkdir(out, { recursive: true });
  // The output is ESM whatever package scope Node finds for node_modules/.cache.
  await writeFile(join(out, 'package.json'), '{"type": "module"}\n');
  const seen = new Set<string>();
  const pending = [resolve(entry)];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = await readFile(file, 'utf8');
    for (const m of source.matchAll(RELATIVE_IMPORT)) pending.push(resolve(dirname(file), `${m[1]}.ts`));
    const js = ts.transpileModule(source, {
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: false,
      },
      fileName: file,
    }).outputText;
    const target = join(out, relative(ROOT, file)).replace(/\.ts$/, '.js');
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, js);
  }
  return {
    file: join(out, relative(ROOT, resolve(entry))).replace(/\.ts$/, '.js'),
    cleanup: () => rm(out, { recursive: true, force: true }),
  };
}
