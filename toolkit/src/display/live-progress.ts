/**
 * Progress that follows the display sink: in a notebook (kernel or headless runner) one output
 * that updates in place (`update_display_data`) while the work runs, on a terminal the bar of
 * `terminalProgress`.
 *
 * Each state is a MIME bundle: `text/plain` and `text/html` for people, and
 * `application/vnd.s3lab.progress+json` (`ProgressState`) for programs: `s3lab run` mirrors it
 * to the terminal while a cell runs.
 *
 * @example
 * ```ts
 * import { displayProgress } from '@s3lab/toolkit';
 * const progress = displayProgress('encoding passages', 2000);
 * for (let i = 0; i < 2000; i += 100) progress.tick(100);
 * progress.done();
 * ```
 */
import { escapeHtml, type MimeBundle } from './mime.js';
import { terminalProgress, type OnProgress, type Progress } from './progress.js';
import { liveDisplay } from './show.js';
import { currentDisplaySink } from './sink.js';

/** The MIME type of a progress state in a progress output's bundle. */
export const PROGRESS_MIME = 'application/vnd.s3lab.progress+json';

/** One state of a progress output, as `PROGRESS_MIME` data. */
export interface ProgressState {
  label: string;
  done: number;
  /** null: work of unknown size. */
  total: number | null;
  /** Seconds since the work started. */
  seconds: number;
  /** The last state (`done()` was called). */
  finished: boolean;
}

export interface DisplayProgressOptions {
  /** Minimum milliseconds between two updates of the output (default 250): updates are messages. */
  intervalMs?: number;
  /** When the work started (`Date.now()` milliseconds; default: now), which elapsed time counts from. */
  startedAt?: number;
}

/** A progress whose size may become known after it started (`report(done, total)`). */
interface LiveProgress extends Progress {
  report(done: number, total: number | undefined): void;
}

/** `total` undefined (work of unknown size) shows the count and the rate only. */
export function displayProgress(label: string, total: number | undefined, options: DisplayProgressOptions = {}): Progress {
  if (!currentDisplaySink().rich) return terminalProgress(label, total, options.startedAt === undefined ? {} : { startedAt: options.startedAt });
  return liveProgress(label, total, options);
}

/**
 * `displayProgress` as the `OnProgress(done, total)` callback that work functions take. The
 * output is shown, and the clock started, when the callback is made, not at the first report:
 * work that reports rarely (a BM25 build reports every 10,000 passages, and at the end) still
 * shows that it runs, and its elapsed time counts from its start.
 */
export function displayProgressCallback(label: string, options: DisplayProgressOptions = {}): OnProgress & { finish(): void } {
  const startedAt = options.startedAt ?? Date.now();
  if (!currentDisplaySink().rich) {
    // A terminal prints lines: nothing to show before the first report, but the clock runs from now.
    let progress: Progress | undefined;
    let reported = 0;
    const callback = (done: number, total: number | undefined): void => {
      progress ??= terminalProgress(label, total, { startedAt });
      progress.tick(done - reported);
      reported = done;
    };
    return Object.assign(callback, { finish: () => progress?.done() });
  }
  const progress = liveProgress(label, undefined, { ...options, startedAt });
  return Object.assign((done: number, total: number | undefined) => progress.report(done, total), { finish: () => progress.done() });
}

function liveProgress(label: string, total: number | undefined, options: DisplayProgressOptions): LiveProgress {
  const intervalMs = options.intervalMs ?? 250;
  const started = options.startedAt ?? Date.now();
  let count = 0;
  let size = total;
  let last = Date.now();
  const state = (finished: boolean) => ({ toMimeBundle: (): MimeBundle => progressBundle(label, count, size, (Date.now() - started) / 1000, finished) });
  const shown = liveDisplay(state(false));
  const redraw = (force: boolean): void => {
    const now = Date.now();
    if (!force && now - last < intervalMs) return;
    last = now;
    shown.update(state(false));
  };
  return {
    tick(n = 1) {
      count += n;
      redraw(false);
    },
    report(done, reportedTotal) {
      const sized = size === undefined && reportedTotal !== undefined;
      count = done;
      if (reportedTotal !== undefined) size = reportedTotal;
      redraw(sized); // the first known size is worth a message: the bar appears
    },
    done() {
      if (size !== undefined) count = Math.max(count, size);
      shown.update(state(true));
    },
  };
}

/** One state of a progress output: a text line, an HTML `<progress>` bar and the `ProgressState`. */
export function progressBundle(label: string, count: number, total: number | undefined, seconds: number, finished = false): MimeBundle {
  const rate = seconds > 0 ? count / seconds : 0;
  const time = `${seconds.toFixed(1)} s`;
  const data: ProgressState = { label, done: count, total: total ?? null, seconds: Math.round(seconds * 1000) / 1000, finished };
  if (total === undefined) {
    // Finished without a size: work that reported nothing (an index found on disk) says so rather than "0 (0/s)".
    const text = !finished ? `${label} ${count} (${Math.round(rate)}/s) ${time}` : count > 0 ? `${label} ${count} done (${Math.round(rate)}/s) ${time}` : `${label}: nothing to do ${time}`;
    return { 'text/plain': text, 'text/html': `<div class="s3lab-progress">${escapeHtml(text)}</div>`, [PROGRESS_MIME]: data };
  }
  const percent = total > 0 ? Math.min(100, (100 * count) / total) : 100;
  const text = `${label} ${count}/${total} (${percent.toFixed(0)}%) ${time}`;
  return {
    'text/plain': text,
    'text/html': `<div class="s3lab-progress"><progress value="${count}" max="${total}" style="width:20em"></progress> ${escapeHtml(text)}</div>`,
    [PROGRESS_MIME]: data,
  };
}
