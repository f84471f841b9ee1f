/**
 * The tracking server: MLflow's REST API 2.0 (tracking endpoints and the artifact proxy) on
 * fastify, over a TrackingStore and an artifact destination.
 *
 * Routing is MLflow's: every endpoint under `/api/2.0` and `/ajax-api/2.0` (the UI's alias), plus
 * `/health`, `/version` and `/get-artifact`. Errors are MLflow's JSON body
 * `{"error_code", "message"}` with the status MLflow uses for the code — for the store's errors,
 * for request errors, and also for what fastify itself refuses (malformed URL, body too large,
 * broken Content-Type), which would otherwise come out in fastify's own shape. Two deliberate
 * departures from MLflow, which answers with Flask's HTML pages there: an unknown path is 404
 * `ENDPOINT_NOT_FOUND` in JSON, and a known path with the wrong method is 405 in JSON with `Allow`.
 * An unexpected exception is logged with its stack and answered 500 `INTERNAL_ERROR` with a request
 * id to find it in the log; the server keeps serving.
 *
 * Body handling differs by route family, hence two encapsulated contexts:
 * - API routes buffer the body (fastify's reader, so its limit and Content-Length checks apply) up
 *   to `bodyLimit` (MLflow's 1 MB request limit) and parse it themselves (request.ts);
 * - proxy uploads get the request stream untouched and stream it into the store, limited only by
 *   `maxArtifactBytes`.
 *
 * The server owns the store and the artifact destination it is given: closing the server (which
 * waits for in-flight requests) closes both.
 */

import type { Duplex } from 'node:stream';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import type { Logger } from 'pino';
import { MlshipError } from '../../core/errors.js';
import { VERSION } from '../../core/version.js';
import type { BlobStore } from '../../storage/types.js';
import { ArtifactRepository, PayloadTooLargeError, toMlflowError } from '../artifacts/repository.js';
import { toMlflowJson } from '../entities.js';
import { MlflowError } from '../errors.js';
import type { TrackingStore } from '../store/types.js';
import { getRunArtifact, listRunArtifacts, PROXY_ROUTES, type ProxyContext } from './artifact-routes.js';
import { DEFAULT_BODY_LIMIT } from './body-limits.js';
import { defaultAllowedHosts, HOST_EXEMPT_PATHS, hostMatcher, INVALID_HOST_MESSAGE } from './hosts.js';
import { type Endpoint, TRACKING_ENDPOINTS, Verbatim } from './tracking-routes.js';

export { DEFAULT_BODY_LIMIT };

/** Default ceiling of one artifact upload. */
export const DEFAULT_MAX_ARTIFACT_BYTES = 5 * 1024 ** 3;

export interface TrackingServerOptions {
  store: TrackingStore;
  /** Where the proxy keeps artifacts (`--artifacts-destination`). */
  artifactStore: BlobStore;
  /** pino logger for requests and errors; none = silent. */
  logger?: Logger;
  /** Largest JSON request body in bytes of the endpoints without their own limit (body-limits.ts). */
  bodyLimit?: number;
  /** Largest artifact upload in bytes. */
  maxArtifactBytes?: number;
  /**
   * Host header values served (hosts.ts: exact values and `*` patterns, `*` = all); others get
   * 403. Default: MLflow's (localhost names and private addresses, any port).
   */
  allowedHosts?: readonly string[];
}

const PREFIXES = ['/api/2.0', '/ajax-api/2.0'] as const;
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  // A Buffer, so fastify leaves the Content-Type as MLflow sends it (no charset parameter).
  return reply
    .code(status)
    .header('content-type', 'application/json')
    .send(Buffer.from(JSON.stringify(body)));
}

/**
 * The status of an error response: MLflow's for its code, except INVALID_STATE, which MLflow sends
 * as 500 although it only ever reports a request that cannot apply to the current state (renaming
 * a deleted experiment): that is the client's error, and a 500 makes MLflow's own client retry it
 * (rest_utils treats 500 as transient) for minutes before failing. 400 keeps MLflow's body.
 */
function statusOf(error: MlflowError): number {
  return error.errorCode === 'INVALID_STATE' ? 400 : error.httpStatus;
}

function sendError(reply: FastifyReply, error: MlflowError): FastifyReply {
  return sendJson(reply, statusOf(error), error.toJSON());
}

/** The MLflow error for a fastify-level failure, or undefined when it is not one of those. */
function frameworkError(error: FastifyError, request: FastifyRequest): MlflowError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE': {
      const limit = request.routeOptions.bodyLimit;
      return new PayloadTooLargeError(
        limit,
        `The request body of ${request.method} ${request.routeOptions.url ?? request.url}`,
      );
    }
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new MlflowError('BAD_REQUEST', 'The request body does not match its Content-Length header');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      // MLflow's refusal of a wrong type; a malformed header is never echoed (nor is it by MLflow,
      // whose echo is limited to harmless characters).
      return MlflowError.invalidParameter('Bad Request. Content-Type must be one of [application/json].');
    case 'FST_ERR_BAD_URL':
      return request.url.includes('/mlflow-artifacts/')
        ? MlflowError.invalidParameter('Invalid path')
        : new MlflowError('BAD_REQUEST', `Malformed URL: ${error.message}`);
    default:
      if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
        return new MlflowError('BAD_REQUEST', error.message);
      }
      return undefined;
  }
}

