/**
 * The PostgreSQL the tests use: 127.0.0.1:5432, trust auth, user postgres (override with
 * MLSHIP_TEST_POSTGRES_URL). Each suite works in databases of its own, created here and dropped
 * after, so runs never collide. PostgreSQL tests may skip only when CI is unset and no server
 * answers; under CI they run, and fail if the server is missing.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const POSTGRES_URL =
  process.env.MLSHIP_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

/** Whether to run the PostgreSQL variants: a server answers, or CI demands them. */
export async function postgresAvailable(): Promise<boolean> {
  if (process.env.CI) return true;
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Run `fn` with a client on the maintenance database. */
export async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface ScratchDatabase {
  name: string;
  uri: string;
  drop(): Promise<void>;
}

/** A new, empty database named `<prefix>_<random>`. */
export async function createScratchDatabase(prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await withAdmin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    name,
    uri: url.toString(),
    drop: () =>
      withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}
