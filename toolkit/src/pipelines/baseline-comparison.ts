/**
 * The paper's comparison at lab scale (notebook 06): Table 1 (every method's GenAcc by question
 * type, scored by the same frozen generator on the same held-out questions), Table 4 (what each
 * trained method cost: training questions, rollouts, wall time, peak memory) and Figure 1's
 * data-efficiency question (GenAcc over the training questions consumed). Every interval is a 95%
 * bootstrap over the questions; every difference between two methods is paired question by question.
 *
 * The evaluation records come from `runBaselineComparison` (or `s3lab eval`), the training costs
 * and curves from lab runs' `report.json` (`s3lab train --method … --eval-steps …`).
 *
 * @example
 * ```ts
 * import { readBaselineEvaluation, table1Rows } from '@s3lab/toolkit';
 * const evaluation = await readBaselineEvaluation('datasets/results/baselines');
 * console.log(table1Rows(evaluation));
 * ```
 */
import { join } from 'node:path';
import { LAB_DATA_SOURCE, LAB_PATHS, LAB_RUN_QUESTIONS } from '../config/index.js';
import { readFinishedJsonl } from '../core/resumable-jsonl.js';
import { SHIPPED_LAB_MODELS } from '../agent/lab-searcher/lab-searcher.js';
import { loadLabSearcher, type LabSearcher } from '../agent/lab-searcher/loaded.js';
import { readQa } from '../data/formats/qa.js';
import { pairedBootstrap } from '../eval/bootstrap.js';
import { RECORDS_FILE, runEvaluation } from '../eval/run-evaluation.js';
import { endToEndScores, evalRecordSchema, type EvalRecord } from '../eval/summary.js';
import { openChatModelSource } from '../llm/open-source.js';
import { openRetrieverSource } from '../retrieval/open-source.js';
import { RagCache } from '../reward/rag-cache.js';
import type { CurvePoint, LabRunReport } from './lab-run.js';
import { inPoints, meanInterval, percentByType } from './scores-by-type.js';

/** A row of the lab's Table 1: which records it is, and the paper's row beside it. */
export interface Table1Row {
  label: string;
  /** The paper's row (`results.general.methods` of datasets/paper/s3-genacc.json; `end-to-end:` for `general-end-to-end`). */
  paper: string;
  /** The evaluated method, in the `run` evaluation (absent: the row cannot run at lab scale, `needs` says why). */
  method?: string;
  run?: 'bm25' | 'dense';
  /** Score the method's own answers (Search-R1 end to end) instead of the generator's. */
  endToEnd?: boolean;
  needs?: string;
}

/** The paper's Table 1 rows at lab scale, in the paper's order. */
export const TABLE1_ROWS: readonly Table1Row[] = [
  { label: 'Direct (no retrieval)', paper: 'direct-inference', method: 'no-retrieval', run: 'bm25' },
  { label: 'RAG-BM25', paper: 'rag-bm25', method: 'naive-rag', run: 'bm25' },
  { label: 'RAG-dense (lab e5)', paper: 'rag-e5', method: 'naive-rag', run: 'dense' },
  { label: 'DeepRetrieval', paper: 'deepretrieval-bm25-3b', method: 'deep-retrieval', run: 'bm25' },
  { label: 'IRCoT', paper: 'ircot-7b', needs: 'needs an instruction model (paper scale: --searcher URL)' },
  { label: 'Search-o1', paper: 'search-o1-14b', needs: 'needs an instruction model (paper scale: --searcher URL)' },
  { label: 'Search-R1 (Ret)', paper: 'search-r1-7b-ret', method: 'search-r1', run: 'bm25' },
  { label: 'Search-R1 (end to end)', paper: 'end-to-end:search-r1-7b', method: 'search-r1', run: 'bm25', endToEnd: true },
  { label: 's3', paper: 's3', method: 's3', run: 'bm25' },
];

/** The two evaluations behind Table 1: every method over BM25, and naive RAG over the lab dense index. */
export interface BaselineEvaluation {
  bm25: EvalRecord[];
  dense: EvalRecord[];
}

