/**
 * `mlship server`: the MLflow-compatible tracking server, with `mlflow server`'s flags and their
 * environment variables (-h/--host MLFLOW_HOST, -p/--port MLFLOW_PORT, --backend-store-uri
 * MLFLOW_BACKEND_STORE_URI, --artifacts-destination MLFLOW_ARTIFACTS_DESTINATION, -w/--workers
 * MLFLOW_WORKERS). Artifacts are always served through the proxy (MLflow's default since 2.0):
 * new experiments get `mlflow-artifacts:/<id>` locations, stored under --artifacts-destination.
 *
 * Logs go to stderr, one line per request: pino JSON lines, or short human lines when stderr is a
 * terminal; --log-level (MLFLOW_LOGGING_LEVEL, default info) takes pino's or Python's level names.
 *
 * --allowed-hosts (MLFLOW_SERVER_ALLOWED_HOSTS) is MLflow 3's Host header check against DNS
 * rebinding (tracking/server/hosts.ts): by default localhost names, private addresses and the
 * address bound with --host are served, any other Host header is answered 403.
 *
 * --workers N > 1 forks N processes with node:cluster that share the port. The primary applies the
 * store's migrations once before forking (workers racing to migrate would be a schema hazard),
 * restarts a worker that dies, and on SIGTERM/SIGINT asks every worker to finish its requests and
 * exit. With SQLite, the workers share one database file: that is safe because the store runs it
 * in WAL mode with a busy timeout, so writers queue for the lock instead of failing, but they still
 * write one at a time — for write-heavy use, PostgreSQL is the backend that scales with workers.
 */
import cluster, { type Worker } from 'node:cluster';
import { type Command, Option } from 'commander';
import type { Logger } from 'pino';
import { InvalidParameterError } from '../core/errors.js';
import { createProcessLogger, parseLogLevel } from '../core/logging.js';
import { openStore } from '../storage/index.js';
import {
  closeOnSignals,
  createTrackingServer,
  openTrackingStore,
  PROXY_ARTIFACT_ROOT,
  parseStoreUri,
} from '../tracking/index.js';
import { defaultAllowedHosts, parseAllowedHosts } from '../tracking/server/hosts.js';
import { checkCanListen, listenError } from './listen.js';
import { action } from './run.js';

export interface ServerCliOptions {
  host: string;
  port: string;
  backendStoreUri: string;
  artifactsDestination: string;
  workers: string;
  allowedHosts?: string;
  logLevel: string;
}

/**
 * --allowed-hosts as given, or MLflow's default list plus the bound address — also when it is
 * empty, as MLflow reads an empty MLFLOW_SERVER_ALLOWED_HOSTS (security_utils: falsy → defaults).
 */
function allowedHosts(opts: ServerCliOptions): string[] {
  const hosts = parseAllowedHosts(opts.allowedHosts ?? '');
  return hosts.length > 0 ? hosts : defaultAllowedHosts(opts.host);
}

function integer(value: string, flag: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < min || n > max) {
    throw new InvalidParameterError(`${flag} must be an integer from ${min} to ${max}; got "${value}"`);
  }
  return n;
}

/** One serving process: open the stores, listen, close gracefully on a signal. */
async function serve(opts: ServerCliOptions, port: number, logger: Logger): Promise<void> {
  const artifactStore = openStore(opts.artifactsDestination);
  const store = await openTrackingStore(opts.backendStoreUri, { defaultArtifactRoot: PROXY_ARTIFACT_ROOT });
  const app = createTrackingServer({ store, artifactStore, logger, allowedHosts: allowedHosts(opts) });
  closeOnSignals(app, { logger });
  if (cluster.isWorker) {
    // The primary is gone (killed, crashed): nobody supervises this worker or forwards signals any
    // more, so it shuts down gracefully rather than serving on as an orphan.
    process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  }
  // fastify logs the listening address itself; one line, with what is being served.
  try {
    await app.listen({
      host: opts.host,
      port,
      listenTextResolver: (address) =>
        `mlship tracking server listening on ${address} (backend store ${store.dialect}, artifacts ${artifactStore.url})`,
    });
  } catch (err) {
    throw listenError(err, opts.host, port) ?? err;
  }
}

