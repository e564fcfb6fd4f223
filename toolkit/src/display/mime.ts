/**
 * MIME bundles: what a notebook output is (a map from MIME type to data), and the one
 * interface that tables, plots and progress bars implement to become one.
 *
 * @example
 * ```ts
 * const note: Displayable = { toMimeBundle: () => ({ 'text/plain': 'hi', 'text/html': '<b>hi</b>' }) };
 * ```
 */

import type { ColumnTable } from 'arquero';
import { isArqueroTable } from './data-frame.js';

/** MIME type → data, as in Jupyter's `display_data` (strings, or JSON for `application/*+json`). */
export type MimeBundle = Record<string, unknown>;

/** What the sink that will show a bundle can use, so that a bundle carries only what it needs. */
export interface BundleContext {
  /** The sink has not yet received plotly.js in this session, so a plot's HTML must embed it. */
  embedPlotly: boolean;
}

/** Anything that renders itself as a MIME bundle (tables, plots, progress). */
export interface Displayable {
  toMimeBundle(context: BundleContext): MimeBundle;
}

/**
 * Whether `value` shows as more than text: it renders itself (`Displayable`), or it is an arquero
 * table, which shows as `table(value)` does. The kernel asks this of a cell's last value, so a cell
 * ending with an arquero table shows an HTML table.
 */
export function isDisplayable(value: unknown): value is Displayable | ColumnTable {
  return rendersItself(value) || isArqueroTable(value);
}

/** Whether `value` has its own `toMimeBundle` (a `Displayable`). */
export function rendersItself(value: unknown): value is Displayable {
  return typeof value === 'object' && value !== null && typeof (value as Partial<Displayable>).toMimeBundle === 'function';
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/gu, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}
