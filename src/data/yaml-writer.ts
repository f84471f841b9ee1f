/**
 * YAML text exactly as DVC writes it. DVC dumps `.dvc` files with ruamel.yaml's round-trip dumper
 * (`YAML()`, `default_flow_style = False`) [dvc `dvc/utils/serialize/_yaml.py`], so this is a
 * port of the parts of ruamel.yaml 0.18's emitter that such files exercise [ruamel.yaml
 * `emitter.py` 0.18.6: `analyze_scalar`, `choose_scalar_style`, `write_plain`,
 * `write_single_quoted`, `write_double_quoted`, `write_indent`; `resolver.py` YAML 1.2 implicit
 * resolvers]:
 * - block mappings with 2-space indentation, sequences with "- " at the parent key's column;
 * - a string is written plain unless it would read back as something else (number, bool, null,
 *   date…) or contains indicators, then single-quoted, or double-quoted when it holds `'` or
 *   characters that need escapes;
 * - long values wrap at spaces past column 80 onto lines indented two deeper than their key, and
 *   a single word longer than 80 characters goes on a line of its own (ruamel ≥ 0.17.22; it
 *   leaves a trailing space after the key, which we reproduce).
 * Only what `.dvc` files hold is supported: mappings, sequences, strings, integers, booleans and
 * null (written as nothing after the key, as ruamel does).
 */

export type YamlScalar = string | number | bigint | boolean | null;
export type YamlValue = YamlScalar | YamlValue[] | { [key: string]: YamlValue };

const BEST_WIDTH = 80;
const INDENT = 2;
const LINE_BREAKS = '\n\x85\u2028\u2029';
const WHITESPACE_OR_END = '\0 \t\r\n\x85\u2028\u2029';

/** ruamel's YAML 1.2 implicit resolvers: a plain scalar matching one of these is not a string. */
const NON_STRING_PLAIN: RegExp[] = [
  /^(?:true|True|TRUE|false|False|FALSE)$/,
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)|[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  /^(?:[-+]?0b[0-1_]+|[-+]?0o?[0-7_]+|[-+]?[0-9_]+|[-+]?0x[0-9a-fA-F_]+)$/,
  /^(?:<<)$/,
  /^(?:~|null|Null|NULL|)$/,
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/,
  /^(?:=)$/,
];

/** True when `s` written plain would be read back as a string. */
export function resolvesToString(s: string): boolean {
  return !NON_STRING_PLAIN.some((re) => re.test(s));
}

interface Analysis {
  empty: boolean;
  multiline: boolean;
  allowBlockPlain: boolean;
  allowSingleQuoted: boolean;
  allowDoubleQuoted: boolean;
}

