/**
 * SqlDatabase over a `pg` Pool. Write transactions run READ COMMITTED: the store's writes are
 * single statements that are atomic under concurrency on their own (INSERT … ON CONFLICT DO
 * NOTHING / DO UPDATE … WHERE takes the row lock and re-checks the condition), so 16 clients
 * logging to one run neither lose nor duplicate points and the latest-metric upsert cannot race.
 * Read transactions run REPEATABLE READ READ ONLY so a run read in several statements is one
 * snapshot. Serialization failures and deadlocks (40001, 40P01) are retried with backoff.
 *
 * Statements are written with `?` placeholders (shared with SQLite) and renumbered to `$n` here;
 * the store never puts a literal `?` in SQL text.
 *
 * No statement may hold a pool connection for long (issue 8 §5.1: 17 slow searches pinned every
 * connection and then log-metric timed out):
 * - every session runs with a statement_timeout (default 30 s; migrations are exempt), and a
 *   statement stopped by it fails with DEADLINE_EXCEEDED;
 * - a transaction given an AbortSignal (the search of a client that disconnected) cancels its
 *   running statement with the protocol's CancelRequest, the way psql's Ctrl-C does (libpq's
 *   PQcancel): a separate socket, no login, so it works when the pool is full of exactly such
 *   statements and through poolers (PgBouncer forwards it by the session's key). A cancel that
 *   lands while the backend is still parsing the statement is dropped when it next reads a
 *   protocol message (postgres.c ProcessInterrupts ignores a cancel while DoingCommandRead), and
 *   the statement then runs on: so the cancel is sent again every CANCEL_RETRY_MS until the
 *   statement has ended (seen under load: one cancel in six lost, the search ran 5 s more). The
 *   transaction waits for the last cancel to be done, rolls back and only then returns the
 *   connection, so a late cancel can never hit the next user of the connection.
 * PostgreSQL's data errors (class 22: invalid text, NUL characters, values too long or out of
 * range) are the caller's input, whatever check missed them: INVALID_PARAMETER_VALUE, never 500.
 */
import { connect as connectSocket } from 'node:net';
import pg from 'pg';
import { MlflowError } from '../../errors.js';
import {
  abortable,
  queryCancelled,
  queryTimedOut,
  type SqlDatabase,
  type SqlExecutor,
  type TransactionOptions,
} from '../db.js';

/** How often, and how many times, a cancel is sent again while the statement runs on (see above). */
const CANCEL_RETRY_MS = 100;
const CANCEL_ATTEMPTS = 50;

export interface PostgresOptions {
  /** Pool size (default 16). */
  maxConnections?: number;
  /** PostgreSQL statement_timeout of every statement but migrations, in ms; 0 = none (default 30 s). */
  statementTimeoutMs?: number;
}

export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;

/** int8 (bigint: timestamps, steps, counts) as JS numbers, not strings; exact below 2^53. */
const INT8_OID = 20;
const types = {
  getTypeParser: ((oid: number, format?: string) => {
    if (oid === INT8_OID && format !== 'binary') return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  }) as typeof pg.types.getTypeParser,
};

/** Renumber `?` placeholders to `$1, $2, …`. */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

const RETRYABLE = new Set(['40001', '40P01']);
const QUERY_CANCELED = '57014';

/** A driver error as the store reports it: the caller's bad data is a 400, not an outage. */
function translate(err: unknown): unknown {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (typeof e?.code === 'string' && e.code.startsWith('22')) {
    return new MlflowError(
      'INVALID_PARAMETER_VALUE',
      `The tracking store refused a value of the request: ${String(e.message)}`,
      { cause: err },
    );
  }
  return err;
}
const MAX_PARAMS = 60_000; // PostgreSQL allows 65535 bind parameters per statement

function executor(client: pg.PoolClient): SqlExecutor {
  const query = (sql: string, params: readonly unknown[]) =>
    client.query({ text: numberPlaceholders(sql), values: params as unknown[] });
  return {
    all: async <T>(sql: string, params: readonly unknown[] = []) => (await query(sql, params)).rows as T[],
    get: async <T>(sql: string, params: readonly unknown[] = []) =>
      (await query(sql, params)).rows[0] as T | undefined,
    run: async (sql, params = []) => (await query(sql, params)).rowCount ?? 0,
    insertMany: async (table, columns, rows, conflict = '') => {
      let changes = 0;
      const perStatement = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
      for (let i = 0; i < rows.length; i += perStatement) {
        const slice = rows.slice(i, i + perStatement);
        const tuple = `(${columns.map(() => '?').join(', ')})`;
        const sql = `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${slice.map(() => tuple).join(', ')} ${conflict}`;
        changes += (await query(sql, slice.flat())).rowCount ?? 0;
      }
      return changes;
    },
  };
}

export class PostgresDatabase implements SqlDatabase {
  readonly dialect = 'postgresql' as const;
  private readonly pool: pg.Pool;
  private readonly statementTimeoutMs: number;
  private closed = false;

