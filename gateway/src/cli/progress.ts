/**
 * A one-line progress bar on stderr, drawn only when stderr is a terminal (never into logs, pipes
 * or `--json` consumers' output), at most ten times a second.
 */

export interface Progress {
  advance(bytes: number): void;
  done(): void;
  /** The work stopped (the gateway refused, the file vanished): erase the bar, draw no more, so
   * the error printed next is not overwritten by a frozen bar. */
  fail(): void;
}

export const NO_PROGRESS: Progress = {
  advance: () => undefined,
  done: () => undefined,
  fail: () => undefined,
};

const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
export function formatBytes(n: number): string {
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

export function progressBar(
  label: string,
  total: number | undefined,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  if (!stream.isTTY) return NO_PROGRESS;
  const started = performance.now();
  let seen = 0;
  let lastDraw = 0;
  let stopped = false;
  const draw = (final: boolean): void => {
    if (stopped) return;
    const now = performance.now();
    if (!final && now - lastDraw < 100) return;
    lastDraw = now;
    const seconds = Math.max((now - started) / 1000, 1e-3);
    const rate = `${formatBytes(seen / seconds)}/s`;
    const width = Math.max(10, Math.min(40, (stream.columns || 80) - label.length - 40));
    let line: string;
    if (total && total > 0) {
      const ratio = Math.min(1, seen / total);
      const filled = Math.round(ratio * width);
      line = `${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}% ${formatBytes(seen)} ${rate}`;
    } else {
      line = `${label} ${formatBytes(seen)} ${rate}`;
    }
    stream.write(`\r${line}\x1b[K`);
  };
  return {
    advance(bytes) {
      seen += bytes;
      draw(false);
    },
    done() {
      if (stopped) return;
      draw(true);
      stopped = true;
      stream.write('\n');
    },
    fail() {
      if (stopped) return;
      stopped = true;
      stream.write('\r\x1b[K');
    },
  };
}
