/**
 * A method's own answer scored end to end: Search-R1 answers in `<answer>` besides retrieving, and
 * the paper reports it both ways — "Ret" (its documents handed to the frozen generator, the method's
 * main row) and "end to end" (its own answer). The own answer goes through the same scorer functions
 * as the generator's answers (`scoreGenAcc`: span match, else the judge; `exactMatch`, `f1Score`),
 * so the two rows differ only in who answered.
 *
 * @example
 * ```ts
 * import { scoreOwnAnswers } from '@s3lab/toolkit';
 * const [own, none] = await scoreOwnAnswers([{ answer: 'It was 1282.', goldenAnswers: ['1282'] }, { answer: null, goldenAnswers: ['1900'] }]);
 * console.log(own); // { answer: 'It was 1282.', genAcc: 1, spanMatch: true, judged: false, em: 0, f1: 0.5 }
 * console.log(none); // undefined
 * ```
 */
import { z } from 'zod';
import type { ChatModel } from '../llm/types.js';
import { scoreGenAcc } from '../reward/genacc.js';
import { exactMatch, f1Score } from '../reward/metrics.js';

/** An answer and its scores: the fields an evaluation record has for the generator's answer and `ownAnswer` for the method's. */
export const answerScoreFields = {
  answer: z.string(),
  genAcc: z.union([z.literal(0), z.literal(1)]),
  spanMatch: z.boolean(),
  /** Whether the judge decided `genAcc` (the span match failed and a judge was given). */
  judged: z.boolean(),
  judgeReply: z.string().optional(),
  em: z.union([z.literal(0), z.literal(1)]),
  f1: z.number(),
};

/** The method's own answer (a trajectory's `answer`) and its scores, stored in an evaluation record as `ownAnswer`. */
export const ownAnswerSchema = z.object(answerScoreFields);
export type OwnAnswer = z.output<typeof ownAnswerSchema>;

/** One question's own answer (null: the method wrote none) and its golden answers. */
export interface OwnAnswerItem {
  answer: string | null;
  goldenAnswers: readonly string[];
}

/**
 * Scores each own answer with GenAcc (one batched judge call for the span-match failures; span
 * match alone without a judge), EM and F1; `undefined` where the method wrote no answer.
 */
export async function scoreOwnAnswers(items: readonly OwnAnswerItem[], judge?: ChatModel): Promise<(OwnAnswer | undefined)[]> {
  const answered = items.flatMap((item, index) => (item.answer === null ? [] : [{ index, answer: item.answer, goldenAnswers: item.goldenAnswers }]));
  if (answered.length === 0) return items.map(() => undefined);
  const accuracy = await scoreGenAcc(judge, answered);
  const scored = new Map<number, OwnAnswer>(answered.map(({ index, answer, goldenAnswers }, j) => {
    const acc = accuracy[j] as (typeof accuracy)[number];
    return [index, {
      answer,
      genAcc: acc.genAcc,
      spanMatch: acc.spanMatch,
      judged: acc.judged,
      ...(acc.judgeReply !== undefined ? { judgeReply: acc.judgeReply } : {}),
      em: exactMatch(answer, goldenAnswers) ? 1 : 0,
      f1: f1Score(answer, goldenAnswers),
    }];
  }));
  return items.map((_, index) => scored.get(index));
}
