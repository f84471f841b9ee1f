/**
 * The little a tracking store needs from a SQL database, implemented once per dialect
 * (sqlite/database.ts over better-sqlite3, postgres/database.ts over a pg Pool), so the store
 * logic (sql-store.ts) is written once. SQL uses `?` placeholders and a subset both dialects
 * accept (ON CONFLICT, RETURNING, row-value comparison); values are always bound.
 */

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
