/**
 * The malformed requests of the fuzz test (fuzz.test.ts), generated deterministically from a seed:
 * every tracking endpoint (from TRACKING_ENDPOINTS, so a new endpoint is fuzzed without being
 * listed here), the artifact proxy (GET/PUT/DELETE/list, multipart steps), a run's artifacts/list,
 * /get-artifact, registry paths (which this server does not have: 404), unknown routes and wrong
 * methods. Each request starts from a valid one and breaks one thing: a field set to a hostile value
 * (NUL, unicode, lone surrogates, over-long strings, huge and special numbers, wrong types, deep
 * nesting), a field removed or added, the body (truncated, invalid, duplicate keys, not an object,
 * double-encoded, invalid UTF-8, too large), the Content-Type, the query string (repeated, empty
 * and malformed keys and values, bad percent-encoding), the method or the path.
 */
import { TRACKING_ENDPOINTS } from '../../../src/tracking/server/tracking-routes.js';
import { HOSTILE_PATHS } from '../artifacts/hostile-paths.js';

export interface FuzzRequest {
  method: string;
  /** sent byte for byte */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** what was broken, for the report */
  label: string;
}

/** The ids of what the fuzz server was seeded with. */
export interface FuzzContext {
  experimentId: string;
  /** an experiment the fuzz may rename, delete and restore */
  spareExperimentId: string;
  runId: string;
  /** a run the fuzz may delete and restore */
  spareRunId: string;
}

/** mulberry32: a small seeded generator, so that a failure can be replayed from its seed. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
}

/** JSON text spliced in as it is (numbers JSON.stringify cannot write, such as 1e309). */
class Raw {
  constructor(readonly text: string) {}
}

