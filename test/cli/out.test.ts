/**
 * `mlship train --out` never deletes what a user owns (issue 8 §2). Each case is what was tried:
 * an --out folder holding other files, the data's own folder, a regular file, the current folder;
 * each must be refused with exit 2 and one line naming what is in the way, and leave every file as
 * it was. What mlship wrote itself (recorded in its manifest) is still replaced, atomically.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HEADER, mlship, oneLine, ROW, requireBuiltCli, writeSmallCsv } from './helpers.js';

let work: string;
let dir: string;
let n = 0;
beforeAll(async () => {
  requireBuiltCli();
  work = await mkdtemp(join(tmpdir(), 'mlship-out-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});
beforeEach(async () => {
  dir = join(work, `case-${n++}`);
  await mkdir(dir);
  await writeSmallCsv(join(dir, 'data.csv'));
});

/** Every file under `root` with its content, to compare before and after. */
async function tree(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(root, { withFileTypes: true, recursive: true })) {
    const p = join(e.parentPath ?? (e as unknown as { path: string }).path, e.name);
    out[p.slice(root.length + 1)] = e.isFile() ? await readFile(p, 'utf8') : '<dir>';
  }
  return out;
}

const train = (out: string, cwd = dir, data = 'data.csv') =>
  mlship(['train', '--data', data, '--out', out, '--model', 'linear'], cwd);

