import { describe, expect, it } from 'vitest';
import { decodeFloat64Array, decodeNumber, encodeNumbers } from '../../src/core/json.js';

describe('JSON number encoding', () => {
  it('round-trips every double exactly, including non-finite values', () => {
    const xs = new Float64Array([
      0.1 + 0.2,
      0,
      5e-324,
      1.7976931348623157e308,
      Number.NaN,
      Infinity,
      -Infinity,
      1 / 3,
    ]);
    const back = decodeFloat64Array(JSON.parse(JSON.stringify(encodeNumbers(xs))));
    expect(Array.from(back)).toEqual(Array.from(xs));
  });
  it('refuses what is not a number', () => {
    expect(() => decodeNumber('nan', 'x')).toThrow(/x: expected a number/);
  });
});
