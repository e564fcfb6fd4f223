/**
 * A sweep's results as one table: per run, the RL searcher's GenAcc by question type on the
 * held-out test questions, its GBR over naive RAG, documents and searches, wall time, and its
 * GenAcc against the base run's as a paired bootstrap over the same questions (by id). The rows
 * feed the CLI's text table, `summary.csv` and notebook 08's plots.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pairedBootstrap, type BootstrapInterval } from '../eval/bootstrap.js';
import type { EvalRecord } from '../eval/summary.js';
import type { RlConfig } from '../rl/config.js';
import { evaluationDir, readSearcherEvaluation } from './lab-evaluation.js';
import type { LabRunReport } from './lab-run.js';
import type { LabRunFactors } from './lab-run-factors.js';
import type { SweepRun } from './sweep-grid.js';
import { inPoints, percentByType, roundTo } from './scores-by-type.js';

/** Question types in table order (a world's own types follow). */
export const QUESTION_TYPES_IN_ORDER = ['single-hop', 'bridge', 'paraphrase', 'comparison'] as const;

/** A searcher's scores on a set of questions, in points. */
export interface SearcherScores {
  /** GenAcc (%) overall (`all`), per question type, and over the multi-hop types (`multi-hop`). */
  genAcc: Record<string, number>;
  /** GBR over naive RAG per question, with its 95% bootstrap interval (points). */
  gbr: BootstrapInterval;
  /** Naive RAG's GenAcc (%) on the same questions (the RAG cache's), overall and per type. */
  naiveGenAcc: Record<string, number>;
  documents: number;
  searches: number;
  questions: number;
}

/** One run's line of the summary. */
export interface SweepRunResult {
  key: string;
  changes: LabRunFactors;
  status: 'finished' | 'failed' | 'not run';
  /** The run's full RL configuration (finished runs). */
  config?: RlConfig;
  /** The RL searcher on the lab world's held-out test questions. */
  rl?: SearcherScores;
  /** Its warm start, evaluated with the same search settings. */
  sft?: Pick<SearcherScores, 'genAcc' | 'documents' | 'searches'>;
  /** RL − SFT GBR (the run's own verdict), points. */
  rlOverSft?: BootstrapInterval;
  /** GenAcc of this run's RL searcher − the base run's, paired over the same questions, points; null for the base. */
  vsBase?: BootstrapInterval | null;
  /** The run's wall time (s) and peak resident memory (MB). */
  seconds?: number;
  peakMB?: number;
  /** Why it failed, and where its log is. */
  error?: string;
}

/**
 * A searcher's scores from its evaluation records (which carry naive RAG's GenAcc of each question).
 *
 * @example
 * ```ts
 * searcherScores(await readSearcherEvaluation('out/train-lab/eval/rl'), 1).gbr; // { mean, low, high, … } in points
 * ```
 */
export function searcherScores(records: readonly EvalRecord[], seed: number): SearcherScores {
  return {
    genAcc: percentByType(records, (r) => r.genAcc),
    naiveGenAcc: percentByType(records, (r) => r.ragGenAcc ?? 0),
    gbr: inPoints(pairedBootstrap(records.map((r) => r.ragGenAcc ?? 0), records.map((r) => r.genAcc), { seed })),
    documents: records.reduce((n, r) => n + r.documents, 0) / Math.max(1, records.length),
    searches: records.reduce((n, r) => n + (r.searches ?? 0), 0) / Math.max(1, records.length),
    questions: records.length,
  };
}

/**
 * A run directory's results (or its status when it has none), with its RL searcher's records, which
 * the base run's summary hands to the others' as `base`.
 */
export async function summarizeRun(run: SweepRun, dir: string, base: readonly EvalRecord[] | undefined): Promise<{ result: SweepRunResult; records: EvalRecord[] }> {
  const report = await readFile(join(dir, 'report.json'), 'utf8').then((text) => JSON.parse(text) as LabRunReport, () => undefined);
  if (!report) return { result: { key: run.key, changes: run.changes, status: 'not run' }, records: [] };
  const records = await readSearcherEvaluation(evaluationDir(dir, 'rl'));
  const sftRecords = await readSearcherEvaluation(evaluationDir(dir, 'sft'));
  const resources = await readFile(join(dir, 'resources.json'), 'utf8').then((text) => JSON.parse(text) as { peakMB?: number }, () => ({} as { peakMB?: number }));
  const seed = report.config.seed;
  const sft = searcherScores(sftRecords, seed);
  const result: SweepRunResult = {
    key: run.key,
    changes: run.changes,
    status: 'finished',
    config: report.config,
    rl: searcherScores(records, seed),
    sft: { genAcc: sft.genAcc, documents: sft.documents, searches: sft.searches },
    rlOverSft: report.evaluation.gbrDifference,
    vsBase: base === undefined || run.key === 'base' ? null : pairedByQuestion(base, records, seed),
    seconds: report.seconds.total,
    ...(resources.peakMB === undefined ? {} : { peakMB: resources.peakMB }),
  };
  return { result, records };
}

