/**
 * Python's `json.dumps(value, sort_keys=True)` byte for byte. DVC hashes JSON it produces this way
 * (directory manifests, stage checksums), so any difference in spacing, key order or escaping
 * gives a different md5 than DVC's. The differences from JSON.stringify that matter:
 * - separators are ", " and ": " (Python's default when indent is None);
 * - ensure_ascii: every character outside space..tilde is escaped as lower-case `\uXXXX`, with
 *   characters above U+FFFF as a UTF-16 surrogate pair, and DEL (0x7F) escaped too;
 * - keys are sorted by code point (Python str order), not by UTF-16 code unit.
 */

export type PyJson = null | boolean | number | string | PyJson[] | { [key: string]: PyJson };

/** Compare two strings by Unicode code point, as Python compares str. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Only when both are UTF-16 surrogates or neither is does code-unit order equal code-point
    // order; a surrogate (an astral character) sorts after every BMP character.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs === ys) return x - y;
    return xs ? 1 : -1;
  }
  return a.length - b.length;
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

/** Python's `json.encoder.py_encode_basestring_ascii`. */
export function pyJsonString(s: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c <= 0x7e && c !== 0x22 && c !== 0x5c) continue;
    out += s.slice(start, i);
    // JS strings are already UTF-16, so astral characters arrive as the surrogate pair Python
    // would emit; each unit is escaped on its own.
    out += SHORT_ESCAPES[c] ?? `\\u${c.toString(16).padStart(4, '0')}`;
    start = i + 1;
  }
  return `${out + s.slice(start)}"`;
}

function pyNumber(n: number): string {
  // Only integers occur in what DVC hashes (sizes); Python prints them without exponent.
  if (!Number.isSafeInteger(n))
    throw new RangeError(`pyJsonDumps: ${n} is not an integer this module can print`);
  return String(n);
}

/** `json.dumps(value, sort_keys=True)` */
export function pyJsonDumps(value: PyJson): string {
  if (value === null) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'number') return pyNumber(value);
  if (typeof value === 'string') return pyJsonString(value);
  if (Array.isArray(value)) return `[${value.map(pyJsonDumps).join(', ')}]`;
  const keys = Object.keys(value).sort(compareCodePoints);
  return `{${keys.map((k) => `${pyJsonString(k)}: ${pyJsonDumps(value[k])}`).join(', ')}}`;
}
