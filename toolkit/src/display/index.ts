/**
 * Display: tables (row objects or arquero tables), plots, markdown and progress as MIME bundles
 * for notebooks, text on a terminal.
 * Outputs go to the current display sink (see `sink.ts`): the kernel's, the headless
 * runner's, or a terminal's.
 *
 * @example
 * ```ts
 * import { barChart, display, plot, table } from '@s3lab/toolkit';
 * display(table([{ type: 'bridge', BM25: 0.009, dense: 0.066 }]));
 * display(plot(barChart({ categories: ['bridge'], series: { BM25: [0.009], dense: [0.066] } })));
 * ```
 */
export { terminalProgress, progressCallback } from './progress.js';
export type { Progress, OnProgress, TerminalProgressOptions } from './progress.js';
export { escapeHtml, isDisplayable } from './mime.js';
export type { MimeBundle, Displayable, BundleContext } from './mime.js';
export { currentDisplaySink, setDisplaySink, terminalSink } from './sink.js';
export type { DisplaySink } from './sink.js';
export { display, liveDisplay, toMimeBundle } from './show.js';
export type { DisplayHandle } from './show.js';
export { htmlTable, table } from './html-table.js';
export type { HtmlTableOptions } from './html-table.js';
export { arqueroRows, DEFAULT_TABLE_ROWS, isArqueroTable } from './data-frame.js';
export type { ArqueroRows } from './data-frame.js';
export { markdown } from './markdown.js';
export { plot, plotHtml, plotText, barChart, PLOTLY_MIME } from './plot.js';
export type { Figure, PlotTrace, BarChartOptions } from './plot.js';
export { plotlyLibrarySource, plotlyDrawScript, scriptJson } from './plotly.js';
export { displayProgress, displayProgressCallback, progressBundle } from './live-progress.js';
export type { DisplayProgressOptions } from './live-progress.js';
export { sideBySide, stopReason, transcriptView } from './transcript.js';
export type { StopKind, StopReason, TranscriptDoc, TranscriptSelection, TranscriptStep, TranscriptView, TranscriptViewOptions } from './transcript.js';
