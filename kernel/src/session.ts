/**
 * A TypeScript session: tslab's converter and executor over the current directory, with the
 * toolkit preloaded. The kernel and the headless runner both run cells through it, so a
 * notebook behaves the same in JupyterLab and in `s3lab run`.
 *
 * What tslab's executor prints is routed to the session's hooks: the value of a cell's last
 * expression arrives as a MIME bundle (a `table(…)` or `plot(…)` as its own, anything else as
 * `text/plain`), the kernel's `execute_result`, and errors arrive as structured values (a thrown
 * value, or TypeScript diagnostics) rather than as text.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { display, isDisplayable, toMimeBundle, type MimeBundle } from '@s3lab/toolkit';
import { createStrictConverter, tslabExecutor, type ConverterSet, type Executor } from './tslab.js';

/**
 * Run before the first cell: loads the toolkit (its native parts too) so that the first
 * `import … from '@s3lab/toolkit'` of a notebook is instant, and declares `s3lab` (the whole
 * toolkit) for quick exploration and completion.
 */
export const PRELUDE = "import * as s3lab from '@s3lab/toolkit';";

/** A failure of one cell: a thrown value, or TypeScript diagnostics (the cell did not run). */
export type CellError =
  | { kind: 'thrown'; value: unknown }
  | { kind: 'diagnostics'; lines: string[] };

export interface SessionHooks {
  /** A cell failed; called before `execute` resolves to false. */
  onError(error: CellError): void;
  /**
   * The value of a cell's last expression (not `null` or `undefined`) and the MIME bundle it shows
   * as: Jupyter's `execute_result`. Default: a displayable is displayed, anything else printed to stdout.
   */
  onResult?(value: unknown, bundle: MimeBundle): void;
}

/**
 * The MIME bundle of a cell's value: a table's or plot's own bundle, else `text/plain` as Node's
 * REPL writes the value (strings quoted), so that `'a'` and `"a"` differ from `a`.
 *
 * @example
 * ```ts
 * resultBundle({ n: 1 }); // { 'text/plain': '{ n: 1 }' }
 * ```
 */
export function resultBundle(value: unknown): MimeBundle {
  return isDisplayable(value) ? toMimeBundle(value) : { 'text/plain': inspect(value, { depth: 4, colors: false }) };
}

export interface Session {
  /** tslab's executor (its `execute` is the session's). */
  executor: Executor;
  /** Runs one cell; false when it failed (the hooks got the error). */
  execute(source: string): Promise<boolean>;
  close(): void;
}

/**
 * Where a session resolves modules (`import … from '@s3lab/toolkit'`, types included): the
 * notebook's directory when the toolkit resolves from there (a notebook in this repository, or
 * in a project that installed the toolkit), else this package's directory, so that a notebook
 * anywhere on disk can use the toolkit. Relative file paths in cells still mean the process's
 * current directory (the notebook's, under Jupyter and `s3lab run`).
 */
export function sessionRoot(notebookDir: string): string {
  try {
    createRequire(join(notebookDir, 'notebook.js')).resolve('@s3lab/toolkit');
    return notebookDir;
  } catch {
    return fileURLToPath(new URL('..', import.meta.url));
  }
}

/** Creates a session rooted at `sessionRoot(process.cwd())` and runs the prelude. */
export async function createSession(hooks: SessionHooks): Promise<Session> {
  const workingDir = process.cwd();
  // tslab roots its converter and `require` at the current directory when they are created.
  process.chdir(sessionRoot(workingDir));
  try {
    return await createSessionHere(hooks);
  } finally {
    process.chdir(workingDir);
  }
}

async function createSessionHere(hooks: SessionHooks): Promise<Session> {
  let node: ReturnType<typeof createStrictConverter> | undefined;
  const converters: ConverterSet = {
    get node() {
      return (node ??= createStrictConverter());
    },
    get browser(): never {
      throw new Error('browser cells (//%browser) are not supported by the s3lab kernel');
    },
    close: () => node?.close(),
  };
  // tslab's executor calls log(value) for a last expression, error(Error) for a thrown value and
  // error('%s%d:%d - %s', file, line, column, message) for each TypeScript diagnostic.
  let diagnostics: string[] = [];
  // A value that cannot be shown (its toMimeBundle throws) fails the cell, as in IPython.
  let resultFailure: { error: unknown } | undefined;
  const raw = tslabExecutor().createExecutor(process.cwd(), converters, {
    log: (value: unknown) => {
      try {
        if (hooks.onResult) hooks.onResult(value, resultBundle(value));
        else if (isDisplayable(value)) display(value);
        else process.stdout.write(`${typeof value === 'string' ? value : inspect(value)}\n`);
      } catch (error) {
        resultFailure = { error };
      }
    },
    error: (first: unknown, ...rest: unknown[]) => {
      if (first === '%s%d:%d - %s') diagnostics.push(`${String(rest[0] ?? '')}${String(rest[1])}:${String(rest[2])} - ${String(rest[3])}`);
      else hooks.onError({ kind: 'thrown', value: first });
    },
  });
  const execute = async (source: string): Promise<boolean> => {
    diagnostics = [];
    resultFailure = undefined;
    const ok = await raw.execute(source);
    if (!ok && diagnostics.length > 0) hooks.onError({ kind: 'diagnostics', lines: diagnostics });
    // Set by `log` during the await (TypeScript cannot see that and narrows it to undefined).
    const failure = resultFailure as { error: unknown } | undefined;
    if (ok && failure) {
      hooks.onError({ kind: 'thrown', value: failure.error });
      return false;
    }
    return ok;
  };
  // The session's executor runs cells through `execute` too, so that diagnostics and result
  // failures reach the hooks whichever way a cell is run.
  const executor: Executor = { ...raw, execute };
  if (!(await execute(PRELUDE))) {
    raw.close(); // its file watchers would keep the process alive
    throw new Error('could not load @s3lab/toolkit in the notebook session (is it built? run `npx tsc -b`)');
  }
  return { executor, execute, close: () => raw.close() };
}
