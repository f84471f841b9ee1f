/** Stream plumbing shared by the network stores. */
import { PassThrough, type Readable } from 'node:stream';

/**
 * Re-emit `source`'s bytes through a new stream whose error, if any, is `map(error)`: a download
 * that dies halfway then fails with the store's one-line message instead of a bare "aborted".
 * Destroying the returned stream (a consumer giving up) destroys the source, releasing its socket.
 *
 * With `idleTimeoutMs`, a source that delivers nothing for that long is destroyed with a
 * TimeoutError, which `map` sees like any other failure.
 */
export function mapStreamErrors(
  source: Readable,
  map: (error: unknown) => Error,
  idleTimeoutMs?: number,
  onIdle?: () => void,
): Readable {
  const out = new PassThrough();
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    if (idleTimeoutMs === undefined) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      onIdle?.();
      const e = Object.assign(new Error(`no data for ${idleTimeoutMs} ms`), { name: 'TimeoutError' });
      source.destroy(e);
    }, idleTimeoutMs);
    // A hung download must not be the only thing keeping the process alive.
    timer.unref();
  };
  source.on('data', arm);
  // A slow consumer is not the source's fault: pipe() pauses the source under backpressure, and
  // the idle clock stops until it resumes.
  source.on('pause', () => clearTimeout(timer));
  source.on('resume', arm);
  source.on('error', (e) => {
    clearTimeout(timer);
    out.destroy(map(e));
  });
  source.on('end', () => clearTimeout(timer));
  out.on('close', () => {
    clearTimeout(timer);
    if (!source.destroyed) source.destroy();
  });
  source.pipe(out);
  arm();
  return out;
}
