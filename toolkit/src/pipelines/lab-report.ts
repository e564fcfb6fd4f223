/**
 * The lab run's results as table rows: the final table (GenAcc by question type and GBR, per
 * method) and the learning curve (one row per RL step). The same rows feed the CLI's text table
 * and the notebook's HTML table and plots.
 */
import type { LabRunEvent, LabRunReport, MethodScores } from './lab-run.js';
import type { RlStepMetrics } from '../rl/trainer.js';
import { roundTo } from './scores-by-type.js';

const TYPES = ['single-hop', 'bridge', 'paraphrase', 'comparison', 'multi-hop'] as const;

/**
 * GenAcc (%) per question type and GBR (points) of naive RAG, the SFT-only searcher and the RL searcher.
 *
 * @example
 * ```ts
 * console.log(formatTable(labResultRows(report), { digits: 1 }));
 * ```
 */
export function labResultRows(report: LabRunReport): Record<string, string | number>[] {
  const { naiveRag, sft, rl } = report.evaluation;
  // The test set's own question types (a world of your own may have none, or others), then all.
  const present = Object.keys(naiveRag.genAcc).filter((t) => t !== 'all' && (t !== 'multi-hop' || report.evaluation.multiHopOverNaive !== null));
  const columns = [...TYPES.filter((t) => present.includes(t)), ...present.filter((t) => !(TYPES as readonly string[]).includes(t)).sort(), 'all'];
  const row = (m: MethodScores, label: string, scores: Pick<MethodScores, 'genAcc' | 'gbr'>): Record<string, string | number> => ({
    method: label,
    ...Object.fromEntries(columns.map((t) => [t, roundTo(scores.genAcc[t] ?? 0)])),
    GBR: roundTo(scores.gbr.all ?? 0),
    documents: roundTo(m.documents),
    searches: roundTo(m.searches),
  });
  // A policy that answers itself (Search-R1) also gets its own answers' row: the paper's "end to end".
  return [naiveRag, sft, rl].flatMap((m: MethodScores) => [row(m, m.method, m), ...(m.endToEnd ? [row(m, `${m.method} (end to end)`, m.endToEnd)] : [])]);
}

/**
 * The learning curve over training questions: GenAcc (%) with its 95% interval, and GBR, at each evaluated step.
 *
 * @example
 * ```ts
 * console.log(formatTable(curveRows(report), { digits: 1 }));
 * ```
 */
export function curveRows(report: Pick<LabRunReport, 'curve'>): Record<string, number>[] {
  return report.curve.map((p) => ({
    step: p.step,
    questions: p.questions,
    genAcc: roundTo(p.genAcc.mean),
    low: roundTo(p.genAcc.low),
    high: roundTo(p.genAcc.high),
    GBR: roundTo(p.gbr),
    ...(p.endToEnd ? { endToEnd: roundTo(p.endToEnd.mean), endToEndLow: roundTo(p.endToEnd.low), endToEndHigh: roundTo(p.endToEnd.high) } : {}),
  }));
}

/** The learning curve: one row per RL step. */
export function learningCurveRows(history: readonly RlStepMetrics[]): Record<string, number>[] {
  return history.map((m) => ({
    step: m.step,
    reward: roundTo(m.reward, 3),
    genAcc: roundTo(m.genAcc, 3),
    kl: roundTo(m.kl, 4),
    entropy: roundTo(m.entropy, 3),
    clipFraction: roundTo(m.clipFraction, 3),
    valueLoss: roundTo(m.valueLoss, 4),
    responseLength: roundTo(m.responseLength),
    searches: roundTo(m.searches, 2),
    documents: roundTo(m.documents, 2),
    seconds: roundTo(m.seconds.total),
  }));
}

/** One line on the RL − SFT GBR difference and the multi-hop comparison with naive RAG. */
export function labVerdict(report: LabRunReport): string {
  const d = report.evaluation.gbrDifference;
  const m = report.evaluation.multiHopOverNaive;
  return `RL − SFT GBR: ${d.mean.toFixed(1)} points (95% CI ${d.low.toFixed(1)} to ${d.high.toFixed(1)}, ${d.n} test questions); `
    + (m ? `multi-hop GenAcc RL − naive RAG: ${m.mean.toFixed(1)} points (95% CI ${m.low.toFixed(1)} to ${m.high.toFixed(1)}, ${m.n} questions)` : 'no test question is typed multi-hop');
}

/**
 * The terminal's line for a lab run's progress event, or undefined for one not worth a line (SFT
 * steps between tens). `s3lab train` and the runs of `s3lab sweep` print the same lines.
 *
 * @example
 * ```ts
 * await trainLabSearcher({ out, onProgress: (e) => { const line = labRunProgressLine(e, 'grpo'); if (line) console.log(line); } });
 * ```
 */
export function labRunProgressLine(event: LabRunEvent, algorithm: string): string | undefined {
  if (event.phase === 'setup') return event.message;
  if (event.phase === 'sft') return event.step % 10 === 0 || event.step === event.steps ? `SFT step ${event.step}/${event.steps}: loss ${event.metrics.loss.toFixed(3)}` : undefined;
  if (event.phase === 'rl') {
    const m = event.metrics;
    return `${algorithm.toUpperCase()} step ${event.step}/${event.steps}: reward ${m.reward.toFixed(3)}, GenAcc ${m.genAcc.toFixed(3)}, KL ${m.kl.toFixed(4)}, searches ${m.searches.toFixed(2)}, ${m.seconds.total.toFixed(0)} s`;
  }
  return `evaluating the ${event.method} policy: ${event.done}/${event.total}`;
}
