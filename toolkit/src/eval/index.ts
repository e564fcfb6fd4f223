export { runEvaluation, RECORDS_FILE, SUMMARY_FILE } from './run-evaluation.js';
export type { RunEvaluationOptions, EvaluationSummary, GbrBaselineInfo } from './run-evaluation.js';
export { evalRecordSchema, summarizeRecords, summaryRows, summaryTable, GBR_SOURCES } from './summary.js';
export type { EvalRecord, SummaryCell, GbrSource } from './summary.js';
export { ragCacheBaseline, runBaseline, withGbr, NAIVE_RAG_METHOD } from './gbr-baseline.js';
export type { GbrBaseline } from './gbr-baseline.js';
export { readerCheck } from './reader-check.js';
export type { ReaderCheckOptions, ReaderCheckRow, ReaderContext } from './reader-check.js';
export { pairedBootstrap, type BootstrapInterval } from './bootstrap.js';