  constructor(connectionString: string, options: PostgresOptions = {}) {
    this.statementTimeoutMs = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
    this.pool = new pg.Pool({ connectionString, max: options.maxConnections ?? 16, types });
    // Session settings, queued ahead of the first statement of every new pooled connection:
    // - the statement timeout (set here rather than as a startup parameter, which poolers such as
    //   PgBouncer refuse);
    // - no JIT: a search with many clauses looks expensive to the planner, which then spent more
    //   time compiling it (17 s of 43 s for 200 clauses over 20,000 runs) than running it; the
    //   store's statements are short index lookups JIT cannot speed up. (jit exists from
    //   PostgreSQL 11; current_setting(…, true) is NULL before, and nothing is set.)
    const timeout = Math.max(0, Math.trunc(this.statementTimeoutMs));
    this.pool.on('connect', (client) => {
      client
        .query(
          `SET statement_timeout = ${timeout}; ` +
            "SELECT set_config('jit', 'off', false) WHERE current_setting('jit', true) IS NOT NULL",
        )
        .catch(() => undefined); // a broken connection fails its first real statement instead
    });
    // An idle client losing its connection is reported on the pool; without a listener Node
    // would crash the server. The next query gets a fresh connection.
    this.pool.on('error', () => undefined);
  }

  /**
   * Ask the server to cancel whatever `client`'s session is running: a CancelRequest (PostgreSQL
   * protocol, "Canceling Requests in Progress": length 16, code 80877102, the backend's process
   * id and secret key from BackendKeyData) on a new socket, which the server closes once it has
   * signalled the backend. Resolves then, or on any failure (the statement then ends by itself or
   * by the statement timeout).
   */
  private cancelBackend(client: pg.PoolClient): Promise<void> {
    const { processID, secretKey, host, port } = client as unknown as {
      processID?: number | null;
      secretKey?: number | null;
      host?: string;
      port?: number;
    };
    if (typeof processID !== 'number' || typeof secretKey !== 'number') return Promise.resolve();
    return new Promise((resolve) => {
      const socket =
        host?.startsWith('/') === true
          ? connectSocket(`${host}/.s.PGSQL.${port ?? 5432}`)
          : connectSocket(port ?? 5432, host ?? 'localhost');
      const done = () => {
        clearTimeout(timer);
        socket.destroy();
        resolve();
      };
      const timer = setTimeout(done, 5000);
      socket.once('connect', () => {
        const message = Buffer.alloc(16);
        message.writeInt32BE(16, 0);
        message.writeInt32BE(80877102, 4);
        message.writeInt32BE(processID, 8);
        message.writeInt32BE(secretKey, 12);
        socket.write(message);
      });
      socket.once('close', done);
      socket.once('error', done);
    });
  }

  private async run<T>(
    begin: string,
    fn: (tx: SqlExecutor) => Promise<T>,
    options: { lock?: string; signal?: AbortSignal } = {},
  ): Promise<T> {
    if (this.closed) throw new Error('the tracking store is closed');
    const { lock, signal } = options;
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) throw queryCancelled();
      const client = await this.pool.connect();
      let broken = false;
      /** Whether the transaction's statements are over: no cancel is sent after that. */
      let settled = false;
      let cancelling: Promise<void> | undefined;
      const onAbort = () => {
        cancelling ??= (async () => {
          for (let i = 0; i < CANCEL_ATTEMPTS && !settled; i++) {
            await this.cancelBackend(client);
            if (!settled) await new Promise((r) => setTimeout(r, CANCEL_RETRY_MS));
          }
        })();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        if (signal?.aborted) throw queryCancelled(); // gone while waiting for a connection
        await client.query(begin);
        if (lock) {
          // Migrations may take long on a big database, and so may waiting for another process's.
          await client.query('SET LOCAL statement_timeout = 0');
          await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lock]);
        }
        const result = await fn(abortable(executor(client), signal));
        settled = true;
        await client.query('COMMIT');
        return result;
      } catch (err) {
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        // The cancel must land before anything else is sent on this connection.
        if (cancelling) await cancelling;
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true; // the connection is gone (or was hit by the cancel); do not reuse it
        }
        const code = (err as { code?: string }).code;
        if (code && RETRYABLE.has(code) && attempt < 8) {
          await new Promise((r) => setTimeout(r, Math.random() * 10 * 2 ** attempt));
          continue;
        }
        // The cause is the driver's error: 57014 when the database cancelled the running statement.
        if (signal?.aborted) throw queryCancelled(err);
        if (code === QUERY_CANCELED) throw queryTimedOut(this.statementTimeoutMs);
        throw translate(err);
      } finally {
        signal?.removeEventListener('abort', onAbort);
        if (cancelling) await cancelling;
        client.release(broken);
      }
    }
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options: TransactionOptions): Promise<T> {
    return this.run(options.write ? 'BEGIN' : 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', fn, {
      signal: options.signal,
    });
  }

  withSchemaLock<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.run('BEGIN', fn, { lock: 'mlship tracking schema' });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
