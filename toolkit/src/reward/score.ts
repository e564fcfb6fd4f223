/**
 * The one scoring path: the frozen generator answers each question from its context (or with its
 * zero-shot prompt), GenAcc scores the answers (span match, else the judge, asked once for the
 * whole batch about the span-match failures), and EM and token F1 are kept for reporting. The
 * reward (`GenerationReward`), the RAG cache and the evaluation harness all score through it, so a
 * training reward and an evaluation table computed from the same context agree.
 *
 * @example
 * ```ts
 * import { loadLocalChatModel, scoreContexts } from '@s3lab/toolkit';
 * const generator = await loadLocalChatModel('datasets/models/lab-generator');
 * const [scored] = await scoreContexts([{ question: 'In what year was Dusstad founded?', goldenAnswers: ['1282'], context: 'Doc 1 (Title: Dusstad)\nDusstad was founded in 1282.\n\n' }], { generator, maxTokens: 16 });
 * console.log(scored?.answer, scored?.genAcc, scored?.em, scored?.f1);
 * ```
 */
import type { ChatModel } from '../llm/types.js';
import { scoreGenAcc } from './genacc.js';
import { generateAnswers } from './generator.js';
import { exactMatch, f1Score } from './metrics.js';

/** One question to score: its golden answers and the context the generator reads. */
export interface ScoreItem {
  question: string;
  goldenAnswers: readonly string[];
  context: string;
  /** The generator answers with its zero-shot prompt (no context message); `context` is ignored. */
  zeroShot?: boolean;
}

export interface ScoreContextsOptions {
  generator: ChatModel;
  /** The GenAcc judge; omitted = span match only. */
  judge?: ChatModel;
  /** Most tokens per generator answer (backend default when omitted). */
  maxTokens?: number;
}

/** What the generator answered and how it scored. */
export interface ScoredContext {
  /** The answer scored (the reply with labels and think blocks removed). */
  answer: string;
  /** The generator's reply as written. */
  reply: string;
  promptTokens: number;
  completionTokens: number;
  genAcc: 0 | 1;
  spanMatch: boolean;
  /** Whether the judge decided `genAcc` (the span match failed and a judge was given). */
  judged: boolean;
  judgeReply?: string;
  em: 0 | 1;
  f1: number;
}

/**
 * Scores a batch in two model calls: one generator `chat` for all items, then one judge call for
 * the span-match failures (none without a judge).
 *
 * @example
 * ```ts
 * const [direct] = await scoreContexts([{ question: 'Who founded Cuga Records?', goldenAnswers: ['Mara Voss'], context: '', zeroShot: true }], { generator });
 * direct?.genAcc; // 0 or 1
 * ```
 */
export async function scoreContexts(items: readonly ScoreItem[], options: ScoreContextsOptions): Promise<ScoredContext[]> {
  const answers = await generateAnswers(options.generator, items.map((item) => (item.zeroShot ? { question: item.question } : { question: item.question, context: item.context })), { maxTokens: options.maxTokens });
  const accuracy = await scoreGenAcc(options.judge, answers.map(({ answer }, i) => ({ answer, goldenAnswers: (items[i] as ScoreItem).goldenAnswers })));
  return items.map((item, i) => {
    const generated = answers[i] as (typeof answers)[number];
    const acc = accuracy[i] as (typeof accuracy)[number];
    return {
      answer: generated.answer,
      reply: generated.reply,
      promptTokens: generated.promptTokens,
      completionTokens: generated.completionTokens,
      genAcc: acc.genAcc,
      spanMatch: acc.spanMatch,
      judged: acc.judged,
      ...(acc.judgeReply !== undefined ? { judgeReply: acc.judgeReply } : {}),
      em: exactMatch(generated.answer, item.goldenAnswers) ? 1 : 0,
      f1: f1Score(generated.answer, item.goldenAnswers),
    };
  });
}
