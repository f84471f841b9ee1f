/**
 * Exact number parsing straight from the bytes of a CSV field, so that reading a numeric column
 * allocates no string per field. The result is always the double that `Number(text)` and
 * Python's `float(text)` give for the same text: both round the decimal value correctly, and so
 * does every path here.
 *
 * Accepted (what pandas' default C parser accepts as a float):
 * - decimals `[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?`, with optional spaces or
 *   tabs around them;
 * - infinities `[+-]? (inf | infinity)` in any letter case;
 * - pandas' default missing-value strings (pandas 1.5 `STR_NA_VALUES`, compared exactly):
 *   "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
 *   "<NA>", "N/A", "NA", "NULL", "NaN", "n/a", "nan", "null" — they give NaN, our missing value.
 * Rejected: hex (`0x10`, which Number() takes), underscores (`1_000`, which float() takes), and
 * anything else, so that such a column is read as categorical, as pandas does.
 */

const ZERO = 0x30;
const NINE = 0x39;
const PLUS = 0x2b;
const MINUS = 0x2d;
const DOT = 0x2e;
const SPACE = 0x20;
const TAB = 0x09;

/** 10^0 … 10^22: every one is exactly representable as a double. */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/** Digits of a decimal whose mantissa is surely below 2^53 (10^15 < 2^53 ≈ 9.007e15). */
const MAX_FAST_DIGITS = 15;

const NA_STRINGS = [
  '',
  '#N/A',
  '#N/A N/A',
  '#NA',
  '-1.#IND',
  '-1.#QNAN',
  '-NaN',
  '-nan',
  '1.#IND',
  '1.#QNAN',
  '<NA>',
  'N/A',
  'NA',
  'NULL',
  'NaN',
  'n/a',
  'nan',
  'null',
];
const NA_BYTES = NA_STRINGS.map((s) => Buffer.from(s, 'latin1'));

/** pandas' default missing-value strings, read as NaN (missing) in numeric columns. */
export const NUMERIC_NA_STRINGS: readonly string[] = NA_STRINGS;

/**
 * The number in `buf[start, end)`, NaN for an empty field or a missing-value string, or
 * `undefined` when the text is not a number.
 */
export function parseNumberBytes(buf: Uint8Array, start: number, end: number): number | undefined {
  if (start === end) return Number.NaN;
  // Fast path: a plain decimal (no exponent) of at most 15 digits. The digits form an integer
  // m < 10^15 < 2^53, built exactly; with k ≤ 15 fraction digits, 10^k is an exact double too, so
  // the single IEEE division m / 10^k is the correctly rounded value of the decimal, which is
  // what Number() returns.
  let i = start;
  let c = buf[i];
  const negative = c === MINUS;
  if (negative || c === PLUS) i++;
  let mantissa = 0;
  let digits = 0;
  let fractionDigits = 0;
  let sawDot = false;
  for (; i < end; i++) {
    c = buf[i];
    if (c >= ZERO && c <= NINE) {
      mantissa = mantissa * 10 + (c - ZERO);
      digits++;
      if (sawDot) fractionDigits++;
    } else if (c === DOT && !sawDot) {
      sawDot = true;
    } else {
      break;
    }
  }
  if (i === end && digits > 0 && digits <= MAX_FAST_DIGITS) {
    const v = fractionDigits === 0 ? mantissa : mantissa / POW10[fractionDigits];
    return negative ? -v : v;
  }
  return parseNumberSlow(buf, start, end);
}

function parseNumberSlow(buf: Uint8Array, start: number, end: number): number | undefined {
  if (isNaString(buf, start, end)) return Number.NaN;
  while (start < end && (buf[start] === SPACE || buf[start] === TAB)) start++;
  while (end > start && (buf[end - 1] === SPACE || buf[end - 1] === TAB)) end--;
  if (start === end) return undefined;
  const infinity = parseInfinity(buf, start, end);
  if (infinity !== undefined) return infinity;
  if (!isDecimal(buf, start, end)) return undefined;
  // The grammar check above leaves only ASCII text that Number() reads exactly as float() does.
  return Number(Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1'));
}

function isNaString(buf: Uint8Array, start: number, end: number): boolean {
  const n = end - start;
  for (const na of NA_BYTES) {
    if (na.length !== n) continue;
    let k = 0;
    while (k < n && buf[start + k] === na[k]) k++;
    if (k === n) return true;
  }
  return false;
}

/** ±Infinity for `[+-]?(inf|infinity)` in any case, else undefined. */
function parseInfinity(buf: Uint8Array, start: number, end: number): number | undefined {
  const c = buf[start];
  const negative = c === MINUS;
  if (negative || c === PLUS) start++;
  const n = end - start;
  if (n !== 3 && n !== 8) return undefined;
  const word = 'infinity';
  for (let k = 0; k < n; k++) {
    // ASCII letters: setting bit 0x20 lower-cases them (and maps no other byte onto a letter
    // of "infinity", since those are all in 0x61–0x7a and their upper-case twins in 0x41–0x5a).
    if ((buf[start + k] | 0x20) !== word.charCodeAt(k)) return undefined;
  }
  return negative ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
}

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

/** `[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?` over the whole range. */
function isDecimal(buf: Uint8Array, i: number, end: number): boolean {
  if (buf[i] === PLUS || buf[i] === MINUS) i++;
  let mantissaDigits = 0;
  while (i < end && isDigit(buf[i])) {
    i++;
    mantissaDigits++;
  }
  if (i < end && buf[i] === DOT) {
    i++;
    while (i < end && isDigit(buf[i])) {
      i++;
      mantissaDigits++;
    }
  }
  if (mantissaDigits === 0) return false;
  if (i < end && (buf[i] === 0x65 || buf[i] === 0x45)) {
    i++;
    if (i < end && (buf[i] === PLUS || buf[i] === MINUS)) i++;
    const exponentStart = i;
    while (i < end && isDigit(buf[i])) i++;
    if (i === exponentStart) return false;
  }
  return i === end;
}
