/**
 * The summary of an evaluation: per method and question type (plus `all`), GenAcc, GBR (where a
 * naive-RAG baseline is known), EM, F1, mean documents, searcher tokens and turns, and counts — as JSON,
 * as plain rows for `formatTable` (`summaryRows`), and as an arquero table to query (`summaryTable`).
 * A method that answers itself (Search-R1) also gets cells for its own answer, labelled
 * `${method} (end to end)` (`endToEndLabel`), next to its main cells (the generator's answer, "Ret").
 *
 * @example
 * ```ts
 * import { formatTable, summarizeRecords, summaryRows } from '@s3lab/toolkit';
 * console.log(formatTable(summaryRows(summarizeRecords(records))));
 * ```
 */
import { table as arqueroTable, type ColumnTable } from 'arquero';
import { z } from 'zod';
import { answerScoreFields, ownAnswerSchema, type OwnAnswer } from './own-answer.js';

/** Where a record's naive-RAG GenAcc comes from: the RAG cache, or the `naive-rag` records of the same run. */
export const GBR_SOURCES = ['rag-cache', 'naive-rag'] as const;
export type GbrSource = (typeof GBR_SOURCES)[number];

/** One evaluated question, as stored in `records.jsonl`. */
export const evalRecordSchema = z.object({
  method: z.string(),
  id: z.string(),
  /** The question's type (`type` field of the set), `untyped` when it has none. */
  type: z.string(),
  question: z.string(),
  goldenAnswers: z.array(z.string()),
  /** The generator's answer (`answer`, cleaned from its reply) and its scores. */
  ...answerScoreFields,
  /** The generator's reply as written. */
  reply: z.string(),
  documents: z.number().int().min(0),
  searcherTokens: z.number().int().min(0),
  turns: z.number().int().min(0),
  /** Searches the method ran (records written before it was kept lack it). */
  searches: z.number().int().min(0).optional(),
  generatorPromptTokens: z.number().int().min(0),
  context: z.string().optional(),
  /** The searcher's outputs, one per turn, when it wrote any (kept with the context). */
  searcherOutputs: z.array(z.string()).optional(),
  /** The naive-RAG GenAcc of the same question (absent when the run had no baseline for it; records written before GBR lack it). */
  ragGenAcc: z.union([z.literal(0), z.literal(1)]).optional(),
  /** Where `ragGenAcc` came from: the RAG cache, or the `naive-rag` records of the run. */
  ragSource: z.enum(GBR_SOURCES).optional(),
  /** Gain Beyond RAG: `genAcc - ragGenAcc`. */
  gbr: z.number().min(-1).max(1).optional(),
  /**
   * The method's own answer (its trajectory's `answer`, e.g. Search-R1's `<answer>`) scored by the
   * same GenAcc, EM and F1 as the generator's: the "end to end" row. Absent when the method wrote no
   * answer, and in records written before it was kept. Its GBR is `ownAnswer.genAcc - ragGenAcc`.
   */
  ownAnswer: ownAnswerSchema.optional(),
});
export type EvalRecord = z.output<typeof evalRecordSchema>;

/** Means over one method × type cell. */
export interface SummaryCell {
  method: string;
  type: string;
  questions: number;
  genAcc: number;
  /** Mean Gain Beyond RAG over the questions that have a naive-RAG baseline; null when none has. */
  gbr: number | null;
  em: number;
  f1: number;
  /** Share of questions the judge decided (the span match failed). */
  judged: number;
  documents: number;
  searcherTokens: number;
  turns: number;
}

const ALL = 'all';

/**
 * The summary's method label of a method's own answers (the paper's "Search-R1 (end to end)").
 *
 * @example
 * ```ts
 * endToEndLabel('search-r1'); // 'search-r1 (end to end)'
 * ```
 */
export function endToEndLabel(method: string): string {
  return `${method} (end to end)`;
}

/** What one record scores in a cell: the generator's answer, or the method's own. */
type Scores = Pick<EvalRecord, 'genAcc' | 'em' | 'f1' | 'judged' | 'gbr'>;

const generatorScores = (r: EvalRecord): Scores => r;
// A question the method left unanswered counts as wrong end to end, as an evaluation of its answers would count it.
const UNANSWERED: Pick<OwnAnswer, 'genAcc' | 'em' | 'f1' | 'judged'> = { genAcc: 0, em: 0, f1: 0, judged: false };

/**
 * A record's "end to end" scores: the method's own answer (one it did not write counts as wrong),
 * GBR against the record's naive-RAG GenAcc. The one rule for every end-to-end number.
 *
 * @example
 * ```ts
 * endToEndScores(record).genAcc; // 0 when the method never answered
 * ```
 */
export function endToEndScores(r: Pick<EvalRecord, 'ownAnswer' | 'ragGenAcc'>): Scores {
  const own = r.ownAnswer ?? UNANSWERED;
  return { genAcc: own.genAcc, em: own.em, f1: own.f1, judged: own.judged, gbr: r.ragGenAcc === undefined ? undefined : own.genAcc - r.ragGenAcc };
}

/**
 * Cells per method (in first-seen order) and type (sorted, then `all`). Means are plain averages
 * over questions, as the paper's per-dataset accuracies. A method with an own answer in any of its
 * records gets a second set of cells right after its own, `endToEndLabel(method)`, scoring those
 * answers over all its questions (one without an own answer counts as wrong).
 */
