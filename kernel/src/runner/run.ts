/**
 * The headless notebook runner: executes a notebook's code cells in order, in this process,
 * through the same tslab session as the kernel (no Jupyter needed), with papermill-style
 * parameters. It writes the executed notebook (every output: streams, display data, errors)
 * and a self-contained HTML report, and records the run in the notebook's metadata
 * (`metadata.s3lab.run`: git commit, parameters, seeds, versions, per-cell timings).
 * It stops at the first failing cell. While a cell runs, its progress outputs are mirrored to
 * stderr (`progress-mirror.ts`), so a long cell is not silent on the terminal.
 *
 * @example
 * ```ts
 * import { runNotebook } from '@s3lab/kernel';
 * const result = await runNotebook({ notebook: 'notebooks/00-quickstart.ipynb', parameters: { smoke: true }, outDir: 'out' });
 * if (!result.ok) console.error(result.failure?.message);
 * ```
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { setDisplaySink } from '@s3lab/toolkit';
import { cellSource, cellTags, serializeNotebook, NotebookInputError, readNotebook, type Cell, type Notebook } from '../notebook/ipynb.js';
import { declaredParameters, injectParameters, INJECTED_TAG, PARAMETERS_TAG, type ParameterValue } from '../notebook/parameters.js';
import { renderReport } from '../report/html.js';
import { createSession, type CellError } from '../session.js';
import { errorOutput, describeError } from './errors.js';
import { gitState, versions, type GitState, type Versions } from './metadata.js';
import { captureStreams, OutputCollector } from './outputs.js';
import { mirrorProgress, ProgressMirror, type ProgressMirrorOptions } from './progress-mirror.js';

export interface RunOptions {
  /** The notebook to run. */
  notebook: string;
  /** Overrides of the parameters cell (papermill's `-p`). */
  parameters?: Record<string, ParameterValue>;
  /** Where the executed notebook and the report go (default `out`, relative to the current directory). */
  outDir?: string;
  /** Progress lines (the session's start, then one per cell); default: stderr. */
  log?: (line: string) => void;
  /**
   * Where the running cell's progress outputs are mirrored while it runs (a redrawn bar on a TTY,
   * periodic lines otherwise); default: this process's stderr; false: not mirrored.
   */
  progress?: ProgressMirrorOptions | false;
}

export interface CellFailure {
  /** Index of the cell in the executed notebook's `cells`. */
  index: number;
  /** Its first non-empty source line. */
  firstLine: string;
  /** `TypeError: boom`, or the TypeScript diagnostics. */
  error: string;
  /** The whole sentence the CLI prints. */
  message: string;
}

export interface RunResult {
  ok: boolean;
  notebookPath: string;
  reportPath: string;
  seconds: number;
  failure?: CellFailure;
}

export interface CellTiming {
  index: number;
  seconds: number;
  status: 'ok' | 'error';
}

/** What `metadata.s3lab.run` of an executed notebook holds. */
export interface RunMetadata {
  notebook: string;
  startedAt: string;
  finishedAt: string;
  seconds: number;
  status: 'ok' | 'failed';
  failure?: CellFailure;
  /** Every parameter of the parameters cell, with its value in this run. */
  parameters: Record<string, unknown>;
  /** The `-p` overrides. */
  overrides: Record<string, ParameterValue>;
  /** The parameters whose name contains "seed". */
  seeds: Record<string, unknown>;
  git: GitState | null;
  versions: Versions;
  cells: CellTiming[];
}

