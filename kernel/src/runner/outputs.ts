/**
 * Where a running notebook's outputs go: the cell being executed. Stream writes (stdout,
 * stderr) are merged into the cell's last stream output of the same name, as Jupyter does;
 * display outputs keep their display id so that an update replaces them in place, in
 * whichever cell they were shown (Jupyter's `update_display_data` semantics).
 */
import type { DisplaySink, MimeBundle } from '@s3lab/toolkit';
import type { Cell, DataOutput, Output } from '../notebook/ipynb.js';

export class OutputCollector {
  #cell: Cell | undefined;
  readonly #shown = new Map<string, DataOutput[]>();

  /** Outputs go to `cell` from now on (it keeps receiving late writes until the next cell starts). */
  setCell(cell: Cell): void {
    cell.outputs ??= [];
    this.#cell = cell;
  }

  #outputs(): Output[] | undefined {
    return this.#cell?.outputs;
  }

  stream(name: 'stdout' | 'stderr', text: string): void {
    const outputs = this.#outputs();
    if (!outputs || text === '') return;
    const last = outputs[outputs.length - 1];
    if (last?.output_type === 'stream' && last.name === name) last.text += text;
    else outputs.push({ output_type: 'stream', name, text });
  }

  data(output: DataOutput, id?: string): void {
    this.#outputs()?.push(output);
    if (id !== undefined) this.#shown.set(id, [...(this.#shown.get(id) ?? []), output]);
  }

  update(bundle: MimeBundle, id: string): void {
    for (const output of this.#shown.get(id) ?? []) output.data = bundle;
  }

  error(output: Output): void {
    this.#outputs()?.push(output);
  }

  /** The display sink of a headless run: rich (HTML, plots, live updates land in the notebook). */
  sink(): DisplaySink {
    return {
      name: 'runner',
      rich: true,
      display: (bundle, id) => this.data({ output_type: 'display_data', data: bundle, metadata: {} }, id),
      update: (bundle, id) => this.update(bundle, id),
    };
  }
}

type Write = typeof process.stdout.write;

/**
 * Sends `process.stdout` / `process.stderr` writes to the collector until the returned function
 * restores them (the same redirection tslab's kernel does, since cells write to the process's own streams).
 */
export function captureStreams(collector: OutputCollector): () => void {
  const saved: [NodeJS.WriteStream, Write][] = [[process.stdout, process.stdout.write], [process.stderr, process.stderr.write]];
  const redirect = (name: 'stdout' | 'stderr'): Write =>
    ((chunk: string | Uint8Array, encoding?: unknown, callback?: unknown) => {
      collector.stream(name, typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const done = typeof encoding === 'function' ? encoding : callback;
      if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
      return true;
    }) as Write;
  process.stdout.write = redirect('stdout');
  process.stderr.write = redirect('stderr');
  return () => {
    for (const [stream, write] of saved) stream.write = write;
  };
}
