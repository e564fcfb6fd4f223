/**
 * The parts of tslab that s3lab builds on: its TypeScript converter and executor (cells are
 * type-checked, transpiled and run in one shared context, with top-level await), completion,
 * inspection and the code-completeness check, and its ZeroMQ binding. They are tslab internals
 * (`tslab/dist/*`), loaded with `require` because tslab is CommonJS. tslab's own Jupyter server
 * is not used: `jupyter/server.ts` speaks the messaging protocol.
 */
import { createRequire } from 'node:module';
import type * as ConverterModule from 'tslab/dist/converter.js';
import type * as ExecutorModule from 'tslab/dist/executor.js';
import type * as InspectModule from 'tslab/dist/inspect.js';

const require = createRequire(import.meta.url);

export type Executor = ExecutorModule.Executor;
export type ConverterSet = ExecutorModule.ConverterSet;
export type ExecutorConsole = ExecutorModule.ConsoleInterface;
export type CompletionInfo = ConverterModule.CompletionInfo;
export type QuickInfo = Parameters<typeof InspectModule.printQuickInfo>[0];

type TypeScriptModule = { createWatchCompilerHost: (rootFiles: unknown, options: object, ...rest: unknown[]) => unknown };
type ModuleLoad = (request: string, parent: { filename?: string } | undefined, isMain: boolean) => unknown;

/**
 * tslab's converter module, checking cells with `strict: true`. tslab hard-codes its compiler
 * options without `strict`, and the toolkit's types are written for strict mode: without
 * `strictNullChecks`, zod's inferred types turn required fields optional (a corpus document's
 * `id?: string`), so correct notebook code fails to type-check. The options are a literal passed
 * to `ts.createWatchCompilerHost`, whose export cannot be reassigned, so the converter module is
 * loaded (once, here, before anything else loads it) with its own view of TypeScript in which
 * that function adds `strict: true`.
 */
const converterModule: typeof ConverterModule = (() => {
  const Module = require('node:module') as { _load: ModuleLoad };
  const ts = require('@tslab/typescript-for-tslab') as TypeScriptModule;
  // Every export of TypeScript as an own property (tslab copies own properties), but one.
  const strictTs = Object.defineProperties({}, {
    ...Object.getOwnPropertyDescriptors(ts),
    createWatchCompilerHost: {
      enumerable: true,
      value: (rootFiles: unknown, options: object, ...rest: unknown[]) => ts.createWatchCompilerHost(rootFiles, { ...options, strict: true }, ...rest),
    },
  }) as TypeScriptModule;
  const load = Module._load;
  const isConverter = (filename: string | undefined): boolean => /tslab[\\/]dist[\\/]converter\.js$/u.test(filename ?? '');
  Module._load = function (this: unknown, request, parent, isMain) {
    if (request === '@tslab/typescript-for-tslab' && isConverter(parent?.filename)) return strictTs;
    return load.call(this, request, parent, isMain);
  };
  try {
    return require('tslab/dist/converter.js') as typeof ConverterModule;
  } finally {
    Module._load = load;
  }
})();

/** A TypeScript (not JavaScript), Node (not browser) converter with strict checking. */
export function createStrictConverter(): ConverterModule.Converter {
  return converterModule.createConverter({ isJS: false, isBrowser: false });
}

/** Whether `code` is a whole statement (else the indent for the next line), as a console needs to know on Enter. */
export function isCompleteCode(code: string): ConverterModule.IsCompleteResult {
  return converterModule.isCompleteCode(code);
}

export const tslabExecutor = (): typeof ExecutorModule => require('tslab/dist/executor.js') as typeof ExecutorModule;

/** tslab's rendering of TypeScript's quick info (the signature and the doc comment) as text. */
export function printQuickInfo(info: QuickInfo): string {
  return (require('tslab/dist/inspect.js') as typeof InspectModule).printQuickInfo(info);
}

/**
 * The ZeroMQ binding tslab depends on, resolved from tslab's own folder (it is tslab's
 * transport, not a dependency of this package), loaded when the kernel starts.
 */
export function loadZeroMq(): typeof import('zeromq') {
  return createRequire(require.resolve('tslab/package.json'))('zeromq') as typeof import('zeromq');
}

/** Versions of tslab and of the TypeScript it checks cells with (recorded in run metadata). */
export function tslabVersions(): { tslab: string; typescript: string } {
  const tslab = (require('tslab/package.json') as { version: string }).version;
  const typescript = (require('@tslab/typescript-for-tslab/package.json') as { version: string }).version;
  return { tslab, typescript };
}
