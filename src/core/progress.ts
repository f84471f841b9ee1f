/**
 * A one-line progress bar on stderr, drawn only when stderr is a terminal (so logs, pipes and CI
 * stay clean). Redraws are throttled to ~10 per second.
 */
export interface Progress {
  update(done: number, detail?: string): void;
  /** Draw the final state (done defaults to total) and end the line. */
  finish(done?: number, detail?: string): void;
}

const NOOP: Progress = { update() {}, finish() {} };

export function createProgress(
  label: string,
  total: number,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  if (!stream.isTTY) return NOOP;
  let last = 0;
  const width = 30;
  const draw = (done: number, detail?: string) => {
    const frac = total > 0 ? Math.min(1, done / total) : 1;
    const filled = Math.round(frac * width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    stream.write(`\r\x1b[2K${label} ${bar} ${done}/${total}${detail ? `  ${detail}` : ''}`);
  };
  return {
    update(done, detail) {
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      draw(done, detail);
    },
    finish(done = total, detail) {
      draw(done, detail);
      stream.write('\n');
    },
  };
}
