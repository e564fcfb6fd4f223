/**
 * Progress that follows the display sink: in a notebook (kernel or headless runner) one output
 * that updates in place (`update_display_data`), on a terminal the bar of `terminalProgress`.
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

export interface DisplayProgressOptions {
  /** Minimum milliseconds between two updates of the output (default 250): updates are messages. */
  intervalMs?: number;
}

/** `total` undefined (work of unknown size) shows the count and the rate only. */
export function displayProgress(label: string, total: number | undefined, options: DisplayProgressOptions = {}): Progress {
  if (!currentDisplaySink().rich) return terminalProgress(label, total);
  const intervalMs = options.intervalMs ?? 250;
  const started = Date.now();
  let count = 0;
  let last = started;
  const bundle = (): MimeBundle => progressBundle(label, count, total, (Date.now() - started) / 1000);
  const shown = liveDisplay({ toMimeBundle: bundle });
  return {
    tick(n = 1) {
      count += n;
      const now = Date.now();
      if (now - last < intervalMs) return;
      last = now;
      shown.update({ toMimeBundle: bundle });
    },
    done() {
      if (total !== undefined) count = Math.max(count, total);
      shown.update({ toMimeBundle: bundle });
    },
  };
}

/** `displayProgress` as the `OnProgress(done, total)` callback that work functions take. */
export function displayProgressCallback(label: string, options: DisplayProgressOptions = {}): OnProgress & { finish(): void } {
  let progress: Progress | undefined;
  let reported = 0;
  const callback = (done: number, total: number | undefined): void => {
    progress ??= displayProgress(label, total, options);
    progress.tick(done - reported);
    reported = done;
  };
  return Object.assign(callback, { finish: () => progress?.done() });
}

/** One state of a progress output: a text line and an HTML `<progress>` bar. */
export function progressBundle(label: string, count: number, total: number | undefined, seconds: number): MimeBundle {
  const rate = seconds > 0 ? count / seconds : 0;
  const time = `${seconds.toFixed(1)} s`;
  if (total === undefined) {
    const text = `${label} ${count} (${Math.round(rate)}/s) ${time}`;
    return { 'text/plain': text, 'text/html': `<div class="s3lab-progress">${escapeHtml(text)}</div>` };
  }
  const percent = total > 0 ? Math.min(100, (100 * count) / total) : 100;
  const text = `${label} ${count}/${total} (${percent.toFixed(0)}%) ${time}`;
  return {
    'text/plain': text,
    'text/html': `<div class="s3lab-progress"><progress value="${count}" max="${total}" style="width:20em"></progress> ${escapeHtml(text)}</div>`,
  };
}
