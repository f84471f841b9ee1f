/**
 * `.dvcignore`: which paths DVC leaves out when it hashes a tracked directory. DVC compiles each
 * line with pathspec's GitWildMatchPattern (gitignore syntax) and matches it against the path
 * relative to the `.dvcignore`'s directory; a path is ignored when the last pattern that matches
 * it (or one of its parent directories) is not negated [dvc `dvc/ignore.py` DvcIgnorePatterns].
 * Whatever is ignored never enters a `.dir` manifest, so this decides hashes too.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const DVCIGNORE = '.dvcignore';

/** Always ignored, whatever `.dvcignore` says [dvc `DvcIgnoreFilter.__init__`: `.git`, `.hg`, `.dvc`]. */
const BUILTIN_IGNORED = new Set(['.git', '.hg', '.dvc']);

interface Rule {
  regex: RegExp;
  /** false for `!pattern` */
  ignore: boolean;
  /** the pattern ended with '/': it only applies to directories */
  dirOnly: boolean;
}

function escapeRegexChar(ch: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(ch) ? `\\${ch}` : ch;
}

/** pathspec `_translate_segment_glob`: one path segment of a glob to a regex. */
function segmentGlob(pattern: string): string {
  let regex = '';
  let escaped = false;
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i++];
    if (escaped) {
      escaped = false;
      regex += escapeRegexChar(ch);
    } else if (ch === '\\') {
      escaped = true;
    } else if (ch === '*') {
      regex += '[^/]*';
    } else if (ch === '?') {
      regex += '[^/]';
    } else if (ch === '[') {
      let j = i;
      if (j < pattern.length && (pattern[j] === '!' || pattern[j] === '^')) j++;
      if (j < pattern.length && pattern[j] === ']') j++;
      while (j < pattern.length && pattern[j] !== ']') j++;
      if (j < pattern.length) {
        j++;
        let expr = '[';
        if (pattern[i] === '!' || pattern[i] === '^') {
          expr += '^';
          i++;
        }
        expr += pattern.slice(i, j).replaceAll('\\', '\\\\');
        regex += expr;
        i = j;
      } else {
        regex += '\\[';
      }
    } else {
      regex += escapeRegexChar(ch);
    }
  }
  return regex;
}

/** pathspec `GitWildMatchPattern.pattern_to_regex`; null for comments and blank lines. */
export function compilePattern(line: string): Rule | null {
  let p = line.endsWith('\\ ') ? line.trimStart() : line.trim();
  if (p === '' || p.startsWith('#') || p === '/') return null;
  let ignore = true;
  if (p.startsWith('!')) {
    ignore = false;
    p = p.slice(1);
  }
  const dirOnly = p.endsWith('/');
  const segs = p.split('/');
  for (let i = segs.length - 1; i > 0; i--) if (segs[i - 1] === '**' && segs[i] === '**') segs.splice(i, 1);
  let override: string | null = null;
  if (segs.length === 2 && segs[0] === '**' && segs[1] === '') override = '/';
  if (segs[0] === '') segs.shift();
  else if (segs.length === 1 || (segs.length === 2 && segs[1] === '')) {
    if (segs[0] !== '**') segs.unshift('**');
  }
  if (segs.length === 0) return null;
  if (segs[segs.length - 1] === '') segs[segs.length - 1] = '**';
  if (override === null) {
    const n = segs.length;
    if (n === 1 && segs[0] === '**') override = '.';
    else if (n === 2 && segs[0] === '**' && segs[1] === '*') override = '.';
    else if (n === 3 && segs[0] === '**' && segs[1] === '*' && segs[2] === '**') override = '/';
  }
  let source: string;
  if (override !== null) {
    source = override;
  } else {
    const out: string[] = [];
    let needSlash = false;
    const end = segs.length - 1;
    segs.forEach((seg, i) => {
      if (seg === '**') {
        if (i === 0) out.push('^(?:.+/)?');
        else if (i < end) {
          out.push('(?:/.+)?');
          needSlash = true;
        } else out.push('/');
      } else {
        if (i === 0) out.push('^');
        if (needSlash) out.push('/');
        out.push(seg === '*' ? '[^/]+' : segmentGlob(seg));
        if (i === end) out.push('(?:/|$)');
        needSlash = true;
      }
    });
    source = out.join('');
  }
  // Python's re.match anchors at the start only: the sticky flag does the same.
  return { regex: new RegExp(source, 'y'), ignore, dirOnly };
}