/** The evaluations' directories under a comparison directory. */
export const BASELINE_RUNS = { bm25: 'bm25', dense: 'dense' } as const;

/**
 * Reads a comparison directory's two evaluations (`bm25/records.jsonl`, `dense/records.jsonl`).
 *
 * @example
 * ```ts
 * const { bm25, dense } = await readBaselineEvaluation('datasets/results/baselines');
 * ```
 */
export async function readBaselineEvaluation(dir: string): Promise<BaselineEvaluation> {
  const [bm25, dense] = await Promise.all([BASELINE_RUNS.bm25, BASELINE_RUNS.dense].map((run) => readFinishedJsonl(join(dir, run, RECORDS_FILE), evalRecordSchema)));
  return { bm25: bm25 as EvalRecord[], dense: dense as EvalRecord[] };
}

export interface RunBaselineComparisonOptions {
  /** Where the two evaluations go (`bm25/`, `dense/`); finished records are kept. */
  out: string;
  /** Held-out test questions (the first n of the world's test split). Default 300, the lab run's. */
  questions?: number;
  /** The lab world. Default `datasets/lab`. */
  world?: string;
  /** The trained models: s3, Search-R1, DeepRetrieval. Default the shipped ones. */
  models?: Partial<Record<'s3' | 'search-r1' | 'deep-retrieval', string>>;
  onProgress?: (method: string, done: number, total: number) => void;
}

/**
 * Evaluates Table 1's methods on the lab world: no retrieval, naive RAG, DeepRetrieval, Search-R1
 * and s3 over BM25 (the trained ones from their lab models), and naive RAG over the lab dense
 * index; the frozen lab generator answers, GenAcc is the span match, GBR is against the shipped
 * RAG cache (BM25 naive RAG, as in training).
 *
 * @example
 * ```ts
 * const evaluation = await runBaselineComparison({ out: 'out/baselines' });
 * console.log(table1Rows(evaluation));
 * ```
 */
export async function runBaselineComparison(options: RunBaselineComparisonOptions): Promise<BaselineEvaluation> {
  const world = options.world ?? LAB_PATHS.world;
  const questions = (await readQa(join(world, 'test.jsonl')).toArray()).slice(0, options.questions ?? LAB_RUN_QUESTIONS.evaluation);
  const models = { ...SHIPPED_LAB_MODELS, ...options.models };
  const generator = await openChatModelSource(LAB_PATHS.generator, { label: 'generator' });
  const bm25 = await openRetrieverSource(join(world, 'corpus.jsonl'), 'retriever');
  const dense = await openRetrieverSource(LAB_PATHS.denseIndex, 'retriever');
  const searchers: Record<string, LabSearcher> = {};
  try {
    for (const [method, dir] of Object.entries(models)) searchers[method] = await loadLabSearcher(dir);
    const ragCache = await RagCache.load(join(LAB_PATHS.generator, 'rag-cache.jsonl'));
    const common = { questions, generator, ragCache, dataSource: LAB_DATA_SOURCE, concurrency: 1, onProgress: options.onProgress };
    const onBm25 = await runEvaluation({ ...common, methods: ['no-retrieval', 'naive-rag', 'deep-retrieval', 'search-r1', 's3'], retriever: bm25.retriever, retrieverKind: 'bm25', searchers, out: join(options.out, BASELINE_RUNS.bm25) });
    const onDense = await runEvaluation({ ...common, methods: ['naive-rag'], retriever: dense.retriever, retrieverKind: 'dense', out: join(options.out, BASELINE_RUNS.dense) });
    return { bm25: onBm25.records, dense: onDense.records };
  } finally {
    for (const searcher of Object.values(searchers)) searcher.dispose();
    await generator.dispose();
    await bm25.close();
    await dense.close();
  }
}

