/**
 * The process logger (pino) for long-running commands such as `mlship server`: JSON lines on
 * stderr for machines (log collectors, `docker logs | jq`), and, when stderr is a terminal, one
 * short human-readable line per record instead — `12:03:04.512 INFO  GET /health 200 (1.2 ms)` —
 * written by the small formatter below rather than a pretty-printing dependency.
 */
import { Writable } from 'node:stream';
import { type Logger, type LoggerOptions, pino } from 'pino';
import { InvalidParameterError } from './errors.js';

/** pino's levels, and the Python names MLflow's MLFLOW_LOGGING_LEVEL takes for some of them. */
const LEVEL_NAMES: Record<string, string> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  fatal: 'fatal',
  critical: 'fatal',
  silent: 'silent',
};

/** A level name as pino knows it; InvalidParameterError naming `source` and the choices otherwise. */
export function parseLogLevel(value: string, source: string): string {
  const level = LEVEL_NAMES[value.trim().toLowerCase()];
  if (level === undefined) {
    throw new InvalidParameterError(
      `${source} must be one of ${Object.keys(LEVEL_NAMES).join(', ')}; got "${value}"`,
    );
  }
  return level;
}

const LEVEL_LABELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};

/** Fields every record has, or that the line shows in its own place. */
const SHOWN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'reqId', 'err', 'durationMs']);

function scalar(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return /[\s"=]/.test(text) ? JSON.stringify(text) : text;
}

/** One pino record (parsed JSON) as a terminal line, with an error's stack below it. */
export function formatLogRecord(record: Record<string, unknown>): string {
  const time = new Date(Number(record.time ?? Date.now()));
  const clock = time.toISOString().slice(11, 23);
  const label = LEVEL_LABELS[Number(record.level)] ?? String(record.level);
  let line = `${clock} ${label} ${String(record.msg ?? '')}`;
  if (typeof record.durationMs === 'number') line += ` (${record.durationMs} ms)`;
  const extras = Object.entries(record)
    .filter(
      ([k]) => !SHOWN.has(k) && !(typeof record.msg === 'string' && ['method', 'url', 'status'].includes(k)),
    )
    .map(([k, v]) => `${k}=${scalar(v)}`);
  if (extras.length > 0) line += `  ${extras.join(' ')}`;
  const err = record.err as { stack?: string; message?: string } | undefined;
  if (err) line += `\n${err.stack ?? err.message ?? JSON.stringify(err)}`;
  return `${line}\n`;
}

/** A stream pino writes JSON lines to, turning each into formatLogRecord's line on `out`. */
function terminalStream(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const text of chunk.toString('utf8').split('\n')) {
        if (text.trim() === '') continue;
        try {
          out.write(formatLogRecord(JSON.parse(text) as Record<string, unknown>));
        } catch {
          out.write(`${text}\n`);
        }
      }
      callback();
    },
  });
}

export interface ProcessLoggerOptions {
  level: string;
  /** human lines instead of JSON; default: whether stderr is a terminal */
  pretty?: boolean;
}

/**
 * The logger of a long-running command, on stderr. The JSON destination writes synchronously, as
 * Node's own stderr does: an asynchronous one is flushed at exit by sonic-boom's flushSync, which
 * retries a write that failed with EPIPE every 100 ms for ever, so a server whose log reader had
 * gone (`mlship server 2>&1 | head`) never exited on SIGTERM. Written synchronously, the first
 * EPIPE reaches pino's broken-pipe handler, which stops logging, and the last lines before an exit
 * are never lost. One write per line costs nothing next to a request's own work.
 */
export function createProcessLogger(options: ProcessLoggerOptions): Logger {
  const pretty = options.pretty ?? process.stderr.isTTY === true;
  const config: LoggerOptions = { level: options.level, base: { pid: process.pid } };
  return pretty
    ? pino(config, terminalStream(process.stderr))
    : pino(config, pino.destination({ dest: 2, sync: true }));
}