function isPrintableUnicode(cp: number): boolean {
  // allow_unicode is on in ruamel's YAML(), so printable non-ASCII stays as is
  return (
    cp === 0x85 ||
    (cp >= 0xa0 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

/** emitter.analyze_scalar, block context only. */
function analyzeScalar(scalar: string): Analysis {
  const chars = [...scalar];
  if (chars.length === 0) {
    return {
      empty: true,
      multiline: false,
      allowBlockPlain: true,
      allowSingleQuoted: true,
      allowDoubleQuoted: true,
    };
  }
  let blockIndicators = false;
  let lineBreaks = false;
  let special = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  if (scalar.startsWith('---') || scalar.startsWith('...')) blockIndicators = true;
  let precededByWhitespace = true;
  let followedByWhitespace = chars.length === 1 || WHITESPACE_OR_END.includes(chars[1]);
  let previousSpace = false;
  let previousBreak = false;
  for (let index = 0; index < chars.length; index++) {
    const ch = chars[index];
    if (index === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) blockIndicators = true;
      if ('?:'.includes(ch) && followedByWhitespace) blockIndicators = true;
      if (ch === '-' && followedByWhitespace) blockIndicators = true;
    } else {
      if (ch === ':' && followedByWhitespace) blockIndicators = true;
      if (ch === '#' && precededByWhitespace) blockIndicators = true;
    }
    if (LINE_BREAKS.includes(ch)) lineBreaks = true;
    const cp = ch.codePointAt(0)!;
    if (!(ch === '\n' || (cp >= 0x20 && cp <= 0x7e))) {
      if (!(isPrintableUnicode(cp) && cp !== 0xfeff)) special = true;
    }
    if (ch === ' ') {
      if (index === 0) leadingSpace = true;
      if (index === chars.length - 1) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (LINE_BREAKS.includes(ch)) {
      if (index === 0) leadingBreak = true;
      if (index === chars.length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = WHITESPACE_OR_END.includes(ch);
    followedByWhitespace = index + 2 >= chars.length || WHITESPACE_OR_END.includes(chars[index + 2]);
  }
  let allowBlockPlain = true;
  let allowSingleQuoted = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) allowBlockPlain = false;
  if (breakSpace) allowBlockPlain = allowSingleQuoted = false;
  if (special || spaceBreak) allowBlockPlain = allowSingleQuoted = false;
  if (lineBreaks) allowBlockPlain = false;
  if (blockIndicators) allowBlockPlain = false;
  return { empty: false, multiline: lineBreaks, allowBlockPlain, allowSingleQuoted, allowDoubleQuoted: true };
}

type Style = '' | "'" | '"';

/** emitter.choose_scalar_style for a plain str in block context. */
function chooseStyle(value: string, simpleKey: boolean): Style {
  const a = analyzeScalar(value);
  if (resolvesToString(value) && !(simpleKey && (a.empty || a.multiline)) && a.allowBlockPlain) return '';
  if (a.allowDoubleQuoted && (value.includes("'") || value.includes('\n'))) return '"';
  if (a.allowSingleQuoted && !(simpleKey && a.multiline)) return "'";
  return '"';
}

const ESCAPES: Record<string, string> = {
  '\0': '0',
  '\x07': 'a',
  '\x08': 'b',
  '\x09': 't',
  '\x0A': 'n',
  '\x0B': 'v',
  '\x0C': 'f',
  '\x0D': 'r',
  '\x1B': 'e',
  '"': '"',
  '\\': '\\',
  '\x85': 'N',
  '\xA0': '_',
  '\u2028': 'L',
  '\u2029': 'P',
};

/** The emitter's output state: the text so far and ruamel's column/whitespace bookkeeping. */
class Emitter {
  out = '';
  column = 0;
  whitespace = true;
  indention = true;
  indent = 0;

  private write(data: string): void {
    this.out += data;
    this.column += [...data].length;
  }

  lineBreak(data = '\n'): void {
    this.out += data;
    this.column = 0;
    this.whitespace = true;
    this.indention = true;
  }

  writeIndent(): void {
    const indent = this.indent;
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace))
      this.lineBreak();
    if (this.column < indent) {
      this.whitespace = true;
      this.out += ' '.repeat(indent - this.column);
      this.column = indent;
    }
  }

  indicator(ind: string, needWhitespace: boolean, whitespace = false, indention = false): void {
    this.write(this.whitespace || !needWhitespace ? ind : ` ${ind}`);
    this.whitespace = whitespace;
    this.indention = this.indention && indention;
  }

  plain(text: string, split: boolean): void {
    if (!text) return;
    if (!this.whitespace) this.write(' ');
    this.whitespace = false;
    this.indention = false;
    const t = [...text];
    let spaces = false;
    let start = 0;
    for (let end = 0; end <= t.length; end++) {
      const ch = end < t.length ? t[end] : null;
      if (spaces) {
        if (ch !== ' ') {
          if (start + 1 === end && this.column > BEST_WIDTH && split) {
            this.writeIndent();
            this.whitespace = false;
            this.indention = false;
          } else {
            this.write(t.slice(start, end).join(''));
          }
          start = end;
        }
      } else if (ch === null || ch === ' ') {
        const data = t.slice(start, end);
        // ruamel ≥ 0.17.22: a word longer than the line width gets a line of its own
        if (data.length > BEST_WIDTH && this.column > this.indent) this.writeIndent();
        this.write(data.join(''));
        start = end;
      }
      if (ch !== null) spaces = ch === ' ';
    }
  }

  singleQuoted(text: string, split: boolean): void {
    this.indicator("'", true);
    const t = [...text];
    let spaces = false;
    let breaks = false;
    let start = 0;
    for (let end = 0; end <= t.length; end++) {
      const ch = end < t.length ? t[end] : null;
      if (spaces) {
        if (ch === null || ch !== ' ') {
          if (start + 1 === end && this.column > BEST_WIDTH && split && start !== 0 && end !== t.length) {
            this.writeIndent();
          } else {
            this.write(t.slice(start, end).join(''));
          }
          start = end;
        }
      } else if (breaks) {
        if (ch === null || !LINE_BREAKS.includes(ch)) {
          if (t[start] === '\n') this.lineBreak();
          for (const br of t.slice(start, end)) this.lineBreak(br);
          this.writeIndent();
          start = end;
        }
      } else if (ch === null || ch === ' ' || LINE_BREAKS.includes(ch) || ch === "'") {
        if (start < end) {
          this.write(t.slice(start, end).join(''));
          start = end;
        }
      }
      if (ch === "'") {
        this.write("''");
        start = end + 1;
      }
      if (ch !== null) {
        spaces = ch === ' ';
        breaks = LINE_BREAKS.includes(ch);
      }
    }
    this.indicator("'", false);
  }

  doubleQuoted(text: string, split: boolean): void {
    this.indicator('"', true);
    const t = [...text];
    let start = 0;
    for (let end = 0; end <= t.length; end++) {
      const ch = end < t.length ? t[end] : null;
      const cp = ch === null ? 0 : ch.codePointAt(0)!;
      if (
        ch === null ||
        '"\\\x85\u2028\u2029\uFEFF'.includes(ch) ||
        !(
          (cp >= 0x20 && cp <= 0x7e) ||
          (cp >= 0xa0 && cp <= 0xd7ff) ||
          (cp >= 0xe000 && cp <= 0xfffd) ||
          cp >= 0x10000
        )
      ) {
        if (start < end) {
          this.write(t.slice(start, end).join(''));
          start = end;
        }
        if (ch !== null) {
          let data: string;
          if (ch in ESCAPES) data = `\\${ESCAPES[ch]}`;
          else if (cp <= 0xff) data = `\\x${cp.toString(16).toUpperCase().padStart(2, '0')}`;
          else if (cp <= 0xffff) data = `\\u${cp.toString(16).toUpperCase().padStart(4, '0')}`;
          else data = `\\U${cp.toString(16).toUpperCase().padStart(8, '0')}`;
          this.write(data);
          start = end + 1;
        }
      }
      if (
        end > 0 &&
        end < t.length - 1 &&
        (ch === ' ' || start >= end) &&
        this.column + (end - start) > BEST_WIDTH &&
        split
      ) {
        // a backslash at the end of the line is needed unless the next line can start with the
        // following word unambiguously (ruamel's SO 75634614 fix)
        let needBackslash = true;
        const spacePos = t.indexOf(' ', end);
        if (spacePos !== -1 && spacePos + 1 < t.length) {
          const word = t.slice(end, spacePos).join('');
          if (
            !word.includes('"') &&
            !word.includes("'") &&
            t[spacePos + 1] !== ' ' &&
            t.slice(end - 1, end + 1).join('') !== '  '
          ) {
            needBackslash = false;
          }
        }
        const data = t.slice(start, end).join('') + (needBackslash ? '\\' : '');
        if (start < end) start = end;
        this.write(data);
        this.writeIndent();
        this.whitespace = false;
        this.indention = false;
        if (t[start] === ' ') {
          if (!needBackslash) start += 1;
          this.write(needBackslash ? '\\' : '');
        }
      }
    }
    this.indicator('"', false);
  }

  scalar(value: YamlScalar, simpleKey: boolean): void {
    if (value === null) return;
    if (typeof value === 'bigint' || typeof value === 'number') {
      if (typeof value === 'number' && !Number.isSafeInteger(value)) {
        throw new RangeError(`cannot write ${value} as a YAML integer`);
      }
      this.plain(String(value), !simpleKey);
      return;
    }
    if (typeof value === 'boolean') {
      this.plain(value ? 'true' : 'false', !simpleKey);
      return;
    }
    const style = chooseStyle(value, simpleKey);
    if (style === '') this.plain(value, !simpleKey);
    else if (style === "'") this.singleQuoted(value, !simpleKey);
    else this.doubleQuoted(value, !simpleKey);
  }
}

function isMapping(v: YamlValue): v is { [key: string]: YamlValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Write `value` (the node whose parent container is at `indent`) after a key or a "- ". */
function emitNode(e: Emitter, value: YamlValue, parentIndent: number, inSequenceItem: boolean): void {
  if (Array.isArray(value)) {
    if (value.length === 0) {
      e.indicator('[]', true);
      return;
    }
    // a sequence under a mapping key is "indentless": its dashes sit at the key's column
    for (const item of value) {
      e.indent = parentIndent;
      e.writeIndent();
      e.indicator('-', true, false, true);
      emitNode(e, item, parentIndent + INDENT, true);
    }
    return;
  }
  if (isMapping(value)) {
    const keys = Object.keys(value);
    if (keys.length === 0) {
      e.indicator('{}', true);
      return;
    }
    const mapIndent = inSequenceItem ? parentIndent : parentIndent + INDENT;
    keys.forEach((key, i) => {
      e.indent = mapIndent;
      // the first key of a mapping inside a sequence item shares the "- " line
      if (!(inSequenceItem && i === 0)) e.writeIndent();
      e.scalar(key, true);
      e.indicator(':', false);
      emitNode(e, value[key], mapIndent, false);
    });
    return;
  }
  e.indent = parentIndent + (inSequenceItem ? 0 : INDENT);
  e.scalar(value, false);
}

/** A YAML document for a top-level mapping, as ruamel's round-trip dumper writes it. */
export function dumpYaml(doc: { [key: string]: YamlValue }): string {
  const e = new Emitter();
  emitNode(e, doc, -INDENT, false);
  e.lineBreak();
  return e.out;
}
