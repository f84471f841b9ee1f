/**
 * Backend store URIs as `mlflow server --backend-store-uri` takes them, which follow SQLAlchemy's
 * database URL convention:
 * - `sqlite:///relative/path.db` (three slashes: a path relative to the working directory),
 * - `sqlite:////absolute/path.db` (four slashes: an absolute path),
 * - `sqlite://` or `sqlite:///:memory:` (a private in-memory database),
 * - `postgresql://user:password@host:port/database?…`, also spelt `postgres://` or with a driver
 *   (`postgresql+psycopg2://`), as MLflow users write it.
 */
import { isAbsolute, resolve } from 'node:path';
import { InvalidParameterError } from '../../core/errors.js';

export type StoreLocation =
  | { dialect: 'sqlite' /** absolute file path, or ':memory:' */; path: string }
  | { dialect: 'postgresql' /** a URL `pg` understands (driver suffix removed) */; connectionString: string };

const EXPECTED =
  'expected sqlite:///relative.db, sqlite:////absolute/path.db or postgresql://user@host:port/database';

export function parseStoreUri(uri: string, cwd: string = process.cwd()): StoreLocation {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(uri)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    throw new InvalidParameterError(`Invalid backend store URI '${uri}': no scheme; ${EXPECTED}`);
  }
  const [dialect] = scheme.split('+');
  if (dialect === 'sqlite') {
    if (!uri.startsWith(`${uri.slice(0, scheme.length)}://`)) {
      throw new InvalidParameterError(`Invalid backend store URI '${uri}': ${EXPECTED}`);
    }
    let rest = uri.slice(scheme.length + 3); // after "sqlite://"
    const q = rest.indexOf('?');
    if (q >= 0) rest = rest.slice(0, q);
    if (rest === '' || rest === '/' || rest === '/:memory:') return { dialect: 'sqlite', path: ':memory:' };
    if (!rest.startsWith('/')) {
      // sqlite://host/… — SQLAlchemy refuses a host for SQLite too.
      throw new InvalidParameterError(
        `Invalid backend store URI '${uri}': a SQLite URI has no host part; ${EXPECTED}`,
      );
    }
    // Drop the separator slash: what remains is relative ("a.db") or absolute ("/abs/a.db").
    const path = decodeURIComponent(rest.slice(1));
    return { dialect: 'sqlite', path: isAbsolute(path) ? path : resolve(cwd, path) };
  }
  if (dialect === 'postgresql' || dialect === 'postgres') {
    const connectionString = `postgresql${uri.slice(scheme.length)}`;
    try {
      new URL(connectionString);
    } catch {
      throw new InvalidParameterError(`Invalid backend store URI '${redact(uri)}': not a valid URL`);
    }
    return { dialect: 'postgresql', connectionString };
  }
  throw new InvalidParameterError(
    `Unsupported backend store URI scheme '${scheme}' in '${redact(uri)}': ${EXPECTED}`,
  );
}

/** The URI with any password replaced, for messages and logs. */
export function redact(uri: string): string {
  return uri.replace(/^([a-zA-Z][\w+.-]*:\/\/[^:/@]*):[^@/]*@/, '$1:***@');
}
