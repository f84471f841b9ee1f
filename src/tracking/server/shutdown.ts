/**
 * Graceful shutdown for a listening tracking server: on SIGTERM (Kubernetes, docker stop) or SIGINT
 * (Ctrl-C) it stops accepting connections, lets the requests in flight finish — an acknowledged
 * write is never cut in half by a routine restart — then closes the store (app.ts onClose) and
 * exits 0. A request that has not finished after `graceMs` (a stalled upload, say) does not hold
 * the process forever: it then exits 1. A second signal exits at once.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

export interface ShutdownOptions {
  logger?: Logger;
  /** How long in-flight requests may take to finish; default 30 s (Kubernetes' default grace). */
  graceMs?: number;
  /** Called with the exit code; default process.exit. */
  exit?: (code: number) => void;
  signals?: NodeJS.Signals[];
}

/** Install the handlers. Returns a function that removes them (for tests). */
export function closeOnSignals(app: FastifyInstance, options: ShutdownOptions = {}): () => void {
  const {
    logger,
    graceMs = 30_000,
    exit = (code) => process.exit(code),
    signals = ['SIGTERM', 'SIGINT'],
  } = options;
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) {
      logger?.warn({ signal }, 'second signal: exiting without waiting for requests in flight');
      exit(1);
      return;
    }
    closing = true;
    logger?.info({ signal }, 'shutting down: no new connections, finishing requests in flight');
    const timer = setTimeout(() => {
      logger?.error({ graceMs }, 'requests still in flight after the grace period: exiting');
      exit(1);
    }, graceMs);
    timer.unref();
    app.close().then(
      () => {
        clearTimeout(timer);
        logger?.info('server closed');
        exit(0);
      },
      (e: unknown) => {
        clearTimeout(timer);
        logger?.error({ err: e }, 'error while closing the server');
        exit(1);
      },
    );
  };
  for (const signal of signals) process.on(signal, onSignal);
  return () => {
    for (const signal of signals) process.off(signal, onSignal);
  };
}
