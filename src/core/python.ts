/**
 * Python's text forms, byte for byte, for the places where compatibility depends on them: DVC
 * hashes `json.dumps(..., sort_keys=True)` output, MLflow stores and compares `str()` of values
 * and words its errors with `repr()`, and MLmodel files hold `json.dumps` strings. One copy here,
 * used by data/, model/, tracking/ and ml/.
 */

/** Compare two strings by Unicode code point, as Python compares str (JS `<` compares UTF-16 units). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Code-unit order equals code-point order unless exactly one side is a surrogate (an astral
    // character), which sorts after every BMP character.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs === ys) return x - y;
    return xs ? 1 : -1;
  }
  return a.length - b.length;
}

/** Python's repr() of a str: single quotes unless the text holds a single quote and no double. */
export function pyRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch !== ' ' && /[\p{C}\p{Z}]/u.test(ch)) {
      // not printable for Python's str.isprintable: escaped by code point
      const hex = cp.toString(16);
      out +=
        cp < 0x100
          ? `\\x${hex.padStart(2, '0')}`
          : cp < 0x10000
            ? `\\u${hex.padStart(4, '0')}`
            : `\\U${hex.padStart(8, '0')}`;
    } else out += ch;
  }
  return out + quote;
}

/** Python's str() of a float (repr since 3.2): shortest round-trip digits, exponent outside 1e-4..1e16. */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Number.POSITIVE_INFINITY) return 'inf';
  if (x === Number.NEGATIVE_INFINITY) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mant, expStr] = x.toExponential().split('e') as [string, string];
  const exp = Number(expStr);
  if (exp < -4 || exp >= 16) {
    const e = Math.abs(exp).toString().padStart(2, '0');
    return `${mant}e${exp < 0 ? '-' : '+'}${e}`;
  }
  const s = x.toFixed(Math.max(0, (mant.split('.')[1]?.length ?? 0) - exp));
  return s.includes('.') ? s : `${s}.0`;
}

/**
 * Python's str() of a JSON-like value: None/True/False, ints as ints, other numbers as pyFloat,
 * a str as itself, lists and dicts as their repr.
 */
export function pyStr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return Number.isSafeInteger(v) ? String(v) : pyFloat(v);
  if (typeof v === 'object') return pyReprValue(v);
  return String(v);
}

/** Python's repr() of a JSON-like value (a str quoted, lists and dicts with their items' repr). */
export function pyReprValue(v: unknown): string {
  if (typeof v === 'string') return pyRepr(v);
  if (Array.isArray(v)) return `[${v.map(pyReprValue).join(', ')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.entries(v)
      .map(([k, x]) => `${pyRepr(k)}: ${pyReprValue(x)}`)
      .join(', ')}}`;
  }
  return pyStr(v);
}

const SHORT_ESCAPES: Record<number, string> = {
  34: '\\"',
  92: '\\\\',
  10: '\\n',
  13: '\\r',
  9: '\\t',
  8: '\\b',
  12: '\\f',
};

/**
 * Python's `json.encoder.py_encode_basestring_ascii` (ensure_ascii=True, the default): every
 * character outside space..tilde is escaped as lower-case `\uXXXX`, DEL included; astral
 * characters arrive in JS as their UTF-16 surrogate pair, which is what Python emits.
 */
export function pyJsonString(s: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x5c) continue;
    out += s.slice(start, i);
    out += SHORT_ESCAPES[c] ?? `\\u${c.toString(16).padStart(4, '0')}`;
    start = i + 1;
  }
  return `${out + s.slice(start)}"`;
}

/** A JSON value as Python's json module handles it. */
export type PyJson = null | boolean | number | string | PyJson[] | { [key: string]: PyJson };

export interface PyJsonOptions {
  /** json.dumps(sort_keys=True): keys in code-point order */
  sortKeys?: boolean;
  /** item and key separators; Python's default (indent=None) is [", ", ": "] */
  separators?: readonly [string, string];
}

/**
 * Python's `json.dumps(value, ...)` with ensure_ascii and allow_nan (NaN, Infinity, -Infinity)
 * as its defaults. A JS number cannot say whether Python held an int or a float: integer values
 * print as ints, others as Python's float repr. Object entries whose value is undefined are left
 * out (a Python dict has no such entry).
 */
export function pyJsonDumps(value: unknown, options: PyJsonOptions = {}): string {
  const [itemSep, keySep] = options.separators ?? [', ', ': '];
  const dump = (v: unknown): string => {
    if (v === null || v === undefined) return 'null';
    if (v === true) return 'true';
    if (v === false) return 'false';
    if (typeof v === 'number') {
      if (Number.isNaN(v)) return 'NaN';
      if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
      return Number.isSafeInteger(v) ? String(v) : pyFloat(v);
    }
    if (typeof v === 'string') return pyJsonString(v);
    if (Array.isArray(v)) return `[${v.map(dump).join(itemSep)}]`;
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    if (options.sortKeys) entries.sort(([a], [b]) => compareCodePoints(a, b));
    return `{${entries.map(([k, x]) => `${pyJsonString(k)}${keySep}${dump(x)}`).join(itemSep)}}`;
  };
  return dump(value);
}
