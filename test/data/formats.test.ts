/**
 * Golden tests: the bytes mlship writes against what DVC 3 writes. Each expectation quotes its
 * source — a DVC test (iterative/dvc @ 9f901e57a208, 3.64.0+), DVC's or its libraries' code
 * (dvc-data @ b9ec41c4a59f, scmrepo @ 165a7a02d32c, configobj 5.0.8), or, for the randomised
 * cases, the output of the very libraries DVC writes with (fixtures/formats.json, made by
 * fixtures/gen_formats.py with ruamel.yaml 0.18.6, configobj 5.0.8, pathspec 0.11.0).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dvcFileText, orderStage, outEntry, parseDvcFile, stageMd5 } from '../../src/data/dvcfile.js';
import { gitignoreEntry } from '../../src/data/gitignore.js';
import { IgnoreRules } from '../../src/data/ignore.js';
import { type Ini, parseIni, writeIni } from '../../src/data/ini.js';
import { manifestBytes, treeOid } from '../../src/data/tree.js';
import { dumpYaml, type YamlValue } from '../../src/data/yaml-writer.js';

const fixtures = JSON.parse(readFileSync(join(__dirname, 'fixtures/formats.json'), 'utf8'));

describe('.dir manifest (dvc-data hashfile/tree.py Tree.as_bytes / Tree.digest)', () => {
  it('is json.dumps(sort_keys=True) of entries sorted by relpath: dir {foo, bar} → 5ea40360….dir', () => {
    // dvc tests/func/test_install.py:118-125: data/{foo:"foo", bar:"bar"} has md5 5ea40360….dir
    const entries = [
      { relpath: 'foo', md5: 'acbd18db4cc2f85cedef654fccc4a4d8' },
      { relpath: 'bar', md5: '37b51d194a7513e45b56f6524f2d51f2' },
    ];
    const bytes = manifestBytes(entries);
    expect(bytes.toString()).toBe(
      '[{"md5": "37b51d194a7513e45b56f6524f2d51f2", "relpath": "bar"}, {"md5": "acbd18db4cc2f85cedef654fccc4a4d8", "relpath": "foo"}]',
    );
    expect(treeOid(bytes)).toBe('5ea40360f5b4ec688df672a4db9c17d1.dir');
  });

  it('three files {master, one, two} → 839ef937….dir (test_install.py:154-161)', () => {
    const md5 = (s: string) => createHash('md5').update(s).digest('hex');
    const entries = ['master', 'one', 'two'].map((n) => ({ relpath: n, md5: md5(n) }));
    expect(treeOid(manifestBytes(entries))).toBe('839ef9371606817569c1ee0e5f4ed233.dir');
  });

  it('an empty directory is [] → d7517139….dir (md5 of "[]")', () => {
    expect(manifestBytes([]).toString()).toBe('[]');
    expect(treeOid(manifestBytes([]))).toBe('d751713988987e9331980363e24189ce.dir');
  });

  it('matches Python byte for byte on non-ASCII, escapes and code-point order (fixtures)', () => {
    for (const c of fixtures.manifests) {
      const bytes = manifestBytes(c.entries);
      expect(bytes.toString('utf8')).toBe(c.bytes);
      expect(treeOid(bytes)).toBe(`${c.md5}.dir`);
    }
  });
});

describe('.dvc files (dvc/output.py dumpd, dvc/utils/serialize/_yaml.py)', () => {
  it('a directory output, byte for byte (tests/func/test_install.py:118-125)', () => {
    const text = dvcFileText({
      outs: [outEntry({ md5: '5ea40360f5b4ec688df672a4db9c17d1.dir', size: 6, nfiles: 2, path: 'data' })],
    });
    expect(text).toBe(
      'outs:\n- md5: 5ea40360f5b4ec688df672a4db9c17d1.dir\n  size: 6\n  nfiles: 2\n  hash: md5\n  path: data\n',
    );
  });

  it('a file output: md5, size, hash, path; isexec only when set (tests/func/test_add.py:50-59, 69-78)', () => {
    expect(
      dvcFileText({ outs: [outEntry({ md5: 'acbd18db4cc2f85cedef654fccc4a4d8', size: 3, path: 'foo' })] }),
    ).toBe('outs:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  size: 3\n  hash: md5\n  path: foo\n');
    expect(
      dvcFileText({
        outs: [outEntry({ md5: 'acbd18db4cc2f85cedef654fccc4a4d8', size: 3, isexec: true, path: 'foo' })],
      }),
    ).toBe(
      'outs:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  size: 3\n  isexec: true\n  hash: md5\n  path: foo\n',
    );
  });

  it('quotes an md5 that would read as a number (spec §3; ruamel YAML 1.2 resolver)', () => {
    const t = dvcFileText({
      outs: [outEntry({ md5: '12345678901234567890123456789012', size: 1, path: 'x' })],
    });
    expect(t).toContain("- md5: '12345678901234567890123456789012'\n");
    const f = dvcFileText({
      outs: [outEntry({ md5: '0e123456789012345678901234567890', size: 1, path: 'x' })],
    });
    expect(f).toContain("- md5: '0e123456789012345678901234567890'\n");
    // and reads back as the same string
    expect(parseDvcFile(t, '/r/x.dvc').outs[0].md5).toBe('12345678901234567890123456789012');
  });

  it('matches ruamel.yaml 0.18.6 on 610 strings: quoting, escapes, wrapping at 80, long words (fixtures)', () => {
    let checked = 0;
    for (const c of fixtures.yaml) {
      expect(dumpYaml(c.doc as { [k: string]: YamlValue }), JSON.stringify(c.doc.md5)).toBe(c.text);
      checked++;
    }
    expect(checked).toBeGreaterThan(600);
  });

  it('import-url: stage md5 8fc19964… for foo→bar (tests/func/test_import_url.py:150-170, dvc/stage/utils.py compute_md5)', () => {
    const stage: { [k: string]: YamlValue } = {
      frozen: true,
      deps: [{ md5: 'acbd18db4cc2f85cedef654fccc4a4d8', size: 3, hash: 'md5', path: 'foo' }],
      outs: [outEntry({ md5: 'acbd18db4cc2f85cedef654fccc4a4d8', size: 3, path: 'bar' })],
    };
    stage.md5 = stageMd5(stage);
    expect(stage.md5).toBe('8fc199641730e3f512deac0bd9a0e0b6');
    expect(dvcFileText(orderStage(stage))).toBe(
      'md5: 8fc199641730e3f512deac0bd9a0e0b6\nfrozen: true\ndeps:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  size: 3\n  hash: md5\n  path: foo\nouts:\n- md5: acbd18db4cc2f85cedef654fccc4a4d8\n  size: 3\n  hash: md5\n  path: bar\n',
    );
  });

  it('the committed data/raw/housing.csv.dvc is a consistent import with the flagship md5', () => {
    const path = join(__dirname, '../../data/raw/housing.csv.dvc');
    const text = readFileSync(path, 'utf8');
    const dvc = parseDvcFile(text, path);
    expect(dvc.outs[0]).toMatchObject({
      md5: 'd1c47305887e2252bf1ccbd74ff159a6',
      size: 1423529,
      hash: 'md5',
      path: 'housing.csv',
    });
    expect(dvc.frozen).toBe(true);
    expect(dvc.deps[0].path).toBe(
      'https://raw.githubusercontent.com/ageron/handson-ml2/master/datasets/housing/housing.csv',
    );
    expect(stageMd5(dvc.raw as { [k: string]: YamlValue })).toBe(dvc.md5);
    // written exactly as ruamel 0.18 would: the 88-character URL on a line of its own
    expect(dvcFileText(orderStage(dvc.raw as { [k: string]: YamlValue }))).toBe(text);
    expect(text).toContain('  path: \n    https://raw.githubusercontent.com/');
  });
});

function toIni(sections: [string, [string, string][]][]): Ini {
  return new Map(sections.map(([name, items]) => [name, new Map(items)]));
}

describe('.dvc/config (configobj, dvc/config.py)', () => {
  it('[core] then the remote, four-space indent, quoted section name (tests/unit/test_config.py:74-81)', () => {
    expect(
      writeIni(
        toIni([
          ['core', [['no_scm', 'True']]],
          [
            'remote "remote-name"',
            [
              ['url', 's3://bucket/dvc'],
              ['ssl_verify', 'False'],
            ],
          ],
        ]),
      ),
    ).toBe(
      '[core]\n    no_scm = True\n[\'remote "remote-name"\']\n    url = s3://bucket/dvc\n    ssl_verify = False\n',
    );
  });

  it('an emptied config is a single newline (tests/func/test_config.py:79: config.local == "\\n")', () => {
    expect(writeIni(new Map())).toBe('\n');
  });

  it('matches ConfigObj(dict).write() on 81 random configs (fixtures)', () => {
    for (const c of fixtures.ini_write) expect(writeIni(toIni(c.sections))).toBe(c.text);
  });

  it('reads what ConfigObj reads: both section spellings, unindented keys, lists, comments (fixtures)', () => {
    for (const c of fixtures.ini_parse) {
      const parsed = parseIni(c.text, 'config');
      const asObj = Object.fromEntries([...parsed].map(([k, v]) => [k, Object.fromEntries(v)]));
      expect(asObj).toEqual(c.parsed);
    }
  });

  it('refuses a malformed line with file:line', () => {
    expect(() => parseIni('[core]\n    remote storage\n', '.dvc/config')).toThrow(
      /^\.dvc\/config:2: Invalid line " {4}remote storage"/,
    );
  });
});

describe('.gitignore entries (scmrepo git/__init__.py _get_gitignore, pathspec escape)', () => {
  it('"/name", gitignore specials escaped (dvc tests/func/test_add.py:575-586)', () => {
    expect(gitignoreEntry('/repo/data/housing.csv')).toBe('/housing.csv');
    expect(gitignoreEntry('/repo/file!with*weird#naming_[1].t?t')).toBe(
      '/file\\!with\\*weird\\#naming_\\[1\\].t\\?t',
    );
  });
});

describe('.dvcignore (dvc/ignore.py DvcIgnorePatterns over pathspec GitWildMatchPattern)', () => {
  it('decides like DVC on 17 pattern sets × 58 paths (fixtures)', () => {
    for (const { patterns, cases } of fixtures.ignore) {
      const rules = IgnoreRules.parse(patterns.join('\n'));
      for (const [path, isDir, ignored] of cases as [string, boolean, boolean][]) {
        expect(rules.ignores(path, isDir), `${patterns.join(' | ')} on ${path}${isDir ? '/' : ''}`).toBe(
          ignored,
        );
      }
    }
  });
});
