/**
 * The transport conventions of MLflow's server (spec §1; mlflow/server/handlers.py
 * `_get_request_message`, mlflow/server/validation.py `_validate_content_type`) and how the server
 * behaves on bad input: every refusal is MLflow's JSON error body with a 4xx status, never a crash
 * and never fastify's own error shape. Store behaviour does not matter here, so one backend
 * (SQLite) serves, plus a store that throws where a test needs an unexpected failure.
 */
import type { FastifyRequest } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOG_BATCH_BODY_LIMIT } from '../../../src/tracking/server/body-limits.js';
import type { MessageType } from '../../../src/tracking/server/messages.js';
import { readRequest } from '../../../src/tracking/server/request.js';
import type { TrackingStore } from '../../../src/tracking/store/types.js';
import {
  client,
  createDatabase,
  type Database,
  invalid,
  missing,
  openStoreAt,
  portOf,
  rawRequest,
  type ServerFixture,
  startServer,
} from './harness.js';

let fx: ServerFixture;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  fx = await startServer('sqlite', { listen: true });
  api = client(fx.app);
});
afterAll(async () => {
  await fx?.close();
});

describe('POST bodies (validation._validate_content_type, handlers._get_normalized_request_json)', () => {
  it("requires Content-Type application/json, with MLflow's message", async () => {
    const none = await api.send('POST', 'experiments/create', '{"name":"x"}', { 'content-type': '' });
    expect(none.status).toBe(400);
    const text = await api.post('experiments/create', '{"name":"x"}', { 'content-type': 'text/plain' });
    expect(text.json).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: "Bad Request. Content-Type must be one of [application/json]. Got 'text/plain'.",
    });
    // A type with characters outside MLflow's safe set is not echoed (XSS guard in validation.py).
    const hostile = await api.post('experiments/create', '{"name":"x"}', { 'content-type': 'text/html"x' });
    expect(hostile.status).toBe(400);
    expect(hostile.json.message).toBe('Bad Request. Content-Type must be one of [application/json].');
  });

  it('refuses a POST without Content-Type with the message that names none', async () => {
    const r = await rawRequest(portOf(fx.app), 'POST', '/api/2.0/mlflow/experiments/create', '{"name":"x"}');
    expect(r.status).toBe(400);
    expect(r.json).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: 'Bad Request. Content-Type must be one of [application/json].',
    });
  });

  it('ignores Content-Type parameters (application/json; charset=utf-8)', async () => {
    const r = await api.post(
      'experiments/create',
      { name: `charset-${Date.now()}` },
      {
        'content-type': 'application/json; charset=utf-8',
      },
    );
    expect(r.status).toBe(200);
  });

  it('reads an empty body as {}', async () => {
    const search = await api.send('POST', 'runs/search', '', { 'content-type': 'application/json' });
    expect(search.status).toBe(200);
    const create = await api.send('POST', 'experiments/create', '', { 'content-type': 'application/json' });
    expect(create.json).toEqual(missing('name'));
  });

  it('decodes a body that is a JSON string a second time (legacy clients)', async () => {
    const name = `double-${Date.now()}`;
    const r = await api.post('experiments/create', JSON.stringify(JSON.stringify({ name })));
    expect(r.status).toBe(200);
    expect((await api.get('experiments/get-by-name', { experiment_name: name })).status).toBe(200);
  });

  it('ignores unknown fields and treats null as unset (json_format.ParseDict ignore_unknown_fields)', async () => {
    const name = `unknown-${Date.now()}`;
    const r = await api.post('experiments/create', {
      name,
      colour: 'blue',
      artifact_location: null,
      nested: { a: 1 },
    });
    expect(r.status).toBe(200);
    const e = (await api.get('experiments/get', { experiment_id: r.json.experiment_id })).json.experiment;
    expect(e.artifact_location).toBe(`mlflow-artifacts:/${r.json.experiment_id}`);
  });

  it('answers malformed JSON with a 400 naming the problem', async () => {
    for (const body of ['{"name": ', 'not json', '{"a":1}}', '"unterminated']) {
      const r = await api.post('experiments/create', body);
      expect(r.status).toBe(400);
      expect(r.json.error_code).toBe('BAD_REQUEST');
      expect(r.json.message).toMatch(/^Malformed JSON in the request body/);
    }
  });

  it('answers a body that is not a JSON object with a 400', async () => {
    for (const body of ['[1,2]', '42', 'true']) {
      const r = await api.post('experiments/create', body);
      expect(r.status).toBe(400);
      expect(r.json.message).toMatch(/must be a JSON object/);
    }
  });

  it('checks types against the proto: strings, int64, doubles, enums, repeated fields', async () => {
    expect((await api.post('experiments/create', { name: ['a'] })).json).toEqual(
      invalid('name', '["a"]', 'list'),
    );
    expect((await api.post('experiments/create', { name: { a: 1 } })).json).toEqual(
      invalid('name', '{"a":1}', 'dict'),
    );
    expect((await api.post('runs/search', { experiment_ids: '0' })).json).toEqual(
      invalid('experiment_ids', '"0"', 'str'),
    );
    expect((await api.post('runs/search', { max_results: true })).json).toEqual(
      invalid('max_results', 'true', 'bool'),
    );
    expect((await api.post('runs/search', { run_view_type: 7 })).json).toEqual(
      invalid('run_view_type', '7', 'int'),
    );
    expect((await api.post('runs/create', { start_time: '12 34' })).json).toEqual(
      invalid('start_time', '"12 34"', 'str'),
    );
    // Non-ASCII is escaped in the echoed value, as Python's json.dumps does.
    expect((await api.post('runs/create', { start_time: 'é' })).json).toEqual(
      invalid('start_time', '"\\u00e9"', 'str'),
    );
  });
});

