/**
 * What a server command checks before it does anything else: that it can listen where it was told
 * to. A port already taken, a host that is not this machine's or does not resolve, a privileged
 * port — these are the user's to fix, so each is one line naming --host or --port, exit 2, and it
 * comes at once: before stores are opened, migrations run or workers forked (a taken port was
 * found only after all of that, and with --workers only after the workers had died over and over).
 */
import { createServer } from 'node:net';
import { InvalidParameterError } from '../core/errors.js';

/** The clear error for a failed listen, or undefined for an error that is not the user's. */
export function listenError(err: unknown, host: string, port: number): InvalidParameterError | undefined {
  const code = (err as NodeJS.ErrnoException)?.code;
  const where = `${host}:${port}`;
  switch (code) {
    case 'EADDRINUSE':
      return new InvalidParameterError(
        `--port ${port}: ${where} is already in use by another process; stop it or choose another --port`,
      );
    case 'EACCES':
      return new InvalidParameterError(
        `--port ${port}: not allowed to listen on ${where} (ports below 1024 need privileges); choose another --port`,
      );
    case 'EADDRNOTAVAIL':
      return new InvalidParameterError(
        `--host ${host}: not an address of this machine; use 127.0.0.1, 0.0.0.0 or one of its addresses`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return new InvalidParameterError(`--host ${host}: the name does not resolve (${code})`);
    default:
      return undefined;
  }
}

/**
 * Bind host:port and release it at once, so the command fails before any work when it could not
 * listen. The real listen can still lose a race for the port; its error goes through listenError
 * too.
 */
export async function checkCanListen(host: string, port: number): Promise<void> {
  const probe = createServer();
  try {
    await new Promise<void>((ok, ko) => {
      probe.once('error', ko);
      probe.listen({ host, port, exclusive: true }, ok);
    });
  } catch (err) {
    throw listenError(err, host, port) ?? err;
  }
  await new Promise((ok) => probe.close(ok));
}
