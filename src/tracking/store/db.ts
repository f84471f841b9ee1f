/**
 * The little a tracking store needs from a SQL database, implemented once per dialect
 * (sqlite/database.ts over better-sqlite3, postgres/database.ts over a pg Pool), so the store
 * logic (sql-store.ts) is written once. SQL uses `?` placeholders and a subset both dialects
 * accept (ON CONFLICT, RETURNING, row-value comparison); values are always bound.
 */

import { MlflowError } from '../errors.js';

export type Row = Record<string, unknown>;

/** Statements inside one transaction. */
export interface SqlExecutor {
  all<T = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  get<T = Row>(sql: string, params?: readonly unknown[]): Promise<T | undefined>;
  /** Run a statement that returns no rows; resolves to the number of rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  /**
   * Insert many rows of `columns` into `table`, followed by `conflict` (e.g. `ON CONFLICT (a, b)
   * DO NOTHING`); resolves to the number of rows inserted or updated. PostgreSQL sends multi-row
   * VALUES lists, SQLite loops a prepared statement (the fastest way for each).
   */
  insertMany(
    table: string,
    columns: readonly string[],
    rows: readonly unknown[][],
    conflict?: string,
  ): Promise<number>;
}

export interface TransactionOptions {
  /**
   * The transaction writes. SQLite takes the write lock up front (BEGIN IMMEDIATE), so two
   * writers queue on busy_timeout instead of deadlocking on a lock upgrade. PostgreSQL read
   * transactions run REPEATABLE READ READ ONLY so multi-statement reads see one snapshot.
   */
  write: boolean;
  /**
   * Abandon the transaction when this fires (its client went away): statements not yet sent are
   * not sent, and PostgreSQL cancels the one running. The transaction then fails with
   * `queryCancelled()` and is rolled back.
   */
  signal?: AbortSignal;
}

export interface SqlDatabase {
  readonly dialect: 'sqlite' | 'postgresql';
  /**
   * Run `fn` in one transaction: committed when it resolves, rolled back when it throws. Retried
   * from the start on a serialization failure or deadlock (PostgreSQL) or a busy database past
   * busy_timeout (SQLite), so `fn` must have no effects outside the transaction.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options: TransactionOptions): Promise<T>;
  /**
   * Run `fn` in a write transaction that also holds the schema lock, so two processes opening the
   * same database migrate one after the other (SQLite: BEGIN IMMEDIATE; PostgreSQL: a
   * transaction-scoped advisory lock).
   */
  withSchemaLock<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Whether a driver error is a unique-constraint violation (SQLite or PostgreSQL). */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

/** `IN (...)` lists are sent in chunks of this many values, well under both dialects' limits. */
export const IN_CHUNK = 500;

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function placeholders(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}

/** The error of a transaction abandoned through its signal (HTTP 499: nobody is left to read it). */
export function queryCancelled(cause?: unknown): MlflowError {
  return new MlflowError('CANCELLED', 'The request was cancelled before the tracking store answered it', {
    cause,
  });
}

/** The error of a statement stopped by the statement timeout (HTTP 504). */
export function queryTimedOut(timeoutMs: number): MlflowError {
  return new MlflowError(
    'DEADLINE_EXCEEDED',
    `The query ran longer than the tracking store's statement timeout (${timeoutMs} ms) and was stopped. ` +
      'Narrow the search (fewer clauses, experiments or results), or raise MLSHIP_STATEMENT_TIMEOUT_MS.',
  );
}

/** `tx` refusing to send a statement once `signal` has fired. */
export function abortable(tx: SqlExecutor, signal: AbortSignal | undefined): SqlExecutor {
  if (!signal) return tx;
  const check = () => {
    if (signal.aborted) throw queryCancelled();
  };
  return {
    async all<T>(sql: string, params?: readonly unknown[]) {
      check();
      return tx.all<T>(sql, params);
    },
    async get<T>(sql: string, params?: readonly unknown[]) {
      check();
      return tx.get<T>(sql, params);
    },
    async run(sql, params) {
      check();
      return tx.run(sql, params);
    },
    async insertMany(table, columns, rows, conflict) {
      check();
      return tx.insertMany(table, columns, rows, conflict);
    },
  };
}
