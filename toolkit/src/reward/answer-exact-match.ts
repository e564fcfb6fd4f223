/**
 * Search-R1's reward: the exact match of the policy's own `<answer>` with a golden answer (Search-R1
 * trains on EM: `compute_score_em` in its `verl/utils/reward_score/qa_em.py`), no generator. A run
 * that never answered scores 0. Beside it, the span match of the answer is logged as its GenAcc
 * without a judge.
 *
 * @example
 * ```ts
 * import { OwnAnswerReward } from '@s3lab/toolkit';
 * const [d] = await new OwnAnswerReward().scoreDetailed([{ question: 'Q?', goldenAnswers: ['1282'], answer: '1282', context: '', documents: 0, searcherTokens: 9, turns: 2 }]);
 * d!.reward; // 1
 * ```
 */
import { exactMatch, spanMatch } from './metrics.js';
import type { RewardTrajectory } from './types.js';

export interface OwnAnswerDetail {
  answer: string;
  /** Exact match of its answer: the reward. */
  reward: number;
  em: 0 | 1;
  /** Span match of its answer (GenAcc without the judge). */
  genAcc: 0 | 1;
  ragGenAcc: null;
  gbr: null;
}

export class OwnAnswerReward {
  readonly name = 'own-answer-em';

  async scoreDetailed(trajectories: readonly RewardTrajectory[]): Promise<OwnAnswerDetail[]> {
    return trajectories.map((t) => {
      const answer = t.answer ?? '';
      const em = t.answer != null && exactMatch(answer, t.goldenAnswers) ? 1 : 0;
      const genAcc = t.answer != null && spanMatch(answer, t.goldenAnswers) ? 1 : 0;
      return { answer, reward: em, em, genAcc, ragGenAcc: null, gbr: null };
    });
  }
}