export function summarizeRecords(records: readonly EvalRecord[]): SummaryCell[] {
  const groups = new Map<string, Map<string, EvalRecord[]>>();
  for (const record of records) {
    const byType = groups.get(record.method) ?? new Map<string, EvalRecord[]>();
    groups.set(record.method, byType);
    for (const type of [record.type, ALL]) {
      const list = byType.get(type) ?? [];
      byType.set(type, list);
      list.push(record);
    }
  }
  const cells: SummaryCell[] = [];
  for (const [method, byType] of groups) {
    const types = [...byType.keys()].filter((t) => t !== ALL).sort();
    const all = byType.get(ALL) ?? [];
    const scorings: [string, (r: EvalRecord) => Scores][] = [[method, generatorScores]];
    if (all.some((r) => r.ownAnswer !== undefined)) scorings.push([endToEndLabel(method), endToEndScores]);
    for (const [label, score] of scorings) {
      for (const type of [...types, ALL]) cells.push(summaryCell(label, type, byType.get(type) ?? [], score));
    }
  }
  return cells;
}

/** The means of one cell's records, as `score` reads them. */
function summaryCell(method: string, type: string, list: readonly EvalRecord[], score: (r: EvalRecord) => Scores): SummaryCell {
  const mean = (pick: (r: EvalRecord) => number): number => list.reduce((sum, r) => sum + pick(r), 0) / list.length;
  const gains = list.flatMap((r) => {
    const { gbr } = score(r);
    return gbr === undefined ? [] : [gbr];
  });
  return {
    method, type, questions: list.length,
    genAcc: mean((r) => score(r).genAcc), gbr: gains.length ? gains.reduce((a, b) => a + b, 0) / gains.length : null,
    em: mean((r) => score(r).em), f1: mean((r) => score(r).f1), judged: mean((r) => (score(r).judged ? 1 : 0)),
    documents: mean((r) => r.documents), searcherTokens: mean((r) => r.searcherTokens), turns: mean((r) => r.turns),
  };
}

/**
 * The cells as plain row objects: what `formatTable` and `htmlTable` print (`s3lab eval` prints
 * these). GBR is blank (`''`) where no naive-RAG baseline was available. `summaryTable` gives the
 * same columns as an arquero table to group, filter and join.
 *
 * @example
 * ```ts
 * summaryRows([{ method: 'naive-rag', type: 'all', questions: 2, genAcc: 0.5, gbr: 0, em: 0.5, f1: 0.5, judged: 0, documents: 3, searcherTokens: 0, turns: 0 }]);
 * // [{ method: 'naive-rag', type: 'all', n: 2, GenAcc: 0.5, GBR: 0, EM: 0.5, F1: 0.5, judged: 0, docs: 3, 'searcher tokens': 0, turns: 0 }]
 * ```
 */
export function summaryRows(cells: readonly SummaryCell[]): Record<string, string | number>[] {
  return cells.map((c) => ({ ...summaryColumns(c), GBR: c.gbr ?? '' }));
}

/**
 * The cells as an arquero table with `summaryRows`' columns, in the same order (`display` shows it
 * as that table). GBR is null where no naive-RAG baseline was available, so that arquero's
 * aggregates skip it. A column whose name has a space is `d['searcher tokens']` in an expression.
 *
 * @example
 * ```ts
 * import { op } from 'arquero';
 * import { summaryTable } from '@s3lab/toolkit';
 * const t = summaryTable([
 *   { method: 'naive-rag', type: 'bridge', questions: 2, genAcc: 0.5, gbr: 0, em: 0.5, f1: 0.5, judged: 0, documents: 3, searcherTokens: 0, turns: 0 },
 *   { method: 's3', type: 'bridge', questions: 2, genAcc: 1, gbr: 0.5, em: 1, f1: 1, judged: 0, documents: 6, searcherTokens: 80, turns: 2 },
 * ]);
 * t.filter((d) => d.method === 's3').array('GenAcc'); // [1]
 * t.groupby('type').rollup({ best: op.max('GenAcc') }).objects(); // [{ type: 'bridge', best: 1 }]
 * ```
 */
export function summaryTable(cells: readonly SummaryCell[]): ColumnTable {
  const rows = cells.map((c) => ({ ...summaryColumns(c), GBR: c.gbr }));
  // Built column by column so that an empty summary still has its columns.
  const names = Object.keys(summaryColumns(EMPTY_CELL));
  return arqueroTable(Object.fromEntries(names.map((name) => [name, rows.map((row) => row[name as keyof typeof row])])));
}

/** One cell's values under their display names, in display order (GBR as the cell has it). */
function summaryColumns(c: SummaryCell): { method: string; type: string; n: number; GenAcc: number; GBR: number | null; EM: number; F1: number; judged: number; docs: number; 'searcher tokens': number; turns: number } {
  return {
    method: c.method, type: c.type, n: c.questions, GenAcc: c.genAcc, GBR: c.gbr, EM: c.em, F1: c.f1, judged: c.judged,
    docs: c.documents, 'searcher tokens': c.searcherTokens, turns: c.turns,
  };
}

const EMPTY_CELL: SummaryCell = { method: '', type: '', questions: 0, genAcc: 0, gbr: null, em: 0, f1: 0, judged: 0, documents: 0, searcherTokens: 0, turns: 0 };
