/**
 * Fixtures for the client tests: a real tracking server (createTrackingServer on a SQLite file and
 * a local artifact folder in a temp dir, listening on 127.0.0.1:0), and a scriptable HTTP proxy put
 * in front of it to inject the failures the client must survive — error statuses, a connection
 * dropped after the server handled the request, a response body cut halfway — and to see the
 * headers the client sends.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { LocalStore } from '../../../src/storage/local.js';
import { createTrackingServer, PROXY_ARTIFACT_ROOT } from '../../../src/tracking/index.js';
import { openTrackingStore } from '../../../src/tracking/store/index.js';

export interface TrackingServerFixture {
  app: FastifyInstance;
  url: string;
  port: number;
  dir: string;
  artifactDir: string;
  dbPath: string;
  close(): Promise<void>;
}

export async function startTrackingServer(): Promise<TrackingServerFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'mlship-client-'));
  const dbPath = join(dir, 'mlruns.db');
  const artifactDir = join(dir, 'mlartifacts');
  const store = await openTrackingStore(`sqlite:///${dbPath}`, { defaultArtifactRoot: PROXY_ARTIFACT_ROOT });
  const app = createTrackingServer({ store, artifactStore: new LocalStore(artifactDir) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    port,
    dir,
    artifactDir,
    dbPath,
    async close() {
      await app.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** What the proxy does with one request. */
export type ProxyAction =
  /** forward and relay the answer */
  | 'pass'
  /** answer this instead, without forwarding */
  | { status: number; body?: string; headers?: Record<string, string> }
  /** forward (the server handles it), then cut the client's connection without an answer */
  | 'drop-after-forward'
  /** forward, send the status and half the body, then cut the connection */
  | 'cut-body'
  /** never answer (the client's timeout must fire) */
  | 'hang';

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  bodyBytes: number;
}

export interface FlakyProxy {
  url: string;
  /** every request the proxy received, in order */
  seen: SeenRequest[];
  /** decides per request; `n` counts requests from 0 */
  plan: (req: SeenRequest, n: number) => ProxyAction;
  close(): Promise<void>;
}

function forward(
  target: number,
  req: SeenRequest,
  body: Buffer,
): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers, host: `127.0.0.1:${target}` };
    const out = httpRequest(
      { host: '127.0.0.1', port: target, method: req.method, path: req.url, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    out.on('error', reject);
    out.end(body);
  });
}

export async function startFlakyProxy(targetPort: number): Promise<FlakyProxy> {
  const hanging = new Set<ServerResponse>();
  const proxy: FlakyProxy = {
    url: '',
    seen: [],
    plan: () => 'pass',
    close: async () => undefined,
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const seen: SeenRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        bodyBytes: body.length,
      };
      const n = proxy.seen.length;
      proxy.seen.push(seen);
      const action = proxy.plan(seen, n);
      try {
        if (action === 'hang') {
          hanging.add(res);
          return;
        }
        if (typeof action === 'object') {
          res.writeHead(action.status, action.headers ?? { 'content-type': 'application/json' });
          res.end(action.body ?? '');
          return;
        }
        const answer = await forward(targetPort, seen, body);
        if (action === 'drop-after-forward') {
          req.socket.destroy();
          return;
        }
        const headers = { ...answer.headers };
        delete headers['transfer-encoding'];
        if (action === 'cut-body') {
          headers['content-length'] = String(answer.body.length);
          res.writeHead(answer.status, headers);
          res.write(answer.body.subarray(0, Math.floor(answer.body.length / 2)), () => req.socket.destroy());
          return;
        }
        headers['content-length'] = String(answer.body.length);
        res.writeHead(answer.status, headers);
        res.end(answer.body);
      } catch (err) {
        res.writeHead(502);
        res.end(String(err));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = async () => {
    for (const res of hanging) res.socket?.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return proxy;
}

/** Client settings for tests: a few quick retries and no real sleeping (waits are recorded). */
export function testEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    MLFLOW_HTTP_REQUEST_MAX_RETRIES: '3',
    MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '2',
    MLFLOW_HTTP_REQUEST_BACKOFF_JITTER: '0',
    MLFLOW_HTTP_REQUEST_TIMEOUT: '10',
    ...extra,
  };
}
