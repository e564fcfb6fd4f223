/**
 * Tables as notebook outputs: HTML for notebooks and reports, the aligned text of
 * `formatTable` for terminals and `text/plain`.
 *
 * @example
 * ```ts
 * import { display, table } from '@s3lab/toolkit';
 * display(table([{ type: 'bridge', recall: 0.117 }], { caption: 'dense @10' }));
 * ```
 */
import { escapeHtml, type Displayable, type MimeBundle } from './mime.js';
import { formatTable, type Row, type TableOptions } from '../core/text-table.js';

export interface HtmlTableOptions extends Omit<TableOptions, 'style'> {
  /** A caption above the table. */
  caption?: string;
}

/** The rows as an HTML `<table>` (numbers right-aligned, fractions with `digits` digits, every cell escaped). */
export function htmlTable(rows: readonly Row[], options: HtmlTableOptions = {}): string {
  const columns = options.columns ?? Object.keys(rows[0] ?? {});
  const digits = options.digits ?? 3;
  const fractional = columns.map((c) => rows.some((row) => typeof row[c] === 'number' && !Number.isInteger(row[c])));
  const numeric = columns.map((c) => rows.length > 0 && rows.every((row) => typeof row[c] === 'number'));
  const align = (i: number): string => (numeric[i] ? ' style="text-align:right"' : ' style="text-align:left"');
  const cell = (value: Row[string], i: number): string =>
    escapeHtml(typeof value === 'number' && fractional[i] ? value.toFixed(digits) : String(value ?? ''));
  const head = columns.map((c, i) => `<th${align(i)}>${escapeHtml(c)}</th>`).join('');
  const body = rows.map((row) => `<tr>${columns.map((c, i) => `<td${align(i)}>${cell(row[c], i)}</td>`).join('')}</tr>`).join('\n');
  const caption = options.caption ? `<caption>${escapeHtml(options.caption)}</caption>` : '';
  return `<table class="s3lab-table">${caption}\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

/** A table to `display`: `text/html` and `text/plain` (the caption, then `formatTable`). */
export function table(rows: readonly Row[], options: HtmlTableOptions = {}): Displayable & { rows: readonly Row[] } {
  return {
    rows,
    toMimeBundle: (): MimeBundle => ({
      'text/plain': `${options.caption ? `${options.caption}\n` : ''}${formatTable(rows, { ...options, style: 'text' })}`,
      'text/html': htmlTable(rows, options),
    }),
  };
}
