import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../src/core/errors.js';
import { HttpStore, LocalStore, openStore, S3Store } from '../../src/storage/index.js';

describe('openStore', () => {
  it('opens s3://bucket/prefix as an S3Store, with or without a prefix', async () => {
    const env = { endpointurl: 'http://127.0.0.1:9', access_key_id: 'k', secret_access_key: 's' };
    const store = openStore('s3://my-bucket/dvc/store/', env) as S3Store;
    expect(store).toBeInstanceOf(S3Store);
    expect([store.bucket, store.prefix, store.url]).toEqual([
      'my-bucket',
      'dvc/store',
      's3://my-bucket/dvc/store',
    ]);
    expect(store.settings.endpoint).toBe('http://127.0.0.1:9');
    const bare = openStore('s3://my-bucket', env) as S3Store;
    expect([bare.prefix, bare.url]).toEqual(['', 's3://my-bucket']);
    await store.close();
    await bare.close();
  });

  it('opens http(s) URLs as read-only HttpStores', () => {
    const store = openStore('https://example.org/dvc-remote');
    expect(store).toBeInstanceOf(HttpStore);
    expect(store.readOnly).toBe(true);
    expect(store.url).toBe('https://example.org/dvc-remote');
  });

  it('opens file:// URLs and absolute paths as LocalStores', () => {
    const fromUrl = openStore('file:///tmp/remote%20dir') as LocalStore;
    expect(fromUrl).toBeInstanceOf(LocalStore);
    expect(fromUrl.root).toBe('/tmp/remote dir');
    expect((openStore('/srv/dvc-store') as LocalStore).root).toBe('/srv/dvc-store');
  });

  it('resolves a relative path against baseDir, as DVC does against the config file folder', () => {
    // `dvc remote add r ../store` from the repo root writes url = ../../store into .dvc/config.
    const store = openStore('../../store', { baseDir: '/repo/.dvc' }) as LocalStore;
    expect(store.root).toBe('/store');
    expect((openStore('store') as LocalStore).root).toBe(resolve('store'));
    // A Windows drive letter is a path, not a one-letter scheme.
    expect(openStore('C:\\data', { baseDir: '/w' })).toBeInstanceOf(LocalStore);
    expect((openStore('C:\\data', { baseDir: '/w' }) as LocalStore).root).toBe(join('/w', 'C:\\data'));
  });

  it('accepts general DVC remote options and refuses ones the store cannot honour', () => {
    expect(openStore('/x', { url: '/x', jobs: '8', verify: 'true' })).toBeInstanceOf(LocalStore);
    expect(() => openStore('/x', { endpointurl: 'http://h' })).toThrow(
      /remote option endpointurl is not supported by mlship's local store \(supported: none\)/,
    );
    expect(() => openStore('s3://b', { ssl_verify: 'false' })).toThrow(
      /ssl_verify = false is not supported.*only true/,
    );
    expect(
      openStore('s3://b', { ssl_verify: 'true', access_key_id: 'k', secret_access_key: 's' }),
    ).toBeInstanceOf(S3Store);
    expect(() => openStore('https://h/x', { method: 'PUT' })).toThrow(
      /remote option method is not supported by mlship's HTTP store \(supported: auth, connect_timeout, custom_auth_header, password, read_timeout, user\)/,
    );
  });

  it('refuses unknown schemes, listing the supported ones, without echoing credentials', () => {
    for (const url of ['gs://bucket/x', 'azure://c/x', 'ssh://user:hunter2@host/x', 'hdfs://nn/x']) {
      let error: unknown;
      try {
        openStore(url);
      } catch (e) {
        error = e;
      }
      expect(error, url).toBeInstanceOf(InvalidParameterError);
      const message = (error as Error).message;
      expect(message).toMatch(
        /^unsupported store URL scheme "[a-z]+:" in .*: expected s3:\/\/bucket\/prefix, http:\/\/…, https:\/\/…, file:\/\/\/path, or a local path$/,
      );
      expect(message).not.toContain('hunter2');
    }
  });

  it('refuses malformed URLs clearly', () => {
    expect(() => openStore('')).toThrow(/empty store URL/);
    expect(() => openStore('s3:///prefix-without-bucket')).toThrow(/invalid S3 URL/);
    expect(() => openStore('s3://b/a/../b')).toThrow(/invalid S3 key prefix.*'\.\.' segments/);
    expect(() => openStore('file://remotehost/x')).toThrow(/invalid file URL/);
  });
});
