/**
 * Fixtures for the server tests: real stores (a SQLite file in a temp folder; a private PostgreSQL
 * database `mlship_srv_<random>` created per test file on the server at MLSHIP_TEST_POSTGRES_URL,
 * default postgresql://postgres@127.0.0.1:5432/test, and dropped afterwards), a local or S3 artifact
 * destination, the server built on them, and small request helpers.
 *
 * PostgreSQL is skipped only when CI is unset and no server answers; under CI an unreachable server
 * fails the suite instead of silently testing less.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { LocalStore } from '../../../src/storage/local.js';
import type { BlobStore } from '../../../src/storage/types.js';
import { PROXY_ARTIFACT_ROOT } from '../../../src/tracking/index.js';
import { createTrackingServer, type TrackingServerOptions } from '../../../src/tracking/server/app.js';
import { openTrackingStore } from '../../../src/tracking/store/index.js';
import type { TrackingStore } from '../../../src/tracking/store/types.js';
import { createScratchDatabase, POSTGRES_URL, postgresAvailable } from '../../helpers/postgres.js';

export type Dialect = 'sqlite' | 'postgresql';

export { POSTGRES_URL, postgresAvailable };

/** The dialects this run tests: SQLite always, PostgreSQL when available (always under CI). */
export async function dialects(): Promise<Dialect[]> {
  return (await postgresAvailable()) ? ['sqlite', 'postgresql'] : ['sqlite'];
}

/** A fresh, empty database of the dialect; `drop` removes it (and its files). */
export interface Database {
  uri: string;
  drop(): Promise<void>;
}

export async function createDatabase(dialect: Dialect): Promise<Database> {
  if (dialect === 'sqlite') {
    const dir = await mkdtemp(join(tmpdir(), 'mlship-srv-db-'));
    return {
      uri: `sqlite:///${join(dir, 'mlruns.db')}`,
      drop: () => rm(dir, { recursive: true, force: true }),
    };
  }
  const db = await createScratchDatabase('mlship_srv');
  return { uri: db.uri, drop: db.drop };
}

export function openStoreAt(uri: string): Promise<TrackingStore> {
  return openTrackingStore(uri, { defaultArtifactRoot: PROXY_ARTIFACT_ROOT });
}

/** A server over a fresh database of `dialect` and a local artifact folder (or the given store). */
export interface ServerFixture {
  app: FastifyInstance;
  store: TrackingStore;
  artifactStore: BlobStore;
  /** the local artifact folder, when the destination is local */
  artifactDir?: string;
  /** a scratch folder that is removed with the fixture */
  tempDir: string;
  close(): Promise<void>;
}

export async function startServer(
  dialect: Dialect,
  options: Partial<TrackingServerOptions> & { listen?: boolean } = {},
): Promise<ServerFixture> {
  const database = await createDatabase(dialect);
  const tempDir = await mkdtemp(join(tmpdir(), 'mlship-srv-'));
  const store = options.store ?? (await openStoreAt(database.uri));
  const artifactDir = options.artifactStore ? undefined : join(tempDir, 'mlartifacts');
  const artifactStore = options.artifactStore ?? new LocalStore(artifactDir!);
  const app = createTrackingServer({ ...options, store, artifactStore });
  if (options.listen) await app.listen({ host: '127.0.0.1', port: 0 });
  else await app.ready();
  return {
    app,
    store,
    artifactStore,
    artifactDir,
    tempDir,
    async close() {
      await app.close();
      await database.drop();
      await rm(tempDir, { recursive: true, force: true });
    },
  };
}

export function portOf(app: FastifyInstance): number {
  return (app.server.address() as AddressInfo).port;
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  text: string;
  /** the body parsed as JSON (undefined when it is not JSON); loosely typed, as tests probe it */
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by the assertions themselves
  json: any;
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Requests through fastify's inject (no socket). `path` is below /api/2.0/mlflow unless absolute. */
export function client(app: FastifyInstance, prefix = '/api/2.0/mlflow') {
  const url = (path: string) => (path.startsWith('/') ? path : `${prefix}/${path}`);
  const send = async (
    method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'HEAD' | 'OPTIONS',
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply> => {
    const payload =
      body === undefined
        ? undefined
        : typeof body === 'string' || Buffer.isBuffer(body)
          ? body
          : JSON.stringify(body);
    const hasType = Object.keys(headers).some((h) => h.toLowerCase() === 'content-type');
    const res = await app.inject({
      method,
      url: url(path),
      payload,
      headers:
        payload !== undefined && !hasType ? { 'content-type': 'application/json', ...headers } : headers,
    });
    return { status: res.statusCode, headers: res.headers, text: res.body, json: parsed(res.body) };
  };
  return {
    send,
    post: (path: string, body: unknown = {}, headers?: Record<string, string>) =>
      send('POST', path, body, headers),
    /** GET with a query built from `query` (arrays repeat their key). */
    get: (path: string, query: Record<string, string | number | string[]> = {}) => {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) {
        for (const item of Array.isArray(v) ? v : [v]) params.append(k, String(item));
      }
      const qs = params.toString();
      return send('GET', qs ? `${path}?${qs}` : path);
    },
  };
}

/**
 * A request over a real socket with the path sent byte for byte (fetch and inject normalise `..`
 * and percent-encoded dots away before they reach the server, which would hide what is tested).
 */
export function rawRequest(
  port: number,
  method: string,
  path: string,
  body?: Buffer | string,
  headers: Record<string, string | number> = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: parsed(text) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** MLflow's missing-parameter message (handlers._validate_param_against_schema). */
export function missing(param: string) {
  return {
    error_code: 'INVALID_PARAMETER_VALUE',
    message: `Missing value for required parameter '${param}'. See the API docs for more information about request parameters.`,
  };
}

/** MLflow's wrong-type message: invalid_value(param, value, " Hint: Value was of type '…'."). */
export function invalid(param: string, json: string, pyType: string) {
  return {
    error_code: 'INVALID_PARAMETER_VALUE',
    message: `Invalid value ${json} for parameter '${param}' supplied:  Hint: Value was of type '${pyType}'. See the API docs for more information about request parameters.`,
  };
}
