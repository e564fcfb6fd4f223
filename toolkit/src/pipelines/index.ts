/**
 * End-to-end jobs built from the layers below: the lab-scale training run (warm start, RL,
 * evaluation, report), sweeps of lab runs (ablation grids, transfer), the lab searcher's evaluation jobs, the scripted demonstrations of the
 * warm start, the lab generator's training data and the lab world's shipped dense index.
 *
 * @example
 * ```ts
 * import { trainLabSearcher } from '@s3lab/toolkit';
 * const report = await trainLabSearcher({ out: 'out/train-lab', config: { steps: 2 }, evalQuestions: 20 });
 * ```
 */
export { labGeneratorExamples, type LabGeneratorDataOptions } from './lab-generator-data.js';
export { searcherDemonstrations, defaultScriptVariants, type ScriptVariant, type SearcherDemonstrationOptions, type SearcherDemonstrations } from './demonstrations.js';
export { trainLabSearcher, type LabRunOptions, type LabRunEvent, type LabRunReport, type MethodScores, type CurvePoint } from './lab-run.js';
export { curveRows, labResultRows, learningCurveRows, labVerdict, labRunProgressLine } from './lab-report.js';
export { LAB_RUN_FACTORS, LAB_RUN_FACTOR_NAMES, labRunFactorsSchema, labRunConfig, labRunOptions, rlOverrides, type LabRunFactor, type LabRunFactors } from './lab-run-factors.js';
export { readGrid, parseGrid, expandGrid, runKey, type SweepGrid, type SweepRun, type TransferWorld } from './sweep-grid.js';
export { runSweep, listSweep, SweepRunsFailed, type SweepOptions, type SweepSummary, type SweepRunState } from './sweep.js';
export { sweepTableRows, sweepCsv, searcherScores, interval, typesOf, type SweepRunResult, type SearcherScores } from './sweep-summary.js';
export { evaluateTransfer, transferTableRows, type TransferResult, type TransferSearcher, type TransferOptions } from './sweep-transfer.js';
export { buildLabDenseIndex, checkLabDenseIndex, LAB_DENSE_TOLERANCE, type BuildLabDenseIndexOptions, type CheckLabDenseIndexOptions, type LabDenseIndexCheck, type LabDenseIndexSource } from './lab-dense-index.js';
export { meanInterval } from './scores-by-type.js';
export { BASELINE_RUNS, dataEfficiencyRows, dataEfficiencyVerdict, readBaselineEvaluation, rowScores, runBaselineComparison, TABLE1_ROWS, table1Rows, trainingCostRows, type BaselineEvaluation, type MethodCurve, type RunBaselineComparisonOptions, type Table1Row, type TrainedRun } from './baseline-comparison.js';
