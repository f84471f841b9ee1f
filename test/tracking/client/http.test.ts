/**
 * The client's HTTP behaviour, through a scriptable proxy in front of a real server: MLflow's retry
 * policy (which statuses, how many times, which waits — urllib3 Retry as configured by
 * mlflow/utils/request_utils.py), that repeating a call after a lost response duplicates nothing,
 * credentials headers as mlflow/utils/rest_utils.py builds them, error mapping, the idle timeout,
 * and the one-line connection error.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  describeRetry,
  MlflowRestError,
  openTrackingClient,
  type RetryNotice,
  type TrackingClient,
  TrackingConnectionError,
} from '../../../src/tracking/client.js';
import {
  type FlakyProxy,
  startFlakyProxy,
  startTrackingServer,
  type TrackingServerFixture,
  testEnv,
} from './fixtures.js';

let server: TrackingServerFixture;
let proxy: FlakyProxy;
const clients: TrackingClient[] = [];

beforeAll(async () => {
  server = await startTrackingServer();
  proxy = await startFlakyProxy(server.port);
});
afterAll(async () => {
  await proxy?.close();
  await server?.close();
});
afterEach(async () => {
  proxy.plan = () => 'pass';
  proxy.seen.length = 0;
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

/** A client through the proxy whose backoff waits are recorded instead of slept. */
async function viaProxy(env: Record<string, string> = {}, uri = proxy.url) {
  const waits: number[] = [];
  const client = await openTrackingClient(uri, {
    env: testEnv(env),
    wait: async (ms) => {
      waits.push(ms);
    },
  });
  clients.push(client);
  return { client, waits };
}

const unavailable = {
  status: 503,
  body: JSON.stringify({ error_code: 'TEMPORARILY_UNAVAILABLE', message: 'try later' }),
};

