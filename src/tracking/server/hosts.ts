/**
 * Host header validation against DNS rebinding (issue 8 §5.8), as MLflow 3's server does it
 * (mlflow/server/security.py `validate_host`, security_utils.py `is_allowed_host_header`,
 * `get_default_allowed_hosts`; flag `--allowed-hosts`, env MLFLOW_SERVER_ALLOWED_HOSTS):
 * - a comma-separated list of Host header values, each an exact value or, when it has a `*`, an
 *   fnmatch pattern (`*`, `?`, `[…]`), compared with the whole header, port included (`mlflow.example.com`,
 *   `10.0.0.100:5000`, `app-*.internal.com`, `192.168.*`); `*` alone allows every host;
 * - by default: the localhost names (`localhost`, `127.0.0.1`, `[::1]`, `0.0.0.0`) with or without
 *   a port, and the private address ranges (10.*, 192.168.*, 172.16–31.*, fc00:*, fd00:*);
 *   mlship adds the address it listens on, when that is one address (`--host 203.0.113.7`), so a
 *   server bound to a public address answers requests to it;
 * - anything else is answered 403 with MLflow's message; /health and /version answer everyone
 *   (load balancers probe them by IP or by any name). MLflow sends that message as text/plain;
 *   here it is the start of the message of the server's usual JSON error (PERMISSION_DENIED),
 *   followed by the refused Host and the flag that allows it, so clients read it like any other.
 * Host names are compared without regard to case (RFC 9110 §4.2.3), where MLflow's fnmatch on POSIX
 * compares case-sensitively: `Localhost` is the same host.
 */

/** security_utils.INVALID_HOST_MSG */
export const INVALID_HOST_MESSAGE = 'Invalid Host header - possible DNS rebinding attack detected';
/** security_utils.HEALTH_ENDPOINTS */
export const HOST_EXEMPT_PATHS: readonly string[] = ['/health', '/version'];

const LOCALHOST_NAMES = ['localhost', '127.0.0.1', '[::1]', '0.0.0.0'];

function privateAddressPatterns(): string[] {
  const range172 = Array.from({ length: 16 }, (_, i) => `172.${16 + i}.*`);
  return ['192.168.*', '10.*', ...range172, 'fc00:*', 'fd00:*'];
}

/** A bound address as it appears in a Host header (IPv6 in brackets); undefined for a wildcard. */
function boundHostName(host: string): string | undefined {
  if (host === '' || host === '0.0.0.0' || host === '::' || host === '[::]') return undefined;
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** fnmatch escapes a literal `[` as `[[]`. */
function escapePattern(name: string): string {
  return name.replace(/[[*?]/g, (c) => `[${c}]`);
}

/** MLflow's default list, plus the address the server is bound to (`--host`) when it is one address. */
export function defaultAllowedHosts(boundHost?: string): string[] {
  const names = [...LOCALHOST_NAMES];
  const bound = boundHost === undefined ? undefined : boundHostName(boundHost.toLowerCase());
  if (bound !== undefined && !names.includes(bound)) names.push(bound);
  return [...names, ...names.map((n) => `${escapePattern(n)}:*`), ...privateAddressPatterns()];
}

/** `--allowed-hosts` / MLFLOW_SERVER_ALLOWED_HOSTS: comma-separated, spaces around items ignored. */
export function parseAllowedHosts(text: string): string[] {
  return text
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '');
}

/** Python's fnmatch.translate, for the subset a Host pattern can use, anchored and case-insensitive. */
function patternRegex(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) out += '\\[';
      else {
        let set = pattern.slice(i + 1, end);
        const negate = set.startsWith('!');
        if (negate) set = set.slice(1);
        out += `[${negate ? '^' : ''}${set.replace(/[\\\]^]/g, '\\$&')}]`;
        i = end;
      }
    } else out += c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`^(?:${out})$`, 'is');
}

/** A predicate on Host header values; `*` in the list allows every host, a missing header none. */
export function hostMatcher(allowed: readonly string[]): (host: string | undefined) => boolean {
  if (allowed.includes('*')) return () => true;
  // As in is_allowed_host_header: an entry is a pattern only when it has a `*` (`[::1]` is a name).
  const exact = new Set(allowed.filter((p) => !p.includes('*')).map((p) => p.toLowerCase()));
  const patterns = allowed.filter((p) => p.includes('*')).map(patternRegex);
  return (host) => {
    if (!host) return false;
    return exact.has(host.toLowerCase()) || patterns.some((re) => re.test(host));
  };
}
