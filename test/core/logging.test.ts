/**
 * The server's logs on a terminal (issue 8 §7: "readable lines on a terminal"): pino's JSON records
 * become one short line each — time, level, message, duration, the other fields — with an error's
 * stack below; and `--log-level` names, pino's and Python's (MLflow's MLFLOW_LOGGING_LEVEL), are read
 * or refused with a one-line message.
 */
import { describe, expect, it } from 'vitest';
import { formatLogRecord, parseLogLevel } from '../../src/core/logging.js';

describe('formatLogRecord', () => {
  const time = Date.UTC(2026, 11, 6, 3, 4, 5, 678);

  it('writes a request record as one line: time, level, message, duration', () => {
    const line = formatLogRecord({
      level: 30,
      time,
      pid: 42,
      reqId: 'req-1',
      method: 'GET',
      url: '/health',
      status: 200,
      durationMs: 1.2,
      msg: 'GET /health 200',
    });
    expect(line).toBe('03:04:05.678 INFO  GET /health 200 (1.2 ms)\n');
  });

  it('keeps other fields as key=value, quoting what needs it, and puts a stack below', () => {
    const line = formatLogRecord({
      level: 50,
      time,
      msg: 'request failed',
      host: 'evil example',
      err: { message: 'boom', stack: 'Error: boom\n    at x (y.js:1:2)' },
    });
    expect(line).toBe(
      '03:04:05.678 ERROR request failed  host="evil example"\nError: boom\n    at x (y.js:1:2)\n',
    );
  });
});

describe('parseLogLevel', () => {
  it('takes pino names and the Python names MLflow uses, in any case', () => {
    expect(parseLogLevel('info', '--log-level')).toBe('info');
    expect(parseLogLevel('WARNING', '--log-level')).toBe('warn');
    expect(parseLogLevel('critical', '--log-level')).toBe('fatal');
    expect(parseLogLevel('debug', '--log-level')).toBe('debug');
  });

  it('refuses anything else naming the flag and the value', () => {
    expect(() => parseLogLevel('loud', '--log-level')).toThrow(/--log-level must be one of .*; got "loud"/);
  });
});
