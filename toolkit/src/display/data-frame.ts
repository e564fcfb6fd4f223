/**
 * Arquero tables (the data frames of UW IDL / Observable: `groupby`, `rollup`, `pivot`, `derive`,
 * joins) as display rows. s3lab uses arquero rather than danfojs because danfojs cannot install
 * here (it fetches a dependency from a CDN at install time and brings a second tfjs).
 *
 * A table is recognised by its methods rather than by `instanceof`, so that a table made by another
 * copy of arquero (a notebook's own install, another version) displays too; only arquero's types
 * are imported here.
 *
 * @example
 * ```ts
 * import * as aq from 'arquero';
 * import { isArqueroTable, table } from '@s3lab/toolkit';
 * const t = aq.from([{ type: 'bridge', genAcc: 0.2 }, { type: 'bridge', genAcc: 0.4 }]).groupby('type').rollup({ genAcc: aq.op.mean('genAcc') });
 * isArqueroTable(t); // true
 * table(t).rows; // [{ type: 'bridge', genAcc: 0.30000000000000004 }]
 * ```
 */
import type { ColumnTable } from 'arquero';
import type { Row } from '../core/text-table.js';

/** Rows of an arquero table shown when no `maxRows` is given: enough to read, not a whole data set in the notebook. */
export const DEFAULT_TABLE_ROWS = 50;

/** Whether `value` is an arquero table (any copy of arquero: checked by its methods). */
export function isArqueroTable(value: unknown): value is ColumnTable {
  if (typeof value !== 'object' || value === null) return false;
  const t = value as Partial<Record<'columnNames' | 'numRows' | 'objects' | 'groupby' | 'isGrouped', unknown>>;
  return ['columnNames', 'numRows', 'objects', 'groupby', 'isGrouped'].every((m) => typeof t[m as keyof typeof t] === 'function');
}

/** The rows of an arquero table to show, its columns, and a note on what was left out or how it is grouped. */
export interface ArqueroRows {
  rows: Row[];
  columns: string[];
  /** `first 50 of 1,000 rows`, `grouped by type (4 groups)`, both, or '' when the rows are the whole table. */
  note: string;
}

/**
 * The first `maxRows` rows of `table` (in its `orderby` order, after its `filter`) as display rows:
 * numbers, strings, booleans and nulls as they are, dates as ISO strings, anything else as JSON.
 */
export function arqueroRows(table: ColumnTable, maxRows = DEFAULT_TABLE_ROWS): ArqueroRows {
  const total = table.numRows();
  const columns = table.columnNames();
  const objects = table.objects({ limit: maxRows }) as Record<string, unknown>[];
  const rows = objects.map((o) => Object.fromEntries(columns.map((c) => [c, cellValue(o[c])])) as Row);
  const notes: string[] = [];
  if (total > rows.length) notes.push(`first ${rows.length.toLocaleString('en')} of ${total.toLocaleString('en')} rows`);
  if (table.isGrouped()) {
    const groups = table.groups();
    notes.push(`grouped by ${groups.names.join(', ')} (${groups.size.toLocaleString('en')} groups)`);
  }
  return { rows, columns, note: notes.join('; ') };
}

function cellValue(value: unknown): Row[string] {
  if (value === null || value === undefined || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  try {
    return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value);
  } catch {
    return String(value); // a cycle
  }
}
