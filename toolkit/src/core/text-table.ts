/**
 * Plain-text tables for terminals and logs (the kernel renders the same rows as HTML).
 *
 * @example
 * ```ts
 * console.log(formatTable([{ type: 'bridge', recall: 0.83 }]));
 * ```
 */
export type Row = Record<string, string | number | boolean | null | undefined>;

export interface TableOptions {
  /** Digits after the point for non-integer numbers (default 3). */
  digits?: number;
  /** Column order; defaults to the keys of the first row. */
  columns?: string[];
  /** `text` (aligned columns, the default) or `markdown` (a GitHub-flavoured pipe table). */
  style?: 'text' | 'markdown';
}

export function formatTable(rows: readonly Row[], options: TableOptions = {}): string {
  const columns = options.columns ?? Object.keys(rows[0] ?? {});
  const digits = options.digits ?? 3;
  // A column with any fraction shows every number with the same digits, so that 0 reads 0.000 beside 0.943.
  const fractional = columns.map((c) => rows.some((row) => typeof row[c] === 'number' && !Number.isInteger(row[c])));
  const cell = (value: Row[string], i: number): string =>
    typeof value === 'number' && fractional[i] ? value.toFixed(digits) : String(value ?? '');
  const body = rows.map((row) => columns.map((c, i) => cell(row[c], i)));
  const widths = columns.map((c, i) => Math.max(c.length, ...body.map((r) => (r[i] as string).length)));
  const numeric = columns.map((c) => rows.every((row) => typeof row[c] === 'number'));
  const pad = (text: string, i: number): string => (numeric[i] ? text.padStart(widths[i] as number) : text.padEnd(widths[i] as number));
  if (options.style === 'markdown') {
    const line = (cells: string[]): string => `| ${cells.map(pad).join(' | ')} |`;
    const rule = `|${widths.map((w, i) => (numeric[i] ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
    return [line(columns), rule, ...body.map(line)].join('\n');
  }
  const line = (cells: string[]): string => cells.map(pad).join('  ').trimEnd();
  return [line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}
