export { measureRetrievalRates, rateRow } from './world-stats.js';
export type { RetrievalRates, RatesOptions, StatsQuestion } from './world-stats.js';
export { labWorldReadme } from './lab-world-readme.js';
export { MethodRegistry, defaultMethodRegistry, noRetrievalMethod, naiveRagMethod } from './methods.js';
export type { EvalMethod, MethodContext } from './methods.js';
export { runEvaluation, RECORDS_FILE, SUMMARY_FILE } from './run-evaluation.js';
export type { RunEvaluationOptions, EvaluationSummary } from './run-evaluation.js';
export { evalRecordSchema, summarizeRecords, summaryRows } from './summary.js';
export type { EvalRecord, SummaryCell } from './summary.js';
