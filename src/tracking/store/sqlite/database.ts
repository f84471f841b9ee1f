/**
 * SqlDatabase over better-sqlite3 (one connection per store).
 *
 * Durability: WAL with synchronous=NORMAL. A transaction is committed once its WAL frames are
 * written to the OS; they survive the process being killed (kill -9, a crash, OOM), which is
 * what "every acknowledged write survives" needs for a server process. Only a power loss or OS
 * crash can lose the last transactions (never corrupt the database); synchronous=FULL would
 * cover that too at one fsync per commit. `durability: 'full'` selects it.
 *
 * Concurrency: better-sqlite3 is synchronous, but a transaction body is async (the store's
 * logic is shared with PostgreSQL), so transactions on this connection are queued behind a
 * mutex: no statement of one request can land inside another's transaction. Other processes
 * or threads with their own connection wait on SQLite's lock for up to busy_timeout.
 *
 * Cancellation: better-sqlite3 runs a statement to its end on the calling thread and offers no
 * interrupt or progress handler, so a statement can be neither timed out nor cancelled once
 * started. What can be done is done: a transaction whose signal fired (its client went away)
 * while it waited in the queue is dropped without running, and its statements not yet started
 * are not run. The search SQL is linear in its clauses (search/sql.ts), which bounds a statement.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import {
  abortable,
  queryCancelled,
  type SqlDatabase,
  type SqlExecutor,
  type TransactionOptions,
} from '../db.js';

export interface SqliteOptions {
  /** How long a statement waits for another connection's lock, in ms (SQLite busy_timeout). */
  busyTimeoutMs?: number;
  /** 'normal' (default): survives process crashes; 'full': also OS crashes and power loss. */
  durability?: 'normal' | 'full';
}

type Statement = Database.Statement<unknown[], unknown>;

/** Prepared statements kept per connection (least recently used dropped first). */
const STATEMENT_CACHE_SIZE = 256;

/** better-sqlite3 binds no booleans or undefined. */
function bind(params: readonly unknown[]): unknown[] {
  return params.map((p) => (p === true ? 1 : p === false ? 0 : p === undefined ? null : p));
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT' || code === 'SQLITE_LOCKED';
}

export class SqliteDatabase implements SqlDatabase {
  readonly dialect = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Statement>();
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly executor: SqlExecutor;

  constructor(path: string, options: SqliteOptions = {}) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path, { timeout: options.busyTimeoutMs ?? 30_000 });
    if (path !== ':memory:') this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.durability === 'full' ? 'FULL' : 'NORMAL'}`);
    this.db.pragma('foreign_keys = ON');
    const stmt = (sql: string) => this.prepare(sql);
    this.executor = {
      all: async <T>(sql: string, params: readonly unknown[] = []) => stmt(sql).all(...bind(params)) as T[],
      get: async <T>(sql: string, params: readonly unknown[] = []) =>
        stmt(sql).get(...bind(params)) as T | undefined,
      run: async (sql, params = []) => stmt(sql).run(...bind(params)).changes,
      insertMany: async (table, columns, rows, conflict = '') => {
        if (rows.length === 0) return 0;
        const s = stmt(
          `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')}) ${conflict}`,
        );
        let changes = 0;
        for (const row of rows) changes += s.run(...bind(row)).changes;
        return changes;
      },
    };
  }

  private prepare(sql: string): Statement {
    let s = this.statements.get(sql);
    if (s) {
      // Most recently used last, so the oldest entry is the first to go.
      this.statements.delete(sql);
    } else {
      s = this.db.prepare(sql);
      // Searches make a new SQL text per filter shape; an unbounded cache would grow with every
      // distinct filter a client sends.
      if (this.statements.size >= STATEMENT_CACHE_SIZE) {
        this.statements.delete(this.statements.keys().next().value as string);
      }
    }
    this.statements.set(sql, s);
    return s;
  }

  /** Run `task` after every task queued before it (the connection's mutex). */
  private serialize<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async runTransaction<T>(
    begin: string,
    fn: (tx: SqlExecutor) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    if (this.closed) throw new Error('the tracking store is closed');
    if (signal?.aborted) throw queryCancelled();
    // busy_timeout already waited; a few more rounds cover a writer holding the lock longer.
    for (let attempt = 0; ; attempt++) {
      try {
        this.db.exec(begin);
      } catch (err) {
        if (isBusy(err) && attempt < 3) continue;
        throw err;
      }
      try {
        const result = await fn(abortable(this.executor, signal));
        this.db.exec('COMMIT');
        return result;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        if (isBusy(err) && attempt < 3) continue;
        throw err;
      }
    }
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options: TransactionOptions): Promise<T> {
    return this.serialize(() =>
      this.runTransaction(options.write ? 'BEGIN IMMEDIATE' : 'BEGIN', fn, options.signal),
    );
  }

  withSchemaLock<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    // BEGIN IMMEDIATE is the database-wide write lock: a second opener waits here, then sees the
    // migrations the first one applied.
    return this.transaction(fn, { write: true });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.serialize(async () => {
      this.closed = true;
      this.statements.clear();
      this.db.close();
    });
  }
}
