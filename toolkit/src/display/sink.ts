/**
 * The display sink: the one seam between the display layer and where outputs go. The kernel
 * installs a sink that sends Jupyter `display_data` / `update_display_data` messages, the
 * headless runner one that records outputs into the executed notebook, and a terminal (the
 * default) prints the `text/plain` part. Work code never knows which one it talks to.
 *
 * The current sink lives on `globalThis` under a registered symbol, not in a module variable:
 * a notebook cell may load a second copy of this module (CommonJS `require` from a cell beside
 * ESM `import` in the runner, or the source build beside `dist/`), and every copy must see the
 * same sink.
 *
 * @example
 * ```ts
 * const shown: MimeBundle[] = [];
 * const previous = setDisplaySink({ name: 'list', rich: true, display: (b) => shown.push(b), update: (b) => shown.push(b) });
 * // … display(table(rows)) …
 * setDisplaySink(previous);
 * ```
 */
import type { MimeBundle } from './mime.js';

export interface DisplaySink {
  /** For messages and tests: `terminal`, `kernel`, `runner`, … */
  readonly name: string;
  /** Whether HTML, plots and live updates are shown; a terminal shows only `text/plain`. */
  readonly rich: boolean;
  /** Shows a new output; `id` names it so that `update` can replace it later. */
  display(bundle: MimeBundle, id: string): void;
  /** Replaces the output shown under `id`. */
  update(bundle: MimeBundle, id: string): void;
}

const KEY = Symbol.for('s3lab.display.sink');
type Registry = { [KEY]?: DisplaySink };

/** Prints `text/plain` to stdout; updates print again (a terminal cannot replace an earlier output). */
export function terminalSink(stream: NodeJS.WritableStream = process.stdout): DisplaySink {
  const write = (bundle: MimeBundle): void => {
    const text = bundle['text/plain'];
    stream.write(`${typeof text === 'string' ? text : JSON.stringify(text)}\n`);
  };
  return { name: 'terminal', rich: false, display: write, update: write };
}

/** The sink outputs go to now: whatever was installed last, or a terminal sink. */
export function currentDisplaySink(): DisplaySink {
  const registry = globalThis as Registry;
  return (registry[KEY] ??= terminalSink());
}

/** Installs `sink` (undefined: back to a terminal) and returns the one it replaces. */
export function setDisplaySink(sink: DisplaySink | undefined): DisplaySink {
  const previous = currentDisplaySink();
  const registry = globalThis as Registry;
  if (sink) registry[KEY] = sink;
  else delete registry[KEY];
  return previous;
}
