/**
 * How well a frozen generator reads: its accuracy on the same questions with three contexts — the
 * supporting passages (`gold`: the ceiling any searcher can reach), the naive-RAG top k (`naive-rag`:
 * the baseline GBR subtracts) and none (`none`: what it knows without retrieval). A reader fit for
 * GBR is near perfect with gold passages and near zero without any; the gap between the two is the
 * room a searcher has.
 *
 * Scored by span match only (no judge): a stricter lower bound of GenAcc, and the one a small
 * lab generator can be scored by (it is a reader, not a judge).
 *
 * @example
 * ```ts
 * import { Bm25Index, loadLocalChatModel, readCorpus, readQa, readerCheck, splitContents } from '@s3lab/toolkit';
 * const corpus = await readCorpus('datasets/lab/corpus.jsonl').toArray();
 * const rows = await readerCheck({
 *   generator: await loadLocalChatModel('datasets/models/lab-generator'),
 *   questions: (await readQa('datasets/lab/test.jsonl').toArray()).slice(0, 50),
 *   passages: new Map(corpus.map((p) => [p.id, splitContents(p.contents)])),
 *   retriever: Bm25Index.build(corpus),
 * });
 * console.table(rows);
 * ```
 */
import { formatGeneratorContext, type SelectedDoc } from '../agent/selected-docs.js';
import { PAPER_SCALE } from '../config/index.js';
import type { QaRecord } from '../data/formats/qa.js';
import type { ChatModel } from '../llm/types.js';
import type { Retriever } from '../retrieval/types.js';
import { generateAnswers, type GeneratorInput } from '../reward/generator.js';
import { exactMatch, f1Score, spanMatch } from '../reward/metrics.js';
import { naiveRagContext } from '../reward/naive-rag.js';

export type ReaderContext = 'gold' | 'naive-rag' | 'none';

export interface ReaderCheckOptions {
  generator: ChatModel;
  /** Questions with `supporting_facts` (passage ids) and, optionally, a `type`. */
  questions: readonly QaRecord[];
  /** Passages by id, for the gold context. */
  passages: ReadonlyMap<string, SelectedDoc>;
  retriever: Retriever;
  /** Naive-RAG passages (default 3, the original's generator context). */
  k?: number;
  /** Most answer tokens (default 32). */
  maxTokens?: number;
  /** Questions per generator call (default 16). */
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Means over one context × question type (`all` last). */
export interface ReaderCheckRow {
  context: ReaderContext;
  type: string;
  questions: number;
  genAcc: number;
  em: number;
  f1: number;
}

export async function readerCheck(options: ReaderCheckOptions): Promise<ReaderCheckRow[]> {
  const { questions, passages } = options;
  const batchSize = options.batchSize ?? 16;
  const gold = questions.map((q, i) => {
    const ids = q.supporting_facts;
    if (!Array.isArray(ids) || ids.length === 0) throw new Error(`readerCheck: questions[${i}] (${q.id}) has no supporting_facts (passage ids) for the gold context`);
    return formatGeneratorContext(ids.map((id) => {
      const passage = passages.get(String(id));
      if (!passage) throw new Error(`readerCheck: questions[${i}] (${q.id}) cites passage ${String(id)}, which is not among the passages`);
      return passage;
    }));
  });
  const hits = await options.retriever.search(questions.map((q) => q.question), options.k ?? PAPER_SCALE.naiveRagK);
  const contexts: Record<ReaderContext, (string | undefined)[]> = {
    gold,
    'naive-rag': hits.map((h) => naiveRagContext(h)),
    none: questions.map(() => undefined),
  };
  const inputs: { context: ReaderContext; index: number; input: GeneratorInput }[] = [];
  for (const context of Object.keys(contexts) as ReaderContext[]) {
    questions.forEach((q, index) => {
      const text = contexts[context][index];
      inputs.push({ context, index, input: text === undefined ? { question: q.question } : { question: q.question, context: text } });
    });
  }
  const scored: { context: ReaderContext; type: string; genAcc: number; em: number; f1: number }[] = [];
  for (let start = 0; start < inputs.length; start += batchSize) {
    const batch = inputs.slice(start, start + batchSize);
    const answers = await generateAnswers(options.generator, batch.map((b) => b.input), { maxTokens: options.maxTokens ?? 32 });
    batch.forEach((b, j) => {
      const q = questions[b.index] as QaRecord;
      const answer = answers[j]?.answer ?? '';
      scored.push({
        context: b.context, type: q.type ?? 'untyped',
        genAcc: spanMatch(answer, q.golden_answers) ? 1 : 0, em: exactMatch(answer, q.golden_answers) ? 1 : 0, f1: f1Score(answer, q.golden_answers),
      });
    });
    options.onProgress?.(Math.min(start + batchSize, inputs.length), inputs.length);
  }
  const rows: ReaderCheckRow[] = [];
  for (const context of Object.keys(contexts) as ReaderContext[]) {
    const mine = scored.filter((s) => s.context === context);
    const types = [...new Set(mine.map((s) => s.type))].sort();
    for (const type of [...types, 'all']) {
      const cell = type === 'all' ? mine : mine.filter((s) => s.type === type);
      const mean = (key: 'genAcc' | 'em' | 'f1'): number => cell.reduce((a, s) => a + s[key], 0) / cell.length;
      rows.push({ context, type, questions: cell.length, genAcc: mean('genAcc'), em: mean('em'), f1: mean('f1') });
    }
  }
  return rows;
}