function toJson(value: unknown): string {
  if (value instanceof Raw) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}:${toJson(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const nested = (depth: number) => new Raw(`${'['.repeat(depth)}${']'.repeat(depth)}`);

/** Values a field is set to: every string field gets NUL, unicode and over-long strings too. */
export const HOSTILE_VALUES: ReadonlyArray<readonly [label: string, value: unknown]> = [
  ['empty string', ''],
  ['blank', '   '],
  ['NUL inside', 'a\u0000b'],
  ['NUL alone', '\u0000'],
  ['encoded NUL text', '%00'],
  ['lone surrogate', '\ud800x'],
  ['emoji', '😀'.repeat(60)],
  ['right-to-left override', 'a\u202eb'],
  ['combining marks', `e${'\u0301'.repeat(300)}`],
  ['CJK', '漢字'.repeat(200)],
  ['control characters', '\u0001\u0002\n\r\t\u001b[31m'],
  ['markup', '<script>alert(1)</script>'],
  ['SQL', "' OR 1=1; DROP TABLE runs; --"],
  ['traversal', '../../etc/passwd'],
  ['251 chars', 'k'.repeat(251)],
  ['256 chars', 'k'.repeat(256)],
  ['501 chars', 'n'.repeat(501)],
  ['5,001 chars', 'v'.repeat(5001)],
  ['8,001 chars', 'v'.repeat(8001)],
  ['100,000 chars', 'v'.repeat(100_000)],
  ['digits', '9'.repeat(400)],
  ['numeric text 1e309', '1e309'],
  ['NaN text', 'NaN'],
  ['-Infinity text', '-Infinity'],
  ['zero', 0],
  ['negative', -1],
  ['fraction', 1.5],
  ['2^53 + 1', new Raw('9007199254740993')],
  ['2^63', new Raw('9223372036854775808')],
  ['-2^63 - 1', new Raw('-9223372036854775809')],
  ['huge integer', new Raw('9'.repeat(400))],
  ['1e309', new Raw('1e309')],
  ['-1e309', new Raw('-1e309')],
  ['max double', 1.7976931348623157e308],
  ['denormal', 5e-324],
  ['-0', new Raw('-0')],
  ['true', true],
  ['false', false],
  ['null', null],
  ['empty array', []],
  ['array of mixed', ['x', 1, null, {}]],
  ['empty object', {}],
  ['object', { a: { b: 'c' } }],
  ['nested 90', nested(90)],
  ['nested 150', nested(150)],
  ['nested 5,000', nested(5000)],
];

/** A valid request body (or query) for each tracking endpoint, by path below /api/2.0. */
function templates(ctx: FuzzContext, n: number): Record<string, Record<string, unknown>> {
  const { experimentId: exp, runId: run } = ctx;
  const dataset = {
    name: 'd',
    digest: 'abc',
    source_type: 'local',
    source: 's',
    schema: '{}',
    profile: '{}',
  };
  return {
    '/mlflow/experiments/create': { name: `fz-${n}`, tags: [{ key: 'k', value: 'v' }] },
    '/mlflow/experiments/get': { experiment_id: exp },
    '/mlflow/experiments/get-by-name': { experiment_name: 'fz-seed' },
    '/mlflow/experiments/search': {
      max_results: 10,
      filter: "name LIKE 'fz%'",
      order_by: ['name DESC'],
      view_type: 'ALL',
    },
    '/mlflow/experiments/update': { experiment_id: ctx.spareExperimentId, new_name: `fz-renamed-${n}` },
    '/mlflow/experiments/delete': { experiment_id: ctx.spareExperimentId },
    '/mlflow/experiments/restore': { experiment_id: ctx.spareExperimentId },
    '/mlflow/experiments/set-experiment-tag': { experiment_id: exp, key: 'k', value: 'v' },
    '/mlflow/experiments/delete-experiment-tag': { experiment_id: exp, key: 'k' },
    '/mlflow/runs/create': {
      experiment_id: exp,
      user_id: 'u',
      run_name: 'r',
      start_time: 1_700_000_000_000,
      tags: [{ key: 't', value: 'v' }],
    },
    '/mlflow/runs/update': { run_id: run, status: 'RUNNING', end_time: 1_700_000_000_001, run_name: 'r2' },
    '/mlflow/runs/delete': { run_id: ctx.spareRunId },
    '/mlflow/runs/restore': { run_id: ctx.spareRunId },
    '/mlflow/runs/get': { run_id: run },
    '/mlflow/runs/search': {
      experiment_ids: [exp],
      filter: "metrics.m > 0 AND params.p = 'v'",
      run_view_type: 'ALL',
      max_results: 10,
      order_by: ['metrics.m DESC'],
    },
    '/mlflow/runs/log-metric': { run_id: run, key: 'm', value: 1.5, timestamp: 1_700_000_000_000, step: n },
    '/mlflow/runs/log-parameter': { run_id: run, key: `p${n}`, value: 'v' },
    '/mlflow/runs/set-tag': { run_id: run, key: 't', value: 'v' },
    '/mlflow/runs/delete-tag': { run_id: run, key: 't' },
    '/mlflow/runs/log-batch': {
      run_id: run,
      metrics: [{ key: 'm', value: 1, timestamp: 1_700_000_000_000, step: n }],
      params: [{ key: `bp${n}`, value: 'v' }],
      tags: [{ key: 'bt', value: 'v' }],
    },
    '/mlflow/runs/log-inputs': { run_id: run, datasets: [{ tags: [{ key: 'k', value: 'v' }], dataset }] },
    '/mlflow/metrics/get-history': { run_id: run, metric_key: 'm', max_results: 10 },
    '/mlflow/metrics/get-history-bulk-interval': {
      run_ids: [run],
      metric_key: 'm',
      start_step: 0,
      end_step: 100,
      max_results: 10,
    },
    '/mlflow/metrics/get-history-bulk': { run_id: [run], metric_key: 'm', max_results: 10 },
    '/mlflow/artifacts/list': { run_id: run, path: 'fz' },
  };
}

/** Paths to every leaf of a JSON value: ['tags', 0, 'key'], … */
function leaves(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, [...prefix, i]));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => leaves(v, [...prefix, k]));
  }
  return [prefix];
}

/** Every field (leaf and container alike) of a template. */
function fields(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = prefix.length > 0 ? [prefix] : [];
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) out.push(...fields(v, [...prefix, i]));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) out.push(...fields(v, [...prefix, k]));
  }
  return out;
}

function setAt(root: unknown, path: (string | number)[], value: unknown, remove = false): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (remove) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  } else node[last] = value;
  return copy;
}

/**
 * Percent-encode text as its UTF-8 bytes; unlike encodeURIComponent it takes lone surrogates
 * (sent as U+FFFD, as a client's UTF-8 encoder would).
 */
