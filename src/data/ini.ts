/**
 * The INI dialect of `.dvc/config`: DVC reads and writes it with ConfigObj 5 [dvc
 * `dvc/config.py` `load_file`, `_save_config`]. Reading follows ConfigObj's parser for what a
 * DVC config can hold (one level of sections, `key = value`, quoted values, comma lists, `#`
 * comments); writing reproduces `ConfigObj(dict).write()` byte for byte [configobj
 * `src/configobj/__init__.py` `write`, `_write_line`, `_write_marker`, `_quote`]:
 * - `[section]` lines unindented; section names that need quoting are quoted (`['remote "x"']`);
 * - entries indented with four spaces (DEFAULT_INDENT_TYPE), `key = value`;
 * - a value is quoted only when it must be: empty, leading/trailing whitespace or quote, a comma,
 *   or a `#`; with `"…"` unless it holds a `"`, then `'…'`;
 * - lines joined with '\n' and a final '\n' (an empty config is written as a single '\n').
 */
import { InvalidInputError } from '../core/errors.js';

export type IniValue = string | string[];
/** Sections in file order, each an ordered map of keys to values. */
export type Ini = Map<string, Map<string, IniValue>>;

const WSPACE_PLUS = ' \r\n\v\t\'"';

function fail(file: string, line: number, message: string): never {
  throw new InvalidInputError(message, { file, line });
}

/** ConfigObj `_unquote`. */
function unquote(v: string): string {
  if (v.length >= 2 && v[0] === v[v.length - 1] && (v[0] === '"' || v[0] === "'")) return v.slice(1, -1);
  return v;
}

// ConfigObj's `_keyword`, `_sectionmarker`, `_valueexp` and `_listvalueexp` regexes.
const KEYWORD_RE = /^(\s*)((?:".*?")|(?:'.*?')|(?:[^'"=].*?))\s*=\s*(.*)$/;
const SECTION_RE =
  /^(\s*)((?:\[\s*)+)((?:"\s*\S.*?\s*")|(?:'\s*\S.*?\s*')|(?:[^'"\s].*?))((?:\s*\])+)\s*(#.*)?$/;
const VALUE_RE =
  /^(?:(?:((?:(?:(?:".*?")|(?:'.*?')|(?:[^'",#][^,#]*?))\s*,\s*)*)((?:".*?")|(?:'.*?')|(?:[^'",#\s][^,]*?)|(?:(?<!,)))?)|(,))\s*(#.*)?$/;
const LIST_ITEM_RE = /((?:".*?")|(?:'.*?')|(?:[^'",#]?.*?))\s*,\s*/g;

/** ConfigObj `_handle_value` (list_values on): a string, or a list for comma-separated values. */
function parseValue(raw: string, file: string, line: number): IniValue {
  const m = VALUE_RE.exec(raw);
  if (!m) fail(file, line, 'Parse error in value (badly quoted, or an invalid list)');
  const [, listValues, single, emptyList] = m;
  if (listValues === '' && single === undefined) fail(file, line, 'Parse error in value');
  if (emptyList !== undefined) return [];
  let value: string | undefined;
  if (single !== undefined) {
    value = listValues && !single ? undefined : unquote(single || '""');
  }
  if (!listValues) return value ?? '';
  const items: string[] = [];
  for (const mm of listValues.matchAll(LIST_ITEM_RE)) items.push(unquote(mm[1]));
  if (value !== undefined) items.push(value);
  return items;
}

export function parseIni(text: string, file: string): Ini {
  const ini: Ini = new Map();
  let current: Map<string, IniValue> | null = null;
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  lines.forEach((line, i) => {
    const lineNo = i + 1;
    const sline = line.trim();
    if (sline === '' || sline.startsWith('#')) return;
    const sm = SECTION_RE.exec(line);
    if (sm) {
      const depth = (sm[2].match(/\[/g) ?? []).length;
      if (depth !== (sm[4].match(/\]/g) ?? []).length) fail(file, lineNo, 'Cannot compute the section depth');
      if (depth !== 1) fail(file, lineNo, 'nested sections are not part of a DVC config');
      const name = unquote(sm[3]);
      if (ini.has(name)) fail(file, lineNo, `Duplicate section name "${name}"`);
      current = new Map();
      ini.set(name, current);
      return;
    }
    const km = KEYWORD_RE.exec(line);
    if (!km)
      fail(file, lineNo, `Invalid line ${JSON.stringify(line)} (matched as neither section nor keyword)`);
    const rawValue = km[3];
    if (rawValue.startsWith('"""') || rawValue.startsWith("'''")) {
      fail(file, lineNo, 'multi-line (triple-quoted) values are not supported in a DVC config');
    }
    if (current === null) fail(file, lineNo, `"${km[2].trim()}" is outside of any [section]`);
    const key = unquote(km[2]);
    if (current.has(key)) fail(file, lineNo, `Duplicate keyword name "${key}"`);
    current.set(key, parseValue(rawValue, file, lineNo));
  });
  return ini;
}

/** ConfigObj `_get_single_quote`. */
function singleQuote(value: string): string {
  if (value.includes("'") && value.includes('"')) {
    throw new InvalidInputError(`Value ${JSON.stringify(value)} cannot be safely quoted in a DVC config`);
  }
  return value.includes('"') ? `'${value}'` : `"${value}"`;
}

/** ConfigObj `_quote` for one string (multiline=false: keys, section names, list items). */
function quoteString(value: string, multiline: boolean): string {
  if (value === '') return '""';
  const needTriple = multiline && ((value.includes("'") && value.includes('"')) || value.includes('\n'));
  if (needTriple) {
    throw new InvalidInputError(
      `Value ${JSON.stringify(value)} would need triple quotes, which mlship does not write`,
    );
  }
  if (value.includes('\n'))
    throw new InvalidInputError(`Value ${JSON.stringify(value)} cannot be safely quoted`);
  let quoted: string;
  if (
    !WSPACE_PLUS.includes(value[0]) &&
    !WSPACE_PLUS.includes(value[value.length - 1]) &&
    !value.includes(',')
  ) {
    quoted = value;
  } else {
    quoted = singleQuote(value);
  }
  if (quoted === value && value.includes('#')) quoted = singleQuote(value);
  return quoted;
}

/** ConfigObj `_quote` for a value. */
export function quoteValue(value: IniValue): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return ',';
    if (value.length === 1) return `${quoteString(value[0], false)},`;
    return value.map((v) => quoteString(v, false)).join(', ');
  }
  return quoteString(value, true);
}

const INDENT = '    ';

/** `ConfigObj(dict).write()`; empty sections are written as a bare `[name]` line, as ConfigObj does. */
export function writeIni(ini: Ini): string {
  const out: string[] = [];
  for (const [name, section] of ini) {
    out.push(`[${quoteString(name, false)}]`);
    for (const [key, value] of section)
      out.push(`${INDENT}${quoteString(key, false)} = ${quoteValue(value)}`);
  }
  const text = out.join('\n');
  return text.endsWith('\n') ? text : `${text}\n`;
}
