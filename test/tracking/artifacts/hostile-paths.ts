/**
 * Every artifact path pattern the server must refuse with 400 INVALID_PARAMETER_VALUE "Invalid path",
 * as it travels on the wire (already percent-encoded where an attacker would encode it). The same
 * list is tried on every route that takes a path: proxy PUT/GET/DELETE, proxy listing, a run's
 * artifacts/list and /get-artifact (test/tracking/server/path-safety.test.ts), and against
 * validateArtifactPath directly (paths.test.ts). Sources: MLflow's validate_path_is_safe and the
 * CVEs in shared/specs/mlflow-rest-api.md §7.
 */
export const HOSTILE_PATHS: ReadonlyArray<readonly [pattern: string, wire: string]> = [
  ['parent segment', '..'],
  ['leading parent', '../etc/passwd'],
  ['parent escaping a folder', 'a/../../etc/passwd'],
  ['trailing parent', 'a/..'],
  ['absolute POSIX path', '/etc/passwd'],
  ['network path (//host)', '//etc/passwd'],
  ['encoded dots (%2e%2e)', '%2e%2e/etc/passwd'],
  ['encoded dots, upper case', '%2E%2E/etc/passwd'],
  ['encoded slash (%2f)', '..%2fetc%2fpasswd'],
  ['encoded dots and slashes', '%2e%2e%2f%2e%2e%2fetc%2fpasswd'],
  ['encoded absolute path', '%2fetc%2fpasswd'],
  ['double encoding (CVE-2024-1560)', '%252e%252e%252fetc%252fpasswd'],
  ['triple encoding', '%25252e%25252e/etc/passwd'],
  ['encoding deeper than 10 rounds', `${'%25'.repeat(1)}${'25'.repeat(11)}2e%2e/x`],
  ['backslash parent (CVE-2023-2780)', '..%5c..%5cetc%5cpasswd'],
  ['backslash inside a name', 'a%5cb'],
  ['double-encoded backslash', '..%255c..%255cetc'],
  ['NUL byte', 'a%00b'],
  ['NUL byte before an extension', 'model.pkl%00.txt'],
  ['newline (control character)', 'a%0ab'],
  ['DEL (control character)', 'a%7fb'],
  ['fragment (CVE-2024-1483)', '%23/../../etc/passwd'],
  ['fragment inside a name', 'a%23b'],
  ['path parameter (CVE-2024-1593)', 'a;/../../etc/passwd'],
  ['path parameter, encoded', 'a%3b..%2fetc'],
  ['Tomcat-style ..;', '..;/etc/passwd'],
  ['Windows drive, forward slash', 'C:/Windows/win.ini'],
  ['Windows drive, backslash', 'C:%5cWindows%5cwin.ini'],
  ['Windows drive-relative', 'c:win.ini'],
  ['UNC path', '%5c%5cserver%5cshare'],
  ['file: URI', 'file:%2f%2f%2fetc%2fpasswd'],
  ['file: URI, relative form', 'file:etc/passwd'],
];
