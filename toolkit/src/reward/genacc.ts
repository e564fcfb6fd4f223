/**
 * GenAcc, the accuracy the s3 reward and evaluation use: 1 when the answer span-matches a golden
 * answer, else the LLM judge's verdict (`check_answer_correct` in pat-jj/s3
 * `verl/utils/reward_score/rag_2.py`). The judge is asked only about answers the span match
 * failed, all of them in one batched call.
 *
 * @example
 * ```ts
 * import { scoreGenAcc } from '@s3lab/toolkit';
 * const [result] = await scoreGenAcc(undefined, [{ answer: 'It was Paris.', goldenAnswers: ['Paris'] }]);
 * console.log(result); // { genAcc: 1, spanMatch: true, judged: false }
 * ```
 */
import type { ChatModel } from '../llm/types.js';
import { judgeResponses } from './judge.js';
import { spanMatch } from './metrics.js';

export interface GenAccItem {
  answer: string;
  goldenAnswers: readonly string[];
}

export interface GenAccResult {
  genAcc: 0 | 1;
  spanMatch: boolean;
  /** Whether the judge was asked (only when the span match failed and a judge was given). */
  judged: boolean;
  /** The judge's reply, when it was asked. */
  judgeReply?: string;
}

/**
 * GenAcc of each answer. `judge` undefined scores by span match alone (a cheaper, stricter lower
 * bound; the original always has a judge) — callers record which they used.
 */
export async function scoreGenAcc(judge: ChatModel | undefined, items: readonly GenAccItem[]): Promise<GenAccResult[]> {
  const results: GenAccResult[] = items.map(({ answer, goldenAnswers }) => {
    const matched = spanMatch(answer, goldenAnswers);
    return { genAcc: matched ? 1 : 0, spanMatch: matched, judged: false };
  });
  if (!judge) return results;
  const unmatched = results.flatMap((result, index) => (result.spanMatch ? [] : [index]));
  const verdicts = await judgeResponses(judge, unmatched.map((index) => ({ response: (items[index] as GenAccItem).answer, goldenAnswers: (items[index] as GenAccItem).goldenAnswers })));
  unmatched.forEach((index, j) => {
    const verdict = verdicts[j];
    if (!verdict) return;
    results[index] = { genAcc: verdict.correct ? 1 : 0, spanMatch: false, judged: true, judgeReply: verdict.reply };
  });
  return results;
}