/** Each question's GenAcc under a row (0 or 1) and naive RAG's, by question id; undefined when the row has no records. */
export function rowScores(evaluation: BaselineEvaluation, row: Table1Row): { id: string; type?: string; genAcc: number; ragGenAcc: number }[] | undefined {
  if (!row.method) return undefined;
  const records = evaluation[row.run ?? 'bm25'].filter((r) => r.method === row.method);
  if (records.length === 0) return undefined;
  return records.map((r) => ({ id: r.id, ...(r.type === undefined ? {} : { type: r.type }), genAcc: row.endToEnd ? endToEndScores(r).genAcc : r.genAcc, ragGenAcc: r.ragGenAcc ?? 0 }));
}

/**
 * Table 1 at lab scale: GenAcc (%) by question type and overall with its 95% interval, GBR (points,
 * with its interval) and s3 − the row (paired, with its interval); the rows that cannot run say why.
 *
 * @example
 * ```ts
 * table(table1Rows(evaluation), { digits: 1 });
 * ```
 */
export function table1Rows(evaluation: BaselineEvaluation, rows: readonly Table1Row[] = TABLE1_ROWS): Record<string, string | number | null>[] {
  const s3Scores = rowScores(evaluation, rows.find((r) => r.method === 's3' && !r.endToEnd) ?? TABLE1_ROWS[TABLE1_ROWS.length - 1] as Table1Row);
  const s3 = new Map(s3Scores?.map((s) => [s.id, s.genAcc]));
  const types = ['single-hop', 'bridge', 'paraphrase', 'comparison'];
  return rows.map((row) => {
    const scores = rowScores(evaluation, row);
    if (!scores) return { method: row.label, ...Object.fromEntries(types.map((t) => [t, null])), GenAcc: null, '95% CI': row.needs ?? 'not evaluated', GBR: null, 's3 − row': null };
    const byType = percentByType(scores, (s) => s.genAcc);
    const genAcc = meanInterval(scores.map((s) => s.genAcc));
    const gbr = inPoints(pairedBootstrap(scores.map((s) => s.ragGenAcc), scores.map((s) => s.genAcc), { seed: 1 }));
    // Paired on the questions both were evaluated on.
    const both = scores.filter((s) => s3.has(s.id));
    const versus = both.length > 0 && row.method !== 's3' ? inPoints(pairedBootstrap(both.map((s) => s.genAcc), both.map((s) => s3.get(s.id) as number), { seed: 1 })) : undefined;
    return {
      method: row.label,
      ...Object.fromEntries(types.map((t) => [t, byType[t] ?? null])),
      GenAcc: genAcc.mean,
      '95% CI': `${genAcc.low.toFixed(1)} to ${genAcc.high.toFixed(1)}`,
      GBR: `${gbr.mean.toFixed(1)} [${gbr.low.toFixed(1)}, ${gbr.high.toFixed(1)}]`,
      's3 − row': versus ? `${versus.mean.toFixed(1)} [${versus.low.toFixed(1)}, ${versus.high.toFixed(1)}]` : null,
    };
  });
}

/** A trained method's run for Table 4: its label and its lab run's report. */
export interface TrainedRun {
  label: string;
  report: Pick<LabRunReport, 'config' | 'seconds' | 'rl'> & Partial<Pick<LabRunReport, 'consumed' | 'peakMemoryMiB' | 'sft'>>;
}

/**
 * Table 4 at lab scale: training questions consumed (RL steps × batch), rollouts, RL wall time,
 * seconds per step and peak memory of each trained method, on the machine the report names.
 *
 * @example
 * ```ts
 * table(trainingCostRows([{ label: 's3', report: s3Report }, { label: 'Search-R1', report: r1Report }]), { digits: 1 });
 * ```
 */
export function trainingCostRows(runs: readonly TrainedRun[]): Record<string, string | number | null>[] {
  return runs.map(({ label, report }) => {
    const c = report.config;
    const questions = report.consumed?.questions ?? c.steps * c.batchSize;
    return {
      method: label,
      'RL steps': c.steps,
      'training questions': questions,
      rollouts: report.consumed?.rollouts ?? questions * c.samplesPerQuestion,
      'RL minutes': report.seconds.rl / 60,
      'seconds per step': report.rl.length ? report.rl.reduce((n, m) => n + m.seconds.total, 0) / report.rl.length : null,
      'peak memory (MiB)': report.peakMemoryMiB ?? null,
      'SFT demonstrations': report.sft?.examples ?? null,
    };
  });
}

