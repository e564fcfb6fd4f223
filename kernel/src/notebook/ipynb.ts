/**
 * Jupyter notebooks (nbformat 4): the shapes s3lab reads and writes, validated at the edge.
 * Unknown fields are kept, so a notebook round-trips through the runner unchanged except for
 * what running it changes (outputs, execution counts, metadata).
 *
 * @example
 * ```ts
 * const notebook = await readNotebook('notebooks/00-quickstart.ipynb');
 * console.log(notebook.cells.filter((c) => c.cell_type === 'code').length);
 * ```
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';

const source = z.union([z.string(), z.array(z.string())]);

const outputSchema = z.looseObject({ output_type: z.enum(['stream', 'display_data', 'execute_result', 'error']) });

const cellSchema = z.looseObject({
  cell_type: z.enum(['code', 'markdown', 'raw']),
  source,
  metadata: z.record(z.string(), z.unknown()).default({}),
  outputs: z.array(outputSchema).optional(),
  execution_count: z.number().int().nullable().optional(),
});

export const notebookSchema = z.looseObject({
  nbformat: z.literal(4),
  nbformat_minor: z.number().int(),
  metadata: z.record(z.string(), z.unknown()).default({}),
  cells: z.array(cellSchema),
});

export type StreamOutput = { output_type: 'stream'; name: 'stdout' | 'stderr'; text: string };
export type DataOutput = {
  output_type: 'display_data' | 'execute_result';
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  execution_count?: number | null;
  transient?: { display_id?: string };
};
export type ErrorOutput = { output_type: 'error'; ename: string; evalue: string; traceback: string[] };
export type Output = StreamOutput | DataOutput | ErrorOutput;

export interface Cell {
  cell_type: 'code' | 'markdown' | 'raw';
  source: string | string[];
  metadata: Record<string, unknown>;
  outputs?: Output[];
  execution_count?: number | null;
  [key: string]: unknown;
}

export interface Notebook {
  nbformat: 4;
  nbformat_minor: number;
  metadata: Record<string, unknown>;
  cells: Cell[];
  [key: string]: unknown;
}

/** A notebook that cannot be read or is not nbformat 4; the message names the file. */
export class NotebookInputError extends Error {
  override name = 'NotebookInputError';
}

export async function readNotebook(path: string): Promise<Notebook> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new NotebookInputError(`cannot read notebook ${path}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new NotebookInputError(`${path} is not a notebook: invalid JSON (${(error as Error).message})`);
  }
  const parsed = notebookSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new NotebookInputError(`${path} is not an nbformat 4 notebook: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`);
  }
  return parsed.data as unknown as Notebook;
}

/** A cell's source as one string. */
export function cellSource(cell: Pick<Cell, 'source'>): string {
  return Array.isArray(cell.source) ? cell.source.join('') : cell.source;
}

/** Source text in the notebook's on-disk form: lines, each but the last ending with a newline. */
export function sourceLines(text: string): string[] {
  return text.split(/(?<=\n)/u);
}

/** A cell's tags (`metadata.tags`). */
export function cellTags(cell: Pick<Cell, 'metadata'>): string[] {
  const tags = cell.metadata.tags;
  return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : [];
}

/** The notebook as nbformat JSON text (one-space indent, as Jupyter writes it). */
export function serializeNotebook(notebook: Notebook): string {
  return `${JSON.stringify(notebook, null, 1)}\n`;
}
