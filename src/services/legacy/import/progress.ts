// A one-line progress bar for imports on a terminal: rows, rows/s, percentage and ETA (from bytes read
// against the file size). Redrawn at most a few times a second; silent when the stream is not a TTY.
import type { ImportProgress } from './run-import.js';

export interface ProgressBar {
  update(progress: ImportProgress): void;
  /** Clears the line. */
  done(): void;
}

const WIDTH = 24;

const duration = (seconds: number) => {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
};

/** Formats one progress line (exported for tests). */
export function progressLine(p: ImportProgress, elapsedSeconds: number): string {
  const rate = elapsedSeconds > 0 ? p.rows / elapsedSeconds : 0;
  const fraction = p.totalBytes > 0 ? Math.min(1, p.bytesRead / p.totalBytes) : 0;
  const filled = Math.round(fraction * WIDTH);
  const eta = fraction > 0 && fraction < 1 ? ` ETA ${duration((elapsedSeconds / fraction) * (1 - fraction))}` : '';
  return `[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${Math.floor(fraction * 100)}%  ${p.rows.toLocaleString('en')} rows  ${Math.round(rate).toLocaleString('en')} rows/s${eta}`;
}

/** A progress bar on stream when it is a terminal and enabled; otherwise one that prints nothing. */
export function createProgressBar(stream: NodeJS.WriteStream, enabled: boolean, now: () => number = () => performance.now()): ProgressBar {
  if (!enabled || !stream.isTTY) return { update() {}, done() {} };
  const started = now();
  let last = -Infinity;
  let drawn = false;
  return {
    update(p) {
      const t = now();
      if (t - last < 200 && p.bytesRead < p.totalBytes) return;
      last = t;
      drawn = true;
      stream.write(`\r${progressLine(p, (t - started) / 1000)}\x1b[K`);
    },
    done() {
      if (drawn) stream.write('\r\x1b[K');
      drawn = false;
    },
  };
}
