/**
 * The Host header rules of hosts.ts against MLflow 3's (mlflow/server/security_utils.py and its
 * tests/server/test_security.py: the default list holds "localhost", "127.0.0.1", "[::1]",
 * "localhost:*", "127.0.0.1:*", "[[]::1]:*", "192.168.*", "10.*"; an entry with `*` is an fnmatch
 * pattern, any other is compared whole; `*` alone allows everything; no Host header is refused).
 */
import { describe, expect, it } from 'vitest';
import { defaultAllowedHosts, hostMatcher, parseAllowedHosts } from '../../../src/tracking/server/hosts.js';

describe('defaultAllowedHosts', () => {
  it("holds MLflow's defaults", () => {
    const hosts = defaultAllowedHosts();
    for (const h of [
      'localhost',
      '127.0.0.1',
      '[::1]',
      'localhost:*',
      '127.0.0.1:*',
      '[[]::1]:*',
      '192.168.*',
      '10.*',
    ]) {
      expect(hosts).toContain(h);
    }
  });

  it('adds the bound address when it is one address, not a wildcard', () => {
    expect(hostMatcher(defaultAllowedHosts('203.0.113.7'))('203.0.113.7:5000')).toBe(true);
    expect(hostMatcher(defaultAllowedHosts('2001:db8::1'))('[2001:db8::1]:5000')).toBe(true);
    expect(hostMatcher(defaultAllowedHosts('0.0.0.0'))('203.0.113.7:5000')).toBe(false);
    expect(hostMatcher(defaultAllowedHosts('::'))('[2001:db8::1]')).toBe(false);
  });
});

describe('hostMatcher', () => {
  const allowed = hostMatcher(defaultAllowedHosts());

  it('serves local names on any port and the private ranges', () => {
    for (const h of [
      'localhost',
      'LOCALHOST:5000',
      '127.0.0.1:8080',
      '[::1]',
      '[::1]:5000',
      '10.0.0.1',
      '172.16.4.4:1',
      '172.31.0.1',
      '192.168.1.1:5000',
      'fd00::1',
    ]) {
      expect({ h, ok: allowed(h) }).toEqual({ h, ok: true });
    }
  });

  it('refuses everything else, a missing header included', () => {
    for (const h of [
      undefined,
      '',
      'attacker.example',
      '172.32.0.1',
      '172.15.0.1',
      '11.0.0.1',
      'localhost.attacker.example',
      '127.0.0.1.nip.io',
      '[::2]',
    ]) {
      expect({ h, ok: allowed(h) }).toEqual({ h, ok: false });
    }
  });

  it('reads fnmatch patterns only where there is a *, and * alone allows all', () => {
    const m = hostMatcher(parseAllowedHosts(' mlflow.example.com , app-?.internal:*, [ab]*.corp '));
    expect(m('mlflow.example.com')).toBe(true);
    expect(m('mlflow.example.com:5000')).toBe(false);
    expect(m('app-1.internal:443')).toBe(true);
    expect(m('app-12.internal:443')).toBe(false);
    expect(m('a1.corp')).toBe(true);
    expect(m('c1.corp')).toBe(false);
    expect(hostMatcher(['*'])('anything.example')).toBe(true);
    // A `.` in a pattern is a literal dot, not any character.
    expect(hostMatcher(['10.*'])('10x1.example')).toBe(false);
  });
});