function pct(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** A query string from a message: repeated fields repeat their key, other values as text. */
function queryOf(message: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(message)) {
    for (const item of Array.isArray(v) ? v : [v]) {
      const text = item instanceof Raw ? item.text : typeof item === 'string' ? item : toJson(item);
      parts.push(`${pct(k)}=${pct(text)}`);
    }
  }
  return parts.join('&');
}

const JSON_TYPE = { 'content-type': 'application/json' };
const PREFIXES = ['/api/2.0', '/ajax-api/2.0'];
const PROXY = '/mlflow-artifacts/artifacts';

/** Names an artifact may be given, hostile and not. */
function artifactNames(): string[] {
  return [
    ...HOSTILE_PATHS.map(([, wire]) => wire),
    'fz/ok.txt',
    'fz/with space.txt',
    `fz/${'n'.repeat(250)}`,
    `fz/${'n'.repeat(255)}`,
    `fz/${'n'.repeat(256)}`,
    `fz/${'n'.repeat(1000)}`,
    `${'d/'.repeat(2100)}x`,
    `fz/${pct('漢字😀')}`,
    `fz/${pct('é'.repeat(128))}`,
    'fz/%ZZ',
    'fz/%',
    'fz/%C0%AF',
    'fz/%FF%FE',
    '.mlship-staging/x',
    '.mlship-staging',
    'fz/.x.mlship-tmp-1-00000000',
    'fz/a?b=c',
    'fz/a&b',
    'fz/+plus+',
    'fz/%2e',
    'fz/.',
    'fz//double',
  ];
}

export interface FuzzPlan {
  requests: FuzzRequest[];
  /** the endpoint families the plan covers */
  families: Set<string>;
}

