/**
 * Artifact path validation (src/tracking/artifacts/paths.ts) against MLflow's validate_path_is_safe
 * (mlflow/utils/uri.py) and the stricter rules the CVE list calls for, and the resolution of run
 * artifact URIs to proxy keys (handlers._get_proxied_run_artifact_destination_path).
 */
import { describe, expect, it } from 'vitest';
import {
  decodeFully,
  proxiedKeyOf,
  pyUnquote,
  validateArtifactPath,
} from '../../../src/tracking/artifacts/paths.js';
import { MlflowError } from '../../../src/tracking/errors.js';
import { HOSTILE_PATHS } from './hostile-paths.js';

function refusal(path: string): MlflowError | undefined {
  try {
    validateArtifactPath(path);
    return undefined;
  } catch (e) {
    return e as MlflowError;
  }
}

describe('validateArtifactPath', () => {
  it.each(HOSTILE_PATHS)('refuses %s (%s) with MLflow\'s 400 "Invalid path"', (_pattern, wire) => {
    const error = refusal(wire);
    expect(error).toBeInstanceOf(MlflowError);
    // validate_path_is_safe: MlflowException("Invalid path", error_code=INVALID_PARAMETER_VALUE)
    expect(error?.toJSON()).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: 'Invalid path' });
    expect(error?.httpStatus).toBe(400);
  });

  it('keeps ordinary artifact paths, decoded', () => {
    expect(validateArtifactPath('model/MLmodel')).toBe('model/MLmodel');
    expect(validateArtifactPath('1/abc/artifacts/model/model.json')).toBe('1/abc/artifacts/model/model.json');
    expect(validateArtifactPath('plots/loss%20curve.png')).toBe('plots/loss curve.png');
    expect(validateArtifactPath('caf%C3%A9.txt')).toBe('café.txt');
    // Dots that are not whole segments are names, not traversal.
    expect(validateArtifactPath('a..b/.hidden/x...y')).toBe('a..b/.hidden/x...y');
    // A colon after the first character is allowed (MLflow keys allow it; only drive letters are refused).
    expect(validateArtifactPath('metrics/step:10.json')).toBe('metrics/step:10.json');
  });

  it('drops empty and "." segments, which address nothing new', () => {
    expect(validateArtifactPath('a//b')).toBe('a/b');
    expect(validateArtifactPath('a/./b/')).toBe('a/b');
    expect(validateArtifactPath('./a')).toBe('a');
  });

  it('refuses the root unless listing asks for it', () => {
    expect(refusal('')?.message).toBe('Invalid path');
    expect(refusal('./')?.message).toBe('Invalid path');
    expect(validateArtifactPath('', { allowRoot: true })).toBe('');
    expect(validateArtifactPath('.', { allowRoot: true })).toBe('');
  });
});

describe('percent-decoding (MLflow _decode with urllib.parse.unquote)', () => {
  it('decodes like Python unquote: invalid escapes stay, UTF-8 sequences join', () => {
    expect(pyUnquote('100%.txt')).toBe('100%.txt');
    expect(pyUnquote('a%zzb%2')).toBe('a%zzb%2');
    expect(pyUnquote('%E2%82%AC')).toBe('€');
    // An invalid UTF-8 sequence becomes U+FFFD, as with errors='replace'.
    expect(pyUnquote('%FF')).toBe('\ufffd');
  });

  it('decodes until stable and gives up after 10 rounds', () => {
    expect(decodeFully('%252e')).toBe('.');
    // MLflow's loop runs 10 times and returns when a round changes nothing: 9 decodings and the
    // round that confirms them fit; a 10th decoding does not.
    expect(decodeFully(`%${'25'.repeat(8)}2e`)).toBe('.');
    expect(decodeFully(`%${'25'.repeat(9)}2e`)).toBeUndefined();
  });
});

describe('proxiedKeyOf (run artifact URI → key under the destination)', () => {
  it('resolves mlflow-artifacts URIs with and without an authority', () => {
    expect(proxiedKeyOf('mlflow-artifacts:/1/abc/artifacts')).toBe('1/abc/artifacts');
    expect(proxiedKeyOf('mlflow-artifacts://tracking:5000/1/abc/artifacts')).toBe('1/abc/artifacts');
    expect(proxiedKeyOf('mlflow-artifacts:/')).toBe('');
  });

  it('resolves http(s) URIs through the proxy route anchor', () => {
    expect(proxiedKeyOf('http://host:5000/api/2.0/mlflow-artifacts/artifacts/2/def/artifacts')).toBe(
      '2/def/artifacts',
    );
    expect(proxiedKeyOf('https://host/prefix/api/2.0/mlflow-artifacts/artifacts/2/def/artifacts')).toBe(
      '2/def/artifacts',
    );
    expect(proxiedKeyOf('http://host:5000/some/other/path')).toBeUndefined();
  });

  it('resolves locations inside the destination itself', () => {
    expect(proxiedKeyOf('s3://bucket/prefix/3/x/artifacts', 's3://bucket/prefix')).toBe('3/x/artifacts');
    expect(proxiedKeyOf('/srv/mlartifacts/3/x/artifacts', '/srv/mlartifacts')).toBe('3/x/artifacts');
    expect(proxiedKeyOf('file:///srv/mlartifacts/3/x/artifacts', '/srv/mlartifacts')).toBe('3/x/artifacts');
  });

  it('does not serve locations outside the destination (MLflow would read them: the LFI CVEs)', () => {
    expect(proxiedKeyOf('s3://other-bucket/3/x/artifacts', 's3://bucket/prefix')).toBeUndefined();
    expect(proxiedKeyOf('s3://bucket/prefix-sibling/x', 's3://bucket/prefix')).toBeUndefined();
    expect(proxiedKeyOf('/etc', '/srv/mlartifacts')).toBeUndefined();
    expect(proxiedKeyOf('/srv/mlartifacts-other/x', '/srv/mlartifacts')).toBeUndefined();
    expect(proxiedKeyOf('file:///etc/passwd', '/srv/mlartifacts')).toBeUndefined();
  });

  it('refuses stored roots that smuggle traversal (CVE-2023-6909, CVE-2024-1483 patterns)', () => {
    expect(proxiedKeyOf('mlflow-artifacts:/../../etc')).toBeUndefined();
    expect(proxiedKeyOf('mlflow-artifacts:/1/%2e%2e/%2e%2e/etc')).toBeUndefined();
    expect(proxiedKeyOf('http:///?/../../../../etc/')).toBeUndefined();
    expect(proxiedKeyOf('http:///#../../../../etc/')).toBeUndefined();
    expect(proxiedKeyOf('mlflow-artifacts:/1/x#/../../etc')).toBeUndefined();
    expect(proxiedKeyOf('/srv/mlartifacts/../../etc', '/srv/mlartifacts')).toBeUndefined();
  });
});
