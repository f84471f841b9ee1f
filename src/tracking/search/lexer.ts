/**
 * Tokens of MLflow's search filter language. MLflow tokenises filters with sqlparse; this lexer
 * reproduces the parts of sqlparse's lexing that decide what MLflow accepts:
 * - an identifier is a dotted chain of names, where any part may be `backticked` or "double
 *   quoted" (`metrics."f1 score"`, `tags.mlflow.runName`); a lone "double-quoted" word is an
 *   identifier too, which is why MLflow accepts "double-quoted" string values;
 * - strings are single-quoted, with '' and \' kept inside (MLflow only trims the outer quotes);
 * - numbers may carry a sign and an exponent (`-1`, `1.5e-3`) and may not run into a letter;
 * - a run of `<>=~!` is one comparison operator, so `==` and `<>` arrive as operators MLflow
 *   then refuses by name;
 * - `( … )` is kept as one token (IN lists), with its raw text for error messages.
 */

export type TokenKind =
  | 'ws'
  | 'ident'
  | 'string'
  | 'number'
  | 'op'
  | 'keyword'
  | 'paren'
  | 'semicolon'
  | 'other';

export interface Token {
  kind: TokenKind;
  /** The text as written (keywords upper-cased in `upper`). */
  text: string;
  /** Upper-cased text for keywords. */
  upper?: string;
}

const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'IN', 'LIKE', 'ILIKE', 'IS', 'NULL']);

const NAME_START = /[A-Za-z_\u00C0-\uFFFF]/;
const NAME_PART = /[A-Za-z0-9_$\u00C0-\uFFFF]/;
const NUMBER = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?/;

/** The end (exclusive) of a quoted run starting at `i` with `quote`, or -1 when unterminated. */
function quotedEnd(s: string, i: number, quote: string): number {
  let j = i + 1;
  while (j < s.length) {
    const c = s[j];
    if (c === '\\' && quote === "'" && j + 1 < s.length) {
      j += 2;
      continue;
    }
    if (c === quote) {
      if (quote === "'" && s[j + 1] === "'") {
        j += 2;
        continue;
      }
      return j + 1;
    }
    j++;
  }
  return -1;
}

/** The end of one identifier part at `i` (a name, `backticked` or "quoted"), or -1. */
function identPartEnd(s: string, i: number): number {
  const c = s[i];
  if (c === '`' || c === '"') return quotedEnd(s, i, c);
  if (c !== undefined && NAME_START.test(c)) {
    let j = i + 1;
    while (j < s.length && NAME_PART.test(s[j]!)) j++;
    return j;
  }
  return -1;
}

export function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (/\s/.test(c)) {
      let j = i + 1;
      while (j < s.length && /\s/.test(s[j]!)) j++;
      out.push({ kind: 'ws', text: s.slice(i, j) });
      i = j;
      continue;
    }
    if (c === "'") {
      const end = quotedEnd(s, i, "'");
      if (end < 0) {
        out.push({ kind: 'other', text: s.slice(i) });
        break;
      }
      out.push({ kind: 'string', text: s.slice(i, end) });
      i = end;
      continue;
    }
    if (c === ';') {
      out.push({ kind: 'semicolon', text: ';' });
      i++;
      continue;
    }
    if (c === ',') {
      out.push({ kind: 'other', text: ',' });
      i++;
      continue;
    }
    if (c === '(') {
      // Keep the whole parenthesised group, honouring quotes inside it.
      let j = i + 1;
      let depth = 1;
      while (j < s.length && depth > 0) {
        const d = s[j]!;
        if (d === "'" || d === '"' || d === '`') {
          const end = quotedEnd(s, j, d);
          if (end < 0) {
            j = s.length;
            break;
          }
          j = end;
          continue;
        }
        if (d === '(') depth++;
        else if (d === ')') depth--;
        j++;
      }
      out.push({ kind: depth === 0 ? 'paren' : 'other', text: s.slice(i, j) });
      i = j;
      continue;
    }
    const num = NUMBER.exec(s.slice(i));
    if (num && (c !== '-' || /[\d.]/.test(s[i + 1] ?? ''))) {
      const end = i + num[0].length;
      // sqlparse does not take "1abc" as a number followed by a name.
      if (end >= s.length || !/[A-Za-z_\u00C0-\uFFFF]/.test(s[end]!)) {
        out.push({ kind: 'number', text: num[0] });
        i = end;
        continue;
      }
    }
    if (/[<>=~!]/.test(c)) {
      let j = i + 1;
      while (j < s.length && /[<>=~!]/.test(s[j]!)) j++;
      out.push({ kind: 'op', text: s.slice(i, j) });
      i = j;
      continue;
    }
    const partEnd = identPartEnd(s, i);
    if (partEnd > 0) {
      let j = partEnd;
      let dotted = false;
      while (s[j] === '.') {
        const next = identPartEnd(s, j + 1);
        if (next < 0) break;
        dotted = true;
        j = next;
      }
      const text = s.slice(i, j);
      const upper = text.toUpperCase();
      if (!dotted && KEYWORDS.has(upper)) out.push({ kind: 'keyword', text, upper });
      else out.push({ kind: 'ident', text });
      i = j;
      continue;
    }
    // An unterminated quote or backtick, or a character sqlparse would not group: keep the rest
    // of the word as one stray token for the error message.
    let j = i + 1;
    while (j < s.length && !/[\s()';,"]/.test(s[j]!)) j++;
    out.push({ kind: 'other', text: s.slice(i, j) });
    i = j;
  }
  return out;
}
