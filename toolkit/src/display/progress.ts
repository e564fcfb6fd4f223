/**
 * Progress for long work in a terminal: a redrawn bar on a TTY, plain lines otherwise
 * (CI logs, pipes), so that logs stay readable and still show that work is moving.
 *
 * @example
 * ```ts
 * const progress = terminalProgress('passages', 20000);
 * for (let i = 0; i < 20000; i++) progress.tick();
 * progress.done();
 * ```
 */
import type { WriteStream } from 'node:tty';

export interface Progress {
  /** Advance by `n` units (default 1). */
  tick(n?: number): void;
  /** Finish: draw the final state and a newline. */
  done(): void;
}

/** A callback work functions accept, so that they report progress without knowing the display. */
export type OnProgress = (done: number, total: number | undefined) => void;

export interface TerminalProgressOptions {
  stream?: NodeJS.WriteStream | WriteStream;
  /** Minimum milliseconds between two redraws (TTY) or two lines (plain). */
  intervalMs?: number;
  /** Force the plain-line mode even on a TTY. */
  plain?: boolean;
  /** When the work started (`Date.now()` milliseconds; default: now), which elapsed time and rates count from. */
  startedAt?: number;
}

/** `total` undefined (streaming work of unknown size) shows the count and the rate, with no bar or ETA. */
export function terminalProgress(label: string, total: number | undefined, options: TerminalProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const plain = options.plain ?? !stream.isTTY;
  const intervalMs = options.intervalMs ?? (plain ? 2000 : 100);
  const started = options.startedAt ?? Date.now();
  let count = 0;
  let lastDraw = 0;

  const line = (): string => {
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? count / seconds : 0;
    if (total === undefined) return `${label} ${count} (${Math.round(rate)}/s) ${formatSeconds(seconds)}`;
    const percent = total > 0 ? Math.min(100, (100 * count) / total) : 100;
    const eta = rate > 0 && total > count ? ` eta ${formatSeconds((total - count) / rate)}` : '';
    const bar = plain ? '' : `[${'#'.repeat(Math.round(percent / 5)).padEnd(20, '.')}] `;
    return `${label} ${bar}${count}/${total} (${percent.toFixed(0)}%) ${formatSeconds(seconds)}${eta}`;
  };
  const draw = (force: boolean): void => {
    const now = Date.now();
    if (!force && now - lastDraw < intervalMs) return;
    lastDraw = now;
    stream.write(plain ? `${line()}\n` : `\r${line()}\x1b[K`);
  };

  return {
    tick(n = 1) {
      count += n;
      draw(false);
    },
    done() {
      if (total !== undefined) count = Math.max(count, total);
      stream.write(plain ? `${line()}\n` : `\r${line()}\x1b[K\n`);
    },
  };
}

/**
 * Adapts a terminal progress to the `OnProgress` callback that work functions take. Nothing is
 * printed before the first report, but elapsed time counts from when the callback was made
 * (work that reports only at its end must not read "0.0s").
 */
export function progressCallback(label: string, options: TerminalProgressOptions = {}): OnProgress & { finish(): void } {
  const startedAt = options.startedAt ?? Date.now();
  let progress: Progress | undefined;
  let reported = 0;
  const callback = (done: number, total: number | undefined): void => {
    progress ??= terminalProgress(label, total, { ...options, startedAt });
    progress.tick(done - reported);
    reported = done;
  };
  return Object.assign(callback, { finish: () => progress?.done() });
}

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m${Math.round(seconds - minutes * 60).toString().padStart(2, '0')}s`;
}