describe('GET query strings (handlers._get_request_message)', () => {
  it('takes numbers from strings and repeated keys as repeated fields', async () => {
    const r = await api.get('experiments/search', {
      max_results: '2',
      order_by: ['name ASC', 'experiment_id DESC'],
    });
    expect(r.status).toBe(200);
    expect(r.json.experiments.length).toBeLessThanOrEqual(2);
  });

  it('takes the first value of a repeated key for a single field (Flask args.get)', async () => {
    const r = await api.get('experiments/get', { experiment_id: ['0', '1'] });
    expect(r.json.experiment.experiment_id).toBe('0');
  });

  it('reads a JSON body when a GET has no query string', async () => {
    const body = '{"experiment_id":"0"}';
    const r = await rawRequest(portOf(fx.app), 'GET', '/api/2.0/mlflow/experiments/get', body, {
      'content-type': 'application/json',
      'content-length': body.length,
    });
    expect(r.status).toBe(200);
    expect(r.json.experiment.name).toBe('Default');
  });

  it('reads DELETE bodies as JSON without a Content-Type check (handlers: only POST/PUT are checked)', async () => {
    const Named: MessageType = { kind: 'message', name: 'Named', fields: { name: { type: 'string' } } };
    const del = (body: string, headers: Record<string, string> = {}) =>
      readRequest(
        { method: 'DELETE', query: {}, headers, body: Buffer.from(body) } as unknown as FastifyRequest,
        Named,
      );
    expect((await del('{"name":"m"}')).message).toEqual({ name: 'm' });
    expect((await del('{"name":"m"}', { 'content-type': 'text/plain' })).message).toEqual({ name: 'm' });
    // Query parameters are not read for DELETE: the body is the request (spec §1).
    const withQuery = await readRequest(
      { method: 'DELETE', query: { name: 'q' }, headers: {}, body: undefined } as unknown as FastifyRequest,
      Named,
    );
    expect(withQuery.message).toEqual({});
  });

  it('accepts only true/false (any case) for booleans', async () => {
    const Flagged: MessageType = { kind: 'message', name: 'Flagged', fields: { flag: { type: 'bool' } } };
    const get = (flag: string) =>
      readRequest({ method: 'GET', query: { flag }, headers: {} } as unknown as FastifyRequest, Flagged);
    expect((await get('TRUE')).message).toEqual({ flag: true });
    expect((await get('false')).message).toEqual({ flag: false });
    await expect(get('yes')).rejects.toMatchObject({
      errorCode: 'INVALID_PARAMETER_VALUE',
      message: "Invalid boolean value: yes, must be 'true' or 'false'.",
    });
  });
});