function matchesRule(rule: Rule, path: string): boolean {
  rule.regex.lastIndex = 0;
  return rule.regex.test(path);
}

/** The patterns of one `.dvcignore`, relative to the directory holding it. */
export class IgnoreRules {
  constructor(readonly rules: readonly Rule[]) {}

  static parse(text: string): IgnoreRules {
    const rules: Rule[] = [];
    for (const line of text.split(/\r?\n/)) {
      const r = compilePattern(line.trim());
      if (r) rules.push(r);
    }
    return new IgnoreRules(rules);
  }

  /**
   * DvcIgnorePatterns._find_matching_pattern: the last rule matching `path` decides (true =
   * ignored, false = re-included); null when none matches.
   */
  decide(path: string, isDir: boolean): boolean | null {
    const candidates = isDir && !path.endsWith('/') ? [path, `${path}/`] : [path];
    for (let k = this.rules.length - 1; k >= 0; k--) {
      const rule = this.rules[k];
      if (rule.dirOnly && !isDir) continue;
      if (candidates.some((c) => matchesRule(rule, c))) return rule.ignore;
    }
    return null;
  }

  /** Is `relPath` (relative to this file's directory) ignored by these rules alone? */
  ignores(relPath: string, isDir: boolean): boolean {
    return ignoredWithParents(relPath, isDir, (p, d) => this.decide(p, d) === true);
  }
}

/** DvcIgnorePatterns._ignore: a path is ignored if it or one of its parent directories is. */
function ignoredWithParents(
  relPath: string,
  isDir: boolean,
  decide: (path: string, isDir: boolean) => boolean,
): boolean {
  const parts = relPath.split('/');
  for (let i = 1; i <= parts.length; i++) {
    if (decide(parts.slice(0, i).join('/'), isDir || i < parts.length)) return true;
  }
  return false;
}

/**
 * The ignore rules that apply to one tracked path: the built-ins plus every `.dvcignore` in the
 * repository root and in the directories between it and the tracked path, each evaluated relative
 * to its own directory with deeper files taking precedence (DVC merges them in that order). A
 * `.dvcignore` inside a tracked directory is an error in DVC, so none is read from below it.
 */
export class DvcIgnore {
  private constructor(private readonly layers: readonly { base: string; rules: IgnoreRules }[]) {}

  /** `trackedRel`: the tracked path relative to `rootDir`, '/'-separated. */
  static async load(rootDir: string, trackedRel: string): Promise<DvcIgnore> {
    const parts = trackedRel.split('/').filter(Boolean);
    const layers: { base: string; rules: IgnoreRules }[] = [];
    for (let depth = 0; depth < parts.length; depth++) {
      const base = parts.slice(0, depth).join('/');
      try {
        const text = await readFile(join(rootDir, base, DVCIGNORE), 'utf8');
        layers.push({ base, rules: IgnoreRules.parse(text) });
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'ENOENT' && code !== 'ENOTDIR') throw e;
      }
    }
    return new DvcIgnore(layers);
  }

  /** `relPath`: '/'-separated, relative to the repository root. */
  ignores(relPath: string, isDir: boolean): boolean {
    if (relPath.split('/').some((part) => BUILTIN_IGNORED.has(part))) return true;
    return ignoredWithParents(relPath, isDir, (p, d) => this.decide(p, d));
  }

  private decide(path: string, isDir: boolean): boolean {
    for (let k = this.layers.length - 1; k >= 0; k--) {
      const { base, rules } = this.layers[k];
      if (base !== '' && !path.startsWith(`${base}/`)) continue;
      const verdict = rules.decide(base === '' ? path : path.slice(base.length + 1), isDir);
      if (verdict !== null) return verdict;
    }
    return false;
  }
}
