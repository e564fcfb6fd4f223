/** Cell failures as nbformat `error` outputs, and as the one line the runner prints. */
import { inspect } from 'node:util';
import type { ErrorOutput } from '../notebook/ipynb.js';
import type { CellError } from '../session.js';

export function errorOutput(error: CellError): ErrorOutput {
  if (error.kind === 'diagnostics') {
    return { output_type: 'error', ename: 'TypeScriptError', evalue: error.lines.join('\n'), traceback: error.lines.map((l) => `TypeScriptError: ${l}`) };
  }
  const value = error.value;
  if (value instanceof Error) {
    // Frames of Node's vm module (which runs the cell), tslab's executor and the runner say nothing about the notebook.
    const frames = (value.stack ?? `${value.name}: ${value.message}`).split('\n');
    const cut = frames.findIndex((line) => /node_modules[\\/]tslab[\\/]|\(node:vm:|at node:vm:/u.test(line));
    return { output_type: 'error', ename: value.name, evalue: value.message, traceback: cut > 0 ? frames.slice(0, cut) : frames };
  }
  const text = inspect(value);
  return { output_type: 'error', ename: 'Thrown', evalue: text, traceback: [`Uncaught ${text}`] };
}

/** `TypeError: boom`, or the TypeScript diagnostics on one line. */
export function describeError(output: ErrorOutput): string {
  return `${output.ename}: ${output.evalue.split('\n').join('; ')}`;
}