describe('mlship train --out: nothing a user owns is deleted', () => {
  it('refuses a folder holding other files, naming them, and deletes nothing', async () => {
    await mkdir(join(dir, 'runs'));
    await writeFile(join(dir, 'runs', 'notes.txt'), 'mine');
    await mkdir(join(dir, 'runs', 'plots'));
    await writeFile(join(dir, 'runs', 'plots', 'a.png'), 'png');
    const before = await tree(dir);
    const r = train('runs');
    expect(r.code).toBe(2);
    expect(oneLine(r)).toMatch(
      /^mlship: output folder runs: holds files mlship did not write \(notes\.txt, plots\)/,
    );
    expect(r.stdout).toBe('');
    expect(await tree(dir)).toEqual(before);
  });

  it("refuses the data's own folder: the training CSV stays", async () => {
    const data = join(dir, 'data');
    await mkdir(data);
    await writeSmallCsv(join(data, 'train.csv'));
    const before = await tree(dir);
    const r = train('data', dir, 'data/train.csv');
    expect(r.code).toBe(2);
    expect(oneLine(r)).toMatch(/^mlship: output folder data: holds the input data\/train\.csv/);
    expect(await tree(dir)).toEqual(before);
  });

  it('refuses a folder that holds the data through a symbolic link to it', async () => {
    const data = join(dir, 'data');
    await mkdir(data);
    await writeSmallCsv(join(data, 'train.csv'));
    await symlink(join(data, 'train.csv'), join(dir, 'link.csv'));
    const before = await tree(dir);
    const r = train('data', dir, 'link.csv');
    expect(r.code).toBe(2);
    expect(oneLine(r)).toMatch(/^mlship: output folder data: holds the input link\.csv/);
    expect(await tree(dir)).toEqual(before);
  });

  it('refuses a regular file instead of replacing it with a folder', async () => {
    await writeFile(join(dir, 'somefile.txt'), 'keep me');
    const r = train('somefile.txt');
    expect(r.code).toBe(2);
    expect(oneLine(r)).toMatch(
      /^mlship: output folder somefile\.txt: is an existing file, not a folder mlship wrote/,
    );
    expect(await readFile(join(dir, 'somefile.txt'), 'utf8')).toBe('keep me');
  });

  it('refuses a symbolic link, leaving it and its target', async () => {
    await mkdir(join(dir, 'target'));
    await symlink(join(dir, 'target'), join(dir, 'out'));
    const before = await tree(dir);
    const r = train('out');
    expect(r.code).toBe(2);
    expect(oneLine(r)).toMatch(/^mlship: output folder out: is a symbolic link/);
    expect(await tree(dir)).toEqual(before);
  });

  it('a trailing slash changes nothing: out/ is replaced as out is, link/ is refused as link is', async () => {
    expect(train('out/').code).toBe(0);
    expect(train('out/').code).toBe(0);
    expect((await readdir(dir)).sort()).toEqual(['data.csv', 'out']);
    await symlink(join(dir, 'out'), join(dir, 'link'));
    const r = train('link/');
    expect(r.code).toBe(2);
    expect(oneLine(r)).toMatch(/^mlship: output folder link\/: is a symbolic link/);
  });

  it('refuses the current folder (was: internal error EBUSY) and its ancestors', async () => {
    const before = await tree(dir);
    for (const [out, why] of [
      ['.', 'is the current folder'],
      [dir, 'is the current folder'],
      ['..', 'holds the current folder'],
    ]) {
      const r = train(out);
      expect(r.code, out).toBe(2);
      const line = oneLine(r);
      expect(line).not.toMatch(/internal error/);
      expect(line).toContain(why);
    }
    // an empty current folder too: replacing it would pull the folder from under the shell
    const empty = join(dir, 'empty');
    await mkdir(empty);
    const r = train('.', empty, join(dir, 'data.csv'));
    expect(r.code).toBe(2);
    expect(oneLine(r)).toContain('is the current folder');
    expect(await tree(dir)).toEqual({ ...before, empty: '<dir>' });
  });

  it('writes into an empty existing folder, then replaces its own output on the next run', async () => {
    await mkdir(join(dir, 'out'));
    expect(train('out').code).toBe(0);
    const manifest = JSON.parse(await readFile(join(dir, 'out', '.mlship-out.json'), 'utf8'));
    expect(manifest.written_by).toBe('mlship');
    expect(manifest.entries).toEqual(
      expect.arrayContaining(['metrics.json', 'split.json', 'model/', 'model/MLmodel']),
    );
    const r = train('out');
    expect(r.code).toBe(0);
    expect((await readdir(join(dir, 'out'))).sort()).toEqual([
      '.mlship-out.json',
      'metrics.json',
      'model',
      'split.json',
    ]);
    // no temporary or moved-aside folder left beside it
    expect((await readdir(dir)).sort()).toEqual(['data.csv', 'out']);
  });

  it('refuses its own output once a user has added a file to it, naming that file', async () => {
    expect(train('out').code).toBe(0);
    await writeFile(join(dir, 'out', 'model', 'notes.md'), 'my notes');
    await writeFile(join(dir, 'out', 'report.html'), '<p>');
    const before = await tree(dir);
    const r = train('out');
    expect(r.code).toBe(2);
    expect(oneLine(r)).toMatch(/did not write \(model\/notes\.md, report\.html\)/);
    expect(await tree(dir)).toEqual(before);
  });

  it('a manifest not written by mlship does not make a folder replaceable', async () => {
    await mkdir(join(dir, 'out'));
    await writeFile(join(dir, 'out', '.mlship-out.json'), '{"entries": ["thesis.tex"]}');
    await writeFile(join(dir, 'out', 'thesis.tex'), 'years of work');
    const r = train('out');
    expect(r.code).toBe(2);
    expect(oneLine(r)).toMatch(/did not write \(\.mlship-out\.json, thesis\.tex\)/);
    expect(await readFile(join(dir, 'out', 'thesis.tex'), 'utf8')).toBe('years of work');
  });

  it('a failed run leaves the previous output exactly as it was', async () => {
    expect(train('out').code).toBe(0);
    const before = await tree(join(dir, 'out'));
    await writeFile(join(dir, 'bad.csv'), `${HEADER}\n${ROW},x\n`);
    expect(train('out', dir, 'bad.csv').code).toBe(2);
    expect(await tree(join(dir, 'out'))).toEqual(before);
    expect(existsSync(join(dir, 'out', '.mlship-out.json'))).toBe(true);
  });

  it('replaces an output of an mlship from before the manifest, recognised by its checksums, and nothing else like it', async () => {
    expect(train('out').code).toBe(0);
    await rm(join(dir, 'out', '.mlship-out.json'));
    expect(train('out').code).toBe(0);
    expect(existsSync(join(dir, 'out', '.mlship-out.json'))).toBe(true);

    // the same with one file edited, or one extra file, is not recognised: refused, kept
    await rm(join(dir, 'out', '.mlship-out.json'));
    await writeFile(join(dir, 'out', 'model', 'input_example.json'), '{"edited": true}');
    const before = await tree(dir);
    const edited = train('out');
    expect(edited.code).toBe(2);
    expect(oneLine(edited)).toMatch(/holds files mlship did not write \(metrics\.json, model, split\.json\)/);
    expect(await tree(dir)).toEqual(before);
  });

  it('an earlier-looking output with an extra file in it is refused', async () => {
    expect(train('out').code).toBe(0);
    await rm(join(dir, 'out', '.mlship-out.json'));
    await writeFile(join(dir, 'out', 'model', 'notes.md'), 'mine');
    const r = train('out');
    expect(r.code).toBe(2);
    expect(await readFile(join(dir, 'out', 'model', 'notes.md'), 'utf8')).toBe('mine');
  });
});
