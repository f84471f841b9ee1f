import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/table/csv-reader.js';
import { parseNumberBytes } from '../../src/table/parse-number.js';
import type { NumericColumn } from '../../src/table/table.js';

function parse(text: string): number | undefined {
  const bytes = Buffer.from(`<${text}>`, 'latin1');
  // Offsets inside a bigger buffer, as fields are.
  return parseNumberBytes(bytes, 1, bytes.length - 1);
}

/** Deterministic xorshift32, so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

describe('exact number parsing', () => {
  // Number() rounds decimal text correctly (ECMA-262 StringToNumber), as Python's float() does,
  // so it is the reference for every accepted spelling.
  const cases = [
    '0',
    '-0',
    '-0.0',
    '+0',
    '0.1',
    '0.2',
    '0.3',
    '1.5',
    '-122.23',
    '37.88',
    '8.3252',
    '452600.0',
    '1e-300',
    '5e-324',
    '2.4703282292062328e-324', // rounds up to the smallest subnormal
    '2.4703282292062327e-324', // rounds down to 0
    '1.7976931348623157e308',
    '1.7976931348623159e308', // overflows to Infinity
    '1e400',
    '123456789012345678',
    '9007199254740993', // 2^53 + 1: not representable, rounds to even
    '999999999999999', // 15 digits: the largest fast-path mantissa
    '9999999999999999', // 16 digits: the slow path
    '0.1000000000000000055511151231257827', // the exact value of 0.1, and then some
    '3.141592653589793238462643383279502884197',
    '0.000000000000000000000000000001',
    '123.456e-7',
    '1E+05',
    '.5',
    '5.',
    '+.5',
    '-.5e1',
    '00000000000000000000000000001.5',
    '2.2250738585072011e-308', // the famous slow-converging boundary case
  ];

  it.each(cases)('parses %s to the same double as Number()', (text) => {
    expect(Object.is(parse(text), Number(text))).toBe(true);
  });

  it('agrees with Number() on many random decimals, exponents and round-trip strings', () => {
    const random = rng(20240601);
    const check = (text: string): void => {
      const got = parse(text);
      if (!Object.is(got, Number(text)))
        throw new Error(`${text}: got ${got}, Number() gives ${Number(text)}`);
    };
    const bits = new Float64Array(1);
    const words = new Uint32Array(bits.buffer);
    for (let i = 0; i < 20000; i++) {
      // Random digit strings with a random decimal point: exercises both sides of the 15-digit limit.
      const nDigits = 1 + Math.floor(random() * 22);
      let digits = '';
      for (let k = 0; k < nDigits; k++) digits += String(Math.floor(random() * 10));
      const dot = Math.floor(random() * (nDigits + 1));
      const sign = random() < 0.3 ? '-' : '';
      check(`${sign}${digits.slice(0, dot)}.${digits.slice(dot)}`);
      check(`${sign}${digits}`);
      check(`${digits.slice(0, 1)}.${digits.slice(1)}e${Math.floor(random() * 640) - 330}`);
      // Any finite double, written the ways JS writes numbers.
      words[0] = Math.floor(random() * 2 ** 32);
      words[1] = Math.floor(random() * 2 ** 32);
      const x = bits[0];
      if (Number.isFinite(x)) {
        check(String(x));
        check(x.toExponential(Math.floor(random() * 21)));
        check(x.toPrecision(1 + Math.floor(random() * 21)));
      }
      const y = (random() - 0.5) * 10 ** Math.floor(random() * 12);
      check(y.toFixed(Math.floor(random() * 12)));
    }
  });

  it('reads missing values and infinities', () => {
    expect(parse('')).toBeNaN();
    expect(parse('NA')).toBeNaN();
    expect(parse('-1.#IND')).toBeNaN();
    expect(parse('inf')).toBe(Infinity);
    expect(parse('-Infinity')).toBe(-Infinity);
    expect(parse('+iNf')).toBe(Infinity);
  });

  it.each([
    '.',
    '-',
    '+',
    'e5',
    '1e',
    '1e+',
    '1.2.3',
    '1e5.5',
    '--1',
    '0x10',
    '1_000',
    '1,5',
    'NAN',
    'infinit',
    'infinityy',
    'Inf1',
    ' ',
    '1 2',
  ])('refuses %j as a number', (text) => {
    expect(parse(text)).toBeUndefined();
  });

  it('gives the same doubles through the CSV reader', () => {
    const t = parseCsv(`x\n${cases.join('\n')}\n`);
    const c = t.columns[0];
    expect(c.kind).toBe('numeric');
    const values = (c as NumericColumn).values;
    for (const [i, text] of cases.entries()) expect(Object.is(values[i], Number(text)), text).toBe(true);
  });
});