/**
 * HTTP-level garbage (a request line or headers Node's parser refuses, a client too slow to send
 * its headers) never reaches a route: Node hands it to this handler with the bare socket. Same
 * statuses as fastify's default handler, in MLflow's JSON.
 */
function clientErrorHandler(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, code, message] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'Request Timeout', 'DEADLINE_EXCEEDED', 'The request was not received in time']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [
            431,
            'Request Header Fields Too Large',
            'INVALID_PARAMETER_VALUE',
            'The request headers are too large',
          ]
        : [400, 'Bad Request', 'BAD_REQUEST', `Malformed HTTP request (${error.code ?? error.message})`];
  const body = JSON.stringify({ error_code: code, message });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/**
 * fastify's own request logging is two lines per request ("incoming request", "request
 * completed"); the onResponse hook writes one instead. Its other lines (a response stream that
 * failed after its headers went out) stay.
 */
class OneLineRequestLog extends LogController {
  override incomingRequest(): void {}
  override requestCompleted(): void {}
}

/** Whether the client closed its connection before the response went out. */
function clientGone(request: FastifyRequest): boolean {
  // The socket, not the request stream: a handler that stops reading a body (over its limit)
  // destroys the stream itself while the client still waits for the 413.
  return !request.raw.complete && request.raw.socket?.destroyed === true;
}

const loggedGone = new WeakSet<FastifyRequest>();

/** The one info line for a request whose client went away (onRequestAbort and the error handler). */
function logClientGone(request: FastifyRequest): void {
  if (loggedGone.has(request)) return;
  loggedGone.add(request);
  const received = request.raw.socket?.bytesRead;
  request.log.info(
    { method: request.method, url: request.url, bytesReceived: received },
    `client closed the connection before the response: ${request.method} ${request.url}`,
  );
}

/**
 * Create the server (not yet listening). Tests drive it with `.inject()` or `.listen({ port: 0 })`;
 * the CLI listens on `--host`/`--port`.
 */