/** The primary of a multi-worker server: migrate once, fork, supervise, forward shutdown. */
async function supervise(opts: ServerCliOptions, workers: number, logger: Logger): Promise<void> {
  const store = await openTrackingStore(opts.backendStoreUri, { defaultArtifactRoot: PROXY_ARTIFACT_ROOT });
  await store.close();
  let stopping = false;
  const recentDeaths: number[] = [];
  const fork = () => cluster.fork();
  cluster.on('exit', (worker: Worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    logger.error({ pid: worker.process.pid, code, signal }, 'worker died; starting another');
    const now = Date.now();
    recentDeaths.push(now);
    while (recentDeaths.length > 0 && recentDeaths[0] < now - 10_000) recentDeaths.shift();
    // A worker that cannot start (port taken, store unreachable) would otherwise be forked forever.
    if (recentDeaths.length > workers * 3) {
      logger.fatal('workers keep dying (more than 3 each within 10 s): giving up');
      process.exit(1);
    }
    fork();
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping workers');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  for (let i = 0; i < workers; i++) fork();
}

export function registerServer(program: Command): void {
  program
    .command('server')
    .description(
      'Run an MLflow-compatible tracking server (REST API 2.0 and artifact proxy) on SQLite or PostgreSQL, with artifacts in a folder or S3',
    )
    // -h is --host, as in `mlflow server -h 0.0.0.0`; help stays available as --help.
    .helpOption('--help', 'display help for command')
    .addOption(
      new Option('-h, --host <host>', 'network address to listen on').env('MLFLOW_HOST').default('127.0.0.1'),
    )
    .addOption(new Option('-p, --port <port>', 'port to listen on').env('MLFLOW_PORT').default('5000'))
    .addOption(
      new Option(
        '--backend-store-uri <uri>',
        'where runs are stored: sqlite:///path.db or postgresql://user@host/db',
      )
        .env('MLFLOW_BACKEND_STORE_URI')
        .default('sqlite:///mlruns.db'),
    )
    .addOption(
      new Option(
        '--artifacts-destination <uri>',
        'where proxied artifacts are stored: a folder or s3://bucket/prefix',
      )
        .env('MLFLOW_ARTIFACTS_DESTINATION')
        .default('./mlartifacts'),
    )
    .addOption(
      new Option('-w, --workers <n>', 'processes serving the port (SQLite: WAL + busy timeout; see docs)')
        .env('MLFLOW_WORKERS')
        .default('1'),
    )
    .addOption(
      new Option(
        '--allowed-hosts <hosts>',
        "Host header values to serve, comma-separated, with * wildcards ('mlflow.example.com,10.0.0.5:5000,app-*.internal'); '*' allows all. Default: localhost names, private addresses and the --host address, any port; others get 403 (DNS rebinding protection)",
      ).env('MLFLOW_SERVER_ALLOWED_HOSTS'),
    )
    .addOption(
      new Option('--log-level <level>', 'trace, debug, info, warning, error, critical or silent')
        .env('MLFLOW_LOGGING_LEVEL')
        .default('info'),
    )
    .action(
      action(async (opts: ServerCliOptions) => {
        const port = integer(opts.port, '--port', 0, 65535);
        const workers = integer(opts.workers, '--workers', 1, 256);
        // Every flag is checked before anything is created: a typo in one must not leave a new
        // database file behind.
        parseStoreUri(opts.backendStoreUri);
        openStore(opts.artifactsDestination);
        if (cluster.isPrimary) await checkCanListen(opts.host, port);
        const logger = createProcessLogger({ level: parseLogLevel(opts.logLevel, '--log-level') });
        if (workers > 1 && cluster.isPrimary) await supervise(opts, workers, logger);
        else await serve(opts, port, logger);
      }),
    );
}