describe('retries (MLflow: every method, on 408/429/500/502/503/504 and connection errors)', () => {
  it('a 503 on the first three attempts is retried, waiting 0, 4 and 8 s (backoff factor 2)', async () => {
    const { client, waits } = await viaProxy();
    proxy.plan = (_req, n) => (n < 3 ? unavailable : 'pass');
    const id = await client.createExperiment('retried-503');
    expect(id).toMatch(/^\d+$/);
    expect(proxy.seen).toHaveLength(4);
    // urllib3 Retry.get_backoff_time: 0 before the first retry, then factor * 2^(n-1)
    expect(waits).toEqual([0, 4000, 8000]);
    expect((await client.getExperimentByName('retried-503'))?.experiment_id).toBe(id);
  });

  it.each([408, 429, 500, 502, 504])('status %i is retried', async (status) => {
    const { client } = await viaProxy();
    proxy.plan = (_req, n) => (n === 0 ? { status, body: '' } : 'pass');
    await client.getExperiment('0');
    expect(proxy.seen).toHaveLength(2);
  });

  it.each([400, 401, 403, 404, 409, 501])('status %i is not retried', async (status) => {
    const { client } = await viaProxy();
    proxy.plan = () => ({
      status,
      body: JSON.stringify({ error_code: 'BAD_REQUEST', message: `no (${status})` }),
    });
    const err = await client.getExperiment('0').catch((e) => e);
    expect(err).toBeInstanceOf(MlflowRestError);
    expect(err.message).toBe(`no (${status})`);
    expect(err.status).toBe(status);
    expect(proxy.seen).toHaveLength(1);
  });

  it("after the last retry, the server's own error is reported", async () => {
    const { client, waits } = await viaProxy({ MLFLOW_HTTP_REQUEST_MAX_RETRIES: '2' });
    proxy.plan = () => unavailable;
    const err = await client.getExperiment('0').catch((e) => e);
    expect(err).toBeInstanceOf(MlflowRestError);
    expect(err).toMatchObject({ errorCode: 'TEMPORARILY_UNAVAILABLE', message: 'try later', status: 503 });
    expect(proxy.seen).toHaveLength(3);
    expect(waits).toEqual([0, 4000]);
  });

  it('each retry is reported before its wait: what failed, attempt n of N (MLflow: 7 retries, 8 attempts), the wait', async () => {
    const notices: RetryNotice[] = [];
    const client = await openTrackingClient(proxy.url, {
      // MLflow's default MLFLOW_HTTP_REQUEST_MAX_RETRIES (testEnv lowers it)
      env: testEnv({ MLFLOW_HTTP_REQUEST_MAX_RETRIES: '7' }),
      wait: async () => {},
      onRetry: (n) => notices.push(n),
    });
    clients.push(client);
    proxy.plan = (_req, n) => (n < 2 ? unavailable : 'pass');
    await client.getExperiment('0');
    expect(notices.map((n) => [n.attempt, n.attempts, n.waitSeconds, n.failure])).toEqual([
      [1, 8, 0, 'HTTP 503'],
      [2, 8, 4, 'HTTP 503'],
    ]);
    expect(describeRetry(notices[1])).toBe(
      `tracking server ${proxy.url}: GET /api/2.0/mlflow/experiments/get failed (HTTP 503); attempt 2 of 8, next in 4 s`,
    );
  });

  it('MLFLOW_HTTP_REQUEST_MAX_RETRIES=0 makes one attempt only', async () => {
    const { client } = await viaProxy({ MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0' });
    proxy.plan = () => unavailable;
    await expect(client.getExperiment('0')).rejects.toThrow('try later');
    expect(proxy.seen).toHaveLength(1);
  });

  it('Retry-After on 429 and 503 is honoured instead of the backoff', async () => {
    const { client, waits } = await viaProxy();
    proxy.plan = (_req, n) =>
      n === 0
        ? { status: 429, body: '', headers: { 'retry-after': '3' } }
        : n === 1
          ? { status: 503, body: '', headers: { 'retry-after': '1' } }
          : 'pass';
    await client.getExperiment('0');
    expect(waits).toEqual([3000, 1000]);
    const ignoring = await viaProxy({ MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER: 'false' });
    proxy.seen.length = 0;
    proxy.plan = (_req, n) => (n === 0 ? { status: 429, body: '', headers: { 'retry-after': '3' } } : 'pass');
    await ignoring.client.getExperiment('0');
    expect(ignoring.waits).toEqual([0]);
  });

  it('backoff grows as factor * 2^(n-1), capped at 120 s, plus jitter below MLFLOW_HTTP_REQUEST_BACKOFF_JITTER', async () => {
    const { client } = await viaProxy({
      MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '10',
      MLFLOW_HTTP_REQUEST_BACKOFF_JITTER: '0.5',
    });
    const http = client.http!;
    expect(http.backoffSeconds(1)).toBe(0);
    for (const [n, base] of [
      [2, 20],
      [3, 40],
      [4, 80],
    ]) {
      const s = http.backoffSeconds(n);
      expect(s).toBeGreaterThanOrEqual(base);
      expect(s).toBeLessThan(base + 0.5);
    }
    expect(http.backoffSeconds(5)).toBe(120);
  });

  it('a log-batch repeated after a lost response adds no duplicate points', async () => {
    const { client } = await viaProxy();
    const exp = await client.getOrCreateExperiment('lost-response');
    const run = await client.createRun({ experimentId: exp.experiment_id });
    let dropped = 0;
    proxy.plan = (req) => {
      // the server stores the batch, then the client never hears back: it must send it again
      if (req.url.endsWith('/runs/log-batch') && dropped === 0) {
        dropped++;
        return 'drop-after-forward';
      }
      return 'pass';
    };
    const metrics = Array.from({ length: 50 }, (_, step) => ({
      key: 'loss',
      value: 1 / (step + 1),
      timestamp: 1000 + step,
      step,
    }));
    await client.logBatch(run.info.run_id, { metrics, params: [{ key: 'lr', value: '0.1' }] });
    expect(proxy.seen.filter((r) => r.url.endsWith('/runs/log-batch'))).toHaveLength(2);
    const history = await client.getMetricHistory(run.info.run_id, 'loss');
    expect(history.map((m) => m.step)).toEqual(metrics.map((m) => m.step));
  });

  it('a response body cut halfway is retried', async () => {
    const { client } = await viaProxy();
    proxy.plan = (req, n) => (n === 0 && req.url.includes('experiments/search') ? 'cut-body' : 'pass');
    await client.createExperiment('cut-1');
    proxy.seen.length = 0;
    proxy.plan = (_req, n) => (n === 0 ? 'cut-body' : 'pass');
    const page = await client.searchExperiments({ filter: "name = 'cut-1'" });
    expect(page.items.map((e) => e.name)).toEqual(['cut-1']);
    expect(proxy.seen).toHaveLength(2);
  });
});

describe('connection failures', () => {
  it('nothing listening: one line naming the URI, after the configured retries', async () => {
    const closed = await startFlakyProxy(1);
    const url = closed.url;
    await closed.close();
    const { client, waits } = await viaProxy({ MLFLOW_HTTP_REQUEST_MAX_RETRIES: '2' }, url);
    const err = await client.getExperiment('0').catch((e) => e);
    expect(err).toBeInstanceOf(TrackingConnectionError);
    expect(err.message).not.toContain('\n');
    expect(err.message).toContain(`cannot reach the tracking server at ${url}`);
    expect(err.message).toContain('GET /api/2.0/mlflow/experiments/get failed (after 2 retries)');
    expect(err.message).toMatch(/ECONNREFUSED/);
    expect(waits).toEqual([0, 4000]);
  });

  it('a server that never answers times out after MLFLOW_HTTP_REQUEST_TIMEOUT', async () => {
    const { client } = await viaProxy({
      MLFLOW_HTTP_REQUEST_MAX_RETRIES: '1',
      MLFLOW_HTTP_REQUEST_TIMEOUT: '0.3',
    });
    proxy.plan = () => 'hang';
    const t0 = Date.now();
    const err = await client.getExperiment('0').catch((e) => e);
    const elapsed = Date.now() - t0;
    expect(err).toBeInstanceOf(TrackingConnectionError);
    expect(err.message).toMatch(/timed out/);
    expect(err.message).toContain('MLFLOW_HTTP_REQUEST_TIMEOUT');
    expect(proxy.seen).toHaveLength(2);
    expect(elapsed).toBeGreaterThanOrEqual(550);
    expect(elapsed).toBeLessThan(5000);
  });
});

describe('credentials (rest_utils.http_request)', () => {
  it('MLFLOW_TRACKING_TOKEN is sent as Bearer', async () => {
    const { client } = await viaProxy({ MLFLOW_TRACKING_TOKEN: 'tok-123' });
    await client.getExperiment('0');
    expect(proxy.seen[0].headers.authorization).toBe('Bearer tok-123');
  });

  it('MLFLOW_TRACKING_USERNAME/PASSWORD are sent as Basic, and win over a token', async () => {
    const { client } = await viaProxy({
      MLFLOW_TRACKING_USERNAME: 'alice',
      MLFLOW_TRACKING_PASSWORD: 'pä:ss',
      MLFLOW_TRACKING_TOKEN: 'ignored',
    });
    await client.getExperiment('0');
    expect(proxy.seen[0].headers.authorization).toBe(
      `Basic ${Buffer.from('alice:pä:ss').toString('base64')}`,
    );
  });

  it('user:password in the URI becomes Basic and leaves the URL', async () => {
    const { client } = await viaProxy({}, proxy.url.replace('http://', 'http://bob:s%40cret@'));
    await client.getExperiment('0');
    expect(proxy.seen[0].headers.authorization).toBe(`Basic ${Buffer.from('bob:s@cret').toString('base64')}`);
    expect(client.target).toBe(proxy.url);
  });

  it('no credentials, no Authorization header; artifact uploads carry them too', async () => {
    const anonymous = await viaProxy();
    await anonymous.client.getExperiment('0');
    expect(proxy.seen[0].headers.authorization).toBeUndefined();
    const { client } = await viaProxy({ MLFLOW_TRACKING_TOKEN: 'tok' });
    proxy.seen.length = 0;
    const exp = await client.getOrCreateExperiment('auth-artifacts');
    const run = await client.createRun({ experimentId: exp.experiment_id });
    await client.logArtifact(run.info.run_id, new URL(import.meta.url).pathname, 'code');
    const put = proxy.seen.find((r) => r.method === 'PUT');
    expect(put?.headers.authorization).toBe('Bearer tok');
    expect(put?.url).toMatch(
      /^\/api\/2\.0\/mlflow-artifacts\/artifacts\/\d+\/[0-9a-f]{32}\/artifacts\/code\/http\.test\.ts$/,
    );
  });

  it('a 401 with a text body is UNAUTHENTICATED, quoting the endpoint and the body', async () => {
    const { client } = await viaProxy();
    proxy.plan = () => ({
      status: 401,
      body: 'You are not authenticated.\n',
      headers: { 'content-type': 'text/plain' },
    });
    const err = await client.getExperiment('0').catch((e) => e);
    expect(err).toMatchObject({ errorCode: 'UNAUTHENTICATED', status: 401 });
    expect(err.message).toBe(
      "API request to endpoint /api/2.0/mlflow/experiments/get failed with error code 401 != 200. Response body: 'You are not authenticated.'",
    );
  });

  it('a 200 that is not JSON is an error, not an empty answer', async () => {
    const { client } = await viaProxy();
    proxy.plan = () => ({
      status: 200,
      body: '<html>proxy login</html>',
      headers: { 'content-type': 'text/html' },
    });
    await expect(client.getExperiment('0')).rejects.toThrow(/was not in a valid JSON format/);
  });
});