export function createTrackingServer(options: TrackingServerOptions): FastifyInstance {
  const { store, logger } = options;
  const artifacts = new ArtifactRepository(options.artifactStore);
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const context: ProxyContext = {
    store,
    artifacts,
    maxArtifactBytes: options.maxArtifactBytes ?? DEFAULT_MAX_ARTIFACT_BYTES,
  };

  const hostAllowed = hostMatcher(options.allowedHosts ?? defaultAllowedHosts());

  const app = Fastify({
    ...(logger ? { loggerInstance: logger as FastifyBaseLogger } : { logger: false }),
    logController: new OneLineRequestLog(),
    bodyLimit,
    // (fastify 5 keeps `;` in the path — useSemicolonDelimiter defaults to false — so `a;b` reaches
    // validateArtifactPath and is refused as a path parameter, CVE-2024-1593, instead of being cut.)
    clientErrorHandler,
    // What the router refuses before any route runs, such as malformed percent-encoding in the URL.
    frameworkErrors(error, request, reply) {
      const mapped =
        frameworkError(error as FastifyError, request) ?? new MlflowError('BAD_REQUEST', error.message);
      sendError(reply, mapped);
    },
  });

  // Before routing, so that no endpoint (nor a 404 or 405) answers a request made through a
  // rebound DNS name.
  app.addHook('onRequest', async (request, reply) => {
    if (HOST_EXEMPT_PATHS.includes(request.url.split('?')[0])) return;
    const host = request.headers.host;
    if (hostAllowed(host)) return;
    request.log.warn({ host: host ?? null }, 'refused a request with a Host header that is not allowed');
    const shown = host === undefined ? 'no Host header' : `Host ${JSON.stringify(host.slice(0, 200))}`;
    return sendError(
      reply,
      new MlflowError(
        'PERMISSION_DENIED',
        `${INVALID_HOST_MESSAGE}: ${shown} is not an allowed host (start the server with --allowed-hosts to allow it)`,
      ),
    );
  });

  // One line per request. A request whose client went away first gets its own line instead
  // (onRequestAbort); an aborted one never reaches onResponse's 'finish'.
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 10) / 10,
      },
      `${request.method} ${request.url} ${reply.statusCode}`,
    );
  });
  app.addHook('onRequestAbort', async (request) => {
    logClientGone(request);
  });

  app.addHook('onReady', async () => {
    // Uploads torn by a crash (kill -9) are removed before the first request; a failure here is
    // not worth refusing to serve for.
    try {
      const removed = await artifacts.removeStaleStaging();
      if (removed > 0) logger?.info({ removed }, 'removed the staged files of interrupted uploads');
    } catch (e) {
      logger?.warn({ err: e }, 'could not clean up the staged files of interrupted uploads');
    }
  });

  // The root context reads no body: unknown paths (404) and wrong methods (405) must not fail on
  // what they were sent. Each route family below installs its own parser.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (clientGone(request)) {
      // The client hung up (mid-upload, say): its request failed because of that, not because of a
      // fault here, and nobody is left to answer. onRequestAbort has logged it, once, at info.
      logClientGone(request);
      return reply.code(499).send();
    }
    let mapped = error instanceof MlflowError ? error : frameworkError(error, request);
    if (mapped === undefined && error instanceof MlshipError) {
      const translated = toMlflowError(error);
      if (translated instanceof MlflowError) mapped = translated;
    }
    if (mapped !== undefined) {
      if (statusOf(mapped) >= 500) request.log.error({ err: error }, 'request failed');
      // Refused uploads are not drained: the rest of the body would be read only to be thrown away.
      if (mapped instanceof PayloadTooLargeError) reply.header('connection', 'close');
      return sendError(reply, mapped);
    }
    request.log.error({ err: error }, 'unexpected error while handling the request');
    return sendError(
      reply,
      new MlflowError(
        'INTERNAL_ERROR',
        `Internal error while handling the request (request id ${request.id}); see the server log`,
      ),
    );
  });

  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      new MlflowError('ENDPOINT_NOT_FOUND', `No endpoint ${request.method} ${request.url.split('?')[0]}`),
    ),
  );

  /** Every path and the methods it answers, for the 405 routes. */
  const allowed = new Map<string, Set<string>>();
  const allow = (url: string, method: string) => {
    if (!allowed.has(url)) allowed.set(url, new Set());
    allowed.get(url)!.add(method);
  };

  app.register(async (api) => {
    api.removeAllContentTypeParsers();
    api.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    const endpoints: Endpoint[] = [...TRACKING_ENDPOINTS, listRunArtifacts];
    for (const endpoint of endpoints) {
      for (const prefix of PREFIXES) {
        if (endpoint.ajaxOnly && prefix !== '/ajax-api/2.0') continue;
        const url = `${prefix}${endpoint.path}`;
        allow(url, endpoint.method);
        api.route({
          method: endpoint.method,
          url,
          bodyLimit: endpoint.bodyLimit ?? bodyLimit,
          handler: async (request, reply) => {
            const result = await endpoint.handle(request, context);
            const body = result instanceof Verbatim ? result.body : (toMlflowJson(result) ?? {});
            return sendJson(reply, 200, body);
          },
        });
      }
    }
  });

  app.register(async (proxy) => {
    proxy.removeAllContentTypeParsers();
    // Uploads are streamed by the handler, never buffered by fastify (and so not under bodyLimit).
    proxy.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    for (const route of PROXY_ROUTES) {
      for (const prefix of PREFIXES) {
        const url = `${prefix}${route.path}`;
        for (const method of [route.method].flat()) allow(url, method);
        proxy.route({
          method: route.method,
          url,
          exposeHeadRoute: !Array.isArray(route.method),
          handler: async (request, reply) => {
            const result = await route.handle(request, reply, context);
            if (reply.sent) return reply;
            return sendJson(reply, 200, toMlflowJson(result) ?? {});
          },
        });
      }
    }
  });

  app.get('/health', async (_request, reply) => reply.type('text/plain; charset=utf-8').send('OK'));
  app.get('/version', async (_request, reply) => reply.type('text/plain; charset=utf-8').send(VERSION));
  app.route({
    method: ['GET', 'HEAD'],
    url: '/get-artifact',
    exposeHeadRoute: false,
    handler: (request, reply) => getRunArtifact(request, reply, context),
  });
  for (const url of ['/health', '/version', '/get-artifact']) allow(url, 'GET');

  // A known path with another method: 405 and the methods it does answer (Flask's behaviour, in
  // MLflow's JSON). OPTIONS is answered like Flask's automatic OPTIONS: 200 with Allow.
  app.after(() => {
    for (const [url, methods] of allowed) {
      if (methods.has('GET')) methods.add('HEAD');
      methods.add('OPTIONS');
      const allowHeader = [...methods].sort().join(', ');
      const others = METHODS.filter((m) => !methods.has(m) || m === 'OPTIONS');
      app.route({
        method: others,
        url,
        handler: async (request, reply) => {
          reply.header('allow', allowHeader);
          if (request.method === 'OPTIONS') return reply.code(200).send();
          const error = new MlflowError(
            'BAD_REQUEST',
            `Method ${request.method} is not allowed on ${url}; allowed: ${allowHeader}`,
          );
          return sendJson(reply, 405, error.toJSON());
        },
      });
    }
  });

  app.addHook('onClose', async () => {
    // After the last in-flight request: fastify runs onClose once the server stopped accepting and
    // drained its requests.
    await Promise.allSettled([store.close(), artifacts.close()]);
  });

  return app;
}
