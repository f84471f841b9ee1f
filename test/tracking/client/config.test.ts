/**
 * Tracking URIs and MLFLOW_* settings as the client reads them (MLflow's defaults and bounds from
 * mlflow/environment_variables.py and rest_utils._validate_max_retries/_validate_backoff_factor).
 */
import { describe, expect, it } from 'vitest';
import { resolveTrackingTarget, retryPolicyFromEnv } from '../../../src/tracking/client.js';

describe('tracking URIs', () => {
  it('http(s) URIs go to a server; MLFLOW_TRACKING_URI is used when no URI is given', () => {
    const t = resolveTrackingTarget(undefined, { MLFLOW_TRACKING_URI: 'http://127.0.0.1:5000/' });
    expect(t.kind).toBe('http');
    if (t.kind !== 'http') return;
    expect(t.settings.baseUrl).toBe('http://127.0.0.1:5000');
    // MLflow's defaults
    expect(t.settings).toMatchObject({
      maxRetries: 7,
      backoffFactor: 2,
      backoffJitter: 1,
      timeoutMs: 120_000,
    });
    const prefixed = resolveTrackingTarget('https://mlflow.example.com/tracking/', {});
    expect(prefixed.kind === 'http' && prefixed.settings.baseUrl).toBe('https://mlflow.example.com/tracking');
    // an explicit URI wins over the environment
    const explicit = resolveTrackingTarget('http://a:1', { MLFLOW_TRACKING_URI: 'http://b:2' });
    expect(explicit.kind === 'http' && explicit.settings.baseUrl).toBe('http://a:1');
  });

  it('sqlite: and postgresql: URIs are opened in-process', () => {
    expect(resolveTrackingTarget('sqlite:///mlruns.db', {})).toEqual({
      kind: 'database',
      uri: 'sqlite:///mlruns.db',
    });
    expect(resolveTrackingTarget('postgresql://u@h/db', {}).kind).toBe('database');
    expect(resolveTrackingTarget('postgresql+psycopg2://u@h/db', {}).kind).toBe('database');
  });

  it('no URI, file store URIs and unknown schemes are refused with what to use instead', () => {
    expect(() => resolveTrackingTarget(undefined, {})).toThrow(
      /no tracking URI: pass --tracking-uri or set MLFLOW_TRACKING_URI/,
    );
    for (const uri of ['./mlruns', '/abs/mlruns', 'file:///tmp/mlruns', 'C:\\mlruns']) {
      expect(() => resolveTrackingTarget(uri, {})).toThrow(
        /MLflow's file store\), which mlship does not implement; use http/,
      );
    }
    expect(() => resolveTrackingTarget('databricks', {})).toThrow(
      /unsupported tracking URI scheme "databricks:"/,
    );
    expect(() => resolveTrackingTarget('databricks://profile', {})).toThrow(
      /unsupported tracking URI scheme "databricks:"/,
    );
    expect(() => resolveTrackingTarget('http://h:1/?x=1', {})).toThrow(/no query or fragment/);
  });

  it('MLFLOW_TRACKING_INSECURE_TLS=true is refused with the supported alternative', () => {
    expect(() => resolveTrackingTarget('https://h', { MLFLOW_TRACKING_INSECURE_TLS: 'true' })).toThrow(
      /NODE_EXTRA_CA_CERTS/,
    );
    expect(resolveTrackingTarget('https://h', { MLFLOW_TRACKING_INSECURE_TLS: 'false' }).kind).toBe('http');
  });
});

describe('retry settings', () => {
  it('reads the MLFLOW_HTTP_REQUEST_* variables', () => {
    expect(
      retryPolicyFromEnv({
        MLFLOW_HTTP_REQUEST_MAX_RETRIES: '3',
        MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '1',
        MLFLOW_HTTP_REQUEST_BACKOFF_JITTER: '0.25',
        MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER: 'false',
      }),
    ).toEqual({ maxRetries: 3, backoffFactor: 1, backoffJitter: 0.25, respectRetryAfter: false });
    // an empty value is unset, as in MLflow
    expect(retryPolicyFromEnv({ MLFLOW_HTTP_REQUEST_MAX_RETRIES: '' }).maxRetries).toBe(7);
  });

  it("enforces MLflow's bounds with a message naming the variable", () => {
    expect(() => retryPolicyFromEnv({ MLFLOW_HTTP_REQUEST_MAX_RETRIES: '10' })).toThrow(
      /MLFLOW_HTTP_REQUEST_MAX_RETRIES must be from 0 to 9; got 10/,
    );
    expect(() => retryPolicyFromEnv({ MLFLOW_HTTP_REQUEST_MAX_RETRIES: 'many' })).toThrow(/not an integer/);
    expect(() => retryPolicyFromEnv({ MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '120' })).toThrow(/below 120/);
    expect(() => retryPolicyFromEnv({ MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER: 'yes' })).toThrow(
      /true, false, 1, 0/,
    );
    expect(() => resolveTrackingTarget('http://h', { MLFLOW_HTTP_REQUEST_TIMEOUT: '0' })).toThrow(
      /must be positive/,
    );
  });
});