/** One method's learning curve, as a lab run's `report.json` records it (`--eval-steps`). */
export interface MethodCurve {
  label: string;
  curve: readonly CurvePoint[];
}

/**
 * The data-efficiency table: GenAcc (%) with its interval at each evaluated number of training
 * questions, one row per (method, point); `endToEnd` rows for a method that answers itself.
 *
 * @example
 * ```ts
 * table(dataEfficiencyRows([{ label: 's3', curve: s3Report.curve }, { label: 'Search-R1', curve: r1Report.curve }]));
 * ```
 */
export function dataEfficiencyRows(curves: readonly MethodCurve[]): Record<string, string | number>[] {
  return curves.flatMap(({ label, curve }) => curve.flatMap((p) => [
    { method: label, step: p.step, 'training questions': p.questions, GenAcc: p.genAcc.mean, '95% CI': `${p.genAcc.low.toFixed(1)} to ${p.genAcc.high.toFixed(1)}` },
    ...(p.endToEnd ? [{ method: `${label.replace(/ \(Ret\)$/u, '')} (end to end)`, step: p.step, 'training questions': p.questions, GenAcc: p.endToEnd.mean, '95% CI': `${p.endToEnd.low.toFixed(1)} to ${p.endToEnd.high.toFixed(1)}` }] : []),
  ]));
}

/**
 * The data-efficiency claim read off two curves: the best GenAcc the baseline reached and with how
 * many training questions, the fewest questions with which s3 reached at least that, and their
 * ratio; or that s3 did not reach it. Computed from the numbers, so it says what they say.
 *
 * @example
 * ```ts
 * dataEfficiencyVerdict(s3Curve, r1Curve); // 's3 reaches … with 16 training questions, 10× fewer than …'
 * ```
 */
export function dataEfficiencyVerdict(s3: MethodCurve, baseline: MethodCurve): string {
  const trained = (c: MethodCurve) => c.curve.filter((p) => p.step > 0);
  const best = trained(baseline).reduce<CurvePoint | undefined>((b, p) => (b === undefined || p.genAcc.mean > b.genAcc.mean ? p : b), undefined);
  if (!best) return `${baseline.label} has no trained point to compare with.`;
  const fmt = (p: CurvePoint) => `${p.genAcc.mean.toFixed(1)} (95% CI ${p.genAcc.low.toFixed(1)} to ${p.genAcc.high.toFixed(1)})`;
  const reached = trained(s3).find((p) => p.genAcc.mean >= best.genAcc.mean);
  const lead = `${baseline.label}'s best GenAcc is ${fmt(best)}, after ${best.questions} training questions.`;
  if (!reached) {
    const top = trained(s3).reduce<CurvePoint | undefined>((b, p) => (b === undefined || p.genAcc.mean > b.genAcc.mean ? p : b), undefined);
    return `${lead} ${s3.label} did not reach it: its best is ${top ? `${fmt(top)} after ${top.questions} questions` : 'untrained'}.`;
  }
  const ratio = best.questions / reached.questions;
  // Reached at the first point evaluated, s3 may need fewer still: the ratio is then a lower bound.
  const first = reached === trained(s3)[0];
  const times = `${first ? 'at least ' : ''}${ratio >= 1 ? `${ratio.toFixed(ratio >= 10 ? 0 : 1)}× fewer` : `${(1 / ratio).toFixed(1)}× more`}`;
  const paper = ratio >= 10 ? 'the paper\'s ≥10× holds here' : first && ratio >= 1 ? 'the points evaluated cannot show whether the paper\'s ≥10× holds' : 'short of the paper\'s ≥10×';
  return `${lead} ${s3.label} reaches at least that with ${reached.questions} training questions${first ? ', its first point evaluated' : ''}: ${fmt(reached)}, `
    + `${times} (${paper}; the two points' intervals say how firmly).`;
}
