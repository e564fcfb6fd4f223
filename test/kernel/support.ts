/** Helpers of the kernel and runner tests: the real `s3lab` command, temporary notebooks. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const QUICKSTART = join(ROOT, 'notebooks', '00-quickstart.ipynb');

/** Runs the built CLI (as `npm start` does: `tsc -b` output, no source condition). */
export function s3lab(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(ROOT, 'toolkit', 'bin', 's3lab.js'), ...args], {
    cwd: options.cwd ?? ROOT, encoding: 'utf8', env: { ...process.env, ...options.env }, timeout: 180_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `s3lab-${prefix}-`));
}

/** Writes a notebook of TypeScript code cells (the first tagged `parameters` when `parameters` is set). */
export function writeNotebook(dir: string, name: string, cells: string[], parameters = false): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify({
    nbformat: 4, nbformat_minor: 5,
    metadata: { kernelspec: { name: 's3lab', display_name: 'TypeScript (s3lab)', language: 'typescript' } },
    cells: cells.map((source, i) => ({
      cell_type: 'code', id: `c${i}`, execution_count: null, outputs: [], source,
      metadata: parameters && i === 0 ? { tags: ['parameters'] } : {},
    })),
  }));
  return path;
}
