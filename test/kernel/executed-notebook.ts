/** Reading executed notebooks (the `.ipynb` that `s3lab run` writes) in tests. */
import { readFileSync } from 'node:fs';

export interface Output { output_type: string; name?: string; text?: string; data?: Record<string, unknown>; ename?: string; evalue?: string }
export interface Cell { cell_type: string; source: string[] | string; metadata: { tags?: string[]; s3lab?: { seconds: number; status?: string } }; outputs?: Output[]; execution_count?: number | null }
export interface Notebook { cells: Cell[]; metadata: { s3lab: { run: Record<string, unknown> & { parameters: Record<string, unknown>; cells: unknown[]; versions: Record<string, string>; git: { commit: string } | null } } } }

export const readNotebook = (path: string): Notebook => JSON.parse(readFileSync(path, 'utf8')) as Notebook;
export const cellSource = (cell: Cell): string => (Array.isArray(cell.source) ? cell.source.join('') : cell.source);
