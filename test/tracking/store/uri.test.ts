/**
 * Backend store URIs as `mlflow server --backend-store-uri` takes them (SQLAlchemy's database URL
 * convention: sqlite:/// + relative path, sqlite://// + absolute path).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../../src/core/errors.js';
import { appendToUriPath } from '../../../src/tracking/store/artifact-uri.js';
import { openTrackingStore } from '../../../src/tracking/store/index.js';
import { parseStoreUri, redact } from '../../../src/tracking/store/uri.js';

describe('parseStoreUri', () => {
  it('reads three slashes as a relative path and four as an absolute one', () => {
    expect(parseStoreUri('sqlite:///mlruns.db', '/srv/app')).toEqual({
      dialect: 'sqlite',
      path: '/srv/app/mlruns.db',
    });
    expect(parseStoreUri('sqlite:///data/m.db', '/srv')).toEqual({
      dialect: 'sqlite',
      path: '/srv/data/m.db',
    });
    expect(parseStoreUri('sqlite:////var/lib/mlflow.db', '/srv')).toEqual({
      dialect: 'sqlite',
      path: '/var/lib/mlflow.db',
    });
    expect(parseStoreUri('sqlite:///my%20runs.db?timeout=5', '/srv')).toEqual({
      dialect: 'sqlite',
      path: '/srv/my runs.db',
    });
  });

  it('gives an in-memory database for sqlite:// and sqlite:///:memory:', () => {
    expect(parseStoreUri('sqlite://')).toEqual({ dialect: 'sqlite', path: ':memory:' });
    expect(parseStoreUri('sqlite:///:memory:')).toEqual({ dialect: 'sqlite', path: ':memory:' });
  });

  it('accepts postgresql://, postgres:// and a driver suffix', () => {
    const url = 'postgresql://u:p@db.example:5432/mlflow?sslmode=require';
    expect(parseStoreUri(url)).toEqual({ dialect: 'postgresql', connectionString: url });
    expect(parseStoreUri('postgres://u@h/db')).toEqual({
      dialect: 'postgresql',
      connectionString: 'postgresql://u@h/db',
    });
    expect(parseStoreUri('postgresql+psycopg2://u@h/db')).toEqual({
      dialect: 'postgresql',
      connectionString: 'postgresql://u@h/db',
    });
  });

  it.each([
    ['mysql://u@h/db', "Unsupported backend store URI scheme 'mysql' in 'mysql://u@h/db'"],
    ['./mlruns', "Invalid backend store URI './mlruns': no scheme"],
    ['sqlite:relative.db', "Invalid backend store URI 'sqlite:relative.db'"],
    ['sqlite://host/x.db', 'a SQLite URI has no host part'],
    ['mssql://u:secret@h/db', "'mssql://u:***@h/db'"],
  ])('refuses %s with a clear message', (uri, message) => {
    expect(() => parseStoreUri(uri)).toThrow(InvalidParameterError);
    expect(() => parseStoreUri(uri)).toThrow(message);
  });

  it('redacts passwords', () => {
    expect(redact('postgresql://me:s3cret@h:5432/db')).toBe('postgresql://me:***@h:5432/db');
    expect(redact('postgresql://me@h/db')).toBe('postgresql://me@h/db');
  });
});

describe('appendToUriPath (mlflow.utils.uri.append_to_uri_path)', () => {
  it('joins with exactly one slash and keeps the query last', () => {
    expect(appendToUriPath('mlflow-artifacts:/', '0')).toBe('mlflow-artifacts:/0');
    expect(appendToUriPath('mlflow-artifacts:/1', 'abc', 'artifacts')).toBe(
      'mlflow-artifacts:/1/abc/artifacts',
    );
    expect(appendToUriPath('s3://bucket/prefix/', '/2')).toBe('s3://bucket/prefix/2');
    expect(appendToUriPath('s3://bucket/prefix?versioned=1', '3')).toBe('s3://bucket/prefix/3?versioned=1');
    expect(appendToUriPath('/srv/mlruns', '4')).toBe('/srv/mlruns/4');
  });
});

describe('openTrackingStore failures', () => {
  it('names the store (password hidden) and the reason when the database cannot be opened', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mlship-bad-store-'));
    try {
      const file = join(dir, 'garbage.db');
      await writeFile(file, 'this is not a SQLite database, just text long enough to have a header');
      await expect(openTrackingStore(`sqlite:///${file}`, { defaultArtifactRoot: 'x' })).rejects.toThrow(
        `Cannot open the tracking store sqlite:///${file}: file is not a database`,
      );
      // Nothing listens on port 1.
      await expect(
        openTrackingStore('postgresql://me:secret@127.0.0.1:1/db', { defaultArtifactRoot: 'x' }),
      ).rejects.toThrow(
        /^Cannot open the tracking store postgresql:\/\/me:\*\*\*@127\.0\.0\.1:1\/db: .*ECONNREFUSED/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
