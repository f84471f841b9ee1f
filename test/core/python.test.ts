/**
 * Python's text forms. Expected strings are what CPython 3.11 prints (json.dumps, repr, str),
 * checked by running /usr/bin/python3 on the same values.
 */
import { describe, expect, it } from 'vitest';
import { compareCodePoints, pyFloat, pyJsonDumps, pyRepr, pyStr } from '../../src/core/python.js';

describe('Python text forms', () => {
  it('sorts by code point like Python, not by UTF-16 unit like Array.sort', () => {
    // U+FFFF is a single unit 0xFFFF; U+1F600 starts with the surrogate 0xD83D: JS puts it first.
    expect(['\u{1F600}', '\uffff'].sort()).toEqual(['\u{1F600}', '\uffff']);
    expect(['\u{1F600}', '\uffff'].sort(compareCodePoints)).toEqual(['\uffff', '\u{1F600}']);
  });

  it('json.dumps(sort_keys=True): ensure_ascii escapes, surrogate pairs, DEL', () => {
    expect(pyJsonDumps({ b: 1, a: ['é', '\u{1F600}', '\x7f'] }, { sortKeys: true })).toBe(
      '{"a": ["\\u00e9", "\\ud83d\\ude00", "\\u007f"], "b": 1}',
    );
  });

  it('json.dumps: insertion order by default, separators, NaN/Infinity, float repr', () => {
    // json.dumps({"z": [1, 0.5, float("nan"), float("inf"), 1e-07, None, True]})
    expect(pyJsonDumps({ z: [1, 0.5, Number.NaN, Infinity, 1e-7, null, true], a: 'x' })).toBe(
      '{"z": [1, 0.5, NaN, Infinity, 1e-07, null, true], "a": "x"}',
    );
    // json.dumps({"b": [1, 2], "a": "\\n"}, sort_keys=True, separators=(",", ":"))
    expect(pyJsonDumps({ b: [1, 2], a: '\n' }, { sortKeys: true, separators: [',', ':'] })).toBe(
      '{"a":"\\n","b":[1,2]}',
    );
    expect(pyJsonDumps({ a: undefined, b: 2 })).toBe('{"b": 2}');
  });

  it('repr() of str: quote choice and escapes', () => {
    expect(pyRepr('abc')).toBe("'abc'");
    expect(pyRepr("it's")).toBe('"it\'s"');
    expect(pyRepr('both \' and "')).toBe("'both \\' and \"'");
    expect(pyRepr('tab\there\nnul\0')).toBe("'tab\\there\\nnul\\x00'");
    expect(pyRepr('é \u2028')).toBe("'é \\u2028'");
  });

  it('str() of floats and scalars', () => {
    expect(pyFloat(0.1)).toBe('0.1');
    expect(pyFloat(1)).toBe('1.0');
    expect(pyFloat(1e16)).toBe('1e+16');
    expect(pyFloat(123456789012345.6)).toBe('123456789012345.6');
    expect(pyFloat(0.0001)).toBe('0.0001');
    expect(pyFloat(0.00001)).toBe('1e-05');
    expect(pyFloat(-0)).toBe('-0.0');
    expect(pyFloat(Number.NaN)).toBe('nan');
    expect(pyStr(3)).toBe('3');
    expect(pyStr(null)).toBe('None');
    expect(pyStr(false)).toBe('False');
  });

  it('str() of YAML values, as mlflow.log_param stores them', () => {
    expect(pyStr(8)).toBe('8');
    expect(pyStr(0.1)).toBe('0.1');
    expect(pyStr(1e-7)).toBe('1e-07');
    expect(pyStr('auto')).toBe('auto');
    expect(pyStr(['a', "it's", 1.5, null])).toBe(`['a', "it's", 1.5, None]`);
    expect(pyStr({ a: 1, b: 'x' })).toBe("{'a': 1, 'b': 'x'}");
  });
});
