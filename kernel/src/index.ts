/**
 * @s3lab/kernel — notebooks for s3lab: the Jupyter kernel (tslab-based, toolkit preloaded,
 * rich display) and the headless runner behind `s3lab run`.
 *
 * @example
 * ```ts
 * import { runNotebook } from '@s3lab/kernel';
 * const { ok, notebookPath, reportPath } = await runNotebook({ notebook: 'notebooks/00-quickstart.ipynb', parameters: { smoke: true } });
 * ```
 */
export { runNotebook } from './runner/run.js';
export type { RunOptions, RunResult, RunMetadata, CellFailure, CellTiming } from './runner/run.js';
export { parseParameterArgs, injectParameters, declaredParameters, PARAMETERS_TAG, INJECTED_TAG } from './notebook/parameters.js';
export type { ParameterValue } from './notebook/parameters.js';
export { readNotebook, serializeNotebook, cellSource, cellTags, NotebookInputError } from './notebook/ipynb.js';
export type { Notebook, Cell, Output } from './notebook/ipynb.js';
export { ProgressMirror, mirrorProgress, progressLine } from './runner/progress-mirror.js';
export type { ProgressMirrorOptions } from './runner/progress-mirror.js';
export { renderReport } from './report/html.js';
export { markdownToHtml } from './report/markdown.js';
export { startKernel } from './jupyter/start.js';
export { installKernelSpec, kernelSpec, jupyterDataDir, KERNEL_NAME } from './jupyter/install.js';
export type { InstallOptions, KernelSpec } from './jupyter/install.js';
export { createSession, PRELUDE } from './session.js';
export type { Session, CellError } from './session.js';
