/**
 * core/fs's destination rule, the one every command that writes a folder goes through
 * (`train --out` now; predict output and export later): replace only what is absent, empty or
 * mlship's own output as its manifest records it; refuse anything else without deleting a thing.
 * The CLI cases of issue 8 §2 are in test/cli/out.test.ts; these are the function's own.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../src/core/errors.js';
import { checkDestination, OUTPUT_MANIFEST, publishDirectory, requireFile } from '../../src/core/fs.js';

let work: string;
let n = 0;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'mlship-fs-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});
const fresh = async () => {
  const d = join(work, `c${n++}`);
  await mkdir(d);
  return d;
};

const build = async (tmp: string) => {
  await mkdir(join(tmp, 'model'));
  await writeFile(join(tmp, 'model', 'MLmodel'), 'flavors: {}\n');
  await writeFile(join(tmp, 'metrics.json'), '{}\n');
};

describe('publishDirectory and checkDestination', () => {
  it('publishes with a manifest of every entry, written last, and replaces its own output', async () => {
    const dir = await fresh();
    const out = join(dir, 'out');
    await publishDirectory(out, {}, build);
    const manifest = JSON.parse(await readFile(join(out, OUTPUT_MANIFEST), 'utf8'));
    expect(manifest).toEqual({ written_by: 'mlship', entries: ['metrics.json', 'model/', 'model/MLmodel'] });
    await publishDirectory(out, {}, async (tmp) => writeFile(join(tmp, 'other.json'), '1'));
    expect((await readdir(out)).sort()).toEqual([OUTPUT_MANIFEST, 'other.json']);
    expect(await readdir(dir)).toEqual(['out']);
  });

  it('checks again just before the swap: a file a user puts there during the build is kept, and the build is discarded', async () => {
    const dir = await fresh();
    const out = join(dir, 'out');
    await publishDirectory(out, {}, build);
    const err = await publishDirectory(out, {}, async (tmp) => {
      await build(tmp);
      await writeFile(join(out, 'added-meanwhile.txt'), 'mine');
    }).catch((e) => e);
    expect(err).toBeInstanceOf(InvalidParameterError);
    expect(err.message).toMatch(/did not write \(added-meanwhile\.txt\)/);
    expect(await readFile(join(out, 'added-meanwhile.txt'), 'utf8')).toBe('mine');
    expect(await readdir(dir)).toEqual(['out']);
  });

  it('a failed build changes nothing and leaves no temporary folder', async () => {
    const dir = await fresh();
    const out = join(dir, 'out');
    await expect(
      publishDirectory(out, {}, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await readdir(dir)).toEqual([]);
  });

  it('names at most three entries in the way, and how many more there are', async () => {
    const dir = await fresh();
    for (const f of ['a', 'b', 'c', 'd', 'e']) await writeFile(join(dir, f), f);
    await expect(checkDestination(dir, { label: '--output', cwd: work })).rejects.toThrow(
      /^--output .*: holds files mlship did not write \(a, b, c and 2 more\); nothing was changed/,
    );
  });

  it('a foreign folder inside its own output is named once, not file by file', async () => {
    const dir = await fresh();
    const out = join(dir, 'out');
    await publishDirectory(out, {}, build);
    await mkdir(join(out, 'plots', 'deep'), { recursive: true });
    await writeFile(join(out, 'plots', 'deep', 'x.png'), 'x');
    await expect(checkDestination(out)).rejects.toThrow(/did not write \(plots\/\)/);
  });

  it('absent and empty destinations are fine; a path through a file is refused', async () => {
    const dir = await fresh();
    await checkDestination(join(dir, 'new', 'deeper'));
    await mkdir(join(dir, 'empty'));
    await checkDestination(join(dir, 'empty'));
    await writeFile(join(dir, 'f'), 'x');
    await expect(checkDestination(join(dir, 'f', 'out'))).rejects.toThrow(/a part of the path is a file/);
    expect(existsSync(join(dir, 'new'))).toBe(false);
  });
});

describe('requireFile', () => {
  it('names a missing file, a folder, and a path through a file', async () => {
    const dir = await fresh();
    await writeFile(join(dir, 'f'), 'x');
    await expect(requireFile(join(dir, 'nope.csv'), 'data')).rejects.toThrow(
      /^data .*nope\.csv: no such file$/,
    );
    await expect(requireFile(dir, 'data')).rejects.toThrow(/: is a folder, not a file$/);
    await expect(requireFile(join(dir, 'f', 'x.csv'), 'data')).rejects.toThrow(
      /a part of the path is not a folder$/,
    );
    await requireFile(join(dir, 'f'), 'data');
  });
});