/** GenAcc of `b` − `a` over the questions both answered (matched by id), points. */
export function pairedByQuestion(a: readonly EvalRecord[], b: readonly EvalRecord[], seed: number): BootstrapInterval | null {
  const byId = new Map(a.map((r) => [r.id, r.genAcc]));
  const common = b.filter((r) => byId.has(r.id));
  if (common.length === 0) return null;
  return inPoints(pairedBootstrap(common.map((r) => byId.get(r.id) ?? 0), common.map((r) => r.genAcc), { seed }));
}

/**
 * The printed table's rows: one per run, GenAcc by type, the difference from the base with its
 * interval, GBR with its interval, documents, searches, minutes.
 *
 * @example
 * ```ts
 * console.log(formatTable(sweepTableRows(summary.runs)));
 * ```
 */
export function sweepTableRows(runs: readonly SweepRunResult[]): Record<string, string | number>[] {
  const types = typesOf(runs.flatMap((r) => Object.keys(r.rl?.genAcc ?? {})));
  return runs.map((r) => {
    if (!r.rl) return { run: r.key, status: r.status, ...(r.error ? { error: r.error } : {}) };
    const rl = r.rl;
    return {
      run: r.key,
      ...Object.fromEntries(types.map((t) => [t, roundTo(rl.genAcc[t] ?? 0)])),
      'vs base': r.vsBase ? interval(r.vsBase) : '—',
      GBR: interval(rl.gbr),
      'RL − SFT GBR': r.rlOverSft ? interval(r.rlOverSft) : '—',
      documents: roundTo(rl.documents),
      searches: roundTo(rl.searches, 2),
      minutes: roundTo((r.seconds ?? 0) / 60),
    };
  });
}

/** The CSV of the runs (one row each, every number in its own column). */
export function sweepCsv(runs: readonly SweepRunResult[]): string {
  const types = typesOf(runs.flatMap((r) => Object.keys(r.rl?.genAcc ?? {})));
  const header = ['run', 'status', ...types.map((t) => `genAcc_${t}`), 'vsBase', 'vsBase_low', 'vsBase_high', 'gbr', 'gbr_low', 'gbr_high', 'rlOverSft', 'rlOverSft_low', 'rlOverSft_high', 'sft_genAcc_all', 'documents', 'searches', 'seconds', 'peakMB'];
  const cell = (x: unknown): string => (x === undefined || x === null ? '' : typeof x === 'number' ? String(roundTo(x, 3)) : /[",\n]/u.test(String(x)) ? `"${String(x).replaceAll('"', '""')}"` : String(x));
  const lines = runs.map((r) => [
    r.key, r.status, ...types.map((t) => r.rl?.genAcc[t]),
    r.vsBase?.mean, r.vsBase?.low, r.vsBase?.high, r.rl?.gbr.mean, r.rl?.gbr.low, r.rl?.gbr.high,
    r.rlOverSft?.mean, r.rlOverSft?.low, r.rlOverSft?.high, r.sft?.genAcc.all, r.rl?.documents, r.rl?.searches, r.seconds, r.peakMB,
  ].map(cell).join(','));
  return `${[header.join(','), ...lines].join('\n')}\n`;
}

/** The question types present, in table order, then `multi-hop` and `all`. */
export function typesOf(keys: readonly string[]): string[] {
  const present = new Set(keys);
  const known = QUESTION_TYPES_IN_ORDER.filter((t) => present.has(t));
  const others = [...present].filter((t) => !(QUESTION_TYPES_IN_ORDER as readonly string[]).includes(t) && t !== 'multi-hop' && t !== 'all').sort();
  return [...known, ...others, ...(present.has('multi-hop') ? ['multi-hop'] : []), ...(present.has('all') ? ['all'] : [])];
}

/** `+2.3 [−1.0, +5.7]` */
export function interval(i: BootstrapInterval): string {
  const signed = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(1)}`;
  return `${signed(i.mean)} [${signed(i.low)}, ${signed(i.high)}]`;
}