export async function runNotebook(options: RunOptions): Promise<RunResult> {
  const started = new Date();
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const notebookPath = resolve(options.notebook);
  const name = basename(notebookPath, extname(notebookPath));
  const outDir = resolve(options.outDir ?? 'out');
  const overrides = options.parameters ?? {};
  const source = await readNotebook(notebookPath);
  const notebook: Notebook = { ...source, cells: injectParameters(source.cells, overrides, relative(process.cwd(), notebookPath) || notebookPath) };
  for (const cell of notebook.cells) {
    if (cell.cell_type !== 'code') continue;
    cell.outputs = [];
    cell.execution_count = null;
  }

  const timings: CellTiming[] = [];
  const collector = new OutputCollector();
  let failure: CellFailure | undefined;
  let parameterValues: Record<string, unknown> = {};
  const previousDir = process.cwd();
  // The real stderr, kept before cells' writes are captured into the notebook.
  const stderr = process.stderr.write.bind(process.stderr);
  const terminal = options.progress ?? { write: (text: string) => void stderr(text), tty: process.stderr.isTTY === true };
  const mirror = terminal ? new ProgressMirror(terminal) : undefined;
  const previousSink = setDisplaySink(mirror ? mirrorProgress(collector.sink(), mirror) : collector.sink());
  const heartbeat = mirror ? setInterval(() => mirror.heartbeat(), 1000).unref() : undefined;
  let lastError: CellError | undefined;
  let executionCount = 0;
  let injectedCell = false;
  // Cells run in the notebook's directory, as under Jupyter, so relative paths mean the same in both.
  process.chdir(dirname(notebookPath));
  try {
    // Several seconds before the first cell, silent otherwise: tslab type-checks the toolkit's declarations.
    const sessionStarted = performance.now();
    log('starting the notebook session (tslab: loading @s3lab/toolkit, type-checking its declarations)');
    const session = await createSession({
      onError: (error) => (lastError = error),
      // The injected cell's assignments have values; papermill shows none, and neither does this.
      onResult: (_value, bundle) => injectedCell || collector.data({ output_type: 'execute_result', data: bundle, metadata: {}, execution_count: executionCount }),
    });
    log(`notebook session ready (${((performance.now() - sessionStarted) / 1000).toFixed(1)} s)`);
    try {
      const codeCells = notebook.cells.map((cell, index) => ({ cell, index })).filter(({ cell }) => cell.cell_type === 'code');
      for (const [n, { cell, index }] of codeCells.entries()) {
        const text = cellSource(cell);
        const firstLine = text.split('\n').find((line) => line.trim() !== '')?.trim() ?? '';
        mirror?.startCell();
        log(`[${n + 1}/${codeCells.length}] cell ${index}: ${firstLine.slice(0, 80)}`);
        executionCount += 1;
        cell.execution_count = executionCount;
        collector.setCell(cell);
        lastError = undefined;
        injectedCell = cellTags(cell).includes(INJECTED_TAG);
        const cellStarted = performance.now();
        const restore = captureStreams(collector);
        let ok: boolean;
        try {
          ok = await session.execute(text);
        } finally {
          restore();
        }
        const seconds = (performance.now() - cellStarted) / 1000;
        cell.metadata = { ...cell.metadata, s3lab: { seconds: round(seconds), status: ok ? 'ok' : 'error' } };
        timings.push({ index, seconds: round(seconds), status: ok ? 'ok' : 'error' });
        if (cellTags(cell).includes(PARAMETERS_TAG) || cellTags(cell).includes(INJECTED_TAG)) {
          parameterValues = { ...parameterValues, ...readParameters(notebook, session.executor.locals) };
        }
        if (ok) continue;
        const output = errorOutput(lastError ?? { kind: 'thrown', value: new Error('the cell failed without reporting an error') });
        collector.error(output);
        const error = describeError(output);
        if (cellTags(cell).includes(INJECTED_TAG)) {
          throw new NotebookInputError(`invalid parameter value for ${name}: ${error}`);
        }
        failure = { index, firstLine, error, message: `cell ${index} failed (${firstLine}): ${error}` };
        break;
      }
    } finally {
      session.close();
    }
  } finally {
    mirror?.release();
    clearInterval(heartbeat);
    process.chdir(previousDir);
    setDisplaySink(previousSink);
  }

  const finished = new Date();
  const seconds = round((finished.getTime() - started.getTime()) / 1000);
  const run: RunMetadata = {
    notebook: relative(process.cwd(), notebookPath) || notebookPath,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    seconds,
    status: failure ? 'failed' : 'ok',
    ...(failure ? { failure } : {}),
    parameters: parameterValues,
    overrides,
    seeds: Object.fromEntries(Object.entries(parameterValues).filter(([key]) => /seed/iu.test(key))),
    git: gitState(dirname(notebookPath)),
    versions: versions(),
    cells: timings,
  };
  const s3lab = typeof notebook.metadata.s3lab === 'object' && notebook.metadata.s3lab !== null ? notebook.metadata.s3lab : {};
  notebook.metadata = { ...notebook.metadata, s3lab: { ...s3lab, run } };

  await mkdir(outDir, { recursive: true });
  const executedPath = join(outDir, `${name}.ipynb`);
  const reportPath = join(outDir, `${name}.html`);
  await writeFile(executedPath, serializeNotebook(notebook));
  await writeFile(reportPath, renderReport(notebook, { title: name }));
  return { ok: !failure, notebookPath: executedPath, reportPath, seconds, ...(failure ? { failure } : {}) };
}

/** The values, after the parameters cell (and the injected one) ran, of the names the parameters cell declares. */
function readParameters(notebook: Notebook, locals: Record<string, unknown>): Record<string, unknown> {
  const cell = notebook.cells.find((c: Cell) => c.cell_type === 'code' && cellTags(c).includes(PARAMETERS_TAG));
  if (!cell) return {};
  return Object.fromEntries([...declaredParameters(cellSource(cell)).keys()].filter((key) => key in locals).map((key) => [key, locals[key]]));
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
