/**
 * Fails the test run when a file handle is left for the garbage collector to close (Node's
 * "Closing file descriptor N on garbage collection", DEP0137): a stream opened and never read or
 * destroyed, or a FileHandle never closed. The warning alone scrolled by unnoticed (issue 8); as an
 * error, vitest reports it with the test file that was running.
 */
const installed = Symbol.for('mlship.test.fdLeakGuard');
const registry = globalThis as { [installed]?: boolean };

if (!registry[installed]) {
  registry[installed] = true;
  process.on('warning', (warning) => {
    if (/Closing file descriptor \d+ on garbage collection/.test(warning.message)) {
      throw new Error(
        `${warning.message}: a file handle was left open (a stream never consumed or destroyed, or a FileHandle never closed)`,
      );
    }
  });
}
