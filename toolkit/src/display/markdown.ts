/**
 * Markdown as a notebook output: what a cell computed, said in sentences. Prose in a markdown cell
 * is fixed text, so numbers that depend on the run's parameters (a smoke run, another seed) belong
 * in an output like this one, written from the cell's own results.
 *
 * @example
 * ```ts
 * import { display, markdown } from '@s3lab/toolkit';
 * const n = 6;
 * display(markdown(`**As run here:** ${n} test questions, seed 1.`));
 * ```
 */
import type { Displayable, MimeBundle } from './mime.js';

/** A `text/markdown` output (Jupyter and the HTML report render it), with the same text as `text/plain` for terminals. */
export function markdown(text: string): Displayable & { text: string } {
  return { text, toMimeBundle: (): MimeBundle => ({ 'text/markdown': text, 'text/plain': text }) };
}
