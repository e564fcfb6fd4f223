/**
 * Tables as notebook outputs: HTML for notebooks and reports, the aligned text of
 * `formatTable` for terminals and `text/plain`. A table is made from plain row objects or from
 * an arquero table (see `data-frame.ts`), which shows the same way.
 *
 * @example
 * ```ts
 * import * as aq from 'arquero';
 * import { display, table } from '@s3lab/toolkit';
 * display(table([{ type: 'bridge', recall: 0.117 }], { caption: 'dense @10' }));
 * display(table(aq.from([{ type: 'bridge', recall: 0.117 }]), { caption: 'the same, from an arquero table' }));
 * ```
 */
import { escapeHtml, type Displayable, type MimeBundle } from './mime.js';
import type { ColumnTable } from 'arquero';
import { arqueroRows, DEFAULT_TABLE_ROWS, isArqueroTable } from './data-frame.js';
import { formatTable, type Row, type TableOptions } from '../core/text-table.js';

export interface HtmlTableOptions extends Omit<TableOptions, 'style'> {
  /** A caption above the table. */
  caption?: string;
  /**
   * Rows shown at most; the caption says how many were left out. Default: every row of a row
   * array (a result chosen to be shown whole), `DEFAULT_TABLE_ROWS` of an arquero table (which
   * may be a whole data set).
   */
  maxRows?: number;
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

/**
 * A table to `display`: `text/html` and `text/plain` (the caption, then `formatTable`), from row
 * objects or from an arquero table (its columns in order, its `filter` and `orderby` applied).
 * `rows` are the rows shown.
 */
export function table(source: readonly Row[] | ColumnTable, options: HtmlTableOptions = {}): Displayable & { rows: readonly Row[] } {
  const { rows, columns, note } = isArqueroTable(source)
    ? arqueroRows(source, options.maxRows ?? DEFAULT_TABLE_ROWS)
    : limitRows(source, options.maxRows);
  const caption = [options.caption, note && (options.caption ? `(${note})` : note)].filter(Boolean).join(' ');
  const shown: HtmlTableOptions = { ...options, ...(columns ? { columns: options.columns ?? columns } : {}), caption };
  return {
    rows,
    toMimeBundle: (): MimeBundle => ({
      'text/plain': `${caption ? `${caption}\n` : ''}${formatTable(rows, { ...shown, style: 'text' })}`,
      'text/html': htmlTable(rows, shown),
    }),
  };
}

function limitRows(rows: readonly Row[], maxRows: number | undefined): { rows: readonly Row[]; columns?: string[]; note: string } {
  if (maxRows === undefined || rows.length <= maxRows) return { rows, note: '' };
  return { rows: rows.slice(0, maxRows), note: `first ${maxRows.toLocaleString('en')} of ${rows.length.toLocaleString('en')} rows` };
}
