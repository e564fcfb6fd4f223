/**
 * The kernel's display sink: a MIME bundle becomes a Jupyter `display_data` message on IOPub,
 * parented to the execute request being run, and an update an `update_display_data` message
 * with the same `transient.display_id` (so a progress bar redraws in place while the cell runs).
 *
 * @example
 * ```ts
 * setDisplaySink(kernelSink(router)); // display(table(rows)) in a cell now sends display_data
 * ```
 */
import type { DisplaySink, MimeBundle } from '@s3lab/toolkit';
import type { IopubRouter } from './iopub.js';

export function kernelSink(router: IopubRouter, log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): DisplaySink {
  const send = (bundle: MimeBundle, id: string, update: boolean): void => {
    // Output during start-up, before any request: nowhere to send it but the kernel's log.
    if (!router.active) log(String(bundle['text/plain'] ?? ''));
    else router.display(bundle, id, update);
  };
  return {
    name: 'kernel',
    rich: true,
    display: (bundle, id) => send(bundle, id, false),
    update: (bundle, id) => send(bundle, id, true),
  };
}