/** `count` requests (at least), from `seed`: first every endpoint × field × value, then random ones. */
export function fuzzPlan(seed: number, count: number, ctx: FuzzContext): FuzzPlan {
  const rng = new Rng(seed);
  const requests: FuzzRequest[] = [];
  const families = new Set<string>();
  let n = 0;

  const api = (
    family: string,
    method: string,
    path: string,
    label: string,
    body?: string | Buffer,
    headers: Record<string, string> = body === undefined ? {} : JSON_TYPE,
  ) => {
    families.add(family);
    requests.push({
      method,
      // A client cannot send spaces or non-ASCII in a request line (Node's refuses to): encoded.
      path: path.replace(/[^\x21-\x7e]/g, pct),
      headers,
      body: body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'),
      label,
    });
  };

  const endpoints = TRACKING_ENDPOINTS.map((e) => ({ method: e.method as string, path: e.path }));
  endpoints.push({ method: 'GET', path: '/mlflow/artifacts/list' });
  const familyOf = (path: string) => path.split('/').slice(1, 3).join('/');

  /** Send `message` to an endpoint the way its method takes it (GET: query, else JSON body). */
  const sendMessage = (endpoint: { method: string; path: string }, message: unknown, label: string) => {
    const prefix = rng.pick(PREFIXES);
    if (endpoint.method === 'GET') {
      const q = queryOf(message as Record<string, unknown>);
      api(familyOf(endpoint.path), 'GET', `${prefix}${endpoint.path}?${q}`, label);
    } else api(familyOf(endpoint.path), endpoint.method, `${prefix}${endpoint.path}`, label, toJson(message));
  };

  // 1. Systematic: every field of every endpoint, set to a sample of the hostile values (all of the
  // string ones on string fields would be too many; NUL, unicode and over-long ones always).
  const always = [
    'NUL inside',
    'lone surrogate',
    'emoji',
    '256 chars',
    '8,001 chars',
    'nested 150',
    'null',
    'object',
  ];
  for (const endpoint of endpoints) {
    const template = templates(ctx, n++)[endpoint.path];
    if (template === undefined) throw new Error(`no fuzz template for ${endpoint.path}`);
    for (const field of fields(template)) {
      const chosen = HOSTILE_VALUES.filter(([label]) => always.includes(label) || rng.next() < 0.12);
      for (const [label, value] of chosen) {
        sendMessage(
          endpoint,
          setAt(templates(ctx, n++)[endpoint.path], field, value),
          `${field.join('.')} = ${label}`,
        );
      }
      sendMessage(endpoint, setAt(template, field, undefined, true), `${field.join('.')} removed`);
    }
  }

  // 2. Random: one thing broken per request, until `count`.
  const kinds = [
    'field',
    'field',
    'field',
    'extra',
    'body',
    'body',
    'type',
    'query',
    'method',
    'path',
    'artifact',
    'artifact',
  ];
  while (requests.length < count) {
    const kind = rng.pick(kinds);
    const endpoint = rng.pick(endpoints);
    const template = templates(ctx, n++)[endpoint.path];
    const prefix = rng.pick(PREFIXES);
    const url = `${prefix}${endpoint.path}`;
    switch (kind) {
      case 'field': {
        const field = rng.pick(leaves(template));
        const [label, value] = rng.pick(HOSTILE_VALUES);
        sendMessage(endpoint, setAt(template, field, value), `${field.join('.')} = ${label}`);
        break;
      }
      case 'extra': {
        const [label, value] = rng.pick(HOSTILE_VALUES);
        const name = rng.pick(['unknown', 'run_uuid', 'experiment_ids', '__proto__', 'constructor', '']);
        sendMessage(endpoint, { ...template, [name]: value }, `extra field ${name} = ${label}`);
        break;
      }
      case 'body': {
        const text = toJson(template);
        const method = endpoint.method === 'GET' ? 'GET' : endpoint.method;
        const variants: Array<[string, string | Buffer]> = [
          ['truncated', text.slice(0, rng.int(text.length))],
          ['invalid JSON', '{"a":}'],
          ['single quotes', text.replaceAll('"', "'")],
          ['unquoted keys', text.replace(/"(\w+)":/g, '$1:')],
          ['trailing comma', `${text.slice(0, -1)},}`],
          ['garbage after', `${text}garbage`],
          ['BOM', `\ufeff${text}`],
          ['duplicate keys', `{${text.slice(1, -1)},${text.slice(1, -1)}}`],
          ['duplicate key, other value', text.replace(/^\{/, '{"run_id":"other","experiment_id":"999999",')],
          ['array', '[]'],
          ['number', '123'],
          ['string', '"text"'],
          ['double-encoded', JSON.stringify(text)],
          ['double-encoded garbage', JSON.stringify('{nope')],
          ['null', 'null'],
          ['true', 'true'],
          ['empty', ''],
          ['whitespace', ' \n\t '],
          ['deep nesting', `{"x":${nested(1000 + rng.int(50_000)).text}}`],
          ['deep objects', `${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`],
          [
            'invalid UTF-8',
            Buffer.concat([
              Buffer.from('{"name":"'),
              Buffer.from([0xff, 0xfe, 0xc0, 0xaf]),
              Buffer.from('"}'),
            ]),
          ],
          ['NUL bytes', Buffer.from(`{"name":"a\u0000b"}\u0000`, 'utf8')],
          ['1.5 MB string', toJson({ ...template, filler: 'x'.repeat(1_500_000) })],
          ['many keys', `{${Array.from({ length: 20_000 }, (_, i) => `"k${i}":${i}`).join(',')}}`],
          [
            'long array',
            toJson({ ...template, experiment_ids: Array.from({ length: 50_000 }, (_, i) => String(i)) }),
          ],
        ];
        const [label, body] = rng.pick(variants);
        api(familyOf(endpoint.path), method, url, `body: ${label}`, body, JSON_TYPE);
        break;
      }
      case 'type': {
        const type = rng.pick([
          undefined,
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/json; charset=utf-16',
          'APPLICATION/JSON',
          'application/json;',
          'application/jsonx',
          '*/*',
          'application/json, text/plain',
          ';',
        ]);
        const method = endpoint.method === 'GET' ? rng.pick(['GET', 'POST']) : endpoint.method;
        api(
          familyOf(endpoint.path),
          method,
          url,
          `content-type ${type ?? 'absent'}`,
          toJson(template),
          type === undefined ? {} : { 'content-type': type },
        );
        break;
      }
      case 'query': {
        const q = queryOf(template);
        const key = Object.keys(template)[0] ?? 'x';
        const variants: Array<[string, string]> = [
          ['repeated', `${q}&${q}`],
          ['key without value', `${key}`],
          ['empty value', `${key}=`],
          ['empty key', `=x&${q}`],
          ['bad percent-encoding', `${key}=%ZZ`],
          ['truncated percent', `${key}=%`],
          ['encoded NUL', `${key}=%00`],
          ['overlong UTF-8', `${key}=%C0%AF`],
          ['invalid UTF-8', `${key}=%FF%FE`],
          ['unicode', `${key}=${pct('漢字😀\u202e')}`],
          ['long value', `${key}=${'x'.repeat(6000)}`],
          ['many keys', Array.from({ length: 500 }, (_, i) => `k${i}=${i}`).join('&')],
          ['only separators', '&&&=&='],
          ['plus signs', `${key}=a+b+c`],
          ['brackets', `${key}[]=a&${key}[x]=b`],
          ['proto', `__proto__=x&constructor=y&${q}`],
          ['max_results huge', `${q}&max_results=99999999999999999999`],
          ['max_results negative', `${q}&max_results=-5`],
          ['view type wrong', `${q}&view_type=NOPE&run_view_type=7`],
        ];
        const [label, query] = rng.pick(variants);
        api(familyOf(endpoint.path), 'GET', `${url}?${query}`, `query: ${label}`);
        break;
      }
      case 'method': {
        const method = rng.pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']);
        api(
          familyOf(endpoint.path),
          method,
          url,
          `method ${method}`,
          method === 'GET' || method === 'HEAD' ? undefined : toJson(template),
        );
        break;
      }
      case 'path': {
        const path = rng.pick([
          `${url}/extra`,
          `${url}/`,
          url.replace('/mlflow/', '/mlflow//'),
          url.toUpperCase(),
          `${url}%00`,
          `${url};x=1`,
          `${url}%2F`,
          url.replace('2.0', '2.1'),
          url.replace('2.0', '3.0'),
          '/api/2.0/mlflow/nope',
          '/api/2.0/mlflow/registered-models/create',
          '/api/2.0/mlflow/registered-models/get?name=x',
          '/api/2.0/mlflow/model-versions/create',
          '/api/2.0/mlflow/registered-models/alias',
          '/',
          '/%',
          '/%ZZ',
          `/${'a/'.repeat(2000)}`,
          '/get-artifact',
          '/health/../version',
          '/api/2.0/mlflow/../../etc/passwd',
        ]);
        const method = rng.pick(['GET', 'POST']);
        api(
          path.includes('registered-models') || path.includes('model-versions')
            ? 'registry'
            : 'unknown routes',
          method,
          path,
          `path ${path.slice(0, 60)}`,
          method === 'POST' ? toJson(template) : undefined,
        );
        break;
      }
      case 'artifact': {
        const name = rng.pick(artifactNames());
        const op = rng.pick([
          'PUT',
          'PUT',
          'GET',
          'HEAD',
          'DELETE',
          'list',
          'runlist',
          'get-artifact',
          'mpu',
        ]);
        const size = rng.pick([0, 1, 100, 10_000, 70_000]);
        const body = Buffer.alloc(size, rng.int(256));
        if (op === 'list')
          api('artifacts', 'GET', `${prefix}${PROXY}?path=${name}`, `artifact list ${name.slice(0, 40)}`);
        else if (op === 'runlist') {
          api(
            'artifacts',
            'GET',
            `${prefix}/mlflow/artifacts/list?run_id=${ctx.runId}&path=${name}`,
            `run artifacts/list ${name.slice(0, 40)}`,
          );
        } else if (op === 'get-artifact') {
          api(
            'artifacts',
            'GET',
            `/get-artifact?run_id=${ctx.runId}&path=${name}`,
            `get-artifact ${name.slice(0, 40)}`,
          );
        } else if (op === 'mpu') {
          const step = rng.pick(['create', 'complete', 'abort']);
          api(
            'artifacts',
            'POST',
            `${prefix}/mlflow-artifacts/mpu/${step}/${name}`,
            `mpu ${step} ${name.slice(0, 40)}`,
            '{}',
            JSON_TYPE,
          );
        } else {
          api(
            'artifacts',
            op,
            `${prefix}${PROXY}/${name}`,
            `artifact ${op} ${name.slice(0, 40)}`,
            op === 'PUT' ? body : undefined,
            op === 'PUT'
              ? { 'content-type': rng.pick(['application/octet-stream', 'application/json', 'text/plain']) }
              : {},
          );
        }
        break;
      }
    }
  }
  return { requests, families };
}
