/**
 * How every command ends: machine output on stdout, one line of reason on stderr and a non-zero
 * exit on failure. MlshipError kinds map to exit codes (2 = the input was wrong); anything else
 * is a bug and exits 1 with its stack when MLSHIP_DEBUG is set.
 */
import { MlshipError } from '../core/errors.js';

export function fail(err: unknown): never {
  if (err instanceof MlshipError) {
    process.stderr.write(`mlship: ${err.message}\n`);
    if (process.env.MLSHIP_DEBUG) process.stderr.write(`${err.stack}\n`);
    process.exit(err.exitCode);
  }
  const e = err as Error;
  process.stderr.write(`mlship: internal error: ${e?.message ?? String(err)}\n`);
  if (process.env.MLSHIP_DEBUG) process.stderr.write(`${e?.stack}\n`);
  process.exit(1);
}

/** Wrap a command action so that any error ends the process with fail(). */
export function action<A extends unknown[]>(
  fn: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      fail(err);
    }
  };
}