describe('responses', () => {
  it('are application/json with int64 as numbers and unset fields omitted', async () => {
    const r = await api.get('experiments/get', { experiment_id: '0' });
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.text).toMatch(/"creation_time":\d+/);
    expect(r.json.experiment).not.toHaveProperty('tags');
  });

  it('answer HEAD on GET routes and OPTIONS with the allowed methods', async () => {
    expect((await api.send('HEAD', '/health')).status).toBe(200);
    const options = await api.send('OPTIONS', 'runs/search');
    expect(options.status).toBe(200);
    expect(options.headers.allow).toBe('OPTIONS, POST');
  });
});

describe('unknown endpoints and methods', () => {
  it('answers an unknown path with 404 ENDPOINT_NOT_FOUND in JSON (MLflow: Flask HTML 404)', async () => {
    for (const path of ['/api/2.0/mlflow/no/such/endpoint', '/api/2.1/mlflow/runs/get', '/nothing']) {
      const r = await api.send('GET', path);
      expect(r.status).toBe(404);
      expect(r.json.error_code).toBe('ENDPOINT_NOT_FOUND');
    }
  });

  it('answers a known path with the wrong method with 405 and Allow (MLflow: Flask 405)', async () => {
    const get = await api.send('GET', 'runs/log-metric');
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('OPTIONS, POST');
    expect(get.json.error_code).toBe('BAD_REQUEST');
    const post = await api.post('runs/get', {});
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD, OPTIONS');
    const put = await api.send('POST', '/api/2.0/mlflow-artifacts/artifacts/x', 'y', {
      'content-type': 'text/plain',
    });
    expect(put.status).toBe(405);
    expect(put.headers.allow).toBe('DELETE, GET, HEAD, OPTIONS, PUT');
  });

  it('serves /health and /version as text', async () => {
    const health = await api.send('GET', '/health');
    expect(health.text).toBe('OK');
    const version = await api.send('GET', '/version');
    expect(version.text).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe("oversized and malformed requests (fastify's own refusals in MLflow's shape)", () => {
  it("refuses a body over log-batch's limit with 413 JSON, by Content-Length and while streaming", async () => {
    const metrics = Array.from({ length: 60_000 }, (_, i) => ({
      key: `metric_${i}`,
      value: i,
      timestamp: i,
      step: i,
    }));
    const body = JSON.stringify({ run_id: 'x', metrics });
    expect(body.length).toBeGreaterThan(LOG_BATCH_BODY_LIMIT);
    const r = await api.post('runs/log-batch', body);
    expect(r.status).toBe(413);
    expect(r.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(r.json.message).toMatch(`too large: the limit is ${LOG_BATCH_BODY_LIMIT} bytes`);
    // Endpoints without a larger need keep MLflow's documented 1 MB.
    const small = await api.post('experiments/create', { name: 'x'.repeat(1_000_001) });
    expect(small.status).toBe(413);
    expect(small.json.message).toMatch(/experiments\/create is too large: the limit is 1000000 bytes/);
    // Chunked, so the size is only found while reading, over a real socket.
    const chunked = await rawRequest(portOf(fx.app), 'POST', '/api/2.0/mlflow/runs/log-batch', body, {
      'content-type': 'application/json',
      'transfer-encoding': 'chunked',
    });
    expect(chunked.status).toBe(413);
    expect(chunked.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect((await api.send('GET', '/health')).text).toBe('OK');
  });

  it('allows the larger log-inputs body that dataset profiles need', async () => {
    const run = (await api.post('runs/create', {})).json.run;
    const profile = 'p'.repeat(1_500_000);
    const r = await api.post('runs/log-inputs', {
      run_id: run.info.run_id,
      datasets: [{ dataset: { name: 'big', digest: 'abc', source_type: 'local', source: 's', profile } }],
    });
    expect(r.status).toBe(200);
  });

  it('answers a malformed percent-encoding in the URL with a JSON 400', async () => {
    const r = await rawRequest(portOf(fx.app), 'GET', '/api/2.0/mlflow-artifacts/artifacts/%E0%A4%A');
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: 'Invalid path' });
    const other = await rawRequest(portOf(fx.app), 'GET', '/api/2.0/mlflow/%E0%A4%A');
    expect(other.status).toBe(400);
    expect(other.json.error_code).toBe('BAD_REQUEST');
  });

  it('answers a malformed Content-Type header with a JSON 400', async () => {
    const r = await rawRequest(portOf(fx.app), 'POST', '/api/2.0/mlflow/runs/search', '{}', {
      'content-type': '/json;;',
    });
    expect(r.status).toBe(400);
    expect(r.json.error_code).toBe('INVALID_PARAMETER_VALUE');
  });
});

describe('garbage at the HTTP level', () => {
  it("answers a request Node cannot parse with MLflow JSON, not fastify's shape", async () => {
    const { connect } = await import('node:net');
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(portOf(fx.app), '127.0.0.1', () =>
        socket.write('GET /health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'),
      );
      let data = '';
      socket.on('data', (c) => {
        data += c;
      });
      socket.on('close', () => resolve(data));
      socket.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4)).error_code).toBe('BAD_REQUEST');
    expect((await api.send('GET', '/health')).text).toBe('OK');
  });
});

describe('unexpected failures', () => {
  let db: Database;
  let broken: ServerFixture;
  const logLines: string[] = [];

  beforeAll(async () => {
    db = await createDatabase('sqlite');
    const real = await openStoreAt(db.uri);
    // A store whose getExperiment fails like a bug would (not an MlflowError).
    const store = new Proxy(real, {
      get(target, prop, receiver) {
        if (prop === 'getExperiment') {
          return async () => {
            throw new TypeError("Cannot read properties of undefined (reading 'name')");
          };
        }
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as TrackingStore;
    const logger = pino({ level: 'info' }, { write: (line: string) => logLines.push(line) });
    broken = await startServer('sqlite', { store, logger, listen: true });
  });
  afterAll(async () => {
    await broken?.close();
    await db?.drop();
  });

  it('answers 500 INTERNAL_ERROR with a request id, logs the stack, and keeps serving', async () => {
    const b = client(broken.app);
    const r = await b.get('experiments/get', { experiment_id: '0' });
    expect(r.status).toBe(500);
    expect(r.json.error_code).toBe('INTERNAL_ERROR');
    // The message points to the log instead of leaking internals.
    expect(r.json.message).toMatch(/request id [\w-]+\); see the server log/);
    expect(r.json.message).not.toMatch(/Cannot read properties/);
    const logged = logLines.map((l) => JSON.parse(l)).find((l) => l.level === 50);
    expect(logged?.err?.stack).toMatch(/Cannot read properties of undefined/);
    // Other endpoints, and the same one again, still answer.
    expect((await b.get('experiments/get-by-name', { experiment_name: 'Default' })).status).toBe(200);
    expect((await b.get('experiments/get', { experiment_id: '0' })).status).toBe(500);
    const health = await rawRequest(portOf(broken.app), 'GET', '/health');
    expect(health.text).toBe('OK');
  });
});
