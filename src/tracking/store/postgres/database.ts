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
 */
import pg from 'pg';
import type { SqlDatabase, SqlExecutor, TransactionOptions } from '../db.js';

export interface PostgresOptions {
  /** Pool size (default 16). */
  maxConnections?: number;
}

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
  private closed = false;

  constructor(connectionString: string, options: PostgresOptions = {}) {
    this.pool = new pg.Pool({ connectionString, max: options.maxConnections ?? 16, types });
    // An idle client losing its connection is reported on the pool; without a listener Node
    // would crash the server. The next query gets a fresh connection.
    this.pool.on('error', () => undefined);
  }

  private async run<T>(begin: string, fn: (tx: SqlExecutor) => Promise<T>, lock?: string): Promise<T> {
    if (this.closed) throw new Error('the tracking store is closed');
    for (let attempt = 0; ; attempt++) {
      const client = await this.pool.connect();
      let broken = false;
      try {
        await client.query(begin);
        if (lock) await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lock]);
        const result = await fn(executor(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true; // the connection is gone; do not return it to the pool
        }
        const code = (err as { code?: string }).code;
        if (code && RETRYABLE.has(code) && attempt < 8) {
          await new Promise((r) => setTimeout(r, Math.random() * 10 * 2 ** attempt));
          continue;
        }
        throw err;
      } finally {
        client.release(broken);
      }
    }
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options: TransactionOptions): Promise<T> {
    return this.run(options.write ? 'BEGIN' : 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', fn);
  }

  withSchemaLock<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.run('BEGIN', fn, 'mlship tracking schema');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
