/**
 * `display(value)`: shows a table, a plot, text or any value through the current sink.
 * `liveDisplay(value)` does the same and returns a handle that replaces that output later
 * (live progress, a growing table). `display` returns nothing on purpose: a notebook cell that
 * ends with it shows the output, not a handle.
 *
 * @example
 * ```ts
 * import * as aq from 'arquero';
 * import { display, liveDisplay, table } from '@s3lab/toolkit';
 * display(table([{ type: 'bridge', recall: 0.117 }]));
 * display(aq.from([{ type: 'bridge', recall: 0.117 }])); // an arquero table shows as table(…) does
 * const shown = liveDisplay(table([{ step: 1, reward: 0.1 }]));
 * shown.update(table([{ step: 1, reward: 0.1 }, { step: 2, reward: 0.3 }]));
 * ```
 */
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { isArqueroTable } from './data-frame.js';
import { table } from './html-table.js';
import { rendersItself, type Displayable, type MimeBundle } from './mime.js';
import { PLOTLY_MIME } from './plot.js';
import { currentDisplaySink, type DisplaySink } from './sink.js';

export interface DisplayHandle {
  /** The display id (Jupyter's `transient.display_id`). */
  readonly id: string;
  /** Replaces the output with `value`. */
  update(value: unknown): void;
}

// Sinks that already received plotly.js (in the HTML of an earlier plot), so later plots skip its 4.8 MB.
const plotlySent = new WeakSet<DisplaySink>();

/**
 * The bundle `value` shows as: its own for a `Displayable`, `table(value)`'s for an arquero table,
 * `text/plain` for a string, `util.inspect` otherwise.
 */
export function toMimeBundle(value: unknown, sink: DisplaySink = currentDisplaySink()): MimeBundle {
  if (rendersItself(value)) {
    const bundle = value.toMimeBundle({ embedPlotly: sink.rich && !plotlySent.has(sink) });
    if (PLOTLY_MIME in bundle && sink.rich) plotlySent.add(sink);
    return bundle;
  }
  if (isArqueroTable(value)) return table(value).toMimeBundle({ embedPlotly: false });
  return { 'text/plain': typeof value === 'string' ? value : inspect(value, { depth: 4, colors: false }) };
}

/** Shows `value` as a new output of the current sink. */
export function display(value: Displayable | unknown): void {
  liveDisplay(value);
}

/** Shows `value` as a new output of the current sink, and returns the handle that replaces it. */
export function liveDisplay(value: Displayable | unknown): DisplayHandle {
  const sink = currentDisplaySink();
  const id = randomBytes(8).toString('hex');
  sink.display(toMimeBundle(value, sink), id);
  return { id, update: (next: unknown) => sink.update(toMimeBundle(next, sink), id) };
}
