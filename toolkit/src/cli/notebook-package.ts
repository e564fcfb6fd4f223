/**
 * The `run` and `kernel` commands are implemented by `@s3lab/kernel`, which depends on the
 * toolkit (it runs notebooks that import it). The toolkit cannot depend back on it, so these
 * commands load it at run time, by name, and check that it has what they call: the
 * dependency stays one-way (kernel → toolkit) and `s3lab` stays the one command.
 */
import { UsageError } from './usage-error.js';

/** The part of `@s3lab/kernel`'s API the CLI uses (kept in step with kernel/src/index.ts). */
export interface NotebookPackage {
  parseParameterArgs(args: readonly string[]): Record<string, unknown>;
  runNotebook(options: { notebook: string; parameters?: Record<string, unknown>; outDir?: string }): Promise<{
    ok: boolean; notebookPath: string; reportPath: string; seconds: number; failure?: { message: string };
  }>;
  installKernelSpec(options: { scope: 'user' | 'sys-prefix' | 'prefix'; prefix?: string; python?: string; name?: string }): Promise<string>;
  startKernel(connectionFile: string): Promise<void>;
}

const PACKAGE = '@s3lab/kernel';

export async function loadNotebookPackage(): Promise<NotebookPackage> {
  let loaded: Partial<NotebookPackage>;
  try {
    loaded = (await import(PACKAGE)) as Partial<NotebookPackage>;
  } catch (error) {
    throw new Error(`this command needs ${PACKAGE} (the kernel workspace), which could not be loaded: ${(error as Error).message}. Run \`npm install && npx tsc -b\` at the repository root.`);
  }
  for (const name of ['parseParameterArgs', 'runNotebook', 'installKernelSpec', 'startKernel'] as const) {
    if (typeof loaded[name] !== 'function') throw new Error(`${PACKAGE} does not export ${name}: the kernel and the toolkit are out of step (rebuild with \`npx tsc -b\`)`);
  }
  return loaded as NotebookPackage;
}

/** The kernel package's input errors (a missing notebook, a bad -p) are usage errors here: one line, exit 2. */
export async function asUsageErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof Error && error.name === 'NotebookInputError') throw new UsageError(error.message);
    throw error;
  }
}
