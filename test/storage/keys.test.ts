import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/core/errors.js';
import { checkKey, checkPrefix, joinKey } from '../../src/storage/keys.js';
import { HOSTILE_KEYS } from './conformance.js';

describe('checkKey', () => {
  it.each(HOSTILE_KEYS)('refuses %j, naming the key and the rule', (key, rule) => {
    let error: unknown;
    try {
      checkKey(key);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    const message = (error as Error).message;
    expect(message).toMatch(rule);
    expect(message).toContain(JSON.stringify(key));
    // One line, even for a key holding NUL: the key is shown JSON-escaped.
    expect(message).not.toMatch(/[\n\0]/);
  });

  it('accepts ordinary keys, including dot-files and names that merely contain dots', () => {
    for (const key of [
      'files/md5/d1/c47305887e2252bf1ccbd74ff159a6',
      '1/abc/artifacts/model/MLmodel',
      '.gitignore',
      'a/.hidden',
      'a/..b',
      'a/b..',
      '...',
      'name with spaces/é',
    ]) {
      expect(checkKey(key)).toBe(key);
    }
  });

  it('does not URL-decode: "%2e%2e" is a literal name, not a parent reference', () => {
    // Callers that receive encoded keys must decode before checking; the store never decodes.
    expect(checkKey('%2e%2e')).toBe('%2e%2e');
    expect(checkKey('a/%2e%2e/b')).toBe('a/%2e%2e/b');
    expect(() => checkKey(decodeURIComponent('a/%2e%2e/b'))).toThrow(/'\.\.' segments/);
  });
});

describe('checkPrefix', () => {
  it('accepts the empty prefix, folder prefixes and prefixes ending mid-name', () => {
    for (const p of ['', 'files/', 'files/md5/d1/c4', 'f', 'a/.', 'a/..x']) expect(checkPrefix(p)).toBe(p);
  });
  it.each([
    ['../x', /'\.\.' segments/],
    ['/abs/', /leading/],
    ['a//b', /empty path segments/],
    ['a\\b', /backslashes/],
    ['a/b\0', /NUL/],
  ])('refuses %j', (prefix, rule) => {
    expect(() => checkPrefix(prefix)).toThrow(InvalidInputError);
    expect(() => checkPrefix(prefix)).toThrow(rule);
  });
});

describe('joinKey', () => {
  it('joins parts with "/" and skips empty ones (a store prefix of "")', () => {
    expect(joinKey('files', 'md5', 'd1', 'c473')).toBe('files/md5/d1/c473');
    expect(joinKey('', 'a/b', 'c')).toBe('a/b/c');
  });
  it('cannot build a key that checkKey refuses', () => {
    expect(() => joinKey('a', '..', 'b')).toThrow(/'\.\.' segments/);
    expect(() => joinKey('a/', 'b')).toThrow(/empty path segments/);
    expect(() => joinKey('/a', 'b')).toThrow(/leading/);
    expect(() => joinKey()).toThrow(/non-empty/);
  });
});
