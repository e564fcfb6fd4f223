/**
 * The kernel's display sink: a MIME bundle becomes a Jupyter `display_data` message on the
 * iopub channel of the request being executed, an update an `update_display_data` message
 * with the same `display_id` (so a progress bar redraws in place). It goes through tslab's
 * `lastWriteDisplayData`, the writer tslab sets for each execute request.
 */
import type { DisplaySink, MimeBundle } from '@s3lab/toolkit';
import { tslabJupyter } from '../tslab.js';

export function kernelSink(): DisplaySink {
  const send = (bundle: MimeBundle, id: string, update: boolean): void => {
    const write = tslabJupyter().lastWriteDisplayData;
    if (!write) {
      // No request executing yet (output during start-up): nowhere to send it but the log.
      process.stderr.write(`${String(bundle['text/plain'] ?? '')}\n`);
      return;
    }
    write({ data: bundle as Record<string, string>, metadata: {}, transient: { display_id: id } } as Parameters<typeof write>[0], update);
  };
  return {
    name: 'kernel',
    rich: true,
    display: (bundle, id) => send(bundle, id, false),
    update: (bundle, id) => send(bundle, id, true),
  };
}
