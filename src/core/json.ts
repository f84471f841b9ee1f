/**
 * JSON cannot hold NaN or ±Infinity, and model packages must round-trip every float exactly.
 * JavaScript's number-to-string is the shortest text that parses back to the same double, so a
 * finite number survives JSON as is; the three non-finite values are written as the strings
 * "NaN", "Infinity" and "-Infinity" (the spelling Python's json module uses for them bare).
 * -0 is written as 0 (JSON.stringify does so); no fitted value here depends on the sign of zero.
 */

export type JsonNumber = number | 'NaN' | 'Infinity' | '-Infinity';

export function encodeNumber(x: number): JsonNumber {
  if (Number.isFinite(x)) return x;
  if (Number.isNaN(x)) return 'NaN';
  return x > 0 ? 'Infinity' : '-Infinity';
}

export function decodeNumber(v: unknown, what = 'value'): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return Number.NaN;
  if (v === 'Infinity') return Number.POSITIVE_INFINITY;
  if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
  throw new TypeError(`${what}: expected a number, got ${JSON.stringify(v)}`);
}

export function encodeNumbers(xs: ArrayLike<number>): JsonNumber[] {
  const out = new Array<JsonNumber>(xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = encodeNumber(xs[i]);
  return out;
}

export function decodeFloat64Array(v: unknown, what = 'array'): Float64Array {
  if (!Array.isArray(v)) throw new TypeError(`${what}: expected an array`);
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = decodeNumber(v[i], `${what}[${i}]`);
  return out;
}
