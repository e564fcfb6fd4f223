/**
 * `s3lab run` on a terminal: the progress outputs of the running cell (the toolkit's progress
 * bundles, which carry a `application/vnd.s3lab.progress+json` state) mirrored to stderr while
 * the cell runs, so that a long cell is not silent. On a TTY one line is redrawn in place (a
 * bar, the count, elapsed time, an ETA); otherwise (CI logs, pipes) a plain line is printed when
 * a progress appears, at most every `intervalMs` while it advances, and when it finishes.
 * A cell that reports no progress gets a "still running" line after `quietMs` of silence
 * (when the event loop is free to notice: a cell that blocks it cannot be watched from inside).
 *
 * @example
 * ```ts
 * const mirror = new ProgressMirror({ write: (text) => process.stderr.write(text), tty: false });
 * setDisplaySink(mirrorProgress(collector.sink(), mirror)); // the notebook still gets every output
 * ```
 */
import type { DisplaySink, MimeBundle } from '@s3lab/toolkit';

// The toolkit's PROGRESS_MIME (display/live-progress.ts); spelled out because the toolkit's public face does not export it.
export const PROGRESS_MIME = 'application/vnd.s3lab.progress+json';

interface ProgressState {
  label: string;
  done: number;
  total: number | null;
  seconds: number;
  finished: boolean;
}

export interface ProgressMirrorOptions {
  /** Where lines go (the real stderr: the runner captures process.stderr into the notebook during a cell). */
  write: (text: string) => void;
  /** Redraw one line in place (a terminal) rather than print lines. */
  tty: boolean;
  /** Minimum milliseconds between two lines (plain) or two redraws (TTY); default 2000 plain, 100 TTY. */
  intervalMs?: number;
  /** Milliseconds without a line after which `heartbeat` says the cell is still running; default 30000. */
  quietMs?: number;
  /** The clock (tests). */
  now?: () => number;
}

export class ProgressMirror {
  readonly #options: ProgressMirrorOptions;
  readonly #intervalMs: number;
  readonly #now: () => number;
  /** When each progress (by display id) was last written, and whether its final state was. */
  readonly #written = new Map<string, { at: number; finished: boolean }>();
  /** The display id whose line is drawn, unfinished, on the TTY (the cursor is at its end). */
  #drawn: string | undefined;
  #cellStarted = 0;
  #lastWrite = 0;

  constructor(options: ProgressMirrorOptions) {
    this.#options = options;
    this.#intervalMs = options.intervalMs ?? (options.tty ? 100 : 2000);
    this.#now = options.now ?? Date.now;
  }

  /** A cell starts: the silence that `heartbeat` measures starts now. */
  startCell(): void {
    this.release();
    this.#cellStarted = this.#lastWrite = this.#now();
  }

  /** Called periodically while a cell runs: after `quietMs` without a line, says that the cell still runs. */
  heartbeat(): void {
    const now = this.#now();
    if (this.#cellStarted === 0 || now - this.#lastWrite < (this.#options.quietMs ?? 30_000)) return;
    this.release();
    this.#write(`  (still running: ${formatSeconds((now - this.#cellStarted) / 1000)})\n`);
  }

  #write(text: string): void {
    this.#lastWrite = this.#now();
    this.#options.write(text);
  }

  /** A display or update of output `id`; anything but a progress state is ignored. */
  observe(bundle: MimeBundle, id: string): void {
    const state = progressState(bundle[PROGRESS_MIME]);
    if (!state) return;
    const now = this.#now();
    const written = this.#written.get(id);
    if (written?.finished) return;
    const due = !written || state.finished || now - written.at >= this.#intervalMs;
    if (!due) return;
    this.#written.set(id, { at: now, finished: state.finished });
    if (!this.#options.tty) {
      this.#write(`  ${progressLine(state, false)}\n`);
      return;
    }
    // Another bar's unfinished line stays as it was; this one starts below it.
    if (this.#drawn !== undefined && this.#drawn !== id) this.#options.write('\n');
    this.#write(`\r  ${progressLine(state, true)}\x1b[K${state.finished ? '\n' : ''}`);
    this.#drawn = state.finished ? undefined : id;
  }

  /** Ends a line left open on the TTY, before other output (the next cell's line) is printed. */
  release(): void {
    if (this.#drawn !== undefined) this.#options.write('\n');
    this.#drawn = undefined;
  }
}

/** The sink `sink` with every output also shown to `mirror`. */
export function mirrorProgress(sink: DisplaySink, mirror: ProgressMirror): DisplaySink {
  return {
    name: sink.name,
    rich: sink.rich,
    display: (bundle, id) => {
      sink.display(bundle, id);
      mirror.observe(bundle, id);
    },
    update: (bundle, id) => {
      sink.update(bundle, id);
      mirror.observe(bundle, id);
    },
  };
}

/** `label [#####...............] 640/2000 (32%) 3.1s eta 6.6s`; the bar only on a TTY. */
export function progressLine(state: ProgressState, bar: boolean): string {
  const { label, done, total, seconds } = state;
  const rate = seconds > 0 ? done / seconds : 0;
  if (total === null) {
    if (!state.finished) return `${label} ${done} (${Math.round(rate)}/s) ${formatSeconds(seconds)}`;
    return done > 0 ? `${label} ${done} done (${Math.round(rate)}/s) ${formatSeconds(seconds)}` : `${label}: nothing to do ${formatSeconds(seconds)}`;
  }
  const percent = total > 0 ? Math.min(100, (100 * done) / total) : 100;
  const eta = !state.finished && rate > 0 && total > done ? ` eta ${formatSeconds((total - done) / rate)}` : '';
  const drawn = bar ? `[${'#'.repeat(Math.round(percent / 5)).padEnd(20, '.')}] ` : '';
  return `${label} ${drawn}${done}/${total} (${percent.toFixed(0)}%) ${formatSeconds(seconds)}${eta}`;
}

function progressState(value: unknown): ProgressState | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const s = value as Partial<ProgressState>;
  if (typeof s.label !== 'string' || typeof s.done !== 'number' || typeof s.seconds !== 'number') return undefined;
  return { label: s.label, done: s.done, total: typeof s.total === 'number' ? s.total : null, seconds: s.seconds, finished: s.finished === true };
}

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m${Math.round(seconds - minutes * 60).toString().padStart(2, '0')}s`;
}
